// Database access: postgres.js against a Postgres server when DATABASE_URL is set, else embedded PGlite; migrations.
import { mkdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import { is, sql, type SQL } from 'drizzle-orm'
import type { PGliteLike } from 'pg-boss'
import { drizzle as drizzlePglite, PgliteDatabase } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'
import type { Config } from '../config.ts'
import { createGate, gatedDb, type Db, type Drizzle, type Executor, type GateStats } from './gate.ts'
import { openPgliteWorker } from './pglite.ts'
import { mayReadFromReplica, readerOf, withReplica } from './routing.ts'
import * as schema from './schema.ts'

export type { Db, Drizzle, Executor, Schema, Tx } from './gate.ts'

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url))

// Any constant will do: it only has to be the same for every process migrating the same database.
const MIGRATION_LOCK_KEY = 7_243_911_001

export interface Database {
  /** The database as repositories and services use it: every unit of work passes the gate (src/db/gate.ts). */
  db: Db
  kind: 'postgres' | 'pglite'
  /**
   * Applies pending migrations, then `alongside` under the same lock (the job engine's tables: `migrate` in
   * src/container.ts runs both); safe to call from several processes at once.
   */
  migrate(alongside?: () => Promise<void>): Promise<void>
  /**
   * Where the job engine (src/jobs) keeps its jobs: this server's database through a pool of its own, or the embedded
   * database itself.
   */
  jobStore: { url: string } | { pglite: PGliteLike }
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>
  close(): Promise<void>
  /** Throws unless a committed change survives a crash of the database server (`synchronous_commit` and `fsync` on). */
  assertDurable(): Promise<void>
  /** Whether reads may be sent to a replica (DATABASE_READ_URL). */
  hasReplica: boolean
  /** How far the replica has replayed the primary's WAL (`pg_last_wal_replay_lsn()`); null without a replica. */
  replayedLsn(): Promise<string | null>
  /** Places at the gate in use and units waiting (src/db/gate.ts; the embedded database has one connection). */
  poolStats(): GateStats
  /** Embedded only: the data directory as a tarball, for other instances to start from. */
  dump?(): Promise<Blob | File>
}

export type DatabaseOptions = Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'pgliteDir' | 'databaseTimeouts'> & {
  /** DATABASE_PIPELINE_DEPTH; a tool or test that names none runs one statement per connection at a time. */
  databasePipelineDepth?: Config['databasePipelineDepth']
  /** A replica for reads (DATABASE_READ_URL). */
  databaseReadUrl?: Config['databaseReadUrl']
  /** A PGlite data directory dump to start from (tests use a migrated one to skip initdb). */
  pgliteDataDir?: Blob | File
  /**
   * The embedded database's shared_buffers, else PGlite's 128MB. PGlite touches all of them as it starts: the tests'
   * small databases start in about half the CPU with 16MB (docs/development.md#test-timing).
   */
  pgliteSharedBuffers?: string
  /** Called with every query drizzle sends (bench/plans.ts uses it to EXPLAIN what the endpoints run). */
  logQuery?: (query: string, params: unknown[]) => void
}

export async function createDatabase (options: DatabaseOptions): Promise<Database> {
  const { databaseUrl, databaseReadUrl, databasePoolSize, databaseTimeouts } = options
  const logger = options.logQuery && { logQuery: options.logQuery }
  return databaseUrl === undefined
    ? createPgliteDatabase(
      options.pgliteDir,
      { loadDataDir: options.pgliteDataDir, sharedBuffers: options.pgliteSharedBuffers },
      databaseTimeouts,
      logger
    )
    : createPostgresDatabase(databaseUrl, databaseReadUrl, {
      size: databasePoolSize,
      pipelineDepth: options.databasePipelineDepth ?? 1,
    }, databaseTimeouts, logger)
}

type Logger = { logQuery: (query: string, params: unknown[]) => void } | undefined

