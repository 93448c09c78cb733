// The job engine: pg-boss, keeping its jobs in the service's own database (schema `pgboss`): on the Postgres server
// through a small pool of its own, on the embedded database through pg-boss's PGlite adapter. Jobs survive crashes
// and restarts; a job sent with `tx` is inserted in that transaction (pg-boss's drizzle adapter), so it exists exactly
// when the change that caused it was committed. Workers wake on LISTEN/NOTIFY and poll only as a slow backstop.
// @see https://github.com/timgit/pg-boss/tree/master/docs
import { PgBoss, fromDrizzle, fromPglite, type ConstructorOptions, type JobInsert, type JobResult, type JobWithMetadata, type SendOptions as BossSendOptions, type WorkOptions as BossWorkOptions } from 'pg-boss'
import { sql, type SQL } from 'drizzle-orm'
import { queryRows, type Database, type Executor } from '../db/client.ts'
import { queues, type QueueDefinition } from './queues.ts'

/** Where pg-boss keeps its tables. */
export const JOB_SCHEMA = 'pgboss'

/**
 * Connections of the job engine's own pool on the Postgres server (plus one for LISTEN in a process that runs jobs).
 */
const POOL_SIZE = 4

/** pg-boss's options of a job (retries, expiry, `startAfter` as a date or seconds from now, an id of the sender's
 * choosing), and `tx`: insert the job in this transaction, so it commits, or rolls back, with the change that caused
 * it. */
export type SendOptions = Omit<BossSendOptions, 'db'> & { tx?: Executor }

export interface Job<T> {
  id: string
  data: T
  /** 0 on the first attempt. */
  retryCount: number
}

/** How often an idle worker polls when no notification can wake it; jobs fetched at once and run side by side, each
 * settled (or retried) on its own; workers for the queue in this process. */
export type WorkOptions = Pick<BossWorkOptions, 'pollingIntervalSeconds' | 'batchSize' | 'localConcurrency'>

export interface Jobs {
  /** Creates a queue if it is new, and brings its settings up to date (the declared ones are made by `migrate`). */
  createQueue(queue: QueueDefinition): Promise<void>
  send(queue: string, data: object, options?: SendOptions): Promise<string | null>
  /**
   * Runs `handler` for the queue's jobs in this process; a handler that throws fails the attempt (retried). Does
   * nothing in a process started with JOBS_WORKER=false, which only sends jobs.
   */
  work<T>(queue: string, handler: (job: Job<T>) => Promise<void>, options?: WorkOptions): Promise<void>
  /** Jobs waiting or running in a queue. */
  queueSize(queue: string): Promise<number>
  /** Starts the engine (and the supervision that retries jobs whose worker died); workers start with `work`. */
  start(): Promise<void>
  /** Stops taking jobs, waits up to `timeoutMs` for running ones, and fails (to be retried) what is still running. */
  stop(timeoutMs?: number): Promise<void>
}

async function createQueue (boss: PgBoss, { name, options }: QueueDefinition) {
  await boss.createQueue(name, options)
  await boss.updateQueue(name, options)
}

function bossOn (database: Database, options: Partial<ConstructorOptions>) {
  const connection = 'url' in database.jobStore
    ? { connectionString: database.jobStore.url, max: POOL_SIZE, application_name: 'claimtrack-jobs' }
    : { db: fromPglite(database.jobStore.pglite) }
  // No schedules and no flows (jobs that wait for others) here: their timers would only poll for nothing.
  return new PgBoss({ ...connection, schema: JOB_SCHEMA, schedule: false, flowIntervalSeconds: 3600, ...options })
}

/** pg-boss 10's tables (schema version 24), which pg-boss 12 does not migrate, are set aside here while it installs. */
const V10_SCHEMA = 'pgboss_v10'

async function setAsideV10 (db: Executor) {
  const [installed] = await queryRows<{ found: boolean }>(db, sql`select to_regclass(${`${JOB_SCHEMA}.version`}) is not null as found`)
  if (!installed?.found) return
  const [row] = await queryRows<{ version: number }>(db, sql`select version::int as version from ${sql.identifier(JOB_SCHEMA)}.version`)
  if (row !== undefined && row.version < 25) await db.execute(sql`alter schema ${sql.identifier(JOB_SCHEMA)} rename to ${sql.identifier(V10_SCHEMA)}`)
}

/**
 * The jobs still waiting or running in pg-boss 10's tables are sent again under the same ids, then its tables dropped.
 */
async function moveV10Jobs (boss: PgBoss, db: Executor) {
  const [aside] = await queryRows<{ found: boolean }>(db, sql`select to_regnamespace(${V10_SCHEMA}) is not null as found`)
  if (!aside?.found) return
  const jobs = await queryRows<JobInsert & { name: string, startAfterMs: number }>(db, sql`
    select id::text, name, data, priority, retry_limit as "retryLimit", retry_delay as "retryDelay", retry_backoff as "retryBackoff",
      singleton_key as "singletonKey", extract(epoch from expire_in)::int as "expireInSeconds", extract(epoch from start_after) * 1000 as "startAfterMs"
    from ${sql.identifier(V10_SCHEMA)}.job where state < 'completed' order by created_on`)
  for (const name of new Set(jobs.map((j) => j.name))) {
    await boss.createQueue(name)
    // Inserting a job id that exists does nothing: after a crash here, the next migration finishes the move.
    await boss.insert(
      name,
      jobs
        .filter((j) => j.name === name)
        .map(({ name: _, startAfterMs, ...job }) => ({ ...job, startAfter: new Date(Number(startAfterMs)) }))
    )
  }
  await db.execute(sql`drop schema ${sql.identifier(V10_SCHEMA)} cascade`)
}

