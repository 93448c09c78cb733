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
  /**
   * Places taken: a statement (or a few in a row) takes one, a transaction a whole connection's worth
   * (`pipelineDepth`), since it holds its connection to itself.
   */
  inUse: number
  /** Units of work waiting for a place. */
  waiting: number
  /** Places in all: connections × pipelineDepth. */
  size: number
}

/**
 * A counting semaphore over a pool's connections whose waiters give up after a timeout, first come first served.
 * Each connection has `pipelineDepth` places: up to that many statements may be in flight on one connection at a time,
 * which postgres.js pipelines (written together, answered together) once every connection is busy. Pipelining is where
 * much of a saturated server's CPU per statement goes or not: one socket write, one read and one wake-up of the
 * backend for several statements (bench/README.md, "Pipelining").
 *
 * A transaction takes all of one connection's places, and is let in only while a connection is certainly idle (fewer
 * statements and transactions in flight than connections): postgres.js sends `begin` on an idle connection when there
 * is one, so a transaction never starts behind other requests' statements, nor has one of theirs (a statement
 * postgres.js sends again after a failed prepare) run inside it.
 */
export function createGate (connections: number, acquireTimeoutMs: number, pipelineDepth = 1) {
  const size = connections * pipelineDepth
  let statements = 0
  let transactions = 0
  type Kind = 'statement' | 'connection'
  const waiters: Array<{ kind: Kind, grant: () => void }> = []

  const fits = (kind: Kind) => kind === 'statement'
    ? statements + transactions * pipelineDepth < size
    : statements + transactions < connections
  const take = (kind: Kind) => {
    if (kind === 'statement') statements++
    else transactions++
  }

  /** Grants places to the waiters at the head of the line while they fit: a transaction is not overtaken. */
  function drain () {
    for (let next = waiters[0]; next !== undefined && fits(next.kind); next = waiters[0]) {
      waiters.shift()
      take(next.kind)
      next.grant()
    }
  }

  function acquire (kind: Kind): Promise<void> {
    if (waiters.length === 0 && fits(kind)) {
      take(kind)
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        kind,
        grant: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      const timer = setTimeout(() => {
        const at = waiters.indexOf(waiter)
        if (at >= 0) waiters.splice(at, 1)
        // A transaction that gave up at the head of the line may have kept statements behind it waiting.
        drain()
        reject(new DatabaseBusyError(acquireTimeoutMs))
      }, acquireTimeoutMs)
      waiters.push(waiter)
    })
  }

  async function run<T> (work: () => T | PromiseLike<T>, kind: Kind): Promise<T> {
    await acquire(kind)
    try {
      return await work()
    } finally {
      if (kind === 'statement') statements--
      else transactions--
      drain()
    }
  }

  return {
    /** Runs `work` holding one place: statements that may share a connection with others. */
    statement: <T>(work: () => T | PromiseLike<T>) => run(work, 'statement'),
    /** Runs `work` holding a whole connection's places, once a connection is idle: a transaction. */
    connection: <T>(work: () => T | PromiseLike<T>) => run(work, 'connection'),
    stats: (): GateStats => ({ inUse: statements + transactions * pipelineDepth, waiting: waiters.length, size }),
  }
}

export type Gate = ReturnType<typeof createGate>

/**
 * The database as repositories and services see it. A unit of work is one `use` (a statement, or a few run one after
 * another) or one `transaction`; each holds its places at the gate from start to end (a `use` one, a transaction a
 * whole connection's), so that postgres.js never has more than DATABASE_PIPELINE_DEPTH statements in flight per
 * connection on average, and a request waits at most DATABASE_ACQUIRE_TIMEOUT for a place. Inside a transaction,
 * repositories are handed the transaction (`use(tx, …)` runs on it at once: it already holds its connection).
 */
export interface Db {
  /**
   * Runs `work` on `tx` when there is one; else takes a place at the gate (or fails with DatabaseBusyError after
   * DATABASE_ACQUIRE_TIMEOUT) and runs `work` on the pool. A query builder `work` returns is run before the place is
   * given back. Calls `work` passes its executor on to run in the same place. `holds: 'connection'` takes a whole
   * connection's places instead of one, for a `work` that opens a transaction of its own on the reader (a search
   * within its time budget, src/db/client.ts readWithin).
   */
  use<T>(tx: Executor | undefined, work: (executor: Executor) => T | PromiseLike<T>, holds?: 'statement' | 'connection'): Promise<T>
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
    async use (tx, work, holds = 'statement') {
      if (tx !== undefined) return await work(tx)
      if (gates === undefined) return await work(drizzle)
      return gates.readerGate()[holds](() => work(drizzle))
    },
    transaction (work) {
      if (gates === undefined) return drizzle.transaction(work)
      return gates.primary.connection(() => drizzle.transaction(work))
    },
  }
}
