// `npm run bench [-- --claims 100000 --connections 100 --duration 10]`: throughput and latency of the main workloads
// against the API in a process of its own, on a generated data set (bench/generate.ts, made once and reused), next
// to a floor (bench/floor.ts: bare fastify + postgres.js, the same query by hand) measured in the same run, so that
// each workload reads as a ratio of the floor rather than as an absolute figure of a noisy shared machine.
// Results: bench/results/bench-<date>.json and a Markdown table on stdout.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { loadavg } from 'node:os'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import postgres, { type Sql } from 'postgres'
import { createCursors } from '../src/lib/cursor.ts'
import { adminKeyFor, apiEnv, sleep, startApi } from '../test/faults/cluster.ts'

const USAGE = `usage: npm run bench -- [--claims 100000] [--connections 100] [--duration 10] [--database-url postgres://...]
       [--only name,name] [--no-redis] [--out bench/results]

Generates the data set into the database when it is missing (bench/generate.ts; reused when it already holds that
many claims), starts the API and the floor server, and measures every workload for --duration seconds each.`

const { values } = parseArgs({
  options: {
    claims: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    'database-url': { type: 'string' },
    only: { type: 'string' },
    'no-redis': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
    help: { type: 'boolean', default: false },
  },
})
const claimCount = Number(values.claims)
const connections = Number(values.connections)
const duration = Number(values.duration)
if (values.help || !Number.isInteger(claimCount) || claimCount < 1 || !Number.isInteger(connections) || connections < 1 || !(duration > 0)) {
  console.error(USAGE)
  process.exit(values.help ? 0 : 2)
}
const root = fileURLToPath(new URL('..', import.meta.url))
const sizeLabel = claimCount % 1_000_000 === 0 ? `${claimCount / 1_000_000}m` : claimCount % 1000 === 0 ? `${claimCount / 1000}k` : String(claimCount)
const databaseUrl = values['database-url'] ?? `postgres://postgres@127.0.0.1:5432/claimtrack_bench_${sizeLabel}`
// A Redis database of its own, so that the bench's counters never meet those of tests running beside it.
const redisUrl = values['no-redis'] ? undefined : 'redis://127.0.0.1:6379/5'
const log = (message: string) => console.error(`[bench] ${message}`)

// ---------------------------------------------------------------------------------------------------------------
// The data set

async function claimsIn (url: string): Promise<number | undefined> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 })
  try {
    const [row] = await sql<Array<{ n: number | null }>>`select case when to_regclass('claims') is null then null else (select count(*)::int from claims) end as n`
    return row?.n ?? 0
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return undefined // no such database
    throw err
  } finally {
    await sql.end()
  }
}

