// `npm run bench:embedded [-- --records 2000 --connections 10 --duration 10]`: the API on the embedded database
// (PGlite, no DATABASE_URL) in a process of its own: claim-by-id and page-lookup throughput, then how long /healthz
// takes to answer while POST /v1/imports writes 1,500 records. Data: the first --records PolitiFact records, imported
// with `claimtrack import` into a fresh data directory, and an appearance on 300 of the claims. Figures are
// recorded in bench/results/embedded-<date>.json and printed as a Markdown table; nothing is asserted.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { apiEnv, sleep, startApi } from '../test/faults/cluster.ts'
import { createCpuMeter } from './lib/cpu.ts'
import { measure, pick, type Round } from './lib/measure.ts'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '2000' },
    'import-records': { type: 'string', default: '1500' },
    connections: { type: 'string', default: '10' },
    duration: { type: 'string', default: '10' },
    file: { type: 'string', default: '/work/shared/datasets/politifact-claims.jsonl' },
    label: { type: 'string', default: '' },
    out: { type: 'string', default: 'bench/results' },
  },
})
const records = Number(values.records)
const importRecords = Number(values['import-records'])
const connections = Number(values.connections)
const duration = Number(values.duration)
const root = fileURLToPath(new URL('..', import.meta.url))
const log = (message: string) => console.error(`[bench:embedded] ${message}`)
// The embedded database: whatever DATABASE_URL the shell has must not reach the commands or the API.
delete process.env.DATABASE_URL

const dir = mkdtempSync(join(tmpdir(), 'claimtrack-bench-embedded-'))
const env = { PGLITE_DIR: join(dir, 'pglite'), LOG_LEVEL: 'silent' }
const lines = readFileSync(values.file, 'utf8').split('\n').filter((line) => line.trim() !== '')
const claimtrack = (...args: string[]) => execFileSync(process.execPath, ['src/cli/bin.mjs', ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })

interface Result extends Round { name: string }

const meter = createCpuMeter()
const round = async (
  url: string,
  name: string,
  next: () => { path: string; headers?: Record<string, string> },
  seconds: number,
  pid?: number
): Promise<Result> => ({
  name,
  ...(await measure({
    url,
    connections,
    seconds,
    next: () => ({ method: 'GET', ...next() }),
    ...(pid !== undefined && { cpu: { meter, pid } }),
  })),
})

