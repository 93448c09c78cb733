// `node bench/search-index.ts --database-url postgres://.../claimtrack_bench_1m [--queries 200]`: relevance-sorted
// full-text search (GET /v1/claims?q=, first page of 20) through the in-process candidate index and through the SQL
// path that ranks every match, one request at a time, alternating on the same queries: frequent words (in 5% or more of
// a sample of the claims), two frequent words together, and typical words (0.1% to 2%, as `npm run bench` picks them).
// Reports p50/p99 per path, the CPU per request of this process and of its Postgres backends (from /proc), the index's
// build time and memory. Reads only: the connections are read-only, and the build's pruning of old changes is skipped.
import { parseArgs } from 'node:util'
import { loadavg } from 'node:os'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { sql } from 'drizzle-orm'
import { parseConfig } from '../src/config.ts'
import { createDatabase, queryRows } from '../src/db/client.ts'
import { publicViewer } from '../src/domain/access.ts'
import { createClaimsRepository } from '../src/repositories/claims.ts'
import { createMatchingRepository } from '../src/repositories/matching.ts'
import { createMatchIndexService } from '../src/services/match-index.ts'
import { searchByIndex, searchWalk } from '../src/services/search-index.ts'
import { searchQueryOf } from '../src/services/search.ts'

const { values: args } = parseArgs({ options: { 'database-url': { type: 'string' }, queries: { type: 'string' } } })
const given = args['database-url'] ?? process.env.DATABASE_URL
if (given === undefined) throw new Error('--database-url (or DATABASE_URL) is required')
const url = `${given}${given.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c default_transaction_read_only=on')}`
const { databaseTimeouts } = parseConfig({})
const database = await createDatabase({ databaseUrl: url, pgliteDir: 'memory://', databasePoolSize: 2, databaseTimeouts })
const db = database.db
const claims = createClaimsRepository(db)
const matching = { ...createMatchingRepository(db), pruneChanges: async () => {} }
const log = { warn: (o: object, m: string) => console.error(m, o), info: (o: object, m: string) => console.error(m, o) }
const mb = (n: number) => Math.round(n / 2 ** 20)
const memory = () => {
  const m = process.memoryUsage()
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), arrayBuffersMb: mb(m.arrayBuffers) }
}

const n = Number(args.queries ?? 200)
const texts = (await queryRows<{ text: string }>(db.drizzle, sql`select text from claims tablesample bernoulli (1) repeatable (7) where language = 'en'`)).map((r) => r.text)
const frequency = new Map<string, number>()
for (const text of texts) for (const word of new Set(text.toLowerCase().match(/\p{L}{4,}/gu) ?? [])) frequency.set(word, (frequency.get(word) ?? 0) + 1)
const byShare = (lo: number, hi: number) => [...frequency]
  .filter(([, c]) => c >= texts.length * lo && c <= texts.length * hi)
  .sort((a, b) => b[1] - a[1]).map(([w]) => w)
const frequent = byShare(0.05, 1)
const typical = byShare(0.001, 0.02).sort()
const cycle = (words: string[], count: number) => Array.from({ length: count }, (_, i) => words[i % words.length] ?? '')
const workloads = {
  frequentWord: cycle(frequent, n),
  typicalWord: cycle(typical, n),
  twoFrequentWords: cycle(frequent, n).map((w, i) => `${w} ${frequent[(i * 7 + 3) % frequent.length] ?? ''}`),
}

globalThis.gc?.()
const before = memory()
const index = createMatchIndexService(matching, { enabled: true, search: true, log })
const started = performance.now()
await index.whenReady()
const buildMs = Math.round(performance.now() - started)
globalThis.gc?.()
const after = memory()
console.log(JSON.stringify({ sample: texts.length, frequentWords: frequent.slice(0, 12), buildMs, before, after }))

// This process's Postgres backends (the pool's two connections), for their CPU time.
const pids = (await Promise.all([0, 1].map(() => queryRows<{ pid: number }>(db.drizzle, sql`select pg_backend_pid() as pid, pg_sleep(0.2)`))))
  .flat().map((r) => Number(r.pid))
const backendSeconds = () => [...new Set(pids)].reduce((sum, pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return sum + (Number(fields[11]) + Number(fields[12])) / 100
}, 0)

async function search (q: string, viaIndex: boolean) {
  const parsed = await searchQueryOf(claims, q, 'q')
  if (parsed === null) return
  const query = { filters: { q: parsed }, visibleTo: publicViewer, sort: 'relevance' as const, limit: 21 }
  const walk = viaIndex ? await searchWalk(index, query) : null
  if (walk && (await searchByIndex(walk, claims, query, db.drizzle, log)) !== null) return
  if (viaIndex) fellBack++
  await claims.list(query)
}
let fellBack = 0

async function measure (queries: string[], viaIndex: boolean) {
  const ms: number[] = []
  const cpu0 = process.cpuUsage()
  const pg0 = backendSeconds()
  for (const q of queries) {
    const t0 = performance.now()
    await search(q, viaIndex)
    ms.push(performance.now() - t0)
  }
  const cpu = process.cpuUsage(cpu0)
  const pgMs = (backendSeconds() - pg0) * 1000
  ms.sort((a, b) => a - b)
  const at = (q: number) => Math.round((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0) * 10) / 10
  const per = (total: number) => Math.round((total / queries.length) * 100) / 100
  const nodeCpuMs = per((cpu.user + cpu.system) / 1000)
  return { p50: at(0.5), p99: at(0.99), max: at(1), nodeCpuMs, postgresCpuMs: per(pgMs) }
}

const results: Record<string, unknown> = {}
for (const [name, queries] of Object.entries(workloads)) {
  for (const q of queries.slice(0, 5)) { await search(q, true); await search(q, false) } // warm up
  // In halves, alternating, so that load on the machine weighs on both paths alike.
  const half = Math.floor(queries.length / 2)
  const a1 = await measure(queries.slice(0, half), true)
  const s1 = await measure(queries.slice(0, half), false)
  const s2 = await measure(queries.slice(half), false)
  const a2 = await measure(queries.slice(half), true)
  results[name] = { words: [...new Set(queries)].length, index: [a1, a2], sql: [s1, s2] }
  // As each workload ends: a long run stopped early still reports what it measured.
  console.log(JSON.stringify({ [name]: results[name], fellBack, loadavg: loadavg() }))
}
const [{ count } = { count: 0 }] = await queryRows<{ count: number }>(db.drizzle, sql`select count(*)::int as count from claims where deleted_at is null`)
console.log(JSON.stringify({
  claims: count,
  sample: texts.length,
  frequentWords: frequent.slice(0, 12),
  buildMs,
  before,
  after,
  fellBack,
  results,
  loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
}, null, 2))
await index.close()
await database.close()
