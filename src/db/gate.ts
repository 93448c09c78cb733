// The pool's front door. postgres.js queues a query without limit when every connection is busy (it has no acquire
// timeout), so a stuck database would make requests hang until the client gives up. The gate is not slipped under
// the driver: it stands in front of our own API. Repositories and services reach the database only through `Db`
// (below), whose `use` and `transaction` each take one place at the gate for the whole unit of work, waiting at most
// `acquireTimeoutMs` for one, and otherwise fail with DatabaseBusyError, which the API answers as 503 with
// Retry-After. drizzle is given the postgres.js client as it is, and used through its public API only.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type * as schema from './schema.ts'

export type Schema = typeof schema
/** A drizzle instance over the pool (or the embedded database): what a unit of work runs its statements on. */
export type Drizzle = PgDatabase<PgQueryResultHKT, Schema>
/** A transaction handle; repositories accept one so that several writes commit together. */
export type Tx = Parameters<Parameters<Drizzle['transaction']>[0]>[0]
/** Either a drizzle instance handed out by `Db.use` or an open transaction. */
export type Executor = Drizzle | Tx

/** No connection of the pool came free in time: the database is saturated or stuck. */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError'
  readonly code = 'DATABASE_BUSY'
  constructor (waitedMs: number) {
    super(`no database connection came free within ${waitedMs} ms`)
  }
}

export interface GateStats {
  /** Units of work (statements or transactions) holding one of the pool's connections. */
  inUse: number
  /** Units of work waiting for a connection. */
  waiting: number
  size: number
}

/** A counting semaphore whose waiters give up after a timeout, first come first served. */
export function createGate (size: number, acquireTimeoutMs: number) {
  let inUse = 0
  const waiters: Array<{ grant: () => void }> = []

  function release () {
    const next = waiters.shift()
    if (next) next.grant()
    else inUse--
  }

  function acquire (): Promise<void> {
    if (inUse < size) {
      inUse++
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      const timer = setTimeout(() => {
        const at = waiters.indexOf(waiter)
        if (at >= 0) waiters.splice(at, 1)
        reject(new DatabaseBusyError(acquireTimeoutMs))
      }, acquireTimeoutMs)
      waiters.push(waiter)
    })
  }

  async function run<T> (work: () => T | PromiseLike<T>): Promise<T> {
    await acquire()
    try {
      return await work()
    } finally {
      release()
    }
  }

  return { run, stats: (): GateStats => ({ inUse, waiting: waiters.length, size }) }
}

export type Gate = ReturnType<typeof createGate>

/**
 * The database as repositories and services see it. A unit of work is one `use` (a statement, or a few run one after
 * another) or one `transaction`; each holds one place at the gate from start to end, so that at most the pool's size
 * of them run at once and postgres.js never has to queue one. Inside a transaction, repositories are handed the
 * transaction (`use(tx, …)` runs on it at once: it already holds its connection).
 */
export interface Db {
  /**
   * Runs `work` on `tx` when there is one; else takes a place at the gate (or fails with DatabaseBusyError after
   * DATABASE_ACQUIRE_TIMEOUT) and runs `work` on the pool. A query builder `work` returns is run before the place is
   * given back. Calls `work` passes its executor on to run in the same place.
   */
  use<T>(tx: Executor | undefined, work: (executor: Executor) => T | PromiseLike<T>): Promise<T>
  /** One transaction, holding its place (and its connection) until it commits or rolls back. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>
  /**
   * The drizzle instance behind the gate, to prepare statements on (src/db/routing.ts) and for diagnostics; a statement
   * run on it directly does not wait at the gate.
   */
  readonly drizzle: Drizzle
}

/**
 * `Db` over a drizzle instance. A transaction waits at the primary's gate; a `use` at the gate `readerGate` names (the
 * replica's for a request that reads from it, src/db/routing.ts). Without gates (the embedded database, whose client
 * has its own gate of one) units run at once.
 */
export function gatedDb (drizzle: Drizzle, gates?: { primary: Gate, readerGate: () => Gate }): Db {
  return {
    drizzle,
    async use (tx, work) {
      if (tx !== undefined) return await work(tx)
      if (gates === undefined) return await work(drizzle)
      return gates.readerGate().run(() => work(drizzle))
    },
    transaction (work) {
      if (gates === undefined) return drizzle.transaction(work)
      return gates.primary.run(() => drizzle.transaction(work))
    },
  }
}
