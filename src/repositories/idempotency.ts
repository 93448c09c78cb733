// Idempotency records: the first response to a write sent with an `Idempotency-Key`, kept per key scope so that a
// retry is answered with it instead of running again. Ages are measured on the database clock, which every process
// behind a load balancer shares.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { idempotencyKeys } from '../db/schema.ts'

/** What identifies one attempt: whose key, the key, and what was asked (hash of method, path, query and body). */
export interface IdempotentRequest {
  scope: string
  key: string
  requestHash: string
  method: string
  path: string
}

/** A stored record with its age; `status` null means the first request is still running. */
export interface IdempotencyRecord {
  requestHash: string
  status: number | null
  headers: Record<string, string> | null
  body: string | null
  ageSeconds: number
}

/** The first response, as it will be replayed. */
export interface StoredResponse {
  status: number
  headers: Record<string, string>
  body: string | null
}

/** Records are replayed for this long after the first request started, and purged after it. */
export const RETENTION_SECONDS = 24 * 60 * 60
/** How many expired records one purge deletes at most: a purge stays a short, indexed statement. */
const PURGE_BATCH = 1000

// A constant, not input: inlined so that the purge and the take-over compare against a literal interval.
const retention = sql`now() - interval '${sql.raw(String(RETENTION_SECONDS))} seconds'`

export function createIdempotencyRepository (db: Db) {
  const key = and(eq(idempotencyKeys.scope, sql.placeholder('scope')), eq(idempotencyKeys.key, sql.placeholder('key')))

  const claimQuery = db.insert(idempotencyKeys).values({
    scope: sql.placeholder('scope'),
    key: sql.placeholder('key'),
    requestHash: sql.placeholder('requestHash'),
    method: sql.placeholder('method'),
    path: sql.placeholder('path'),
  }).onConflictDoNothing().returning({ scope: idempotencyKeys.scope }).prepare('idempotency_claim')

  const findQuery = db.select({
    requestHash: idempotencyKeys.requestHash,
    status: idempotencyKeys.status,
    headers: idempotencyKeys.headers,
    body: idempotencyKeys.body,
    ageSeconds: sql<number>`extract(epoch from now() - ${idempotencyKeys.createdAt})::float8`,
  }).from(idempotencyKeys).where(key).prepare('idempotency_find')

  // Compare-and-set: the condition is re-checked on the row once its lock is held, and the update makes it false,
  // so of several retries taking over the same record only one does.
  const takeOverQuery = db.update(idempotencyKeys).set({
    requestHash: sql`${sql.placeholder('requestHash')}`,
    method: sql`${sql.placeholder('method')}`,
    path: sql`${sql.placeholder('path')}`,
    status: null,
    headers: null,
    body: null,
    createdAt: sql`now()`,
    completedAt: null,
  }).where(and(key, or(
    lt(idempotencyKeys.createdAt, retention),
    and(isNull(idempotencyKeys.status), sql`${idempotencyKeys.createdAt} < now() - make_interval(secs => ${sql.placeholder('staleSeconds')}::float8)`)
  ))).returning({ scope: idempotencyKeys.scope }).prepare('idempotency_take_over')

  const completeQuery = db.update(idempotencyKeys).set({
    status: sql`${sql.placeholder('status')}::int`,
    headers: sql`${sql.placeholder('headers')}::jsonb`,
    body: sql`${sql.placeholder('body')}`,
    completedAt: sql`now()`,
  }).where(and(key, isNull(idempotencyKeys.status))).prepare('idempotency_complete')

  const releaseQuery = db.delete(idempotencyKeys).where(and(key, isNull(idempotencyKeys.status))).prepare('idempotency_release')

  return {
    /** Records the request as running; false when the key already has a record. */
    async claim (request: IdempotentRequest): Promise<boolean> {
      const rows = await claimQuery.execute({ ...request })
      return rows.length > 0
    },

    async find (scope: string, key: string): Promise<IdempotencyRecord | undefined> {
      const [row] = await findQuery.execute({ scope, key })
      return row && { ...row, ageSeconds: Number(row.ageSeconds) }
    },

    /**
     * Makes an expired record, or one left running for longer than `staleSeconds` (its process died), this
     * request's; false when another request got there first or the record is live.
     */
    async takeOver (request: IdempotentRequest, staleSeconds: number): Promise<boolean> {
      const rows = await takeOverQuery.execute({ ...request, staleSeconds })
      return rows.length > 0
    },

    /** Stores the first response of a running request. */
    async complete (scope: string, key: string, response: StoredResponse): Promise<void> {
      await completeQuery.execute({ scope, key, status: response.status, headers: JSON.stringify(response.headers), body: response.body })
    },

    /** Forgets a running request (it failed with a 5xx or was cut off), so that a retry runs it again. */
    async release (scope: string, key: string): Promise<void> {
      await releaseQuery.execute({ scope, key })
    },

    /** Deletes up to a batch of records past their retention, oldest first (index on created_at); returns how many. */
    async purgeExpired (): Promise<number> {
      const expired = db.select({ scope: idempotencyKeys.scope, key: idempotencyKeys.key }).from(idempotencyKeys)
        .where(lt(idempotencyKeys.createdAt, retention)).orderBy(idempotencyKeys.createdAt).limit(PURGE_BATCH)
      const rows = await db.delete(idempotencyKeys)
        .where(sql`(${idempotencyKeys.scope}, ${idempotencyKeys.key}) in (${expired})`)
        .returning({ scope: idempotencyKeys.scope })
      return rows.length
    },
  }
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>
