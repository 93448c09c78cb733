// `claimtrack import` and `claimtrack export` as operators run them: help, exit codes (2 bad usage, 1 failed, 0 done
// with rejections), the reject file, the summary, a re-run that changes nothing, and an export to a file.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { parseConfig } from '../../src/config.ts'
import { createDatabase, queryRows, type Database } from '../../src/db/client.ts'
import { JOB_SCHEMA } from '../../src/jobs/index.ts'
import { WEBHOOK_QUEUE } from '../../src/jobs/queues.ts'
import { freshDatabase, migratedPgliteDir, onServer } from '../helper.ts'
import { claimtrack, claimtrackIn } from './run.ts'

// Each command is a process of its own that compiles PGlite (on the embedded database) and opens its database: on a
// busy 2-core machine a file of them needs longer than tap's 300 s per file.
t.setTimeout(600_000)

const records = [
  { id: 'cli-1', text: 'Taxes doubled last year.', claimant: 'Ann Lee', claimDate: '2020-01-02', context: 'a speech', verdictLabel: 'false', reviewUrl: 'https://factcheck.example.org/taxes', reviewer: 'Example Check', topics: ['taxes'] },
  { id: 'cli-2', text: 'A flip on trade.', claimant: 'Ann Lee', claimDate: '2020-01-03', context: null, verdictLabel: 'full-flop', reviewUrl: 'https://factcheck.example.org/trade', reviewer: 'Example Check', topics: null },
  { id: 'cli-3', text: 'Wages rose.', claimant: 'Bo Chen', claimDate: null, context: null, verdictLabel: null, reviewUrl: null, reviewer: null, topics: null },
]

t.test('help and bad usage (exit 2) need no database', async (t) => {
  const store = { PGLITE_DIR: '/nonexistent/never-created' }
  t.match((await claimtrack(store, 'import', '--help')).stdout, /Usage: claimtrack import FILE --format jsonl\|csv\|claimreview --org SLUG/)
  t.match((await claimtrack(store, 'export', '--help')).stdout, /Usage: claimtrack export --format/)
  for (const args of [['import', '--format', 'jsonl', '--org', 'desk'], ['import', 'x.jsonl', '--format', 'xml', '--org', 'desk'], ['export', '--format', 'jsonl', '--verdict', 'perhaps']]) {
    const res = await claimtrack(store, ...args)
    t.equal(res.code, 2, `${args.join(' ')}: exit 2`)
    t.match(res.stderr, /^claimtrack: .+\n\nUsage: claimtrack/)
  }
})

