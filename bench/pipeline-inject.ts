// `node bench/pipeline-inject.ts [by-id,by-id 304,lookup hit,verdicts 100,batch 100,list page,search,match,feed 100]`:
// CPU µs per request of the whole pipeline in one process (app.inject, no sockets; process.cpuUsage over 1,000
// requests, 10 at a time; INJECT_REQUESTS=n for another count) on ct_pipe_100k (or INJECT_DATABASE_URL), a copy of
// claimtrack_bench_100k, with req/s and p50 ms (PROFILE=dir: a CPU profile of each workload's measured requests
// alone). CPU time is less disturbed by a loaded machine than req/s; run it against two checkouts in turn to compare
// them.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import type { InjectOptions } from 'fastify'
import postgres from 'postgres'
import { buildApp } from '../src/app.ts'
import { parseConfig } from '../src/config.ts'
import { pickSamples } from './lib/workloads.ts'
const url = process.env.INJECT_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ct_pipe_100k'
const sql = postgres(url, { max: 1, onnotice: () => {} })
const ids = (await sql`select id from claims tablesample bernoulli (5) repeatable (1) where is_public and deleted_at is null limit 500`).map((r) => r.id as string)
const hitUrls = (await sql`select a.url from appearances a tablesample bernoulli (10) repeatable (3) join claims c on c.id = a.claim_id where a.url is not null and c.is_public and c.deleted_at is null limit 500`).map((r) => r.url as string)
// Search terms and match inputs as `npm run bench` picks them.
const { terms, matchTexts } = await pickSamples(sql, '')
await sql.end()
const app = await buildApp(parseConfig({
  DATABASE_URL: url,
  LOG_LEVEL: 'silent',
  SEED_DEMO: 'false',
  JOBS_WORKER: 'false',
  RATE_LIMIT_ANONYMOUS: '100000000',
  REDIS_URL: 'redis://127.0.0.1:6379/5',
  LOAD_SHED_EVENT_LOOP_DELAY: '0',
  LOAD_SHED_HEAP_USED: '0',
  SEARCH_CONCURRENCY: '100',
}))
await app.services.matchIndex.whenReady()
const etags = new Map<string, string>()
for (const id of ids.slice(0, 200)) etags.set(id, String((await app.inject({ url: `/v1/claims/${id}` })).headers.etag))
const pick = <T>(l: T[]) => l[Math.floor(Math.random() * l.length)] as T
const tagged = [...etags]
let seq = 0
const cited = (i: number) => i % 2 === 0 ? pick(hitUrls) : `https://news.example.org/never-cited/${seq++}`
const batches = Array.from({ length: 20 }, () =>
  JSON.stringify({ urls: Array.from({ length: 100 }, (_, i) => cited(i)) })
)
const workloads: Record<string, () => InjectOptions> = {
  'by-id': () => ({ url: `/v1/claims/${pick(ids)}` }),
  'by-id 304': () => { const [id, etag] = pick(tagged); return { url: `/v1/claims/${id}`, headers: { 'if-none-match': etag } } },
  'lookup hit': () => ({ url: `/v1/lookup?url=${encodeURIComponent(pick(hitUrls))}` }),
  'verdicts 100': () => ({ method: 'POST', url: '/v1/lookup/verdicts', headers: { 'content-type': 'application/json' }, payload: pick(batches) }),
  'batch 100': () => ({ method: 'POST', url: '/v1/lookup', headers: { 'content-type': 'application/json' }, payload: pick(batches) }),
  'list page': () => ({ url: `/v1/claims?limit=20&verdict=${pick(['false', 'true', 'mostly-false', 'mixed'])}` }),
  search: () => ({ url: `/v1/claims?q=${pick(terms)}` }),
  match: () => ({ method: 'POST', url: '/v1/claims/match', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ text: pick(matchTexts) }) }),
  'feed 100': () => ({ url: '/v1/changes?limit=100' }),
}
const only = process.argv[2]?.split(',')
for (const [name, next] of Object.entries(workloads)) {
  if (only && !only.includes(name)) continue
  const n = Number(process.env.INJECT_REQUESTS ?? 0) || (name.endsWith(' 100') ? 100 : 1000)
  const one = async (lat: number[]) => {
    const t0 = performance.now()
    const res = await app.inject(next())
    lat.push(performance.now() - t0)
    if (res.statusCode >= 400) throw new Error(`${name} ${res.statusCode}`)
  }
  const run = async (count: number) => {
    const lat: number[] = []
    for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: 10 }, () => one(lat)))
    return lat.sort((a, b) => a - b)
  }
  await run(n / 2)
  // PROFILE=dir: a CPU profile of the measured requests alone (not the start, the warm-up or the index build).
  const profiler = process.env.PROFILE === undefined ? undefined : new Session()
  if (profiler) { profiler.connect(); await profiler.post('Profiler.enable'); await profiler.post('Profiler.start') }
  const c0 = process.cpuUsage(); const t0 = performance.now()
  const lat = await run(n)
  const c = process.cpuUsage(c0); const wall = performance.now() - t0
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop')
    writeFileSync(`${process.env.PROFILE}/${name.replace(/\W+/g, '-')}.cpuprofile`, JSON.stringify(profile))
    profiler.disconnect()
  }
  console.log(`| ${name} | ${Math.round((c.user + c.system) / n)} | ${Math.round(n / wall * 1000)} | ${lat[Math.floor(lat.length / 2)]?.toFixed(1)} |`)
}
await app.close()
