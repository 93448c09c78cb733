// `npm run bench [-- --duration 10 --connections 100 --baseline ../old-checkout]`: throughput, latency and CPU per
// request of the API's workloads, each hot one next to a floor that sends the same SQL (bench/floor.ts, with the
// statements captured from the app by bench/capture.ts), in one run, on working copies of a generated data set.
// With --baseline, the API of another checkout runs in the same run on a copy of its own, for before/after figures.
// Results: bench/results/bench-<date>.json and Markdown tables on stdout.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { apiEnv } from '../test/faults/cluster.ts'
import { createCpuMeter, type CpuMeter } from './lib/cpu.ts'
import { check, measure, type Req, type Round } from './lib/measure.ts'
import { ROUTES, templateOf, verify, type RouteKey, type Templates } from './lib/replay.ts'
import { comparison, table, targets, type Row, type ServerKind } from './lib/report.ts'
import { adminKey, capture, copyDatabase, dropDatabase, etagsOf, matchIndexReady, root, startServer, withDatabase, type Etags, type MatchIndexReady, type Server } from './lib/servers.ts'
import { pickSamples, probesFor, workloadsFor, type Workload } from './lib/workloads.ts'

const USAGE = `usage: npm run bench -- [--claims 100000] [--connections 100] [--duration 10] [--warmup 1] [--only name,name]
       [--baseline <checkout> [--baseline-label before]] [--label after] [--database-url postgres://...] [--no-redis]
       [--in-place] [--repeat 1] [--out bench/results]

Generates the data set when it is missing (bench/generate.ts), copies it for each API (--in-place: use it as it is),
starts the API of this checkout (and of --baseline), a same-SQL floor for each and the narrow floor, and measures
every workload on each for --duration seconds after --warmup seconds; --repeat N measures every round N times (each
workload's servers in turn, in the opposite order on every other pass) and reports the median pass of each.`

const { values } = parseArgs({
  options: {
    claims: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    'database-url': { type: 'string' },
    only: { type: 'string' },
    baseline: { type: 'string' },
    'baseline-label': { type: 'string' },
    label: { type: 'string' },
    'no-redis': { type: 'boolean', default: false },
    'in-place': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/results' },
    help: { type: 'boolean', default: false },
  },
})
const claimCount = Number(values.claims)
const connections = Number(values.connections)
const duration = Number(values.duration)
const warmup = Number(values.warmup)
const repeat = Number(values.repeat)
if (
  values.help ||
  !Number.isInteger(claimCount) ||
  claimCount < 1 ||
  !Number.isInteger(connections) ||
  connections < 1 ||
  !(duration > 0) ||
  !(warmup >= 0) ||
  !Number.isInteger(repeat) ||
  repeat < 1 ||
  (values['in-place'] && values.baseline !== undefined)
) {
  console.error(USAGE)
  process.exit(values.help ? 0 : 2)
}
const sizeLabel = claimCount % 1_000_000 === 0 ? `${claimCount / 1_000_000}m` : claimCount % 1000 === 0 ? `${claimCount / 1000}k` : String(claimCount)
const sourceUrl = values['database-url'] ?? `postgres://postgres@127.0.0.1:5432/claimtrack_bench_${sizeLabel}`
// A Redis database of its own, so that the bench's counters never meet those of tests running beside it.
const redisUrl = values['no-redis'] ? undefined : 'redis://127.0.0.1:6379/5'
const log = (message: string) => console.error(`[bench] ${message}`)
const labelOf = (dir: string) => {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
  } catch {
    return basename(resolve(dir))
  }
}

async function ensureDataset () {
  // a loaded machine can take seconds to start a backend
  const sql = postgres(sourceUrl, { max: 1, onnotice: () => {}, connect_timeout: 30 })
  let present: number | undefined
  try {
    const [row] = await sql<
      Array<{ n: number | null }>
    >`select case when to_regclass('claims') is null then null else (select count(*)::int from claims) end as n`
    present = row?.n ?? 0
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err // 3D000: no such database
  } finally {
    await sql.end()
  }
  if (present !== undefined && present >= claimCount) return present
  if (present !== undefined && present > 0) {
    throw new Error(
      `${sourceUrl} holds ${present} claims, fewer than ${claimCount}: drop it (or pass another --database-url)`
    )
  }
  log(`generating ${claimCount} claims into ${sourceUrl} (bench/generate.ts)`)
  const child = spawn(
    process.execPath,
    ['bench/generate.ts', '--claims', String(claimCount), '--database-url', sourceUrl],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] }
  )
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`bench/generate.ts exited with ${code}`)
  return claimCount
}

