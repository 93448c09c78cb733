// The embedded database off the request thread. PGlite runs in a worker thread (src/db/pglite-worker.ts), so a long
// statement no longer stops this process from answering HTTP; drizzle-orm/pglite is given a client with the part of
// PGlite's interface it uses (query, exec, transaction) that forwards each statement over the worker's message port.
// PGlite has one connection: a statement or a whole transaction holds it, behind the same gate as the Postgres pool
// (a waiter gives up after DATABASE_ACQUIRE_TIMEOUT, 503). PGlite cannot cancel a statement, so this thread keeps
// DATABASE_STATEMENT_TIMEOUT: the caller gets the SQLSTATE Postgres gives (57014, answered 503), and a database on a
// data directory is stopped and reopened (as a Postgres server recovers from a crash: committed work stays); an
// in-memory one cannot be reopened without losing it, so its statement runs to its end while others wait (503).
// The thread and the messages to it are src/db/pglite-connection.ts. Not @electric-sql/pglite/worker: it is made
// for browser tabs (BroadcastChannel, Web Locks), runs about a dozen round trips per statement, and hands errors back
// with their message only, without the SQLSTATE the API maps.
import type { Results, RowMode, Transaction } from '@electric-sql/pglite'
import { createGate, type GateStats } from './gate.ts'
import {
  Connection, EmbeddedDatabaseStoppedError, sharedAssets, StatementTimeoutError, type PgliteCommand,
} from './pglite-connection.ts'

type QueryOptions = { rowMode?: RowMode, parsers?: Record<number, (value: string, type: number) => unknown> }

/** The part of PGlite's interface drizzle-orm/pglite and the migrator use. */
export interface PgliteClient {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>
  exec(sql: string): Promise<Array<Results>>
  transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T>
  dumpDataDir(): Promise<File>
  close(): Promise<void>
  readonly closed: boolean
  stats(): GateStats & { restarts: number }
}

export interface PgliteWorkerOptions {
  dataDir: string
  loadDataDir?: Blob | File | undefined
  /** Postgres' shared_buffers for the embedded database (PGlite's default, 128MB, when not given). */
  sharedBuffers?: string | undefined
  statementMs: number
  acquireMs: number
}

/** A holder of the connection: the replies its statements are owed, and whether one ran past its timeout. */
interface Session {
  connection: Connection | undefined
  sent: Array<Promise<unknown>>
  timedOut: boolean
}

