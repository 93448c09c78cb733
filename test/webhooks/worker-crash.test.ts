// A worker killed mid-delivery (kill -9 while the receiver holds its request open) loses nothing: the job stays in
// Postgres, a new worker process delivers every event, the interrupted one again under the same event id, and no
// event ever arrives under two ids. On the embedded database the processes take turns on one data directory; on the
// Postgres server they share a database.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { createDatabase, type Database } from '../../src/db/client.ts'
import { WEBHOOK_QUEUE } from '../../src/jobs/queues.ts'
import { createClaim, databaseTimeouts, freshDatabase, onServer, pgliteTemplate, publishReview, withTestOrganization } from '../helper.ts'
import { nodeFlags } from '../processes.ts'
import { startReceiver, until } from './receiver.ts'

const workerScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url))

/** A job that outlives its worker is retried 6 s after it started (1 s timeout + 5 s), maintenance every second. */
const settings = {
  LOG_LEVEL: 'silent',
  SEED_DEMO: 'false',
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_TIMEOUT: '1000',
  WEBHOOK_RETRY_DELAY: '1',
  JOBS_MAINTENANCE_INTERVAL: '1',
  // The retry of the interrupted delivery wakes no worker (only new jobs do): the second worker finds it by polling.
  JOBS_POLL_INTERVAL: '2',
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

interface Worker { child: ChildProcess, output: () => string }

/** A worker process, killed when the test ends if it is still running. */
async function startWorker (t: Test, env: Record<string, string>, started: ChildProcess[] = []): Promise<Worker> {
  const child = spawn(process.execPath, [...nodeFlags, workerScript], {
    env: { PATH: process.env.PATH ?? '', ...settings, ...env, JOBS_WORKER: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  started.push(child)
  t.teardown(() => { if (!exited(child)) child.kill('SIGKILL') })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += String(chunk) })
  await until('the worker to start', () => output.includes('ready') || child.exitCode !== null, 60_000)
  if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}`)
  return { child, output: () => output }
}

t.test('kill -9 a worker mid-delivery: every event arrives, a repeat only under the same event id', async (t) => {
  const receiver = await startReceiver(t)
  let env: Record<string, string>
  // On the server, a database of the test's own (dropped when the test ends), which each process opens by its URL.
  let database: Database | undefined
  if (onServer) {
    env = (await freshDatabase(t, { disposable: true })).env
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'claimtrack-crash-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    env = { PGLITE_DIR: dir }
    database = await createDatabase({
      databaseUrl: undefined,
      pgliteDir: dir,
      databasePoolSize: 1,
      pgliteDataDir: await pgliteTemplate(),
      databaseTimeouts,
    })
  }

  // Three verdicts published by an API process that runs no jobs: three events queued for the webhook.
  const api = await buildApp(parseConfig({ ...settings, ...env, JOBS_WORKER: 'false' }), database ? { database } : {})
  const { adminKey } = await withTestOrganization(api)
  const made = await api.inject({ method: 'POST', url: '/v1/webhooks', payload: { url: `${receiver.url}/hook`, events: ['review.published'] } })
  t.equal(made.statusCode, 201)
  const reviews: string[] = []
  for (const text of ['One.', 'Two.', 'Three.']) reviews.push((await publishReview(api, (await createClaim(api, { text })).id)).id)
  t.equal(await api.jobs.queueSize(WEBHOOK_QUEUE), 3)
  await api.close()

  // The first worker is killed the moment the first request reaches the receiver, which never answers it.
  const workers: ChildProcess[] = []
  receiver.answer = (_request, index) => index === 0 ? 'hold' : { status: 200, body: 'ok' }
  receiver.onRequest = () => { if (receiver.received.length === 1) workers[0]?.kill('SIGKILL') }
  const first = (await startWorker(t, env, workers)).child
  await until('the first worker to be killed', () => exited(first), 60_000)
  t.equal(first.signalCode, 'SIGKILL', 'killed mid-delivery')

  const second = await startWorker(t, env)
  await until('the second worker to empty the queue', () => second.output().includes('idle'), 120_000)
  second.child.kill('SIGTERM')
  await once(second.child, 'exit')

  const reviewOf = (body: string) => JSON.parse(body).data.review.id as string
  const idsByReview = new Map<string, Set<string>>()
  const bodiesById = new Map<string, Set<string>>()
  for (const { headers, body } of receiver.received) {
    const id = String(headers['webhook-id'])
    idsByReview.set(reviewOf(body), (idsByReview.get(reviewOf(body)) ?? new Set()).add(id))
    bodiesById.set(id, (bodiesById.get(id) ?? new Set()).add(body))
  }
  t.same([...idsByReview.keys()].sort(), [...reviews].sort(), 'every verdict arrived: nothing lost')
  t.ok([...idsByReview.values()].every((ids) => ids.size === 1), 'each verdict under one event id only')
  t.ok([...bodiesById.values()].every((bodies) => bodies.size === 1), 'a repeat is byte for byte the same event')
  t.ok(receiver.received.length > 3, `${receiver.received.length} requests for 3 events: the interrupted one was repeated`)

  // What the deliveries log says, read by a new API process.
  const after = await buildApp(parseConfig({ ...settings, ...env, JOBS_WORKER: 'false' }))
  t.teardown(() => after.close())
  const deliveries = (await after.inject({ method: 'GET', url: `/v1/webhooks/${made.json().id}/deliveries?limit=100`, headers: { authorization: `Bearer ${adminKey}` } })).json().data as Array<{ eventId: string, outcome: string, attempt: number }>
  t.equal(new Set(deliveries.filter((d) => d.outcome === 'succeeded').map((d) => d.eventId)).size, 3, 'three events delivered')
  t.ok(deliveries.some((d) => d.eventId === receiver.received[0]?.headers['webhook-id'] && d.attempt >= 2), 'the interrupted one on a later attempt')
  t.equal(await after.jobs.queueSize(WEBHOOK_QUEUE), 0, 'nothing left in the queue')
})
