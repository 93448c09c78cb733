// `node bench/plans.ts`: runs the main request of each endpoint against a generated database, captures the SQL it
// sends, and prints EXPLAIN (ANALYZE, BUFFERS) of every query with a verdict on whether the big tables are read
// through an index. The report goes to stdout and to bench/results/plans-<claims>-<date>.txt.
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres, { type Sql } from 'postgres'
import { buildApp } from '../src/app.ts'
import { parseConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/client.ts'
import { createCursors } from '../src/lib/tokens/cursor.ts'

const USAGE = `usage: node bench/plans.ts [--database-url postgres://...] [--out <dir>]

--database-url defaults to DATABASE_URL; the database should be filled by bench/generate.ts.
The report is also written to <dir>/plans-<claims>-<date>.txt (default bench/results).`

/** Tables big enough that reading one whole is a problem; claimants grow too (2% of claims), the rest stay tiny. */
const BIG_TABLES = new Set(['claims', 'appearances', 'evidence', 'reviews', 'revisions'])
const WATCHED_TABLES = new Set([...BIG_TABLES, 'claimants'])
/** Rows read from the watched tables above which an indexed plan is still worth a look. */
const MANY_ROWS = 2000
/** The scope the change feed signs its cursors with (src/services/changes.ts). */
const CHANGES_CURSOR_SCOPE = 'changes'

interface Captured { query: string, params: unknown[] }
interface Probe { label: string, method: 'GET' | 'POST', url: string, body?: unknown, note?: string }

interface Verdict {
  /** No sequential scan of a big table. */
  ok: boolean
  /** Rows the scans of the watched tables produced or filtered away, over all loops. */
  rowsRead: number
  line: string
}

const SCAN = /(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan)(?: Backward)?(?: using (\S+))? on (\S+).*\(actual time=\S+ rows=(\d+) loops=(\d+)\)/
const BITMAP_INDEX = /Bitmap Index Scan on (\S+)/
const REMOVED = /Rows Removed by (?:Filter|Index Recheck): (\d+)/

/** Whether a plan reads the big tables through indexes, and how many of their rows it reads, from EXPLAIN's text. */
function judge (plan: string[]): Verdict {
  const indexes = new Set<string>()
  const seqScans: Array<{ table: string, line: string }> = []
  let rowsRead = 0
  // The scan node the following detail lines belong to, when it reads a watched table.
  let current: { loops: number } | null = null
  for (const line of plan) {
    // "Bitmap Index Scan on <index>" would also match SCAN, with the index taken for the table.
    const bitmap = BITMAP_INDEX.exec(line)
    const scan = bitmap ? null : SCAN.exec(line)
    const removed = REMOVED.exec(line)
    if (scan) {
      const [, kind, index, table = '', rows, loops] = scan
      if (index) indexes.add(index)
      current = WATCHED_TABLES.has(table) ? { loops: Number(loops) } : null
      if (current) rowsRead += Number(rows) * current.loops
      if (kind === 'Seq Scan' && WATCHED_TABLES.has(table)) seqScans.push({ table, line: line.trim().replace(/^->\s*/, '') })
    } else if (bitmap?.[1]) {
      indexes.add(bitmap[1])
    } else if (removed && current) {
      rowsRead += Number(removed[1]) * current.loops
    } else if (line.includes('(cost=')) {
      current = null
    }
  }
  const big = seqScans.filter((s) => BIG_TABLES.has(s.table))
  const others = seqScans.filter((s) => !BIG_TABLES.has(s.table))
  const reads = `reads ${rowsRead} rows`
  if (big.length > 0) return { ok: false, rowsRead, line: `SEQ SCAN on a big table, ${reads}: ${big.map((s) => s.line).join(' | ')}` }
  const note = others.map((s) => `; seq scan on ${s.table}: ${s.line}`).join('')
  return { ok: true, rowsRead, line: `${indexes.size > 0 ? `index (${[...indexes].join(', ')})` : 'no index'}, ${reads}${note}` }
}

const isRead = (query: string) => /^\s*(select|with|\()/i.test(query)

async function pickSamples (sql: Sql, cursors: ReturnType<typeof createCursors>) {
  const one = async <T>(rows: Promise<T[]>, what: string): Promise<T> => {
    const [row] = await rows
    if (row === undefined) throw new Error(`no ${what} in the database; fill it with bench/generate.ts first`)
    return row
  }
  const counts = await one(sql<Array<{ claims: number, appearances: number, evidence: number, reviews: number, revisions: number }>>`
    select (select count(*) from claims)::int as claims, (select count(*) from appearances)::int as appearances,
           (select count(*) from evidence)::int as evidence, (select count(*) from reviews)::int as reviews,
           (select count(*) from revisions)::int as revisions`, 'counts')

  // A reviewed claim from the middle of the table, with several appearances and some evidence.
  // Timestamps come back as text: this client has drizzle's transparent parsers (see main).
  const claim = await one(sql<Array<{ id: string, updatedAt: string, createdAt: string }>>`
    select c.id, c.updated_at as "updatedAt", c.created_at as "createdAt" from claims c
    where c.status = 'reviewed' and c.deleted_at is null
      and c.id >= (select id from claims order by id offset ${Math.floor(counts.claims / 2)} limit 1)
      and (select count(*) from appearances a where a.claim_id = c.id) >= 2
      and exists (select 1 from evidence e where e.claim_id = c.id)
    order by c.id limit 1`, 'reviewed claim')

  // Search terms from English claim texts: one in about 1% of claims, and the most frequent one.
  const texts = await sql<Array<{ text: string }>>`select text from claims tablesample bernoulli (2) repeatable (42) where language = 'en'`
  const docFrequency = new Map<string, number>()
  for (const { text } of texts) {
    for (const word of new Set(text.toLowerCase().match(/\p{L}{5,}/gu) ?? [])) docFrequency.set(word, (docFrequency.get(word) ?? 0) + 1)
  }
  const byFrequency = [...docFrequency].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  const frequentTerm = byFrequency[0]?.[0] ?? 'president'
  const mediumTerm = byFrequency.find(([, n]) => n <= texts.length / 100)?.[0] ?? 'immigration'

  const topClaimant = await one(sql<Array<{ slug: string, n: number }>>`
    select cl.slug, count(*)::int as n from claims c join claimants cl on cl.id = c.claimant_id
    group by cl.slug order by n desc, cl.slug limit 1`, 'claimant')
  const typicalClaimant = await one(sql<Array<{ slug: string, n: number }>>`
    select cl.slug, count(*)::int as n from claims c join claimants cl on cl.id = c.claimant_id
    group by cl.slug order by n desc, cl.slug offset (select count(*) / 2 from claimants) limit 1`, 'claimant')
  const topics = await sql<Array<{ topic: string, n: number }>>`
    select t as topic, count(*)::int as n from claims, unnest(topics) t group by t order by n desc, t`
  const topTopic = topics[0]
  const rareTopic = topics[topics.length - 1]
  if (!topTopic || !rareTopic) throw new Error('no claim has a topic')

  // A page cited for several claims, as a reader would paste it (not in canonical form).
  const page = await one(sql<Array<{ url: string, hash: string, n: number }>>`
    select min(url) as url, url_hash as hash, count(*)::int as n from appearances
    where url_hash is not null group by url_hash order by count(*) desc, url_hash limit 1`, 'appearance with a URL')
  const known = await sql<Array<{ url: string }>>`
    select url from appearances tablesample bernoulli (1) repeatable (7) where url is not null limit 50`
  const batchUrls = [
    ...known.map((k) => k.url),
    ...Array.from({ length: 100 - known.length }, (_, i) => `https://news.example.org/not-cited/${i}`),
  ]

  const middle = await one(sql<Array<{ tx: string, seq: number }>>`
    select tx_id::text as tx, seq::int from revisions
    where seq >= (select max(seq) / 2 from revisions) and entity_type in ('claim', 'review')
    order by seq limit 1`, 'revision')
  const afterCursor = cursors.encode({ tx: middle.tx, seq: middle.seq }, CHANGES_CURSOR_SCOPE)
  const asOf = new Date((Date.parse(claim.createdAt) + Date.parse(claim.updatedAt)) / 2).toISOString()

  const q = encodeURIComponent
  const probes: Probe[] = [
    { label: 'one claim', method: 'GET', url: `/v1/claims/${claim.id}`, note: 'a reviewed claim with appearances and evidence' },
    { label: 'list, newest first', method: 'GET', url: '/v1/claims?limit=20' },
    { label: 'full-text search', method: 'GET', url: `/v1/claims?q=${q(mediumTerm)}`, note: `a term in about 1% of claims (${docFrequency.get(mediumTerm)} of ${texts.length} sampled)` },
    { label: 'full-text search, frequent term', method: 'GET', url: `/v1/claims?q=${q(frequentTerm)}`, note: `the most frequent term (${docFrequency.get(frequentTerm)} of ${texts.length} sampled)` },
    { label: 'by claimant, by claim date', method: 'GET', url: `/v1/claims?claimant=${q(topClaimant.slug)}&sort=-claimDate`, note: `the most prolific claimant (${topClaimant.n} claims)` },
    { label: 'by claimant, by claim date (typical)', method: 'GET', url: `/v1/claims?claimant=${q(typicalClaimant.slug)}&sort=-claimDate`, note: `a median claimant (${typicalClaimant.n} claims)` },
    { label: 'by verdict', method: 'GET', url: '/v1/claims?verdict=false' },
    { label: 'by topic', method: 'GET', url: `/v1/claims?topic=${q(topTopic.topic)}`, note: `the most used topic (${topTopic.n} claims)` },
    { label: 'by topic (rare)', method: 'GET', url: `/v1/claims?topic=${q(rareTopic.topic)}`, note: `the least used topic (${rareTopic.n} claims)` },
    { label: 'page lookup', method: 'GET', url: `/v1/lookup?url=${q(page.url)}`, note: `a page cited for ${page.n} claims` },
    { label: 'batch page lookup', method: 'POST', url: '/v1/lookup', body: { urls: batchUrls }, note: `${known.length} cited pages and ${100 - known.length} unknown` },
    { label: 'hash-prefix lookup', method: 'GET', url: `/v1/lookup/prefixes/${page.hash.slice(0, 8)}` },
    { label: 'change feed, from the start', method: 'GET', url: '/v1/changes?limit=100' },
    { label: 'change feed, from the middle', method: 'GET', url: `/v1/changes?limit=100&after=${q(afterCursor)}`, note: `after revision ${middle.seq}` },
    { label: 'Google-compatible search', method: 'GET', url: `/v1alpha1/claims:search?query=${q(mediumTerm)}&pageSize=10` },
    { label: 'ClaimReview feed', method: 'GET', url: '/v1/claimreview?limit=20' },
    { label: 'history of a claim', method: 'GET', url: `/v1/claims/${claim.id}/history` },
    { label: 'a claim as of an instant', method: 'GET', url: `/v1/claims/${claim.id}?asOf=${q(asOf)}`, note: 'between its creation and its verdict' },
  ]
  return { counts, probes }
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      out: { type: 'string', default: fileURLToPath(new URL('./results', import.meta.url)) },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const url = values['database-url'] ?? process.env.DATABASE_URL
  if (url === undefined || url.trim() === '') throw new Error(`a Postgres server is required: pass --database-url or set DATABASE_URL\n\n${USAGE}`)

  const config = parseConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', SEED_DEMO: 'false', CURSOR_SECRET: process.env.CURSOR_SECRET })
  const captured: Captured[] = []
  const database = await createDatabase({
    ...config,
    logQuery: (query, params) => {
      captured.push({ query, params })
    },
  })
  const app = await buildApp(config, { database })
  // drizzle() gives this client drizzle's parameter serialisers, so that the captured parameters are sent exactly
  // as the app sent them.
  const explainer = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: 'claimtrack-bench-plans' } })
  drizzle({ client: explainer })

  const lines: string[] = []
  const out = (line = '') => {
    lines.push(line)
    console.log(line)
  }
  const summary: string[] = []
  try {
    const { counts, probes } = await pickSamples(explainer, createCursors(config.cursorSecret))
    const [server] = await explainer<Array<{ version: string, db: string }>>`select current_setting('server_version') as version, current_database() as db`
    out(`Claimtrack query plans, ${new Date().toISOString()}`)
    out(`database ${server?.db} on PostgreSQL ${server?.version}: ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')}`)
    out('EXPLAIN (ANALYZE, BUFFERS) of each query, with the parameters the app sent (custom plans for these values).')

    for (const probe of probes) {
      captured.length = 0
      const response = await app.inject({
        method: probe.method,
        url: probe.url,
        ...(probe.body !== undefined && { payload: probe.body as object }),
      })
      const queries = captured.splice(0)
      out()
      out('='.repeat(118))
      out(`${probe.label}: ${probe.method} ${probe.url.length > 200 ? `${probe.url.slice(0, 200)}...` : probe.url}`)
      if (probe.note) out(`  (${probe.note})`)
      out(`  -> ${response.statusCode}, ${response.body.length} bytes, ${queries.length} ${queries.length === 1 ? 'query' : 'queries'}`)
      const verdicts: Verdict[] = []
      let totalMs = 0
      for (const [i, { query, params }] of queries.entries()) {
        out()
        out(`-- query ${i + 1}/${queries.length}`)
        out(query)
        const shown = JSON.stringify(params)
        out(`-- params: ${shown.length > 400 ? `${shown.slice(0, 400)}... (${params.length} in all)` : shown}`)
        if (!isRead(query)) {
          out('-- not a read; not explained')
          continue
        }
        const rows = await explainer.unsafe(`explain (analyze, buffers) ${query}`, params as postgres.ParameterOrJSON<never>[])
        const plan = rows.map((row) => String(row['QUERY PLAN']))
        // Lists of 100 hashes make lines of kilobytes; the start of each says enough.
        plan.forEach((line) => out(line.length > 400 ? `${line.slice(0, 400)}...` : line))
        const ms = Number(/Execution Time: ([\d.]+) ms/.exec(plan.join('\n'))?.[1] ?? 0)
        totalMs += ms
        const verdict = judge(plan)
        verdicts.push(verdict)
        out(`-- verdict: ${verdict.ok ? 'OK' : 'PROBLEM'}, ${verdict.line} (${ms.toFixed(2)} ms)`)
      }
      const problems = verdicts.filter((v) => !v.ok)
      const rowsRead = verdicts.reduce((sum, v) => sum + v.rowsRead, 0)
      const status = response.statusCode === 200 ? '' : `, answered ${response.statusCode}!`
      const endpoint = problems.length === 0
        ? `indexes only; ${verdicts.length} ${verdicts.length === 1 ? 'query' : 'queries'} read ${rowsRead} rows in ${totalMs.toFixed(1)} ms${status}`
        : `SEQ SCAN in ${problems.length} of ${verdicts.length} queries (${totalMs.toFixed(1)} ms)${status}: ${problems.map((p) => p.line).join('; ')}`
      out(`>> ${probe.label}: ${endpoint}`)
      const flag = problems.length > 0 ? 'SEQ ' : rowsRead > MANY_ROWS || status ? 'look' : 'ok  '
      summary.push(`${flag} ${probe.label.padEnd(38)} ${probe.method} ${probe.url.split('?')[0]} -> ${endpoint}`)
    }
    out()
    out('='.repeat(118))
    out(`Summary (ok: big tables read through indexes; look: indexes, but more than ${MANY_ROWS} rows read; SEQ: a big table read whole)`)
    summary.forEach((line) => out(line))

    await mkdir(values.out, { recursive: true })
    const file = `${values.out}/plans-${counts.claims}-${new Date().toISOString().slice(0, 10)}.txt`
    await writeFile(file, `${lines.join('\n')}\n`)
    console.error(`report written to ${file}`)
  } finally {
    await explainer.end()
    await app.close()
  }
}

try {
  await main()
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
}
