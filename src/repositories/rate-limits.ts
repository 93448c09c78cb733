// Rate-limit counters in Postgres: one row per bucket (an API key or a client IP) counting its requests in the
// current fixed window. Every process behind a load balancer counts in the same row, so they enforce one limit.
import { lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { rateLimitCounters } from '../db/schema.ts'

/** A bucket's requests so far in the window that started at `windowStart`. */
export interface WindowCount { bucket: string, count: number, windowStart: Date }

export function createRateLimitsRepository (db: Db) {
  // One atomic statement, one round trip, however many buckets a process counted since its last one (each bucket
  // once). The first count of a new window restarts the row; a count stamped with an older window (from a process
  // whose clock lags a little) adds to the newer one instead of resetting it.
  const addQuery = db.drizzle
    .insert(rateLimitCounters)
    .select(
      sql`select t.key, ${sql.placeholder('windowStart')}::timestamptz, t.count
      from unnest(${sql.placeholder('buckets')}::text[], ${sql.placeholder('counts')}::integer[]) as t(key, count)`
    )
    .onConflictDoUpdate({
      target: rateLimitCounters.key,
      set: {
        count: sql`case when excluded.window_start > ${rateLimitCounters.windowStart} then excluded.count else ${rateLimitCounters.count} + excluded.count end`,
        windowStart: sql`greatest(excluded.window_start, ${rateLimitCounters.windowStart})`,
      },
    })
    .returning({
      bucket: rateLimitCounters.key,
      count: rateLimitCounters.count,
      windowStart: rateLimitCounters.windowStart,
    })
    .prepare('rate_limit_add')

  return {
    /**
     * Adds `counts[i]` requests to `buckets[i]` (distinct buckets) in the window starting at `windowStart`, and answers
     * each bucket's count after that, in the order given.
     */
    async add (buckets: string[], counts: number[], windowStart: Date): Promise<WindowCount[]> {
      // As text: the server's driver is set to take no Date for a raw placeholder (PGlite's would).
      const at = windowStart.toISOString()
      const rows = await db.use(undefined, () => addQuery.execute({ buckets, counts, windowStart: at }))
      const byBucket = new Map(rows.map((row) => [row.bucket, row]))
      return buckets.map((bucket) => {
        const row = byBucket.get(bucket)
        if (!row) throw new Error(`rate limit upsert returned no row for ${bucket}`)
        return row
      })
    },

    /** Deletes the counters of buckets not seen since `before`. */
    async purgeBefore (before: Date): Promise<void> {
      return db.use(undefined, async (db) => {
        await db.delete(rateLimitCounters).where(lt(rateLimitCounters.windowStart, before))
      })
    },
  }
}

export type RateLimitsRepository = ReturnType<typeof createRateLimitsRepository>