export async function openPgliteWorker (options: PgliteWorkerOptions): Promise<PgliteClient> {
  const { statementMs, acquireMs } = options
  const { wasmModule, fsBundle } = await sharedAssets()
  const { dataDir, sharedBuffers } = options
  const start = (loadDataDir?: Blob) => new Connection({ dataDir, loadDataDir, sharedBuffers, wasmModule, fsBundle })
  let connection = start(options.loadDataDir)
  await connection.ready
  const gate = createGate(1, acquireMs)
  const reopens = !options.dataDir.startsWith('memory://')
  let restarts = 0
  let closed = false

  /** A statement is past its timeout and the worker still on it: stop it, and reopen the data directory. */
  function stuck (on: Connection) {
    if (!reopens || on !== connection || closed) return
    restarts++
    connection = start()
    on.terminate(new EmbeddedDatabaseStoppedError('the embedded database was restarted to stop a statement past its timeout')).catch(() => {})
  }

  /** The live connection, once started; a restart that takes longer than a statement may is a connection timeout. */
  async function live (): Promise<Connection> {
    // A worker that died (PGlite aborted) is replaced on next use, when its data directory can be reopened.
    if (connection.stopped && reopens && !closed) {
      restarts++
      connection = start()
    }
    const current = connection
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((resolve, reject) => {
      timer = setTimeout(() => reject(new EmbeddedDatabaseStoppedError('the embedded database did not start in time', 'CONNECT_TIMEOUT')), statementMs)
    })
    try {
      await Promise.race([current.ready, late])
    } finally {
      clearTimeout(timer)
    }
    return current
  }

  async function call (session: Session, request: PgliteCommand): Promise<unknown> {
    if (closed && request.op !== 'close') throw new EmbeddedDatabaseStoppedError('the embedded database is closed')
    // A transaction stays on the connection it began on: after a restart its statements fail rather than run outside
    // it.
    const on = session.connection ?? (await live())
    const reply = on.send(request)
    session.sent.push(reply.catch(() => {}))
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((resolve, reject) => {
      timer = setTimeout(() => {
        session.timedOut = true
        reject(new StatementTimeoutError(statementMs))
        stuck(on)
      }, statementMs)
    })
    try {
      return await Promise.race([reply, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Runs `work` holding the connection. The caller has its answer as soon as `work` settles, even past a timeout;
   * the connection is handed on only once the worker has answered everything sent, so statements never overlap.
   */
  function hold<T> (work: (session: Session) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      gate.connection(async () => {
        const session: Session = { connection: undefined, sent: [], timedOut: false }
        try {
          resolve(await work(session))
        } catch (error) {
          reject(error)
        }
        await Promise.all(session.sent)
      }).catch(reject)
    })
  }

  async function query<T> (
    session: Session,
    sql: string,
    params: unknown[],
    options: QueryOptions,
    tx: boolean
  ): Promise<Results<T>> {
    // The caller's parsers are functions, which cannot cross the thread: those types come back as Postgres wrote them
    // and are parsed here.
    const parsers = options.parsers ?? {}
    const verbatim = Object.keys(parsers).map(Number)
    const result = (await call(session, {
      op: 'query',
      sql,
      params,
      rowMode: options.rowMode ?? 'object',
      verbatim,
      tx,
    })) as Results<T>
    if (verbatim.length > 0) {
      result.fields.forEach((field, column) => {
        const parse = parsers[field.dataTypeID]
        if (parse === undefined) return
        const key = options.rowMode === 'array' ? column : field.name
        for (const row of result.rows as Array<Record<string | number, unknown>>) {
          const value = row[key]
          if (typeof value === 'string') row[key] = parse(value, field.dataTypeID)
        }
      })
    }
    return result
  }

  const client: PgliteClient = {
    query: (sql, params = [], options = {}) => hold((session) => query(session, sql, params, options, false)),
    exec: (sql) => hold(async (session) => await call(session, { op: 'exec', sql, tx: false }) as Results[]),
    transaction: (callback) => hold(async (session) => {
      session.connection = await live()
      await call(session, { op: 'begin' })
      let ended = false
      const end = async (commit: boolean) => {
        if (ended) return
        ended = true
        await call(session, { op: commit ? 'commit' : 'rollback' })
      }
      const tx: Transaction = {
        query: <R>(sql: string, params: unknown[] = [], options: QueryOptions = {}) =>
          query<R>(session, sql, params, options, true) as Promise<Results<R>>,
        sql: () =>
          Promise.reject(new Error('tagged-template queries are not supported on the embedded database client')),
        exec: async (sql: string) => (await call(session, { op: 'exec', sql, tx: true })) as Results[],
        rollback: () => end(false),
        listen: () => Promise.reject(new Error('LISTEN is not supported on the embedded database client')),
        get closed () {
          return ended
        },
      }
      try {
        const result = await callback(tx)
        await end(true)
        return result
      } catch (error) {
        // Past a timeout the worker is still on the statement (or was restarted): the rollback is sent, and the
        // connection handed on once it is done, but the caller is answered now.
        const rollback = end(false).catch(() => {})
        if (!session.timedOut) await rollback
        throw error
      }
    }),
    async dumpDataDir () {
      const bytes = await hold((session) => call(session, { op: 'dump' })) as ArrayBuffer
      return new File([bytes], 'pglite.tar')
    },
    async close () {
      if (closed) return
      closed = true
      try {
        await hold((session) => call(session, { op: 'close' }))
      } catch {}
      await connection.terminate(new EmbeddedDatabaseStoppedError('the embedded database is closed'))
    },
    get closed () { return closed },
    stats: () => ({ ...gate.stats(), restarts }),
  }
  return client
}
