// One embedded database thread (src/db/pglite-worker.ts) seen from the main thread: the messages it takes and gives
// back, the errors a statement can end with, and the Connection that sends one and waits for its reply. The holding
// of the connection (one statement or transaction at a time, timeouts, restarts) is src/db/pglite.ts.
import { readFile } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import type { RowMode } from '@electric-sql/pglite'

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
  sharedBuffers?: string | undefined
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

let assets: Promise<{ wasmModule: WebAssembly.Module, fsBundle: Blob }> | undefined
/** PGlite's WebAssembly, compiled once per process, and its file bundle, read once: each worker starts from them. */
export function sharedAssets () {
  assets ??= (async () => {
    const dist = new URL('.', import.meta.resolve('@electric-sql/pglite'))
    const [wasm, data] = await Promise.all([readFile(new URL('pglite.wasm', dist)), readFile(new URL('pglite.data', dist))])
    return { wasmModule: await WebAssembly.compile(wasm), fsBundle: new Blob([data]) }
  })()
  return assets
}

/** One worker thread with its PGlite, and the replies it owes. */
export class Connection {
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
