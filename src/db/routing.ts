// Read replicas: which drizzle instance serves a query, by the request it runs for, never by its SQL text. The
// database is drizzle's `withReplicas` over two instances (primary and replica): writes, raw statements and
// transactions always go to the primary; a query-builder read (select, relational query) goes to the replica only
// while the request runs in a `replica` scope, which src/plugins/read-routing.ts opens for a request that only reads
// and whose caller has no write the replica has not replayed. The scope is carried by AsyncLocalStorage, so that
// repositories need not know about replicas.
// @see https://orm.drizzle.team/docs/read-replicas
import { AsyncLocalStorage } from 'node:async_hooks'
import { withReplicas } from 'drizzle-orm/pg-core'
import type { Db, Drizzle } from './gate.ts'

export const readRouting = new AsyncLocalStorage<{ replica: boolean }>()

/** Whether the current request may read from the replica. */
export const mayReadFromReplica = () => readRouting.getStore()?.replica === true

type Routed = Drizzle & { $primary: Drizzle, $replicas: Drizzle[] }
const isRouted = (db: Drizzle): db is Routed => '$replicas' in db && Array.isArray((db as Partial<Routed>).$replicas)

/** One database of two drizzle instances: reads in a replica scope go to the replica, all else to the primary. */
export function withReplica (primary: Drizzle, replica: Drizzle): Drizzle {
  return withReplicas(primary, [replica], (replicas) => (mayReadFromReplica() ? replicas[0] ?? primary : primary))
}

/** The instance the current request reads from: the replica in a replica scope, else the primary (or `db` itself). */
export function readerOf (db: Drizzle): Drizzle {
  return isRouted(db) && mayReadFromReplica() ? db.$replicas[0] ?? db.$primary : db
}

/**
 * A statement prepared once on the primary and, with a replica, once on it too; each call hands out the one the
 * current request reads from. (A statement prepared on `db` itself would stay on the instance chosen when it was
 * prepared, outside any request: the primary.)
 */
export function preparedRead<P> ({ drizzle: db }: Pick<Db, 'drizzle'>, prepare: (instance: Drizzle) => P): () => P {
  if (!isRouted(db)) {
    const only = prepare(db)
    return () => only
  }
  const onPrimary = prepare(db.$primary)
  const replica = db.$replicas[0]
  const onReplica = replica === undefined ? onPrimary : prepare(replica)
  return () => (mayReadFromReplica() ? onReplica : onPrimary)
}

/** A WAL position (`16/B374D848`) as a number, to compare two of them. */
export function lsnValue (lsn: string): bigint {
  const [high, low] = lsn.split('/')
  return (BigInt(`0x${high ?? '0'}`) << 32n) + BigInt(`0x${low ?? '0'}`)
}
