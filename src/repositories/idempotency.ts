// Idempotency records: the first response to a write sent with an `Idempotency-Key`, kept per key scope so that a
// retry is answered with it instead of running again. Ages are measured on the database clock, which every process
// behind a load balancer shares.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { idempotencyKeys } from '../db/schema.ts'

/** What identifies one attempt: whose key, the key, and what was asked (hash of method, path, query and body). */
export interface IdempotentRequest {
  scope: string
  key: string
  /** This attempt's own id: a retry that takes the record over replaces it, and the old attempt cannot commit. */
  attempt: string
  requestHash: string
  method: string
  path: string
}

/** One record, and the attempt that acts on it (null: whichever attempt runs it). */
export type RecordKey = Pick<IdempotentRequest, 'scope' | 'key'> & { attempt: string | null }

/** A stored record with its age; `status` null means the first request is still running. */
export interface IdempotencyRecord {
  requestHash: string
  status: number | null
  headers: Record<string, string> | null
  body: string | null
  ageSeconds: number
  /** Set in the write's own transaction: the change is committed, and these are what it wrote. */
  committed: Array<{ entityType: string, entityId: string }> | null
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
  // The attempt that runs the request, or any (null) when a retry stores the answer it rebuilt for a committed change.
  const ofAttempt = sql`(${sql.placeholder('attempt')}::text is null or ${idempotencyKeys.attempt} = ${sql.placeholder('attempt')}::text)`

  const claimQuery = db.drizzle.insert(idempotencyKeys).values({
    scope: sql.placeholder('scope'),
    key: sql.placeholder('key'),
    requestHash: sql.placeholder('requestHash'),
    method: sql.placeholder('method'),
    path: sql.placeholder('path'),
    attempt: sql.placeholder('attempt'),
  }).onConflictDoNothing().returning({ scope: idempotencyKeys.scope }).prepare('idempotency_claim')

  const findQuery = db.drizzle.select({
    requestHash: idempotencyKeys.requestHash,
    status: idempotencyKeys.status,
    headers: idempotencyKeys.headers,
    body: idempotencyKeys.body,
    committed: idempotencyKeys.committed,
    ageSeconds: sql<number>`extract(epoch from now() - ${idempotencyKeys.createdAt})::float8`,
  }).from(idempotencyKeys).where(key).prepare('idempotency_find')

  // Compare-and-set: the condition is re-checked on the row once its lock is held, and the update makes it false,
  // so of several retries taking over the same record only one does.
  const takeOverQuery = db.drizzle.update(idempotencyKeys).set({
    requestHash: sql`${sql.placeholder('requestHash')}`,
    method: sql`${sql.placeholder('method')}`,
    path: sql`${sql.placeholder('path')}`,
    attempt: sql`${sql.placeholder('attempt')}`,
    status: null,
    headers: null,
    body: null,
    committed: null,
    createdAt: sql`now()`,
    completedAt: null,
  }).where(and(key, or(
    lt(idempotencyKeys.createdAt, retention),
    and(isNull(idempotencyKeys.status), isNull(idempotencyKeys.committed), sql`${idempotencyKeys.createdAt} < now() - make_interval(secs => ${sql.placeholder('staleSeconds')}::float8)`)
  ))).returning({ scope: idempotencyKeys.scope }).prepare('idempotency_take_over')

  const completeQuery = db.drizzle.update(idempotencyKeys).set({
    status: sql`${sql.placeholder('status')}::int`,
    headers: sql`${sql.placeholder('headers')}::jsonb`,
    body: sql`${sql.placeholder('body')}`,
    completedAt: sql`now()`,
  }).where(and(key, ofAttempt, isNull(idempotencyKeys.status))).prepare('idempotency_complete')

  // A request whose change committed is not forgotten after a 5xx (its response was lost, not its change).
  const releaseQuery = db.drizzle.delete(idempotencyKeys).where(and(key, ofAttempt, isNull(idempotencyKeys.status), isNull(idempotencyKeys.committed))).prepare('idempotency_release')

  return {
    /** Records the request as running; false when the key already has a record. */
    async claim (request: IdempotentRequest): Promise<boolean> {
      const rows = await db.use(undefined, () => claimQuery.execute({ ...request }))
      return rows.length > 0
    },

    async find (scope: string, key: string): Promise<IdempotencyRecord | undefined> {
      const [row] = await db.use(undefined, () => findQuery.execute({ scope, key }))
      return row && { ...row, ageSeconds: Number(row.ageSeconds) }
    },

    /**
     * Makes an expired record, or one left running for longer than `staleSeconds` (its process died), this
     * request's; false when another request got there first or the record is live.
     */
    async takeOver (request: IdempotentRequest, staleSeconds: number): Promise<boolean> {
      const rows = await db.use(undefined, () => takeOverQuery.execute({ ...request, staleSeconds }))
      return rows.length > 0
    },

    /** Stores the response of the attempt running the request (or, with `attempt` null, of whichever does). */
    async complete (request: RecordKey, response: StoredResponse): Promise<void> {
      await db.use(undefined, () => completeQuery.execute({
        ...request,
        status: response.status,
        headers: JSON.stringify(response.headers),
        body: response.body,
      }))
    },

    /**
     * In the write's transaction: the request's change commits with this mark, which names one thing it wrote.
     * False when the record is no longer this attempt's (a retry took it over): the write must then roll back.
     */
    async markCommitted (tx: Executor, request: Pick<IdempotentRequest, 'scope' | 'key' | 'attempt'>, change: { entityType: string, entityId: string }): Promise<boolean> {
      const rows = await tx
        .update(idempotencyKeys)
        .set({
          committed: sql`coalesce(${idempotencyKeys.committed}, '[]'::jsonb) || ${JSON.stringify([change])}::jsonb`,
        })
        .where(
          and(
            eq(idempotencyKeys.scope, request.scope),
            eq(idempotencyKeys.key, request.key),
            eq(idempotencyKeys.attempt, request.attempt),
            isNull(idempotencyKeys.status)
          )
        )
        .returning({ scope: idempotencyKeys.scope })
      return rows.length > 0
    },

    /** Forgets a running request (it failed with a 5xx or was cut off), so that a retry runs it again. */
    async release (request: RecordKey): Promise<void> {
      await db.use(undefined, () => releaseQuery.execute({ ...request }))
    },

    /** Deletes up to a batch of records past their retention, oldest first (index on created_at); returns how many. */
    async purgeExpired (): Promise<number> {
      return db.use(undefined, async (db) => {
        const expired = db.select({ scope: idempotencyKeys.scope, key: idempotencyKeys.key }).from(idempotencyKeys)
          .where(lt(idempotencyKeys.createdAt, retention))
          .orderBy(idempotencyKeys.createdAt)
          .limit(planLimit(PURGE_BATCH))
        const rows = await db.delete(idempotencyKeys)
          .where(sql`(${idempotencyKeys.scope}, ${idempotencyKeys.key}) in (${expired})`)
          .returning({ scope: idempotencyKeys.scope })
        return rows.length
      })
    },
  }
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>