/**
 * Installs or upgrades pg-boss's tables (moving the jobs of pg-boss 10's over), then creates the declared queues and
 * brings their settings up to date. Part of every migration (`migrate` in src/container.ts), so the app and the
 * commands find them ready.
 */
export async function migrateJobStore (database: Database): Promise<void> {
  await setAsideV10(database.db.drizzle)
  const boss = bossOn(database, { migrate: true, supervise: false })
  boss.on('error', () => {})
  await boss.start()
  try {
    for (const queue of queues) await createQueue(boss, queue)
    await moveV10Jobs(boss, database.db.drizzle)
  } finally {
    await boss.stop({ graceful: false, close: true })
  }
}

export interface JobsOptions {
  /** Whether this process runs workers (JOBS_WORKER); without, it only sends jobs. */
  worker: boolean
  log: { error(obj: object, msg: string): void }
  /**
   * Seconds between supervision runs (JOBS_MAINTENANCE_INTERVAL): how soon the job of a worker that died is retried.
   */
  maintenanceIntervalSeconds: number
  /** Seconds between a worker's backstop polls (JOBS_POLL_INTERVAL); new jobs wake it at once (LISTEN/NOTIFY). */
  pollIntervalSeconds: number
}

/** The longest pg-boss waits before the next attempt of a job that failed now (its backoff adds up to 100% jitter). */
function retryWaitSeconds ({ retryCount, retryDelay, retryBackoff, retryDelayMax }: JobWithMetadata<unknown>) {
  if (!retryBackoff) return retryDelay
  return Math.min(retryDelayMax ?? Infinity, Math.max(retryDelay, 1) * 2 ** Math.min(16, retryCount + 1))
}

export function createJobs (database: Database, options: JobsOptions): Jobs {
  const { worker, log, maintenanceIntervalSeconds, pollIntervalSeconds } = options
  // Supervision (every JOBS_MAINTENANCE_INTERVAL): a job whose worker died (its expireIn passed) is failed and, with
  // retries left, retried. Only a process that runs jobs listens for new ones.
  const boss = bossOn(database, {
    migrate: false,
    supervise: true,
    superviseIntervalSeconds: maintenanceIntervalSeconds,
    // A supervision pass claims each queue at most once per monitor interval (pg-boss's default 60 s), so without
    // this a dead worker's job waited up to a minute past JOBS_MAINTENANCE_INTERVAL.
    monitorIntervalSeconds: maintenanceIntervalSeconds,
    useListenNotify: worker,
  })
  boss.on('error', (error) => log.error({ err: error }, 'job engine error'))
  let started: Promise<unknown> | undefined
  const start = async () => { await (started ??= boss.start()) }

  return {
    createQueue: (queue) => createQueue(boss, queue),
    async send (queue, data, options = {}) {
      const { tx, ...rest } = options
      // Rows as either driver gives them (postgres.js an array, PGlite `{ rows }`).
      return boss.send(queue, data, {
        ...rest,
        ...(tx !== undefined && { db: fromDrizzle({ execute: (query: SQL) => queryRows(tx, query) }, sql) }),
      })
    },
    async work (queue, handler, options = {}) {
      if (!worker) return
      let workerId = ''
      workerId = await boss.work(
        queue,
        { notifyPollingIntervalSeconds: pollIntervalSeconds, ...options, includeMetadata: true, perJobResults: true },
        async (jobs) =>
          Promise.all(
            jobs.map(async (job): Promise<JobResult> => {
              try {
                await handler({ id: job.id, data: job.data as never, retryCount: job.retryCount })
                return { id: job.id, status: 'completed' }
              } catch (error) {
                // NOTIFY wakes the workers for a new job, not for a retry coming due: a retry due within minutes is
                // woken for when it is due at the latest; a later one is found by the 30 s polling soon enough.
                const wait = retryWaitSeconds(job)
                if (job.retryCount < job.retryLimit && wait <= 600) {
                  setTimeout(() => boss.notifyWorker(workerId), (wait + 1) * 1000).unref()
                }
                return { id: job.id, status: 'failed', output: { message: (error as Error).message } }
              }
            })
          )
      )
    },
    async queueSize (queue) {
      const [row] = await database.db.use(undefined, (ex) => queryRows<{ size: number }>(ex, sql`select count(*)::int as size from ${sql.identifier(JOB_SCHEMA)}.job where name = ${queue} and state < 'completed'`))
      return row?.size ?? 0
    },
    start,
    async stop (timeoutMs = 5000) {
      if (started === undefined) return
      await started.catch(() => {})
      started = undefined
      await boss.stop({ graceful: true, close: true, timeout: timeoutMs })
    },
  }
}
