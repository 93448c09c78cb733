// The job engine on both databases: a job sent in a transaction exists exactly when the transaction commits; a
// failed attempt is retried; a job waiting when its process stops is run by the next one; workers can be off.
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { queryRows } from '../../src/db/client.ts'
import type { Job } from '../../src/jobs/index.ts'
import { build, freshDatabase } from '../helper.ts'

const queue = { name: 'test-jobs', options: { retryLimit: 2, retryDelay: 1 } }

/** Resolves with the jobs a handler saw, once `count` of them have been seen (or fails the test after 20 s). */
function collector<T> (count: number, fail?: (job: Job<T>) => boolean) {
  const seen: Array<Job<T>> = []
  let done!: () => void
  const all = new Promise<void>((resolve) => { done = resolve })
  return {
    seen,
    handler: async (job: Job<T>) => {
      seen.push(job)
      if (seen.length >= count) done()
      if (fail?.(job)) throw new Error('this attempt fails')
    },
    all: () => Promise.race([all, sleep(20_000, undefined, { ref: false }).then(() => { throw new Error(`saw ${seen.length} of ${count} jobs`) })]),
  }
}

t.test('a job sent in a transaction runs only if the transaction commits', async (t) => {
  const app = await build(t)
  await app.jobs.createQueue(queue)
  await app.db.transaction(async (tx) => {
    await app.jobs.send(queue.name, { n: 'rolled back' }, { tx })
    tx.rollback()
  }).catch(() => {})
  await app.db.transaction(async (tx) => { await app.jobs.send(queue.name, { n: 'committed' }, { tx }) })
  t.equal(await app.jobs.queueSize(queue.name), 1, 'only the committed job is queued')
  const jobs = collector<{ n: string }>(1)
  await app.jobs.work(queue.name, jobs.handler, { pollingIntervalSeconds: 0.5 })
  await jobs.all()
  await sleep(1200)
  t.same(jobs.seen.map((j) => j.data.n), ['committed'], 'the committed job ran once; the rolled-back one never')
  t.equal(await app.jobs.queueSize(queue.name), 0)
})

t.test('a failing attempt is retried, with the retry counted', async (t) => {
  const app = await build(t)
  await app.jobs.createQueue(queue)
  const id = await app.jobs.send(queue.name, { n: 1 })
  const jobs = collector<{ n: number }>(2, (job) => job.retryCount === 0)
  await app.jobs.work(queue.name, jobs.handler, { pollingIntervalSeconds: 0.5 })
  await jobs.all()
  t.same(jobs.seen.map((j) => [j.id, j.retryCount]), [[id, 0], [id, 1]], 'the same job, attempted twice')
  const [row] = await queryRows<{ state: string }>(app.db, sql`select state::text from pgboss.job where id = ${id}`)
  await sleep(300)
  const [after] = await queryRows<{ state: string }>(app.db, sql`select state::text from pgboss.job where id = ${id}`)
  t.ok(row !== undefined && after?.state === 'completed', `completed after the retry (was ${row?.state})`)
})

t.test('a job queued by a process that stopped is run by the next one; JOBS_WORKER=false only sends', async (t) => {
  const { database } = await freshDatabase(t)
  const config = parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', JOBS_WORKER: 'false' })
  const sender = await buildApp(config, { database: { ...database, close: async () => {} } })
  await sender.jobs.createQueue(queue)
  const id = await sender.jobs.send(queue.name, { n: 'survives' })
  const ignored = collector<{ n: string }>(1)
  await sender.jobs.work(queue.name, ignored.handler, { pollingIntervalSeconds: 0.5 })
  await sleep(1200)
  t.same(ignored.seen, [], 'a process with JOBS_WORKER=false runs no jobs')
  await sender.close()

  const worker = await buildApp({ ...config, jobsWorker: true }, { database })
  t.teardown(() => worker.close())
  const jobs = collector<{ n: string }>(1)
  await worker.jobs.work(queue.name, jobs.handler, { pollingIntervalSeconds: 0.5 })
  await jobs.all()
  t.same(jobs.seen.map((j) => [j.id, j.data.n]), [[id, 'survives']])
})

t.test('jobs run side by side; one that fails is retried alone, the others of its batch run once', async (t) => {
  const app = await build(t)
  await app.jobs.createQueue(queue)
  for (const n of [1, 2, 3]) await app.jobs.send(queue.name, { n })
  const jobs = collector<{ n: number }>(4, (job) => job.data.n === 2 && job.retryCount === 0)
  await app.jobs.work(queue.name, jobs.handler, { pollingIntervalSeconds: 0.5, batchSize: 3 })
  await jobs.all()
  await sleep(1200)
  t.same(jobs.seen.map((j) => `${j.data.n}:${j.retryCount}`).sort(), ['1:0', '2:0', '2:1', '3:0'])
  t.equal(await app.jobs.queueSize(queue.name), 0)
})

t.test('a job whose worker died is retried once its expiry passes, at the next maintenance pass', async (t) => {
  // Maintenance every second: the job engine's queue monitor (which expires jobs) must follow it, not run once a
  // minute, its own default; here the whole wait is bounded well below that minute.
  const app = await build(t, { env: { JOBS_MAINTENANCE_INTERVAL: '1' } })
  await app.jobs.createQueue({ name: 'test-expiry', options: { retryLimit: 1, retryDelay: 0, expireInSeconds: 1 } })
  // The engine runs (its first maintenance pass is at start) before the worker dies.
  await app.jobs.start()
  await sleep(1500)
  const id = await app.jobs.send('test-expiry', { n: 1 })
  // As a worker that fetched it and then died leaves it: active, started a minute ago.
  await queryRows(app.db, sql`update pgboss.job set state = 'active', started_on = now() - interval '1 minute', retry_count = 0
    where id = ${id}`)
  const seen: string[] = []
  for (let i = 0; i < 40 && seen.at(-1) !== 'retry'; i++) {
    await sleep(500)
    const [row] = await queryRows<{ state: string }>(app.db, sql`select state::text from pgboss.job where id = ${id}`)
    seen.push(row?.state ?? 'missing')
  }
  t.equal(seen.at(-1), 'retry', `expired and queued again within 20 s (states seen: ${[...new Set(seen)].join(', ')})`)
})
