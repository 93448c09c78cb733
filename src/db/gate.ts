// The database's front door: a counting semaphore whose waiters give up after a timeout. postgres.js has no acquire
// timeout (when every connection is busy it pipelines a query behind another's, without limit), so a stuck database
// would make requests hang until the client gives up. A unit of work takes a place at this gate, explicitly, before it
// uses the database: a request (src/plugins/database.ts) on the server's pool, a statement or transaction on the
// embedded database (src/db/pglite.ts). Past `acquireTimeoutMs` it fails with DatabaseBusyError, which the API
// answers as 503 with Retry-After.

/** No connection of the pool came free in time: the database is saturated or stuck. */
export class DatabaseBusyError extends Error {
  override name = 'DatabaseBusyError'
  readonly code = 'DATABASE_BUSY'
  constructor (waitedMs: number) {
    super(`no database connection came free within ${waitedMs} ms`)
  }
}

export interface GateStats {
  /** Places taken: units of work using the database. */
  inUse: number
  /** Units of work waiting for a place. */
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

  /** Waits for a place; the function it resolves to gives the place back (once, however often it is called). */
  async function enter (): Promise<() => void> {
    await acquire()
    let held = true
    return () => {
      if (held) release()
      held = false
    }
  }

  async function run<T> (work: () => PromiseLike<T>): Promise<T> {
    const leave = await enter()
    try {
      return await work()
    } finally {
      leave()
    }
  }

  return { enter, run, stats: (): GateStats => ({ inUse, waiting: waiters.length, size }) }
}

export type Gate = ReturnType<typeof createGate>