async function main () {
  log(`importing ${records} records into ${env.PGLITE_DIR}`)
  const key = claimtrack('keys', 'create', '--org', 'bench', '--role', 'admin').trim()
  const file = join(dir, 'records.jsonl')
  writeFileSync(file, `${lines.slice(0, records).join('\n')}\n`)
  claimtrack('import', file, '--format', 'jsonl', '--org', 'bench')

  const { DATABASE_URL: _none, ...apiSettings } = apiEnv('', { ...env, LOG_LEVEL: 'warn' })
  const api = await startApi(apiSettings)
  const auth = { authorization: `Bearer ${key}` }
  try {
    // Public claims (the imported ones are published), and a page each for 300 of them.
    const ids: string[] = []
    for (let after: string | null = null; ids.length < 1000;) {
      const page = await (await fetch(`${api.url}/v1/claims?limit=100${after ? `&cursor=${encodeURIComponent(after)}` : ''}`)).json() as { data: Array<{ id: string }>, nextCursor: string | null }
      ids.push(...page.data.map((c) => c.id))
      if (page.nextCursor === null) break
      after = page.nextCursor
    }
    const hitUrls: string[] = []
    for (const [i, id] of ids.slice(0, 300).entries()) {
      const url = `https://news.example.org/embedded-bench/${i}?utm_source=bench`
      const res = await fetch(`${api.url}/v1/claims/${id}/appearances`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ url }) })
      if (res.status !== 201) throw new Error(`appearance: ${res.status} ${await res.text()}`)
      hitUrls.push(url)
    }
    const q = encodeURIComponent
    const workloads = [
      { name: 'GET claim by id', next: () => ({ path: `/v1/claims/${pick(ids)}` }) },
      { name: 'GET claim by id, API key', next: () => ({ path: `/v1/claims/${pick(ids)}`, headers: auth }) },
      { name: 'GET lookup, hit', next: () => ({ path: `/v1/lookup?url=${q(pick(hitUrls))}` }) },
      { name: 'GET lookup, miss', next: () => ({ path: `/v1/lookup?url=${q(`https://news.example.org/never-cited/${Math.floor(Math.random() * 1e6)}`)}` }) },
    ]
    await round(api.url, 'warm-up', workloads[0]?.next as () => { path: string }, 3)
    const load = loadavg()
    const results: Result[] = []
    for (const w of workloads) {
      const result = await round(api.url, w.name, w.next, duration, api.child.pid)
      results.push(result)
      log(`${w.name}: ${result.requestsPerSecond} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, API process CPU ${result.cpu?.server} µs/req, errors ${result.errors}, non-2xx ${result.non2xx}`)
    }

    // An import through the API, with /healthz asked every 100 ms until it is done.
    const data = lines.slice(records, records + importRecords).join('\n')
    const importStarted = performance.now()
    const queued = await fetch(`${api.url}/v1/imports`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ format: 'jsonl', data }) })
    if (queued.status !== 202) throw new Error(`import: ${queued.status} ${await queued.text()}`)
    const location = queued.headers.get('location') as string
    const probes: number[] = []
    const writes: number[] = []
    const writeStatuses: Record<string, number> = {}
    let status = 'queued'
    while (status !== 'succeeded' && status !== 'failed') {
      const started = performance.now()
      const health = await fetch(`${api.url}/healthz`)
      await health.arrayBuffer()
      probes.push(performance.now() - started)
      // A claim created meanwhile, as an editor would.
      const writeStarted = performance.now()
      const write = await fetch(`${api.url}/v1/claims`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ text: `Written during the import ${writes.length}.` }) })
      await write.arrayBuffer()
      writes.push(performance.now() - writeStarted)
      writeStatuses[write.status] = (writeStatuses[write.status] ?? 0) + 1
      const res = await fetch(`${api.url}${location}`, { headers: auth })
      if (res.ok) status = ((await res.json()) as { status: string }).status
      else await res.arrayBuffer()
      await sleep(100)
    }
    const importSeconds = Math.round((performance.now() - importStarted) / 100) / 10
    const median = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0)
    const healthDuringImport = {
      records: importRecords,
      status,
      importSeconds,
      probes: probes.length,
      p50: median(probes),
      max: Math.round(probes.at(-1) ?? 0),
      writes: { p50: median(writes), max: Math.round(writes.at(-1) ?? 0), statuses: writeStatuses },
    }
    log(`import of ${importRecords} records: ${status} in ${importSeconds} s; /healthz p50 ${healthDuringImport.p50} ms, max ${healthDuringImport.max} ms over ${probes.length} probes; POST /v1/claims meanwhile p50 ${healthDuringImport.writes.p50} ms, max ${healthDuringImport.writes.max} ms ${JSON.stringify(writeStatuses)}`)

    const date = new Date().toISOString()
    const summary = {
      date,
      label: values.label,
      machine: `${execFileSync('nproc').toString().trim()} cores (shared), ${process.platform} ${process.arch}, node ${process.version}`,
      loadAverageBefore: load.map((l) => Math.round(l * 100) / 100),
      loadAverageAfter: loadavg().map((l) => Math.round(l * 100) / 100),
      records,
      connections,
      durationSeconds: duration,
      results,
      healthDuringImport,
    }
    mkdirSync(values.out, { recursive: true })
    const out = `${values.out}/embedded-${values.label ? `${values.label}-` : ''}${date.slice(0, 10)}.json`
    writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`)
    log(`wrote ${out}`)
    console.log(`${date.slice(0, 10)} ${values.label}, ${summary.machine}, ${records} records, ${connections} connections, ${duration} s per workload, load average ${summary.loadAverageBefore.join(' ')}\n`)
    console.log('| workload | req/s | p50 ms | p99 ms | API process CPU µs/req (PGlite included) | errors | non-2xx | load 1m |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    for (const r of results) console.log(`| ${r.name} | ${r.requestsPerSecond} | ${r.p50} | ${r.p99} | ${r.cpu?.server ?? '–'} | ${r.errors} | ${r.non2xx} | ${r.load} |`)
    console.log(`\nPOST /v1/imports of ${importRecords} records: ${status} in ${importSeconds} s; /healthz p50 ${healthDuringImport.p50} ms, max ${healthDuringImport.max} ms; POST /v1/claims meanwhile p50 ${healthDuringImport.writes.p50} ms, max ${healthDuringImport.writes.max} ms, statuses ${JSON.stringify(writeStatuses)}`)
  } finally {
    api.child.kill('SIGTERM')
    await api.exited
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