function openPool (url: string, poolSize: number, timeouts: Config['databaseTimeouts']) {
  return postgres(url, {
    max: poolSize,
    onnotice: () => {},
    // A server that does not answer is given up on quickly, so requests fail (503) rather than hang.
    connect_timeout: timeouts.connectSeconds,
    // A query that finds its connection closed waits for the reconnect: by default up to 20 s once failures pile
    // up while the server is down. Capped at half a second, a request fails (503) or succeeds promptly.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    connection: {
      application_name: 'claimtrack',
      // No statement runs away with a connection, and no transaction left open by a stuck client holds its locks.
      statement_timeout: timeouts.statementMs,
      idle_in_transaction_session_timeout: Math.max(timeouts.statementMs * 2, 10_000),
    },
  })
}

function createPostgresDatabase (url: string, readUrl: string | undefined, pool: { size: number, pipelineDepth: number }, timeouts: Config['databaseTimeouts'], logger: Logger): Database {
  const poolSize = pool.size
  const client = openPool(url, poolSize, timeouts)
  const gate = createGate(poolSize, timeouts.acquireMs, pool.pipelineDepth)
  const open = (pool: postgres.Sql) =>
    drizzlePostgres({ client: pool, schema, casing: 'snake_case', ...(logger && { logger }) })
  const primary = open(client)
  // With a replica, two drizzle instances: the request decides which one its reads use (src/db/routing.ts), and a
  // unit of work waits at the gate of the pool it reads from.
  const replicaClient = readUrl === undefined ? undefined : openPool(readUrl, poolSize, timeouts)
  const replicaGate = replicaClient === undefined ? gate : createGate(poolSize, timeouts.acquireMs, pool.pipelineDepth)
  const routed: Drizzle = replicaClient === undefined ? primary : withReplica(primary, open(replicaClient))
  const db = gatedDb(routed, { primary: gate, readerGate: () => (mayReadFromReplica() ? replicaGate : gate) })
  const database: Database = {
    db,
    kind: 'postgres',
    async migrate (alongside) {
      // A session-level advisory lock held on a connection of its own: processes starting together migrate one
      // at a time, and the pool stays free for the migrator whatever its size.
      const lock = postgres(url, { max: 1, onnotice: () => {} })
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`
        await migratePostgres(primary, { migrationsFolder })
        await alongside?.()
      } finally {
        await lock.end({ timeout: 5 })
      }
    },
    jobStore: { url },
    async ping () {
      await db.use(undefined, (ex) => ex.execute(sql`select 1`))
    },
    async close () {
      await Promise.all([client.end({ timeout: 5 }), replicaClient?.end({ timeout: 5 })])
    },
    hasReplica: replicaClient !== undefined,
    async replayedLsn () {
      if (replicaClient === undefined) return null
      const [row] = await replicaClient`select pg_last_wal_replay_lsn()::text as lsn`
      return (row?.lsn as string | null | undefined) ?? null
    },
    async assertDurable () {
      const settings = await db.use(undefined, (ex) => queryRows<{ name: string, setting: string }>(ex, sql`select name, setting from pg_settings where name in ('synchronous_commit', 'fsync')`))
      const off = settings.filter((s) => s.setting === 'off').map((s) => `${s.name} is off`)
      if (off.length > 0) {
        throw new Error(`The database does not keep acknowledged writes through a crash (${off.join(', ')}); turn it on, or point DATABASE_URL at a database that has it.`)
      }
    },
    poolStats: gate.stats,
  }
  return database
}

async function createPgliteDatabase (
  dir: string,
  start: { loadDataDir: Blob | File | undefined, sharedBuffers: string | undefined },
  timeouts: Config['databaseTimeouts'],
  logger: Logger
): Promise<Database> {
  if (!dir.startsWith('memory://')) await mkdir(dir, { recursive: true })
  // In a worker thread (src/db/pglite.ts), so that a long statement does not stop the process answering requests.
  const client = await openPgliteWorker({
    dataDir: dir,
    ...start,
    statementMs: timeouts.statementMs,
    acquireMs: timeouts.acquireMs,
  })
  // drizzle-orm/pglite only calls query and transaction on its client, which the worker's client implements.
  const drizzle = drizzlePglite({ client: client as unknown as PGlite, schema, casing: 'snake_case', ...(logger && { logger }) })
  // The client holds the gate (one connection): every statement and transaction waits there, however it is sent.
  const db = gatedDb(drizzle)
  const database: Database = {
    db,
    kind: 'pglite',
    async migrate (alongside) {
      await migratePglite(drizzle, { migrationsFolder })
      await alongside?.()
    },
    jobStore: { pglite: client },
    async ping () {
      await drizzle.execute(sql`select 1`)
    },
    async close () {
      await client.close()
    },
    // The embedded database lives and dies with this process: what it acknowledged is in its data directory.
    async assertDurable () {},
    hasReplica: false,
    replayedLsn: async () => null,
    poolStats: () => {
      const { inUse, waiting, size } = client.stats()
      return { inUse, waiting, size }
    },
    dump: () => client.dumpDataDir(),
  }
  return database
}

/**
 * How many of the migrations in `migrations/` the database has not applied (all of them on a database never migrated),
 * read from drizzle's own record of what it applied, for a start-up that does not migrate (MIGRATE_ON_START=false).
 */
export async function pendingMigrations (database: Database): Promise<number> {
  const journal = JSON.parse(await readFile(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: Array<{ when: number }> }
  let applied: number
  try {
    const [row] = await database.db.use(undefined, (ex) => queryRows<{ last: string | number | null }>(ex, sql`select max(created_at) as last from drizzle.__drizzle_migrations`))
    applied = Number(row?.last ?? 0)
  } catch (error) {
    // 42P01 (no such table) or 3F000 (no such schema): never migrated.
    if (['42P01', '3F000'].includes((error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? '')) return journal.entries.length
    throw error
  }
  return journal.entries.filter((entry) => entry.when > applied).length
}

/**
 * Runs raw SQL and returns its rows, whichever driver is underneath (postgres.js gives an array, PGlite `{ rows }`).
 */
export async function queryRows<T> (executor: Executor, query: SQL): Promise<T[]> {
  const result: unknown = await executor.execute(query)
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}

/**
 * Runs reads with a budget: in one read-only transaction whose statements may each run at most `timeoutMs` (SET LOCAL
 * statement_timeout, under the server-wide DATABASE_STATEMENT_TIMEOUT); past it the statement is cancelled (57014,
 * answered 503). Without a budget, or on the embedded database (which has no statement timeout), `work` runs as it
 * is. In a request that may read from a replica, the transaction goes to the replica.
 */
export async function readWithin<T> (
  db: Db,
  timeoutMs: number | undefined,
  work: (executor: Executor) => Promise<T>
): Promise<T> {
  if (timeoutMs === undefined || is(db.drizzle, PgliteDatabase)) return db.use(undefined, work)
  return db.use(undefined, () => readerOf(db.drizzle).transaction(async (tx) => {
    // The budget written into the text (an integer, checked): a statement without parameters is one round trip
    // (postgres.js sends it as a simple query), where one with a parameter is two (described, then bound).
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) throw new RangeError(`a statement timeout must be a whole number of milliseconds, not ${timeoutMs}`)
    // Started (`.then`) before the work, and not awaited first: postgres.js pipelines the work's first statement
    // behind it on the transaction's connection (one write, one round trip fewer), and Postgres runs them in order, so
    // the setting holds for every statement of the work. Its answer comes first, so its failure, if any, is the one
    // reported (the work's statements would only fail because the transaction had aborted).
    const setting = tx.execute(
      sql`select set_config('statement_timeout', '${sql.raw(String(timeoutMs))}', true), set_config('transaction_read_only', 'on', true)`
    ).then(() => undefined)
    const [, result] = await Promise.all([setting, work(tx)])
    return result
  }), 'connection')
}
