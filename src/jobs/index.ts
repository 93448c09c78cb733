// The job engine: pg-boss, keeping its jobs in the service's own Postgres database (schema `pgboss`), on the Postgres
// server and on the embedded database alike. Jobs survive crashes and restarts; a job sent with `tx` is inserted in
// that transaction, so it exists exactly when the change that caused it was committed.
import PgBoss from 'pg-boss'
import { type SQL, sql } from 'drizzle-orm'
import { queryRows, type Database, type Executor } from '../db/client.ts'
import { queues, type QueueDefinition } from './queues.ts'

/** Where pg-boss keeps its tables. */
export const JOB_SCHEMA = 'pgboss'

export interface SendOptions {
  /** Insert the job in this transaction: it commits, or rolls back, with the change that caused it. */
  tx?: Executor
  /** A job id of the sender's choosing (a UUID); sending the same id twice inserts one job. */
  id?: string
  singletonKey?: string
  retryLimit?: number
  /** Seconds before the first retry. */
  retryDelay?: number
  /** Each retry waits about twice as long as the one before (with jitter). */
  retryBackoff?: boolean
  startAfter?: Date | number
  /** Seconds a worker may take on the job before it is counted failed (and retried, if retries are left). */
  expireInSeconds?: number
}

export interface Job<T> {
  id: string
  data: T
  /** 0 on the first attempt. */
  retryCount: number
}

export interface WorkOptions {
  /** How often the worker asks for jobs (pg-boss's minimum is 0.5 s); it waits this long between batches. */
  pollingIntervalSeconds?: number
  /** Jobs fetched at once and run side by side (1 by default); each succeeds or fails (and is retried) on its own. */
  concurrency?: number
}

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
  /** Starts the engine (and the maintenance that retries jobs whose worker died); workers start with `work`. */
  start(): Promise<void>
  /** Stops taking jobs, waits up to `timeoutMs` for running ones, and fails (to be retried) what is still running. */
  stop(timeoutMs?: number): Promise<void>
}

/** A statement of pg-boss's with `$n` parameters, as a drizzle query (each driver binds the values its own way). */
function bound (text: string, values: unknown[]): SQL {
  const parts = text.split(/\$(\d+)/)
  const chunks: SQL[] = []
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) chunks.push(sql.raw(parts[i] as string))
    else chunks.push(sql`${sql.param(normalise(values[Number(parts[i]) - 1]))}`)
  }
  return sql.join(chunks)
}

/**
 * Values as node-postgres (which pg-boss is written for) sends them: objects as JSON, dates as ISO text, arrays as
 * array literals.
 */
function normalise (value: unknown): unknown {
  if (value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) {
    return `{${value.map((v) => v === null || v === undefined ? 'NULL' : `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)) return JSON.stringify(value)
  return value
}

/** pg-boss's maintenance and installation are scripts of several statements wrapped in BEGIN … COMMIT. */
const isScript = (text: string) => /^\s*BEGIN\s*;/i.test(text)

/** pg-boss's database adapter over one of ours: the database itself, or an open transaction. */
function adapter (database: Pick<Database, 'runScript'>, executor: Executor): PgBoss.Db {
  return {
    async executeSql (text: string, values?: unknown[]) {
      if (isScript(text) && (values === undefined || values.length === 0)) {
        await database.runScript(text)
        return { rows: [] }
      }
      return { rows: await queryRows(executor, bound(text, values ?? [])) }
    },
  }
}

async function createQueue (boss: PgBoss, queue: QueueDefinition) {
  await boss.createQueue(queue.name, { name: queue.name, ...queue.options })
  await boss.updateQueue(queue.name, { name: queue.name, ...queue.options })
}

function bossOn (database: Database, options: Partial<PgBoss.ConstructorOptions> = {}) {
  return new PgBoss({ db: adapter(database, database.db), schema: JOB_SCHEMA, ...options })
}

/**
 * Installs or upgrades pg-boss's tables, then creates the declared queues and brings their settings up to date.
 * Part of every migration (src/db/client.ts), so the app and the commands find them ready.
 */
export async function migrateJobStore (database: Database): Promise<void> {
  const boss = bossOn(database, { migrate: true, supervise: false, schedule: false })
  boss.on('error', () => {})
  await boss.start()
  try {
    for (const queue of queues) await createQueue(boss, queue)
  } finally {
    await boss.stop({ graceful: false, close: false })
  }
}

export interface JobsOptions {
  /** Whether this process runs workers (JOBS_WORKER); without, it only sends jobs. */
  worker: boolean
  log: { error(obj: object, msg: string): void }
  /** Seconds between maintenance runs (JOBS_MAINTENANCE_INTERVAL): how soon the job of a worker that died is retried. */
  maintenanceIntervalSeconds?: number
}

export function createJobs (database: Database, { worker, log, maintenanceIntervalSeconds = 30 }: JobsOptions): Jobs {
  // Maintenance (every 30 s by default): a job whose worker died (its expireIn passed) is failed and, with retries left,
  // retried.
  const boss = bossOn(database, { migrate: false, supervise: true, schedule: false, maintenanceIntervalSeconds })
  boss.on('error', (error) => log.error({ err: error }, 'job engine error'))
  let started = false

  return {
    createQueue: (queue) => createQueue(boss, queue),
    async send (queue, data, options = {}) {
      const { tx, startAfter, ...rest } = options
      return boss.send(queue, data, {
        ...rest,
        ...(startAfter !== undefined && { startAfter: startAfter instanceof Date ? startAfter : new Date(Date.now() + startAfter) }),
        ...(tx !== undefined && { db: adapter(database, tx) }),
      })
    },
    async work (queue, handler, options = {}) {
      if (!worker) return
      const { concurrency = 1, ...rest } = options
      // pg-boss 10 completes or fails a fetched batch as a whole, and waits out the polling interval after each one.
      // Each job of a batch is settled on its own here, so one failure retries only that job; pg-boss's own batch
      // completion afterwards touches only jobs still active, which are none. If marking a job failed fails, the
      // handler throws, and pg-boss fails what is still active rather than completing it.
      await boss.work(queue, { ...rest, batchSize: concurrency, includeMetadata: true }, async (jobs) => {
        const outcomes = await Promise.allSettled(jobs.map(async (job) => {
          try {
            await handler({ id: job.id, data: job.data as never, retryCount: job.retryCount })
          } catch (error) {
            await boss.fail(queue, job.id, { message: (error as Error).message })
            return
          }
          await boss.complete(queue, job.id)
        }))
        const unsettled = outcomes.find((o) => o.status === 'rejected')
        if (unsettled) throw unsettled.reason
      })
    },
    async queueSize (queue) {
      return boss.getQueueSize(queue, { before: 'completed' })
    },
    async start () {
      if (started) return
      await boss.start()
      started = true
    },
    async stop (timeoutMs = 5000) {
      if (!started) return
      started = false
      await boss.stop({ graceful: true, close: false, timeout: timeoutMs })
    },
  }
}
