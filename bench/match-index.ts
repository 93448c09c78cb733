// `node bench/match-index.ts --database-url postgres://.../claimtrack_bench_1m [--queries 300]`: claim matching's
// in-process index on a bench database: how long one process takes to build it, its memory (RSS and heap before and
// after), and the latency of the candidates a match asks for (50, as the service does for limit 10) from the index
// and from the SQL path, one at a time, on the same inputs (the bench's matching inputs: bench/lib/workloads.ts).
// Reads only; results go to stdout as JSON. `--copies 10` then also builds, in the same process, an index holding
// every claim 10 times (new ids; the same words), to measure the memory and the ranking time of the index alone at
// 10 times the database's size.
import { parseArgs } from 'node:util'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { sql } from 'drizzle-orm'
import { parseConfig } from '../src/config.ts'
import { createDatabase, queryRows } from '../src/db/client.ts'
import { publicViewer } from '../src/domain/access.ts'
import { createMatchIndex } from '../src/lib/match-index.ts'
import { createMatchingRepository } from '../src/repositories/matching.ts'
import { createMatchIndexService } from '../src/services/match-index.ts'
import { planMatch } from '../src/services/matching.ts'
import { matchSentence } from './lib/workloads.ts'

const { values: args } = parseArgs({ options: { 'database-url': { type: 'string' }, queries: { type: 'string' }, sql: { type: 'boolean' }, copies: { type: 'string' } } })
const url = args['database-url'] ?? process.env.DATABASE_URL
if (url === undefined) throw new Error('--database-url (or DATABASE_URL) is required')
const { databaseTimeouts } = parseConfig({})
const database = await createDatabase({ databaseUrl: url, pgliteDir: 'memory://', databasePoolSize: 2, databaseTimeouts })
const repo = createMatchingRepository(database.db)
const mb = (n: number) => Math.round(n / 2 ** 20)
const memory = () => {
  const m = process.memoryUsage()
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), arrayBuffersMb: mb(m.arrayBuffers) }
}

const texts = (await queryRows<{ text: string }>(database.db.drizzle, sql`select text from claims tablesample bernoulli (2) repeatable (7) where language = 'en'`)).map((r) => r.text)
const inputs = texts.slice(0, Number(args.queries ?? 300)).map(matchSentence)
globalThis.gc?.()
const before = memory()
const index = createMatchIndexService(repo, {
  enabled: true,
  log: { warn: (o, m) => console.error(m, o), info: (o, m) => console.error(m, o) },
})
const started = performance.now()
await index.whenReady()
const buildMs = Math.round(performance.now() - started)
globalThis.gc?.()
const after = memory()

async function latencies (answer: (input: string) => Promise<unknown>) {
  for (const input of inputs.slice(0, 20)) await answer(input) // warm up
  const ms: number[] = []
  for (const input of inputs) {
    const t0 = performance.now()
    await answer(input)
    ms.push(performance.now() - t0)
  }
  ms.sort((a, b) => a - b)
  const at = (q: number) => Math.round((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0) * 10) / 10
  return { p50: at(0.5), p99: at(0.99), max: at(1) }
}
const plan = (input: string) => planMatch(input, undefined, 50, publicViewer)
const byIndex = await latencies(async (input) => {
  const { query, options } = plan(input)
  return index.candidates(query, options)
})
const bySql = args.sql
  ? await latencies(async (input) => {
    const { query, options } = plan(input)
    return repo.candidates(query, options)
  })
  : undefined
const [{ n } = { n: 0 }] = await queryRows<{ n: number }>(database.db.drizzle, sql`select count(*)::int as n from claims where deleted_at is null`)
console.log(
  JSON.stringify({
    claims: n,
    buildMs,
    before,
    after,
    indexMs: byIndex,
    sqlMs: bySql,
    load: loadavg().map((l) => Math.round(l * 100) / 100),
  })
)

const copies = Number(args.copies ?? 0)
if (copies > 1) {
  // The index alone, built from the claims `copies` times over: the same words, so the same postings per claim.
  await index.close()
  globalThis.gc?.()
  const bare = memory()
  const t0 = performance.now()
  const big = createMatchIndex()
  const PAGE = 20_000
  for (let c = 0; c < copies; c++) {
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const page = await repo.indexed({ after, limit: PAGE })
      for (const claim of page) big.add({ ...claim, id: `${claim.id.slice(0, 34)}${String(c).padStart(2, '0')}` })
      if (page.length < PAGE) break
      after = page[page.length - 1]?.id ?? after
    }
  }
  big.compact()
  const bigBuildMs = Math.round(performance.now() - t0)
  globalThis.gc?.()
  const held = memory()
  const ms: number[] = []
  for (const input of inputs) {
    const { query, options } = plan(input)
    const terms = await repo.terms(query, options, '1:1:')
    const t1 = performance.now()
    big.top(terms.terms, terms.avgdl, 50, null)
    ms.push(performance.now() - t1)
  }
  ms.sort((a, b) => a - b)
  console.log(
    JSON.stringify({
      copies,
      ...big.size(),
      buildMs: bigBuildMs,
      before: bare,
      after: held,
      rankMs: {
        p50: Math.round((ms[Math.floor(ms.length / 2)] ?? 0) * 10) / 10,
        p99: Math.round((ms[Math.floor(ms.length * 0.99)] ?? 0) * 10) / 10,
      },
    })
  )
} else {
  await index.close()
}
await database.close()
