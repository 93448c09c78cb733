// `node bench/pipeline.ts [--only by-id,match] [--cpu-prof dir]`: what the request pipeline costs on the hot reads.
// Starts the API (src/server.ts, one process, counters in Redis) on a generated data set and drives each hot read
// with autocannon, reporting req/s, p50/p99 and the API process's CPU time per request (utime + stime from
// /proc/<pid>/stat, before and after each workload), with the load average. With --cpu-prof, the API runs under
// `node --cpu-prof` and writes its profile to that directory when it stops (open it in Chrome DevTools, or read
// its top self-time functions with `node bench/pipeline.ts --top <file.cpuprofile> --skip <seconds of start-up>`).
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import postgres from 'postgres'
import { apiEnv, sleep, startApi } from '../test/faults/cluster.ts'
import { cpuSecondsOf } from './lib/cpu.ts'
import { pick, type Req } from './lib/measure.ts'
import { matchIndexReady } from './lib/servers.ts'
import { pickSamples } from './lib/workloads.ts'

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/ct_pipe_100k' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    top: { type: 'string' },
    skip: { type: 'string', default: '0' },
  },
})

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

/** The functions with the most self time in a .cpuprofile, as a share of the samples that were not idle. */
function top (file: string, skipSeconds: number, n = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  let busy = 0
  let at = 0
  let counted = 0
  for (const [i, id] of profile.samples.entries()) {
    at += profile.timeDeltas[i] ?? 0
    if (at < skipSeconds * 1e6) continue
    counted++
    const frame = byId.get(id)?.callFrame
    if (!frame || frame.functionName === '(idle)') continue
    busy++
    const where = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')
    const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + 1)
  }
  console.log(`samples ${counted}, idle ${(100 * (counted - busy) / counted).toFixed(1)}%; self time of busy samples:`)
  for (const [key, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${(100 * count / busy).toFixed(1).padStart(5)}%  ${key}`)
}

if (values.top !== undefined) {
  top(values.top, Number(values.skip))
  process.exit(0)
}

const databaseUrl = values['database-url']
const connections = Number(values.connections)
const duration = Number(values.duration)
async function main () {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  // The requests `npm run bench` sends (bench/lib/workloads.ts).
  const { ids, hitUrls, missUrls, prefixes, terms, matchTexts } = await pickSamples(sql, '')
  await sql.end()
  const matchBodies = matchTexts.map((text) => JSON.stringify({ text, limit: 10 }))
  // 100 URLs, half of them cited somewhere, as bench/run.ts sends them.
  const batches = Array.from({ length: 50 }, () =>
    JSON.stringify({ urls: Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? pick(hitUrls) : pick(missUrls))) })
  )

  // One address sends every match and search: SEARCH_CONCURRENCY (2 per caller) would answer the rest 429.
  const env = apiEnv(databaseUrl, { LOG_LEVEL: 'warn', DATABASE_ACQUIRE_TIMEOUT: '30000', SEARCH_CONCURRENCY: '1000', REDIS_URL: 'redis://127.0.0.1:6379/5' })
  if (values['cpu-prof'] !== undefined) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${values['cpu-prof']}`
  const api = await startApi(env)
  const pid = api.child.pid as number
  try {
    // Its in-process indexes built first (with SEARCH_INDEX=true, search's too): no workload pays for the build.
    await matchIndexReady({ url: api.url, pid }, 'the API')
    const etags: Array<[string, string]> = []
    for (const id of ids.slice(0, 300)) {
      const etag = (await fetch(`${api.url}/v1/claims/${id}`)).headers.get('etag')
      if (etag) etags.push([id, etag])
    }
    const q = encodeURIComponent
    const pageEtags: Array<[string, string]> = []
    for (const url of hitUrls.slice(0, 300)) {
      const etag = (await fetch(`${api.url}/v1/lookup?url=${q(url)}`)).headers.get('etag')
      if (etag) pageEtags.push([url, etag])
    }
    const workloads: Array<{ name: string, expected?: number, next: () => Req }> = [
      { name: 'by-id', next: () => ({ method: 'GET', path: `/v1/claims/${pick(ids)}` }) },
      { name: 'by-id 304', expected: 304, next: () => { const [id, etag] = pick(etags); return { method: 'GET', path: `/v1/claims/${id}`, headers: { 'if-none-match': etag } } } },
      { name: 'lookup hit', next: () => ({ method: 'GET', path: `/v1/lookup?url=${q(pick(hitUrls))}` }) },
      { name: 'lookup 304', expected: 304, next: () => { const [url, etag] = pick(pageEtags); return { method: 'GET', path: `/v1/lookup?url=${q(url)}`, headers: { 'if-none-match': etag } } } },
      { name: 'lookup miss', next: () => ({ method: 'GET', path: `/v1/lookup?url=${q(pick(missUrls))}` }) },
      { name: 'batch 100', next: () => ({ method: 'POST', path: '/v1/lookup', headers: { 'content-type': 'application/json' }, body: pick(batches) }) },
      { name: 'verdicts 100', next: () => ({ method: 'POST', path: '/v1/lookup/verdicts', headers: { 'content-type': 'application/json' }, body: pick(batches) }) },
      { name: 'prefix', next: () => ({ method: 'GET', path: `/v1/lookup/prefixes/${pick(prefixes)}` }) },
      { name: 'list page', next: () => ({ method: 'GET', path: '/v1/claims?limit=20' }) },
      { name: 'match', next: () => ({ method: 'POST', path: '/v1/claims/match', headers: { 'content-type': 'application/json' }, body: pick(matchBodies) }) },
      { name: 'search', next: () => ({ method: 'GET', path: `/v1/claims?q=${q(pick(terms))}&limit=20` }) },
    ]
    const only = values.only?.split(',')
    const chosen = workloads.filter((w) => only === undefined || only.includes(w.name))
    // Warm-up: JIT and each pooled connection's prepared statements.
    for (const w of chosen) {
      await autocannon({
        url: api.url,
        connections,
        duration: 2,
        requests: [{ setupRequest: (r) => ({ ...r, ...w.next() }) }],
      })
    }
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${connections} connections, ${duration} s`)
    console.log('| workload | req/s | p50 ms | p99 ms | API CPU µs/request | unexpected |')
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
    for (const w of chosen) {
      let unexpected = 0
      const before = cpuSecondsOf(pid)
      const result = await autocannon({
        url: api.url,
        connections,
        duration,
        requests: [{
          setupRequest: (r) => ({ ...r, ...w.next() }),
          onResponse: (status) => { if (status !== (w.expected ?? 200)) unexpected++ },
        }],
      })
      const cpu = cpuSecondsOf(pid) - before
      const perRequest = Math.round(cpu * 1e6 / result.requests.total)
      console.log(`| ${w.name} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${perRequest} | ${unexpected + result.errors + result.timeouts} |`)
    }
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  } finally {
    api.child.kill('SIGTERM')
    await Promise.race([api.exited, sleep(15_000)])
  }
}

await main()
