// Rate-limit counters in Postgres: one row per bucket (an API key or a client IP) counting its requests in the
// current fixed window. Every process behind a load balancer counts in the same row, so they enforce one limit.
import { lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { rateLimitCounters } from '../db/schema.ts'

/** A bucket's requests so far in the window that started at `windowStart`. */
export interface WindowCount { count: number, windowStart: Date }

export function createRateLimitsRepository (db: Db) {
  // One atomic statement, one round trip. The first hit of a new window restarts the count; a hit stamped with an
  // older window (from a process whose clock lags a little) counts in the newer one instead of resetting it.
  const hitQuery = db.insert(rateLimitCounters)
    .values({ key: sql.placeholder('bucket'), windowStart: sql.placeholder('windowStart'), count: 1 })
    .onConflictDoUpdate({
      target: rateLimitCounters.key,
      set: {
        count: sql`case when excluded.window_start > ${rateLimitCounters.windowStart} then 1 else ${rateLimitCounters.count} + 1 end`,
        windowStart: sql`greatest(excluded.window_start, ${rateLimitCounters.windowStart})`,
      },
    })
    .returning({ count: rateLimitCounters.count, windowStart: rateLimitCounters.windowStart })
    .prepare('rate_limit_hit')

  return {
    /** Counts one request of `bucket` in the window starting at `windowStart`. */
    async hit (bucket: string, windowStart: Date): Promise<WindowCount> {
      const [row] = await hitQuery.execute({ bucket, windowStart })
      if (!row) throw new Error('rate limit upsert returned no row')
      return row
    },

    /** Deletes the counters of buckets not seen since `before`. */
    async purgeBefore (before: Date): Promise<void> {
      await db.delete(rateLimitCounters).where(lt(rateLimitCounters.windowStart, before))
    },
  }
}

export type RateLimitsRepository = ReturnType<typeof createRateLimitsRepository>
