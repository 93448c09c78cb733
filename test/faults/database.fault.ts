// The database misbehaving under a running app: saturated, slow, a connection killed, the server crashed and back.
// Every request fails fast as 503 problem+json with Retry-After (never hangs, never 500), /readyz says so, and the
// app recovers by itself. Runs on the fault tests' own Postgres cluster (`npm run test:faults`).
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { claims } from '../../src/db/schema.ts'
import { toProblem } from '../../src/plugins/problem-details.ts'
import { adminKeyFor, apiEnv, crashPostgres, ensureCluster, freshServerDatabase, sleep, startPostgres } from './cluster.ts'

await ensureCluster()

/** The app in this process on a fresh database of the fault cluster, listening on a free port. */
async function buildOnCluster (t: Test, env: Record<string, string> = {}) {
  const database = await freshServerDatabase()
  const key = await adminKeyFor(database.url)
  const app = await buildApp(parseConfig(apiEnv(database.url, env)))
  t.teardown(async () => {
    await app.close()
    await database.drop()
  })
  return { app, key, url: database.url }
}

/** A 503 problem with Retry-After, as every database failure must be answered. */
function isUnavailable (
  t: Test,
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  what: string
) {
  t.equal(res.statusCode, 503, `${what}: 503 (${res.body.slice(0, 200)})`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`)
  t.match(res.headers['retry-after'], /^\d+$/, `${what}: Retry-After`)
  t.equal(JSON.parse(res.body).status, 503, `${what}: problem status`)
}

async function timed<T> (work: () => Promise<T>): Promise<{ value: T, ms: number }> {
  const started = performance.now()
  const value = await work()
  return { value, ms: performance.now() - started }
}

t.test('every pool connection held: new requests get 503 within 2 s, and are served again once one is free', async (t) => {
  const { app, key } = await buildOnCluster(t, { DATABASE_POOL_SIZE: '2', DATABASE_ACQUIRE_TIMEOUT: '1000' })
  // Two transactions hold the pool's two connections for 6 s, each a whole connection: all the places that
  // DATABASE_PIPELINE_DEPTH (4) gives the two (src/db/gate.ts).
  const held = Promise.all([1, 2].map(() => app.database.db.transaction((tx) => tx.execute(sql`select pg_sleep(6)`))))
  await sleep(200)
  t.same(app.database.poolStats(), { inUse: 8, waiting: 0, size: 8 }, 'both connections in use')

  const anonymous = await timed(() => app.inject({ method: 'GET', url: '/v1/claims' }))
  isUnavailable(t, anonymous.value, 'anonymous list')
  t.ok(anonymous.ms < 2000, `answered in ${Math.round(anonymous.ms)} ms`)
  const withKey = await timed(() => app.inject({ method: 'POST', url: '/v1/claims', headers: { authorization: `Bearer ${key}` }, payload: { text: 'Waits for no one.' } }))
  isUnavailable(t, withKey.value, 'write with a key')
  t.ok(withKey.ms < 2000, `answered in ${Math.round(withKey.ms)} ms`)
  isUnavailable(t, await app.inject({ method: 'GET', url: '/readyz' }), 'readiness')

  await held
  t.equal((await app.inject({ method: 'GET', url: '/v1/claims' })).statusCode, 200, 'served again')
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready again')
  t.equal((await app.db.select().from(claims)).length, 0, 'the refused write made nothing')
})

t.test('statements stuck on every connection: as many more as the pipeline holds wait behind them, the rest get 503 within 2 s', async (t) => {
  // Readiness is one statement and no rate-limit count, and without the match index nothing else of the app's own
  // takes a place while the test counts them.
  const { app } = await buildOnCluster(t, { DATABASE_POOL_SIZE: '2', DATABASE_PIPELINE_DEPTH: '2', DATABASE_ACQUIRE_TIMEOUT: '1000', MATCH_INDEX: 'false' })
  const ready = () => timed(() => app.inject({ method: 'GET', url: '/readyz' }))
  // Two statements hold the pool's two connections for 4 s (a lock wait would do the same).
  const held = Promise.all([1, 2].map(() => app.database.db.use(undefined, (ex) => ex.execute(sql`select pg_sleep(4)`))))
  await sleep(200)
  t.match(app.database.poolStats(), { inUse: 2, size: 4 }, 'two of the four places')

  // Two more are let in, and sent behind the stuck statements (pipelined): they wait for them, at most
  // DATABASE_STATEMENT_TIMEOUT, and are then answered.
  const behind = [ready(), ready()]
  // However busy the machine, until both have reached the gate (at most 3 s: the stuck statements last 4).
  for (let waited = 0; app.database.poolStats().inUse < 4 && waited < 3000; waited += 50) await sleep(50)
  t.match(app.database.poolStats(), { inUse: 4, size: 4 }, 'every place taken')
  const refused = await ready()
  isUnavailable(t, refused.value, 'a request with no place left')
  t.ok(refused.ms < 2000, `answered in ${Math.round(refused.ms)} ms`)

  await held
  for (const { value, ms } of await Promise.all(behind)) {
    t.equal(value.statusCode, 200, 'a request let in behind the stuck statements is answered once they end')
    t.ok(ms > 3000, `after waiting for them (${Math.round(ms)} ms)`)
  }
  t.match(app.database.poolStats(), { inUse: 0, size: 4 }, 'every place given back')
})

t.test('statement timeouts are set on every connection, and a statement past it is a 503', async (t) => {
  const { app } = await buildOnCluster(t, { DATABASE_STATEMENT_TIMEOUT: '300' })
  const [setting] = (await app.db.execute(sql`select current_setting('statement_timeout') as value`)) as unknown as Array<{ value: string }>
  t.equal(setting?.value, '300ms')
  const error = await app.db.execute(sql`select pg_sleep(2)`).then(() => undefined, (e: unknown) => e)
  t.ok(error, 'the statement was cancelled')
  const answer = toProblem(error)
  t.equal(answer.status, 503)
  t.equal(answer.headers['retry-after'], '1')
})

t.test("pg_terminate_backend on a request's connection: a 503, and a retry with the same Idempotency-Key succeeds once", async (t) => {
  const { app, key, url } = await buildOnCluster(t)
  const admin = postgres(url, { max: 2, onnotice: () => {} })
  t.teardown(() => admin.end())
  const create = () => app.inject({ method: 'POST', url: '/v1/claims', headers: { authorization: `Bearer ${key}`, 'idempotency-key': 'terminated-1' }, payload: { text: 'Survives a killed connection.' } })

  // Hold the claims table so that the request's insert waits on its connection, then kill that connection.
  const reserved = await admin.reserve()
  await reserved`begin`
  await reserved`lock table claims in share row exclusive mode`
  const pending = create()
  let victim: number | undefined
  for (let i = 0; i < 100 && victim === undefined; i++) {
    await sleep(50)
    const [row] = await admin`select pid from pg_stat_activity where application_name = 'claimtrack' and wait_event_type = 'Lock' and datname = current_database()`
    victim = row?.pid as number | undefined
  }
  t.ok(victim, 'the request waits on its connection')
  await admin`select pg_terminate_backend(${victim ?? 0})`
  isUnavailable(t, await pending, 'the interrupted request')
  await reserved`rollback`
  reserved.release()

  const retry = await create()
  t.equal(retry.statusCode, 201, `the retry succeeds: ${retry.body}`)
  const again = await create()
  t.equal(again.statusCode, 201)
  t.equal(again.headers['idempotent-replayed'], 'true', 'a further retry is a replay')
  t.equal(again.json().id, retry.json().id)
  t.equal((await app.db.select().from(claims)).length, 1, 'one claim')
})

t.test('the app refuses to start on a database that does not keep acknowledged writes (synchronous_commit off)', async (t) => {
  const database = await freshServerDatabase()
  t.teardown(() => database.drop())
  const admin = postgres(database.url, { max: 1, onnotice: () => {} })
  const [row] = await admin`select current_database() as name`
  await admin.unsafe(`alter database "${row?.name as string}" set synchronous_commit = off`)
  await admin.end()
  await t.rejects(buildApp(parseConfig(apiEnv(database.url))), /synchronous_commit is off/)
})

t.test('Postgres crashes under load: requests fail fast as 503, /readyz reports it, and the app recovers by itself', async (t) => {
  const { app, key } = await buildOnCluster(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const base = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : ''
  await load(t, base, key)
})

interface Sample { phase: 'before' | 'down' | 'after', ended: 'before' | 'down' | 'after', what: number, at: number, status: number, ms: number, problem: boolean, retryAfter: boolean }

async function load (t: Test, base: string, key: string) {
  let phase: Sample['phase'] = 'before'
  const state = { stop: false }
  const samples: Sample[] = []
  const requests = [
    () => fetch(`${base}/v1/claims?limit=5`),
    () => fetch(`${base}/v1/claims`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: `Load ${Math.random()}` }) }),
    () => fetch(`${base}/v1/lookup?url=${encodeURIComponent('https://example.org/a')}`),
  ]
  const worker = async (n: number) => {
    for (let i = n; !state.stop; i++) {
      const at = phase
      const started = performance.now()
      const res = await requests[i % requests.length]!()
      await res.arrayBuffer()
      samples.push({ phase: at, ended: phase, what: i % requests.length, at: Math.round(started - t0), status: res.status, ms: performance.now() - started, problem: /^application\/problem\+json/.test(res.headers.get('content-type') ?? ''), retryAfter: res.headers.has('retry-after') })
    }
  }
  const t0 = performance.now()
  const workers = [0, 1, 2, 3, 4, 5].map(worker)
  await sleep(1500)

  phase = 'down'
  await crashPostgres()
  await sleep(3000)
  const ready = await fetch(`${base}/readyz`)
  t.equal(ready.status, 503, '/readyz reports the outage')

  await startPostgres()
  phase = 'after'
  // The app reconnects by itself; give it until a request succeeds, then some more traffic.
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline && !samples.some((s) => s.phase === 'after' && s.status < 300)) await sleep(100)
  await sleep(1500)
  state.stop = true
  await Promise.all(workers)

  const of = (phase: Sample['phase']) => samples.filter((s) => s.phase === phase)
  const before = of('before').filter((s) => s.ended === 'before')
  t.ok(before.length > 10 && before.every((s) => s.status < 300), `before: ${before.length} requests, all served`)
  const down = of('down').filter((s) => s.status >= 500)
  t.ok(down.length > 10, `during the outage: ${down.length} requests failed`)
  t.ok(of('down').every((s) => s.status < 500 || (s.status === 503 && s.problem && s.retryAfter)), 'every failure is a 503 problem with Retry-After')
  // While the server is down a request fails at once (connection refused). While it starts up, a connection it
  // accepts can wait a few seconds for the startup to refuse it (57P03); the connect timeout (2 s) and the capped
  // reconnect delay (0.5 s) bound each attempt. Without them (postgres.js defaults) requests waited 20 s and more.
  const times = down.map((s) => s.ms).sort((a, b) => a - b)
  const slowest = times.at(-1) ?? 0
  const median = times[Math.floor(times.length / 2)] ?? 0
  t.ok(median < 500, `failed fast: the median failure took ${Math.round(median)} ms`)
  t.ok(slowest < 8000, `no hang: the slowest failure took ${Math.round(slowest)} ms`)
  t.ok(of('after').some((s) => s.status < 300), 'served again after the restart, without restarting the app')
  t.equal((await fetch(`${base}/readyz`)).status, 200, '/readyz ready again')
  t.notOk(samples.some((s) => s.status === 500), 'never a 500')
  t.comment(`load: ${samples.length} requests; before ${of('before').length}, down ${of('down').length} (failures: median ${Math.round(median)} ms, slowest ${Math.round(slowest)} ms), after ${of('after').length}`)
}
