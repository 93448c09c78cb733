// `claimtrack import` under load: concurrent batches naming the same claimants finish within the statement timeout
// while each batch's transaction is slow; a failure prints its cause first and never the query's parameters.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { parseConfig } from '../../src/config.ts'
import { createDatabase, queryRows, type Database } from '../../src/db/client.ts'
import { freshDatabase, migratedPgliteDir, onServer } from '../helper.ts'
import { claimtrackIn } from './run.ts'

// Each command is a process of its own that compiles PGlite (on the embedded database) and opens its database: on a
// busy 2-core machine a file of them needs longer than tap's 300 s per file.
t.setTimeout(600_000)

const claimants = ['Ann Lee', 'Bo Chen', 'Cy Diaz', 'Di Evans', 'Ed Fox', 'Flo Gray']
const records = Array.from({ length: 300 }, (_, i) => ({
  id: `load-${i}`,
  text: `Load claim number ${i} was said.`,
  claimant: claimants[i % claimants.length],
  claimDate: '2020-01-02',
  context: 'a speech',
  verdictLabel: 'false',
  reviewUrl: `https://factcheck.example.org/load-${i}`,
  reviewer: 'Example Check',
}))

/** A store (embedded directory or fresh server database), an organisation `desk`, a work directory and the input. */
async function setUp (t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-import-load-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const fresh = onServer ? await freshDatabase(t) : undefined
  const store = fresh?.env ?? { PGLITE_DIR: await migratedPgliteDir(join(dir, 'pglite')) }
  t.equal((await claimtrackIn(dir, store, 'keys', 'create', '--org', 'desk', '--role', 'admin')).code, 0)
  const file = join(dir, 'load.jsonl')
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n'))
  // The embedded database is opened by one process at a time: by a command, or by this test between commands.
  const withDatabase = async <T> (use: (database: Database) => Promise<T>): Promise<T> => {
    if (fresh) return use(fresh.database)
    const database = await createDatabase(parseConfig(store))
    try {
      return await use(database)
    } finally {
      await database.close()
    }
  }
  return { dir, store, file, withDatabase }
}

t.test('concurrent batches sharing claimants finish although each batch transaction outlasts the statement timeout', async (t) => {
  const { dir, store, file, withDatabase } = await setUp(t)
  if (onServer) {
    // Load: every insert of claims, appearances and reviews sleeps 1.2 s (under the 2 s statement timeout below), so a
    // batch's transaction lasts 3.6 s or more. A batch that waited for another's claimant locks until that one
    // committed was cancelled by the timeout.
    await withDatabase((database) => runStatements(database, [
      'create function test_slow_statement() returns trigger language plpgsql as $$ begin perform pg_sleep(1.2); return null; end $$',
      'create trigger test_slow_claims after insert on claims for each statement execute function test_slow_statement()',
      'create trigger test_slow_appearances after insert on appearances for each statement execute function test_slow_statement()',
      'create trigger test_slow_reviews after insert on reviews for each statement execute function test_slow_statement()',
    ]))
  }
  const env = { ...store, DATABASE_STATEMENT_TIMEOUT: '2000' }
  const imported = await claimtrackIn(dir, env, 'import', file, '--format', 'jsonl', '--org', 'desk', '--batch-size', '50')
  t.equal(imported.code, 0, `the import finishes: ${imported.stderr}`)
  t.equal(imported.stdout.split('\n')[0], 'created 300, updated 0, unchanged 0, rejected 0')
  const counts = await withDatabase((database) => queryRows<{ name: string, claims: number }>(database.db.drizzle, sql`
    select c.name, count(k.id)::int as claims from claimants c left join claims k on k.claimant_id = c.id group by c.name order by c.name`))
  t.same(counts, claimants.map((name) => ({ name, claims: 50 })), 'each claimant once, with all its claims')
})

t.test('a failed import prints the cause first, and never the parameters of the query', async (t) => {
  const { dir, store, file, withDatabase } = await setUp(t)
  await withDatabase((database) => runStatements(database, [
    'create function test_refuse_claims() returns trigger language plpgsql as $$ begin raise exception \'claims are frozen for the audit\'; end $$',
    'create trigger test_refuse_claims before insert on claims for each statement execute function test_refuse_claims()',
  ]))
  const failed = await claimtrackIn(dir, store, 'import', file, '--format', 'jsonl', '--org', 'desk')
  t.equal(failed.code, 1)
  t.match(failed.stderr, /^claimtrack: claims are frozen for the audit \(P0001\) \(while running: insert into "claims"/, 'the cause first, with its SQLSTATE and the statement')
  t.notMatch(failed.stderr, /params:|Failed query|load-1\b|Load claim number/, 'no parameters')
  t.ok(failed.stderr.length < 500, `one short line: ${failed.stderr.length} characters`)
})

/** Runs statements one at a time (drizzle sends each with the extended protocol, which takes one statement). */
async function runStatements (
  database: { db: { drizzle: { execute: (q: ReturnType<typeof sql.raw>) => Promise<unknown> } } },
  statements: string[]
): Promise<void> {
  for (const statement of statements) await database.db.drizzle.execute(sql.raw(statement))
}