t.test('import with rejects and a summary, again with nothing changed, then export; an unknown organisation fails', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-impex-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const store = onServer ? (await freshDatabase(t)).env : { PGLITE_DIR: await migratedPgliteDir(join(dir, 'pglite')) }
  const file = join(dir, 'claims.jsonl')
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n'))

  const unknown = await claimtrack(store, 'import', file, '--format', 'jsonl', '--org', 'desk')
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /^claimtrack: no organisation "desk"; make it with: claimtrack keys create --org desk/)
  t.equal((await claimtrack(store, 'keys', 'create', '--org', 'desk', '--role', 'admin')).code, 0)

  // Rejects go to the working directory, not beside the input (whose folder may be read-only or shared).
  const work = await mkdtemp(join(tmpdir(), 'claimtrack-impex-work-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  const first = await claimtrackIn(work, store, 'import', file, '--format', 'jsonl', '--org', 'desk')
  t.equal(first.code, 0, first.stderr)
  t.equal(first.stdout, `created 2, updated 0, unchanged 0, rejected 1 (rejected records and why: ${join(work, 'claims.jsonl.rejects.jsonl')})\nundated 1: verdicts whose records give no review date, stored without one (give reviewDate, or map a column onto it with --columns)\n`)
  await t.rejects(readFile(`${file}.rejects.jsonl`), 'nothing is written beside the input')
  const rejects = (await readFile(join(work, 'claims.jsonl.rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
  t.match(rejects, [{ line: 2, key: 'cli-2', reason: /"full-flop" is not a value of the rating scale truth-o-meter/, record: { id: 'cli-2' } }])

  const again = await claimtrack(store, 'import', file, '--format', 'jsonl', '--org', 'desk', '--rejects', join(dir, 'again.jsonl'))
  t.equal(again.stdout, `created 0, updated 0, unchanged 2, rejected 1 (rejected records and why: ${join(dir, 'again.jsonl')})\n`)

  // Label mappings (repeated --map, a --map-file) and each record's scale from a field (--scale-column).
  const labelled = join(dir, 'labelled.jsonl')
  await writeFile(labelled, [
    { id: 'cli-2', text: 'A flip on trade.', verdictLabel: 'full-flop', meter: 'flip-o-meter', reviewUrl: 'https://factcheck.example.org/trade', reviewer: 'Example Check' },
    { id: 'cli-4', text: 'Sort of.', verdictLabel: 'Kinda', reviewUrl: 'https://factcheck.example.org/kinda', reviewer: 'Example Check' },
    { id: 'cli-5', text: 'Nope.', verdictLabel: 'nah', reviewUrl: 'https://factcheck.example.org/nah', reviewer: 'Example Check' },
    { id: 'cli-6', text: 'Old name.', verdictLabel: 'barely-true', reviewUrl: 'https://factcheck.example.org/old', reviewer: 'Example Check' },
  ].map((r) => JSON.stringify(r)).join('\n'))
  await writeFile(join(dir, 'labels.txt'), '# ours to theirs\nnah=false\n')
  const mapped = await claimtrack(store, 'import', labelled, '--format', 'jsonl', '--org', 'desk', '--scale-column', 'meter', '--map', 'Kinda=half-true', '--map', 'meh=mixed', '--map-file', join(dir, 'labels.txt'))
  t.equal(mapped.code, 0, mapped.stderr)
  t.match(mapped.stdout, /^created 4, updated 0, unchanged 0, rejected 0\n/, 'cli-2, rejected before, is made on its own scale; the others mapped')
  const badMap = await claimtrack(store, 'import', labelled, '--format', 'jsonl', '--org', 'desk', '--map', 'nonsense')
  t.equal(badMap.code, 2)
  t.match(badMap.stderr, /--map: expected OLD=NEW, got "nonsense"/)

  const out = join(dir, 'out.csv')
  const exported = await claimtrack(store, 'export', '--format', 'csv', '--org', 'desk', '--published-only', '--output', out)
  t.equal(exported.code, 0, exported.stderr)
  t.same((await readFile(out, 'utf8')).trim().split('\n').map((l) => l.split(',').slice(0, 3).join(',')), ['id,text,claimant', 'cli-1,Taxes doubled last year.,Ann Lee', 'cli-2,A flip on trade.,', 'cli-4,Sort of.,', 'cli-5,Nope.,', 'cli-6,Old name.,'])
})

t.test('an import queues the webhook events of the verdicts it publishes, as changes through the API do', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-impex-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const fresh = onServer ? await freshDatabase(t) : undefined
  const store = fresh?.env ?? { PGLITE_DIR: await migratedPgliteDir(join(dir, 'pglite')) }
  // The embedded database is opened by one process at a time: by the command, or by this test between commands.
  const open = async () => fresh?.database ?? await createDatabase(parseConfig(store))
  const done = async (database: Database) => { if (!fresh) await database.close() }
  t.equal((await claimtrack(store, 'keys', 'create', '--org', 'partner', '--role', 'admin')).code, 0)
  let database = await open()
  await database.db.drizzle.execute(sql`insert into webhooks (id, organization_id, url, events, secret)
    select gen_random_uuid(), id, 'https://partner.example.org/hooks', '{review.published}', 'whsec_test' from organizations where slug = 'partner'`)
  await done(database)
  t.equal((await claimtrack(store, 'keys', 'create', '--org', 'desk', '--role', 'admin')).code, 0)
  const file = join(dir, 'claims.jsonl')
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n'))
  const imported = await claimtrackIn(dir, store, 'import', file, '--format', 'jsonl', '--org', 'desk')
  t.equal(imported.code, 0, imported.stderr)
  database = await open()
  const jobs = await queryRows<{ type: string, claim: string }>(database.db.drizzle, sql`select data->>'type' as type, (data->>'body')::jsonb->'data'->'review'->>'url' as claim from ${sql.raw(JOB_SCHEMA)}.job where name = ${WEBHOOK_QUEUE}`)
  await done(database)
  t.same(jobs, [{ type: 'review.published', claim: 'https://factcheck.example.org/taxes' }], 'one event, for the one verdict published')
})
