// The pool's front door. postgres.js queues a query without limit when every connection is busy (it has no acquire
// timeout), so a stuck database would make requests hang until the client gives up. Here a query or transaction
// waits at most `acquireTimeoutMs` for one of the pool's connections, and otherwise fails with DatabaseBusyError,
// which the API answers as 503 with Retry-After. A transaction holds its connection until it ends.
import type { Sql } from 'postgres'

/** No connection of the pool came free in time: the database is saturated or stuck. */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError'
  readonly code = 'DATABASE_BUSY'
  constructor (waitedMs: number) {
    super(`no database connection came free within ${waitedMs} ms`)
  }
}

export interface GateStats {
  /** Connections in use by a query or transaction. */
  inUse: number
  /** Queries and transactions waiting for a connection. */
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

  async function run<T> (work: () => PromiseLike<T>): Promise<T> {
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
 * The client drizzle is given: the same postgres.js client, but its top-level queries (`unsafe`, which drizzle runs
 * every statement through) and transactions (`begin`) pass the gate first. Statements inside a transaction use the
 * transaction's own connection and do not.
 */
export function gatedClient (client: Sql, gate: Gate): Sql {
  function unsafe (...args: Parameters<Sql['unsafe']>) {
    // postgres.js queries are lazy (they run when awaited); drizzle awaits them directly or through `.values()`.
    let values = false
    let running: Promise<unknown> | undefined
    const run = () => (running ??= gate.run(() => {
      const query = client.unsafe(...args)
      return values ? query.values() : query
    }))
    return {
      values () {
        values = true
        return run()
      },
      then: (resolve?: (value: unknown) => unknown, reject?: (reason: unknown) => unknown) =>
        run().then(resolve, reject),
      catch: (reject?: (reason: unknown) => unknown) => run().catch(reject),
      finally: (fn?: () => void) => run().finally(fn),
    }
  }

  function begin (...args: unknown[]) {
    return gate.run(() => (client.begin as (...a: unknown[]) => Promise<unknown>)(...args))
  }

  return new Proxy(client, {
    get (target, property, receiver) {
      if (property === 'unsafe') return unsafe
      if (property === 'begin') return begin
      return Reflect.get(target, property, receiver)
    },
  })
}
