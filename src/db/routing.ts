// Read replicas: which queries of a request may be served by one. A request that only reads (GET, HEAD, or a route
// marked `readOnly`) and whose caller has no write the replica has not yet replayed runs in a `replica` scope; in it,
// plain SELECTs go to the replica and everything else (writes, locking reads, transactions) to the primary.
// The scope is carried by AsyncLocalStorage, so that repositories need not know about replicas.
import { AsyncLocalStorage } from 'node:async_hooks'

export const readRouting = new AsyncLocalStorage<{ replica: boolean }>()

/** Set while a read-only transaction begins (src/db/client.ts readWithin): one the replica may serve. */
export const readOnlyTransaction = new AsyncLocalStorage<boolean>()

/** Whether the current request may read from the replica. */
export const mayReadFromReplica = () => readRouting.getStore()?.replica === true

// A statement that only reads: SELECT or WITH, no data-modifying words, no row locks.
const READ = /^\s*\(?\s*(select|with)\b/i
const WRITE = /\b(insert|update|delete|merge|nextval|setval|pg_advisory\w*)\b|\bfor\s+(no\s+key\s+)?update\b|\bfor\s+(key\s+)?share\b/i
export const isReadOnlyStatement = (statement: string) => READ.test(statement) && !WRITE.test(statement)

/** A WAL position (`16/B374D848`) as a number, to compare two of them. */
export function lsnValue (lsn: string): bigint {
  const [high, low] = lsn.split('/')
  return (BigInt(`0x${high ?? '0'}`) << 32n) + BigInt(`0x${low ?? '0'}`)
}
