// `node bench/prefix-list.ts --database-url postgres://… [--added 1000] [--rounds 2] [--warm 100] [--cold 3] [--out f]`:
// the size and server cost of GET /v1/lookup/prefix-list on a real database, through the app itself (buildApp and
// inject, as a CDN would ask: `accept-encoding: gzip`). It WRITES: it migrates the database, then each round adds
// --added appearances with new URLs to published claims through the app's appearances service: run it on a copy.
// Measured in this process (the API process): latency p50/p99 and CPU (user + system) per request, for
//   - a full list, cold: the first request after a change is noted (probe, query, encode; a change the list does not
//     show, so the cost is the build itself) and warm (the list held: probe, serialise, gzip);
//   - a delta since the version before a round: cold (the first request after the round: build, store the new
//     version, compose) and warm (probe, read the stored step, compose);
//   - the floor: GET /v1/lookup/prefixes/{prefix}, a one-row indexed read, in the same run.
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { sql } from 'drizzle-orm'
import { buildApp } from '../src/app.ts'
import { migrate } from '../src/container.ts'
import { parseConfig } from '../src/config.ts'
import { createDatabase, queryRows } from '../src/db/client.ts'
import { CreateAppearanceBody } from '../src/schemas/appearances.ts'
import { systemContext } from '../src/services/history.ts'

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    added: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '2' },
    warm: { type: 'string', default: '100' },
    cold: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
})
const url = values['database-url'] ?? process.env.DATABASE_URL
if (url === undefined) throw new Error('--database-url (or DATABASE_URL) is required: a copy of a bench database')
const [added, rounds, warm, cold] = [values.added, values.rounds, values.warm, values.cold].map(Number) as [
  number,
  number,
  number,
  number
]

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ')
const loadStart = load()
const config = parseConfig({
  DATABASE_URL: url, LOG_LEVEL: 'silent', SEED_DEMO: 'false', LOAD_SHED_EVENT_LOOP_DELAY: '0', LOAD_SHED_HEAP_USED: '0',
})
const database = await createDatabase({ databaseUrl: url, databasePoolSize: 10, pgliteDir: 'memory://', databaseTimeouts: config.databaseTimeouts })
await migrate(database)
const app = await buildApp(config, { database })
const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(database.db.drizzle, query)

interface Sample { ms: number, cpuMs: number }
interface Figures { n: number, p50: number, p99: number, cpuMs: number, bytes: number, gzipBytes: number }
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN
const round = (n: number) => Math.round(n * 10) / 10

async function get (path: string, gzip = true) {
  return app.inject({ method: 'GET', url: path, headers: gzip ? { 'accept-encoding': 'gzip' } : {} })
}

/** `n` requests one after the other, each after `before` (not measured). */
async function measure (n: number, path: () => string, before?: () => Promise<void>, gzip = true): Promise<Figures> {
  const samples: Sample[] = []
  let bytes = 0
  let gzipBytes = 0
  for (let i = 0; i < n; i++) {
    await before?.()
    const cpu = process.cpuUsage()
    const started = performance.now()
    const res = await get(path(), gzip)
    const ms = performance.now() - started
    const used = process.cpuUsage(cpu)
    if (res.statusCode !== 200) throw new Error(`${path()}: ${res.statusCode} ${res.body.slice(0, 300)}`)
    samples.push({ ms, cpuMs: (used.user + used.system) / 1000 })
    gzipBytes = res.rawPayload.length
    bytes = res.rawPayload.length
  }
  if (gzip) bytes = (await get(path(), false)).rawPayload.length
  else gzipBytes = NaN
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b)
  const cpuMs = samples.reduce((sum, s) => sum + s.cpuMs, 0) / n
  return { n, p50: round(quantile(ms, 0.5)), p99: round(quantile(ms, 0.99)), cpuMs: round(cpuMs), bytes, gzipBytes }
}

const LIST = '/v1/lookup/prefix-list'
const version = async () => (await get(LIST, false)).json().version as string
// A noted change the list does not show: the next request builds the list again, and finds the same version.
const noteChange = async () => { await rows(sql`insert into prefix_list_changes default values`) }

const [pages] = await rows<{ pages: number }>(sql`select count(distinct a.url_hash)::int as pages from appearances a
  join claims c on c.id = a.claim_id where a.url_hash is not null and c.is_public and c.deleted_at is null`)
const published = await rows<{ id: string, organizationId: string }>(sql`select id, organization_id as "organizationId"
  from claims where is_public and deleted_at is null order by random() limit ${added}`)

const results: Record<string, unknown> = {
  database: new URL(url).pathname.slice(1),
  publicPageHashes: pages?.pages,
  added,
}
results.firstBuild = await measure(1, () => LIST)
const first = (await get(LIST, false)).json()
results.prefixes = first.count
results.fullCold = await measure(cold, () => LIST, noteChange)
results.fullWarm = await measure(warm, () => LIST)
results.fullWarmIdentity = await measure(warm, () => LIST, undefined, false)
results.floor = await measure(warm, () => `/v1/lookup/prefixes/${first.version.slice(0, 8)}`)

const deltas: Array<Record<string, unknown>> = []
for (let r = 0; r < rounds; r++) {
  const since = await version()
  const started = performance.now()
  for (const [i, claim] of published.entries()) {
    const page = `https://bench.example.org/round-${r}-${Date.now()}/${i}`
    await app.services.appearances.create(
      claim.id,
      CreateAppearanceBody.parse({ url: page }),
      systemContext(claim.organizationId)
    )
  }
  const insertMs = Math.round(performance.now() - started)
  const deltaCold = await measure(1, () => `${LIST}?since=${since}`)
  const deltaWarm = await measure(warm, () => `${LIST}?since=${since}`)
  const body = (await get(`${LIST}?since=${since}`, false)).json()
  deltas.push({
    round: r,
    insertMs,
    since,
    version: body.version,
    full: body.full,
    additionsBase64: body.additions.length,
    deltaCold,
    deltaWarm,
  })
}
results.deltas = deltas
results.fullWarmAfter = await measure(warm, () => LIST)
results.loadavg = { start: loadStart, end: load() }
await app.close()

console.log(JSON.stringify(results, null, 2))
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`)