async function ensureDataset () {
  const present = await claimsIn(databaseUrl)
  if (present !== undefined && present >= claimCount) {
    log(`reusing ${databaseUrl} (${present} claims)`)
    return present
  }
  if (present !== undefined && present > 0) {
    throw new Error(`${databaseUrl} holds ${present} claims, fewer than ${claimCount}: drop it (or pass another --database-url) to generate it again`)
  }
  log(`generating ${claimCount} claims into ${databaseUrl} (bench/generate.ts)`)
  const child = spawn(process.execPath, ['bench/generate.ts', '--claims', String(claimCount), '--database-url', databaseUrl], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  const [code] = await once(child, 'exit') as [number | null]
  if (code !== 0) throw new Error(`bench/generate.ts exited with ${code}`)
  return (await claimsIn(databaseUrl)) ?? 0
}

// ---------------------------------------------------------------------------------------------------------------
// Requests to send: real ids, URLs, search terms and cursors picked from the data

interface Samples {
  ids: string[]
  hitUrls: string[]
  missUrls: string[]
  prefixes: string[]
  filters: string[]
  terms: string[]
  matchTexts: string[]
  feedCursors: string[]
  claimantIds: string[]
}

async function pickSamples (sql: Sql, cursorSecret: string): Promise<Samples> {
  // Public claims (anonymous readers see them), spread over the whole table.
  const ids = (await sql<Array<{ id: string }>>`
    select id from claims tablesample bernoulli (5) repeatable (1) where is_public and deleted_at is null limit 2000`).map((r) => r.id)
  // Pages that carry a public claim, as people paste them (not canonical).
  const hitUrls = (await sql<Array<{ url: string }>>`
    select a.url from appearances a tablesample bernoulli (10) repeatable (3) join claims c on c.id = a.claim_id
    where a.url is not null and c.is_public and c.deleted_at is null limit 2000`).map((r) => r.url)
  const missUrls = Array.from({ length: 2000 }, (_, i) => `https://news.example.org/never-cited/${i}?utm_source=bench`)
  const prefixes = (await sql<Array<{ p: string }>>`
    select distinct left(url_hash, 8) as p from appearances tablesample bernoulli (5) repeatable (4) where url_hash is not null limit 1000`).map((r) => r.p)
  const topics = (await sql<Array<{ topic: string }>>`select distinct unnest(topics) as topic from claims tablesample bernoulli (2) repeatable (5) limit 40`).map((r) => r.topic)
  const claimantIds = (await sql<Array<{ id: string }>>`
    select claimant_id as id from claims tablesample bernoulli (2) repeatable (6) where claimant_id is not null group by claimant_id limit 200`).map((r) => r.id)
  const filters = [
    ...['false', 'mostly-false', 'true', 'mixed'].map((v) => `verdict=${v}`),
    ...topics.map((t) => `topic=${encodeURIComponent(t)}`),
    ...claimantIds.slice(0, 40).map((c) => `claimant=${c}&sort=-claimDate`),
    'status=reviewed&language=en',
  ]
  // Search terms found in about 0.1% to 2% of claims: typical of what people type (bench/plans.ts covers the extremes).
  const texts = (await sql<Array<{ text: string }>>`select text from claims tablesample bernoulli (2) repeatable (7) where language = 'en'`).map((r) => r.text)
  const frequency = new Map<string, number>()
  for (const text of texts) for (const word of new Set(text.toLowerCase().match(/\p{L}{5,}/gu) ?? [])) frequency.set(word, (frequency.get(word) ?? 0) + 1)
  const terms = [...frequency].filter(([, n]) => n >= texts.length / 1000 && n <= texts.length / 50).map(([w]) => w).sort().slice(0, 200)
  // What a claim-matching client sends: a sentence that says much of a recorded claim in other words.
  const matchTexts = texts.slice(0, 300).map((text) => {
    const words = text.split(/\s+/)
    return `${words.slice(Math.floor(words.length / 4)).join(' ')} they said`
  })
  // The change feed from many points of its history.
  const positions = await sql<Array<{ tx: string, seq: number }>>`
    select tx_id::text as tx, seq::int from revisions tablesample bernoulli (0.2) repeatable (8) where entity_type in ('claim', 'review') limit 300`
  const cursors = createCursors(cursorSecret)
  const feedCursors = positions.map((p) => cursors.encode({ tx: p.tx, seq: p.seq }, 'changes'))
  for (const [name, list] of Object.entries({ ids, hitUrls, prefixes, terms, matchTexts, feedCursors })) {
    if (list.length === 0) throw new Error(`no ${name} in the data set`)
  }
  return { ids, hitUrls, missUrls, prefixes, filters, terms, matchTexts, feedCursors, claimantIds }
}

// ---------------------------------------------------------------------------------------------------------------
// Workloads

interface Req { method: 'GET' | 'POST', path: string, headers?: Record<string, string>, body?: string }
type Group = 'by-id' | 'lookup' | 'other'
interface Workload {
  name: string
  server: 'api' | 'floor'
  group: Group
  /** Statuses that count as success besides 2xx (a 304 for conditional requests). */
  expected?: number[]
  next: () => Req
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T

function workloadsFor (s: Samples, key: string, etags: { claims: Map<string, string>, pages: Map<string, string> }): Workload[] {
  const json = { 'content-type': 'application/json' }
  const withKey = { authorization: `Bearer ${key}` }
  const q = encodeURIComponent
  let serial = 0
  const create = (): Req => ({ method: 'POST', path: '/v1/claims', headers: { ...withKey, ...json }, body: JSON.stringify({ text: `Bench claim ${process.pid}-${serial++}: unemployment fell by ${serial % 40} percent.`, topics: ['bench'] }) })
  const reads: Array<() => Req> = [
    () => ({ method: 'GET', path: `/v1/claims/${pick(s.ids)}` }),
    () => ({ method: 'GET', path: `/v1/lookup?url=${q(pick(s.hitUrls))}` }),
    () => ({ method: 'GET', path: `/v1/lookup?url=${q(pick(s.missUrls))}` }),
    () => ({ method: 'GET', path: `/v1/claims?${pick(s.filters)}&limit=20` }),
    () => ({ method: 'GET', path: `/v1/claims?q=${q(pick(s.terms))}&limit=20` }),
    () => ({ method: 'POST', path: '/v1/claims/match', headers: json, body: JSON.stringify({ text: pick(s.matchTexts), limit: 10 }) }),
    () => ({ method: 'GET', path: `/v1/changes?limit=100&after=${q(pick(s.feedCursors))}` }),
  ]
  const claimEtagged = [...etags.claims]
  const pageEtagged = [...etags.pages]
  const batches = Array.from({ length: 50 }, () => JSON.stringify({ urls: Array.from({ length: 100 }, (_, i) => i % 2 === 0 ? pick(s.hitUrls) : pick(s.missUrls)) }))
  return [
    { name: 'floor: claim by id', server: 'floor', group: 'by-id', next: () => ({ method: 'GET', path: `/claims/${pick(s.ids)}` }) },
    { name: 'GET claim by id', server: 'api', group: 'by-id', next: reads[0] as () => Req },
    { name: 'GET claim by id, 304', server: 'api', group: 'by-id', expected: [304], next: () => { const [id, etag] = pick(claimEtagged); return { method: 'GET', path: `/v1/claims/${id}`, headers: { 'if-none-match': etag } } } },
    { name: 'GET claim by id, API key', server: 'api', group: 'by-id', next: () => ({ method: 'GET', path: `/v1/claims/${pick(s.ids)}`, headers: withKey }) },
    { name: 'floor: lookup', server: 'floor', group: 'lookup', next: () => ({ method: 'GET', path: `/lookup?url=${q(pick(s.hitUrls))}` }) },
    { name: 'GET lookup, hit', server: 'api', group: 'lookup', next: reads[1] as () => Req },
    { name: 'GET lookup, miss', server: 'api', group: 'lookup', next: reads[2] as () => Req },
    { name: 'GET lookup, 304', server: 'api', group: 'lookup', expected: [304], next: () => { const [url, etag] = pick(pageEtagged); return { method: 'GET', path: `/v1/lookup?url=${q(url)}`, headers: { 'if-none-match': etag } } } },
    { name: 'POST lookup, 100 URLs', server: 'api', group: 'lookup', next: () => ({ method: 'POST', path: '/v1/lookup', headers: json, body: pick(batches) }) },
    { name: 'GET prefix lookup', server: 'api', group: 'lookup', next: () => ({ method: 'GET', path: `/v1/lookup/prefixes/${pick(s.prefixes)}` }) },
    { name: 'GET filtered list', server: 'api', group: 'other', next: reads[3] as () => Req },
    { name: 'GET full-text search', server: 'api', group: 'other', next: reads[4] as () => Req },
    { name: 'POST claim matching', server: 'api', group: 'other', next: reads[5] as () => Req },
    { name: 'GET sync feed page', server: 'api', group: 'other', next: reads[6] as () => Req },
    { name: 'POST create claim', server: 'api', group: 'other', next: create },
    { name: 'mixed 90% read / 10% write', server: 'api', group: 'other', next: () => Math.random() < 0.1 ? create() : pick(reads)() },
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

interface Result {
  name: string
  group: Group
  requestsPerSecond: number
  p50: number
  p99: number
  /** Connection errors and timeouts. */
  errors: number
  /** Answers with a status that is neither 2xx nor one the workload expects (a 304 for conditional requests). */
  non2xx: number
  requests: number
  statuses: Record<string, number>
  ratioToFloor?: number
}

async function measure (baseUrl: string, workload: Workload, seconds: number): Promise<Result> {
  const statuses: Record<string, number> = {}
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [{
      setupRequest: (request) => ({ ...request, ...workload.next() }),
      onResponse: (status) => { statuses[status] = (statuses[status] ?? 0) + 1 },
    }],
  })
  const ok = new Set(workload.expected ?? [])
  const unexpected = Object.entries(statuses).filter(([status]) => !(Number(status) >= 200 && Number(status) < 300) && !ok.has(Number(status)))
  return {
    name: workload.name,
    group: workload.group,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: unexpected.reduce((sum, [, n]) => sum + n, 0),
    requests: result.requests.total,
    statuses,
  }
}

interface Floor { child: ChildProcess, url: string, exited: Promise<unknown> }

async function startFloor (url: string): Promise<Floor> {
  const port = 40_000 + Math.floor(Math.random() * 10_000)
  const child = spawn(process.execPath, ['bench/floor.ts'], { cwd: root, env: { ...process.env, DATABASE_URL: url, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = once(child, 'exit')
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('the floor server exited at start')
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, url: base, exited }
    } catch {}
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error('the floor server did not start')
}

/** The ETags of some claims and pages, for the conditional (304) workloads. */
async function etagsOf (apiUrl: string, s: Samples) {
  const claims = new Map<string, string>()
  const pages = new Map<string, string>()
  for (const id of s.ids.slice(0, 300)) {
    const etag = (await fetch(`${apiUrl}/v1/claims/${id}`)).headers.get('etag')
    if (etag) claims.set(id, etag)
  }
  for (const url of s.hitUrls.slice(0, 300)) {
    const etag = (await fetch(`${apiUrl}/v1/lookup?url=${encodeURIComponent(url)}`)).headers.get('etag')
    if (etag) pages.set(url, etag)
  }
  return { claims, pages }
}

/** One request of each workload, checked, before any is measured: a broken workload must not pass as a fast one. */
async function check (baseUrl: string, workload: Workload) {
  const req = workload.next()
  const res = await fetch(`${baseUrl}${req.path}`, { method: req.method, headers: req.headers ?? {}, ...(req.body !== undefined && { body: req.body }) })
  await res.arrayBuffer()
  if (!(res.status >= 200 && res.status < 300) && !(workload.expected ?? []).includes(res.status)) {
    throw new Error(`${workload.name}: ${req.method} ${req.path} answered ${res.status}`)
  }
}

// ---------------------------------------------------------------------------------------------------------------

const fmt = (n: number | undefined, digits = 2) => n === undefined ? '—' : n.toFixed(digits)

function table (results: Result[]): string {
  const lines = [
    '| workload | req/s | × floor | p50 ms | p99 ms | errors | non-2xx |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of results) lines.push(`| ${r.name} | ${r.requestsPerSecond} | ${fmt(r.ratioToFloor)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`)
  return lines.join('\n')
}

async function main () {
  const claims = await ensureDataset()
  const key = await adminKeyFor(databaseUrl)
  // 100 connections queue for 10 pooled database connections behind the slow workloads (search, matching): they
  // wait longer than the default 2 s for one, which would turn queueing into 503s rather than into latency.
  // The 100 connections stand for 100 callers: one caller's cap on concurrent searches (SEARCH_CONCURRENCY) is lifted.
  const env = apiEnv(databaseUrl, { LOG_LEVEL: 'warn', DATABASE_ACQUIRE_TIMEOUT: '30000', SEARCH_CONCURRENCY: '1000', ...(redisUrl !== undefined && { REDIS_URL: redisUrl }) })
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const samples = await pickSamples(sql, env.CURSOR_SECRET ?? '')
  await sql.end()

  const api = await startApi(env)
  const floor = await startFloor(databaseUrl)
  const results: Result[] = []
  try {
    const etags = await etagsOf(api.url, samples)
    const only = values.only?.split(',').map((s) => s.trim().toLowerCase())
    const workloads = workloadsFor(samples, key, etags)
      .filter((w) => only === undefined || w.server === 'floor' || only.some((o) => w.name.toLowerCase().includes(o)))
    for (const w of workloads) await check(w.server === 'api' ? api.url : floor.url, w)
    // Warm both servers up (JIT, each pooled connection's prepared statements) before anything is recorded.
    for (const w of workloads.filter((w) => w.name === 'floor: claim by id' || w.name === 'GET claim by id')) {
      await measure(w.server === 'api' ? api.url : floor.url, w, 3)
    }
    const load = loadavg()
    log(`load average ${load.map((l) => l.toFixed(2)).join(' ')}; ${workloads.length} workloads × ${duration} s, ${connections} connections`)
    for (const w of workloads) {
      await measure(w.server === 'api' ? api.url : floor.url, w, 1)
      const result = await measure(w.server === 'api' ? api.url : floor.url, w, duration)
      results.push(result)
      log(`${w.name}: ${result.requestsPerSecond} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx} ${JSON.stringify(result.statuses)}`)
    }
    const floors = { 'by-id': results.find((r) => r.name === 'floor: claim by id'), lookup: results.find((r) => r.name === 'floor: lookup') }
    for (const r of results) {
      const floorOf = r.group === 'lookup' ? floors.lookup : floors['by-id']
      if (floorOf && floorOf.requestsPerSecond > 0) r.ratioToFloor = Math.round((r.requestsPerSecond / floorOf.requestsPerSecond) * 100) / 100
    }
    const single = results.find((r) => r.name === 'GET lookup, hit')
    const batch = results.find((r) => r.name === 'POST lookup, 100 URLs')
    const date = new Date().toISOString()
    const summary = {
      date,
      machine: `${execFileSync('nproc').toString().trim()} cores (shared), ${process.platform} ${process.arch}, node ${process.version}`,
      loadAverageBefore: load.map((l) => Math.round(l * 100) / 100),
      loadAverageAfter: loadavg().map((l) => Math.round(l * 100) / 100),
      dataset: { database: new URL(databaseUrl).pathname.slice(1), claims },
      connections,
      durationSeconds: duration,
      rateLimitCounters: redisUrl === undefined ? 'postgres' : 'redis',
      loadGenerator: 'autocannon, in the bench process on the same machine',
      batchLatencyToSingleLookup: single && batch ? { p50: Math.round((batch.p50 / single.p50) * 100) / 100, p99: Math.round((batch.p99 / single.p99) * 100) / 100 } : undefined,
      results,
    }
    mkdirSync(values.out, { recursive: true })
    // The default run (100k claims, 100 connections) is bench-<date>.json; others say what differs.
    const variant = `${claimCount === 100_000 ? '' : `${sizeLabel}-`}${connections === 100 ? '' : `c${connections}-`}${values.only === undefined ? '' : 'partial-'}`
    const file = `${values.out}/bench-${variant}${date.slice(0, 10)}.json`
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`)
    log(`wrote ${file}`)
    console.log(`${date.slice(0, 10)}, ${summary.machine}, ${claims} claims, ${connections} connections, ${duration} s per workload, load average ${summary.loadAverageBefore.join(' ')}, rate-limit counters in ${summary.rateLimitCounters}\n`)
    console.log(table(results))
    if (summary.batchLatencyToSingleLookup) console.log(`\nbatch of 100 URLs / one lookup, latency: p50 ${summary.batchLatencyToSingleLookup.p50}×, p99 ${summary.batchLatencyToSingleLookup.p99}×`)
    const failed = results.filter((r) => r.errors > 0 || r.non2xx > 0)
    if (failed.length > 0) {
      console.error(`[bench] errors in: ${failed.map((r) => r.name).join(', ')}`)
      process.exitCode = 1
    }
  } finally {
    api.child.kill('SIGTERM')
    floor.child.kill('SIGTERM')
    await Promise.all([api.exited, floor.exited])
  }
}

await main()
