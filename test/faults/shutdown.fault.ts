// Graceful shutdown: on SIGTERM the requests already running finish and are answered; the listener closes; a request
// that still arrives on an open connection gets 503 problem+json with `Connection: close`; the process exits well
// before its force timeout (10 s).
import { connect } from 'node:net'
import postgres from 'postgres'
import t from 'tap'
import { adminKeyFor, apiEnv, ensureCluster, freshServerDatabase, sleep, startApi } from './cluster.ts'

await ensureCluster()

t.test('SIGTERM under load: in-flight requests finish, late ones get 503 with Connection: close, and the process exits', async (t) => {
  const database = await freshServerDatabase()
  t.teardown(() => database.drop())
  const key = await adminKeyFor(database.url)
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const api = await startApi(apiEnv(database.url), port)
  t.teardown(() => { api.child.kill('SIGKILL') })
  const base = `http://127.0.0.1:${port}`
  const body = (text: string) => JSON.stringify({ text })

  // The claims table is held, so that the writes below are still running when the signal comes.
  const admin = postgres(database.url, { max: 2, onnotice: () => {} })
  t.teardown(() => admin.end())
  const holder = await admin.reserve()
  await holder`begin`
  await holder`lock table claims in share row exclusive mode`

  const inFlight = [1, 2, 3, 4, 5].map((n) => fetch(`${base}/v1/claims`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body(`In flight ${n}`),
  }))

  // One connection sends a write, and once the signal has come, a read on the same (still open) connection.
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.on('data', (chunk) => { received += chunk.toString() })
  const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()))
  const write = body('Pipelined write')
  socket.write(`POST /v1/claims HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(write)}\r\n\r\n${write}`)

  // Wait until all six writes are waiting on the lock.
  for (let i = 0; i < 100; i++) {
    const [row] = await admin`select count(*)::int as n from pg_stat_activity where application_name = 'claimtrack' and wait_event_type = 'Lock' and datname = current_database()`
    if ((row?.n as number) >= 6) break
    await sleep(50)
  }

  const signalled = performance.now()
  api.child.kill('SIGTERM')
  await sleep(300)
  socket.write('GET /v1/claims HTTP/1.1\r\nHost: x\r\n\r\n')
  await sleep(200)
  const refused = await fetch(`${base}/healthz`).then((res) => `answered ${res.status}`, () => 'refused')
  t.equal(refused, 'refused', 'the listener is closed: new connections go to another instance')

  await holder`rollback`
  holder.release()

  const answers = await Promise.all(inFlight)
  t.same(answers.map((res) => res.status), [201, 201, 201, 201, 201], 'every in-flight request finished and was answered')
  await socketClosed
  const [first, second] = received.split(/(?=HTTP\/1\.1 )/)
  t.match(first, /^HTTP\/1\.1 201 /, 'the pipelined write finished')
  t.match(second, /^HTTP\/1\.1 503 /, 'the request after the signal is refused')
  t.match(second, /\r\nconnection: close\r\n/i, 'with Connection: close')
  t.match(second, /\r\ncontent-type: application\/problem\+json/i, 'as problem+json')
  t.match(second, /\r\nretry-after: \d+\r\n/i, 'with Retry-After')

  const exit = await api.exited
  const took = performance.now() - signalled
  t.equal(exit.code, 0, `the process exited cleanly (${api.stderr().slice(-500)})`)
  t.ok(took < 5000, `it exited ${Math.round(took)} ms after the signal, well before the 10 s force timeout`)

  const [count] = await admin`select count(*)::int as n from claims`
  t.equal(count?.n, 6, 'the six writes that were running are committed')
})