interface Checkout {
  label: string
  dir: string
  databaseUrl: string
  env: Record<string, string>
  api?: Server
  floor?: Server
  etags?: Etags
  workloads?: Workload[]
  matchIndex?: MatchIndexReady
}

/** The statements each hot route of a checkout sends, captured from its app and checked on other requests. */
async function templatesOf (c: Checkout, probes: ReturnType<typeof probesFor>): Promise<Templates> {
  const results = await capture(c.dir, c.env, probes)
  const templates: Templates = {}
  for (const route of Object.keys(ROUTES) as RouteKey[]) {
    const [first, ...others] = results.filter((r) => r.route === route)
    if (first === undefined) continue
    const expected = route.endsWith('-304') ? 304 : 200
    for (const r of [first, ...others]) if (r.status !== expected) throw new Error(`${c.label}: ${ROUTES[route]} answered ${r.status} when its SQL was captured`)
    const statements = templateOf(first.statements, first.raw)
    for (const other of others) verify(route, statements, other.raw, other.statements)
    templates[route] = statements
  }
  return templates
}

async function main () {
  const claims = await ensureDataset()
  const scratch = mkdtempSync(join(tmpdir(), 'claimtrack-bench-'))
  const dirs = [{ dir: root, label: values.label ?? labelOf(root) }]
  if (values.baseline !== undefined) dirs.push({ dir: resolve(values.baseline), label: values['baseline-label'] ?? labelOf(values.baseline) })
  if (dirs[1] && dirs[1].label === dirs[0]?.label) dirs[1].label += ' (baseline)'
  const checkouts: Checkout[] = []
  const monitor = postgres(withDatabase(sourceUrl, 'postgres'), { max: 1, onnotice: () => {} })
  const floors: Server[] = []
  try {
    for (const [i, { dir, label }] of dirs.entries()) {
      const databaseUrl = values['in-place'] ? sourceUrl : await copyDatabase(sourceUrl, `ct_floor_${sizeLabel}_${process.pid}${i === 0 ? '' : '_base'}`)
      // 100 connections queue for 10 pooled database connections behind the slow workloads (search, matching): they
      // wait longer than the default 2 s for one, which would turn queueing into 503s rather than into latency.
      // One address sends every search: SEARCH_CONCURRENCY (2 per caller) would answer the rest 429.
      const env = apiEnv(databaseUrl, { LOG_LEVEL: 'warn', DATABASE_ACQUIRE_TIMEOUT: '30000', SEARCH_CONCURRENCY: '1000', ...(redisUrl !== undefined && { REDIS_URL: redisUrl }) })
      checkouts.push({ label, dir, databaseUrl, env })
    }
    const sampler = postgres(checkouts[0]?.databaseUrl ?? sourceUrl, { max: 1, onnotice: () => {} })
    const samples = await pickSamples(sampler, checkouts[0]?.env.CURSOR_SECRET ?? '')
    await sampler.end()
    const probes = probesFor(samples)
    const sharedFloor: Record<string, Server> = {}
    for (const c of checkouts) {
      log(`${c.label}: key, API and SQL capture (${c.dir} on ${new URL(c.databaseUrl).pathname.slice(1)})`)
      const key = await adminKey(c.dir, c.env)
      c.api = await startServer(c.dir, 'src/server.ts', c.env, `the API of ${c.label}`)
      c.matchIndex = await matchIndexReady(c.api, `the API of ${c.label}`)
      log(`${c.label}: match index ${c.matchIndex.state} after ${c.matchIndex.waitedSeconds} s, RSS ${c.matchIndex.rssMb} MB`)
      const templates = JSON.stringify(await templatesOf(c, probes))
      // Checkouts that send the same statements share a floor (and its rounds).
      if (sharedFloor[templates] === undefined) {
        const file = join(scratch, `floor-sql-${checkouts.indexOf(c)}.json`)
        writeFileSync(file, templates)
        const floor = await startServer(root, 'bench/floor.ts', { DATABASE_URL: c.databaseUrl, FLOOR_SQL: file }, 'the floor server')
        floors.push(floor)
        sharedFloor[templates] = floor
      }
      c.floor = sharedFloor[templates]
      c.etags = await etagsOf(c.api.url, samples.ids, samples.hitUrls)
      const only = values.only?.split(',').map((s) => s.trim().toLowerCase())
      c.workloads = workloadsFor(samples, key).filter(
        (w) => only === undefined || only.some((o) => w.name.toLowerCase().includes(o))
      )
    }
    // Postgres CPU of a round: the backends of the measured server's own database only (each API and its floor have a
    // copy of their own), so that another checkout's background work (job polling, timers) is not counted against it.
    const databaseOf = (c: Checkout) => new URL(c.databaseUrl).pathname.slice(1)
    const meters = new Map(checkouts.map((c) => [c, createCpuMeter(monitor, [databaseOf(c)])]))

    // Each round: which server, and the requests it is sent.
    // A floor shared by checkouts that send the same SQL is measured once and recorded for each (`for`).
    interface Plan { workload: Workload, server: ServerKind, checkout: Checkout, for: Checkout[], target: Server }
    const plans: Plan[] = []
    for (const w of checkouts[0]?.workloads ?? []) {
      for (const c of checkouts) {
        const workload = c.workloads?.find((x) => x.name === w.name) ?? w
        const { floor, api } = c as Required<Checkout>
        const sharing = checkouts.filter((o) => o.floor === floor)
        if (w.kind === 'narrow' && c === checkouts[0]) plans.push({ workload, server: 'narrow floor', checkout: c, for: checkouts, target: floor })
        if (w.kind === 'hot' && sharing[0] === c) plans.push({ workload, server: 'floor', checkout: c, for: sharing, target: floor })
        if (w.kind !== 'narrow') plans.push({ workload, server: 'api', checkout: c, for: [c], target: api })
      }
    }
    const requestOf = (p: Plan): (() => Req) => () => p.workload.next(p.checkout.etags as Etags)
    for (const p of [...plans]) {
      try {
        await check(p.target.url, `${p.workload.name} (${p.server} of ${p.checkout.label})`, requestOf(p)(), p.workload.expected)
      } catch (error) {
        // An operation a baseline does not have yet (404) is measured on the other checkouts only.
        if (p.server !== 'api' || p.checkout === checkouts[0] || !/ answered 404$/.test((error as Error).message)) throw error
        plans.splice(plans.indexOf(p), 1)
        log(`${p.workload.name}: not in ${p.checkout.label} (404), measured on the others only`)
      }
    }
    // Warm every server up (JIT, each pooled connection's prepared statements) before anything is recorded.
    for (const p of plans.filter((p) => p.workload.name === 'claim by id' || p.workload.kind === 'narrow')) {
      await measure({ url: p.target.url, connections, seconds: 3, next: requestOf(p), expected: p.workload.expected })
    }
    const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100)
    log(`load average ${loadBefore.join(' ')}; ${plans.length} rounds × ${repeat} × (${warmup} + ${duration}) s, ${connections} connections`)
    // Rounds one after the other are minutes apart on a machine whose speed drifts: with --repeat, each workload's
    // servers are measured in turn again, the order reversed on every other pass, and the median pass is reported.
    const passes = new Map<Plan, Round[]>(plans.map((p) => [p, []]))
    for (let pass = 0; pass < repeat; pass++) {
      const order = pass % 2 === 0
        ? plans
        : [...new Set(plans.map((p) => p.workload.name))]
            .flatMap((name) => plans.filter((p) => p.workload.name === name).reverse())
      for (const p of order) {
        const options = { url: p.target.url, connections, next: requestOf(p), expected: p.workload.expected }
        if (warmup > 0) await measure({ ...options, seconds: warmup })
        const meter = meters.get(p.checkout) as CpuMeter
        const round = await measure({ ...options, seconds: duration, cpu: { meter, pid: p.target.pid } })
        passes.get(p)?.push(round)
        const which = `${p.workload.name} (${p.server}, ${p.checkout.label})${repeat > 1 ? ` pass ${pass + 1}` : ''}`
        log(`${which}: ${round.requestsPerSecond} req/s, p50 ${round.p50} ms, p99 ${round.p99} ms, ` +
          `CPU µs/req ${JSON.stringify(round.cpu)}, errors ${round.errors}, non-2xx ${round.non2xx} ${JSON.stringify(round.statuses)}, load ${round.load}`)
      }
    }
    const rows: Row[] = []
    const failedRounds: string[] = []
    for (const p of plans) {
      const rounds = passes.get(p) ?? []
      if (rounds.some((r) => r.errors > 0 || r.non2xx > 0)) failedRounds.push(`${p.workload.name} (${p.server}, ${p.checkout.label})`)
      const byRate = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)
      const round = byRate[Math.floor((rounds.length - 1) / 2)] as Round
      for (const c of p.for) {
        rows.push({
          workload: p.workload.name,
          kind: p.workload.kind,
          server: p.server,
          checkout: c.label,
          round,
          ...(repeat > 1 && { passes: rounds.map((r) => r.requestsPerSecond) }),
          ...(p.for.length > 1 && { shared: true }),
        })
      }
    }

    const labels = checkouts.map((c) => c.label)
    const verdicts = targets(rows, labels)
    const date = new Date().toISOString()
    const summary = {
      date,
      machine: `${execFileSync('nproc').toString().trim()} cores (shared), ${process.platform} ${process.arch}, node ${process.version}`,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg().map((l) => Math.round(l * 100) / 100),
      dataset: { database: new URL(sourceUrl).pathname.slice(1), claims, copies: !values['in-place'] },
      checkouts: checkouts.map((c) => ({
        label: c.label,
        dir: c.dir,
        database: new URL(c.databaseUrl).pathname.slice(1),
        matchIndex: c.matchIndex,
      })),
      connections,
      durationSeconds: duration,
      repeat,
      rateLimitCounters: redisUrl === undefined ? 'postgres' : 'redis',
      loadGenerator: 'autocannon, in the bench process on the same machine',
      cpu:
        'µs per request from /proc/<pid>/stat utime+stime: server = the process measured (and its children); postgres = the backends ' +
        'of the bench databases (pg_stat_activity); postgresAll = every postgres process, with reaped children; redis = redis-server',
      targets: verdicts.values,
      rows,
    }
    mkdirSync(values.out, { recursive: true })
    const variant = `${claimCount === 100_000 ? '' : `${sizeLabel}-`}${connections === 100 ? '' : `c${connections}-`}${values.only === undefined ? '' : 'partial-'}` +
      (checkouts.length > 1 ? 'before-after-' : '')
    const file = `${values.out}/bench-${variant}${date.slice(0, 10)}.json`
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`)
    log(`wrote ${file}`)
    console.log(`${date.slice(0, 16).replace('T', ' ')} UTC, ${summary.machine}, ${claims} claims, ${connections} connections, ${duration} s per round, ` +
      `load average ${loadBefore.join(' ')} (after: ${summary.loadAverageAfter.join(' ')}), rate-limit counters in ${summary.rateLimitCounters}`)
    for (const label of labels) console.log(`\n### ${label}\n\n${table(rows, label)}`)
    console.log(`\n### Targets\n\n${verdicts.table}`)
    if (labels.length === 2) console.log(`\n### Before and after\n\n${comparison(rows, labels[1] as string, labels[0] as string)}`)
    if (failedRounds.length > 0) {
      log(`errors in: ${failedRounds.join(', ')}`)
      process.exitCode = 1
    }
  } finally {
    for (const s of [...checkouts.map((c) => c.api), ...floors]) await s?.stop()
    await monitor.end()
    if (!values['in-place']) for (const c of checkouts) await dropDatabase(c.databaseUrl)
    rmSync(scratch, { recursive: true, force: true })
  }
}

await main()
