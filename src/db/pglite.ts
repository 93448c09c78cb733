// The embedded database off the request thread. PGlite runs in a worker thread (src/db/pglite-worker.ts), so a long
// statement no longer stops this process from answering HTTP; drizzle-orm/pglite is given a client with the part of
// PGlite's interface it uses (query, exec, transaction) that forwards each statement over the worker's message port.
// PGlite has one connection: a statement or a whole transaction holds it, behind the same gate as the Postgres pool
// (a waiter gives up after DATABASE_ACQUIRE_TIMEOUT, 503). PGlite cannot cancel a statement, so this thread keeps
// DATABASE_STATEMENT_TIMEOUT: the caller gets the SQLSTATE Postgres gives (57014, answered 503), and a database on a
// data directory is stopped and reopened (as a Postgres server recovers from a crash: committed work stays); an
// in-memory one cannot be reopened without losing it, so its statement runs to its end while others wait (503).
// Not @electric-sql/pglite/worker: it is made for browser tabs (BroadcastChannel, Web Locks), runs about a dozen
// round trips per statement, and hands errors back with their message only, without the SQLSTATE the API maps.
import { readFile } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import type { Results, RowMode, Transaction } from '@electric-sql/pglite'
import { createGate, type GateStats } from './gate.ts'

/** What the main thread asks of the worker: one statement, script, transaction step, dump or close. */
export type PgliteCommand =
  | { op: 'query', sql: string, params: unknown[], rowMode: RowMode, verbatim: number[], tx: boolean }
  | { op: 'exec', sql: string, tx: boolean }
  | { op: 'begin' | 'commit' | 'rollback' | 'dump' | 'close' }

export type PgliteRequest = PgliteCommand & { id: number }

export type PgliteReply = { id: number, ok: true, result: unknown } | { id: number, ok: false, error: SerializedError }

/** A Postgres error as plain data (message, SQLSTATE `code`, `constraint`, `detail` …), to cross the thread. */
export type SerializedError = Record<string, string | number> & { message: string }

export interface PgliteWorkerData {
  dataDir: string
  loadDataDir?: Blob | undefined
  /** PGlite's compiled WebAssembly and file bundle, shared by the workers of the process rather than loaded by each. */
  wasmModule?: WebAssembly.Module
  fsBundle?: Blob
}

/** A statement ran past DATABASE_STATEMENT_TIMEOUT; the SQLSTATE Postgres gives a cancelled statement. */
export class StatementTimeoutError extends Error {
  override name = 'StatementTimeoutError'
  readonly code = '57014'
  constructor (ms: number) {
    super(`canceling statement due to statement timeout (${ms} ms)`)
  }
}

/** The embedded database's thread stopped (closed, or stopped for a statement past its timeout). */
export class EmbeddedDatabaseStoppedError extends Error {
  override name = 'EmbeddedDatabaseStoppedError'
  readonly code: string
  constructor (message: string, code = 'CONNECTION_ENDED') {
    super(message)
    this.code = code
  }
}

/** The error PGlite threw in the worker, with its fields (`code` is the SQLSTATE). */
function databaseError (fields: SerializedError): Error {
  return Object.assign(new Error(fields.message), fields)
}

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
  statementMs: number
  acquireMs: number
}

let assets: Promise<{ wasmModule: WebAssembly.Module, fsBundle: Blob }> | undefined
/** PGlite's WebAssembly, compiled once per process, and its file bundle, read once: each worker starts from them. */
function sharedAssets () {
  assets ??= (async () => {
    const dist = new URL('.', import.meta.resolve('@electric-sql/pglite'))
    const [wasm, data] = await Promise.all([readFile(new URL('pglite.wasm', dist)), readFile(new URL('pglite.data', dist))])
    return { wasmModule: await WebAssembly.compile(wasm), fsBundle: new Blob([data]) }
  })()
  return assets
}

/** One worker thread with its PGlite, and the replies it owes. */
class Connection {
  readonly worker: Worker
  readonly ready: Promise<void>
  #pending = new Map<number, { resolve: (value: unknown) => void, reject: (error: Error) => void }>()
  #next = 0
  #stopped: Error | undefined

  constructor (data: PgliteWorkerData) {
    this.worker = new Worker(new URL('./pglite-worker.ts', import.meta.url), { workerData: data })
    this.ready = new Promise((resolve, reject) => {
      const onReady = (message: unknown) => {
        if ((message as { ready?: boolean }).ready !== true) return
        this.worker.off('message', onReady)
        this.worker.unref()
        resolve()
      }
      this.worker.on('message', onReady)
      this.worker.once('error', reject)
      this.worker.once('exit', (code) => reject(new EmbeddedDatabaseStoppedError(`the embedded database did not start (exit ${code})`, 'CONNECTION_CLOSED')))
    })
    this.ready.catch(() => {})
    this.worker.on('message', (reply: PgliteReply | { ready: true }) => {
      if (!('id' in reply)) return
      const waiter = this.#pending.get(reply.id)
      if (waiter === undefined) return
      this.#pending.delete(reply.id)
      if (this.#pending.size === 0) this.worker.unref()
      if (reply.ok) waiter.resolve(reply.result)
      else waiter.reject(databaseError(reply.error))
    })
    this.worker.on('error', (error) => this.#stop(new EmbeddedDatabaseStoppedError(`the embedded database failed: ${error.message}`)))
    this.worker.on('exit', () => this.#stop(new EmbeddedDatabaseStoppedError('the embedded database is closed')))
  }

  get stopped () {
    return this.#stopped !== undefined
  }

  #stop (reason: Error) {
    this.#stopped ??= reason
    for (const waiter of this.#pending.values()) waiter.reject(reason)
    this.#pending.clear()
  }

  send (request: PgliteCommand): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped)
    const id = this.#next++
    return new Promise((resolve, reject) => {
      // A reply is owed: the worker keeps the process alive until it comes (a command awaiting its query exits
      // otherwise).
      if (this.#pending.size === 0) this.worker.ref()
      this.#pending.set(id, { resolve, reject })
      this.worker.postMessage({ ...request, id })
    })
  }

  async terminate (reason: Error) {
    this.#stop(reason)
    await this.worker.terminate()
  }
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
  const start = (loadDataDir?: Blob) => new Connection({ dataDir: options.dataDir, loadDataDir, wasmModule, fsBundle })
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
      gate.run(async () => {
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
