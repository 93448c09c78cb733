// `npm run soak [-- --minutes 10 --connections 20 --database-url postgres://...]`: a long mixed load against the API
// in a process of its own. Every minute it records the API's memory (resident set and V8 heap, read from the
// process) and the latency and throughput of that minute; a leak shows as memory that keeps growing from the first
// minutes to the last. Results go to bench/results/soak-<date>.json and a table on stdout.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import postgres from 'postgres'
import { adminKeyFor, apiEnv, startApi } from '../test/faults/cluster.ts'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/claimtrack_soak' },
  },
})
const minutes = Number(values.minutes)
const connections = Number(values.connections)
if (!Number.isFinite(minutes) || minutes <= 0 || !Number.isInteger(connections) || connections <= 0) {
  console.error('usage: npm run soak -- [--minutes 10] [--connections 20] [--database-url postgres://...]')
  process.exit(2)
}

// A fresh database each time: the numbers compare minutes of one run, not runs.
const url = new URL(values['database-url'])
const name = url.pathname.slice(1)
const admin = postgres({ host: url.hostname, port: Number(url.port || 5432), user: url.username || 'postgres', database: 'postgres', max: 1, onnotice: () => {} })
await admin.unsafe(`drop database if exists "${name}" with (force)`)
await admin.unsafe(`create database "${name}"`)
await admin.end()

const key = await adminKeyFor(url.toString())
const api = await startApi(apiEnv(url.toString(), { LOG_LEVEL: 'error' }))
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
const reader = { authorization: auth.authorization }

// Some data to read: claims with appearances, a third of them published (so lookups find verdicts).
const ids: string[] = []
const pages: string[] = []
for (let i = 0; i < 300; i++) {
  const claim = await (await fetch(`${api.url}/v1/claims`, { method: 'POST', headers: auth, body: JSON.stringify({ text: `Soak claim ${i}: unemployment fell by ${i % 40} percent in ${1990 + (i % 30)}`, topics: [`topic-${i % 7}`] }) })).json() as { id: string }
  ids.push(claim.id)
  const page = `https://news.example.org/story/${i}`
  pages.push(page)
  await fetch(`${api.url}/v1/claims/${claim.id}/appearances`, { method: 'POST', headers: auth, body: JSON.stringify({ url: page, medium: 'article' }) })
  if (i % 3 === 0) {
    const review = await fetch(`${api.url}/v1/claims/${claim.id}/reviews`, { method: 'POST', headers: auth, body: JSON.stringify({ ratingScale: 'truth-o-meter', rating: 'false', ratingExplanation: 'No.', url: `https://factcheck.example.org/${i}`, author: { name: 'Soak desk' } }) })
    const etag = review.headers.get('etag') ?? ''
    const { id } = await review.json() as { id: string }
    await fetch(`${api.url}/v1/claims/${claim.id}/reviews/${id}/publish`, { method: 'POST', headers: { authorization: auth.authorization, 'if-match': etag } })
  }
}

const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T
let serial = 0
/** 90% reads of every kind, 10% writes. */
function nextRequest (): { method: 'GET' | 'POST', path: string, headers?: Record<string, string>, body?: string } {
  const roll = Math.random()
  if (roll < 0.25) return { method: 'GET' as const, path: `/v1/lookup?url=${encodeURIComponent(pick(pages))}` }
  if (roll < 0.45) return { method: 'GET' as const, path: `/v1/claims/${pick(ids)}`, headers: reader }
  if (roll < 0.60) return { method: 'GET' as const, path: '/v1/claims?limit=20', headers: reader }
  if (roll < 0.75) return { method: 'GET' as const, path: `/v1/claims?q=${pick(['unemployment', 'percent', 'fell'])}&limit=10`, headers: reader }
  if (roll < 0.82) return { method: 'POST' as const, path: '/v1/claims/match', headers: auth, body: JSON.stringify({ text: `unemployment fell by ${Math.floor(Math.random() * 40)} percent`, limit: 5 }) }
  if (roll < 0.90) return { method: 'GET' as const, path: '/v1/changes?limit=50', headers: reader }
  return { method: 'POST' as const, path: '/v1/claims', headers: auth, body: JSON.stringify({ text: `Soak write ${serial++}` }) }
}

/**
 * The API process's resident set and V8 heap, from /proc (the heap as the GC last left it is not visible from outside).
 */
function memoryOf (pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
  return { rssMiB: Math.round(kb('VmRSS') / 1024), hwmMiB: Math.round(kb('VmHWM') / 1024) }
}

interface Minute {
  minute: number
  requestsPerSecond: number
  p50: number
  p99: number
  errors: number
  non2xx: number
  rssMiB: number
}
const rows: Minute[] = []
const statuses = new Map<string, number>()
const pid = api.child.pid ?? 0
console.error(`soak: ${minutes} min, ${connections} connections, API pid ${pid}, start RSS ${memoryOf(pid).rssMiB} MiB`)
for (let minute = 1; minute <= minutes; minute++) {
  const result = await autocannon({
    url: api.url,
    connections,
    duration: 60,
    requests: [{
      setupRequest: (request) => ({ ...request, ...nextRequest() }),
      onResponse: (status) => {
        if (status >= 300) statuses.set(`${status}`, (statuses.get(`${status}`) ?? 0) + 1)
      },
    }],
  })
  const row = {
    minute,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    rssMiB: memoryOf(pid).rssMiB,
  }
  rows.push(row)
  console.error(JSON.stringify(row), JSON.stringify(Object.fromEntries(statuses)))
  statuses.clear()
}

api.child.kill('SIGTERM')
await api.exited

const first = rows[0]
const last = rows.at(-1)
const machine = `${execFileSync('nproc').toString().trim()} cores, node ${process.version}`
const summary = { date: new Date().toISOString(), machine, minutes, connections, first, last, rows }
mkdirSync('bench/results', { recursive: true })
const file = `bench/results/soak-${summary.date.slice(0, 10)}.json`
writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`)
console.log('| minute | req/s | p50 ms | p99 ms | errors | non-2xx | API RSS MiB |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) console.log(`| ${r.minute} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${r.rssMiB} |`)
console.log(`\nwritten to ${file}`)
