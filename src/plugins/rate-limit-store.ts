// Where @fastify/rate-limit keeps its counters when there is no Redis: Postgres, so that every process of a server
// deployment enforces one limit (its own memory store would give each process a limit of its own). Counts in fixed
// windows aligned on multiples of the window since the epoch. With REDIS_URL, the plugin's own Redis store is used.
// @see https://github.com/fastify/fastify-rate-limit#custom-store
import type { FastifyBaseLogger } from 'fastify'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import { transientDatabaseError } from '../db/errors.ts'
import type { RateLimitsRepository } from '../repositories/rate-limits.ts'

/** The start of the window that `now` (ms since the epoch) falls in. */
export const windowStartOf = (now: number, windowSeconds: number) => Math.floor(now / (windowSeconds * 1000)) * windowSeconds * 1000

/**
 * Redis keys are `<REDIS_KEY_PREFIX>rl:<bucket>` (the plugin's name space `rl:` under ioredis's key prefix); this is
 * where they start with the default prefix, `claimtrack:`.
 */
export const REDIS_NAME_SPACE = 'rl:'
export const REDIS_KEY_PREFIX = `claimtrack:${REDIS_NAME_SPACE}`

/** While the counters are down, one warning per this many milliseconds, not one per request. */
const WARNING_INTERVAL_MS = 10_000

/** A failed count that lets the request through: no headers are sent for it (see src/plugins/rate-limit.ts). */
export const UNCOUNTED = { current: 0, ttl: 0 }

/**
 * A store class for @fastify/rate-limit over the Postgres counters. A database that is down or saturated fails the
 * request (503, as everything else it needs would); any other failure lets it through uncounted.
 */
type Counted = (error: Error | null, result?: { current: number, ttl: number }) => void

export function postgresRateLimitStore (
  counters: RateLimitsRepository,
  log: FastifyBaseLogger
): FastifyRateLimitStoreCtor & { close(): Promise<void> } {
  // A row is reused by its bucket window after window; rows of buckets gone quiet are deleted by each process at
  // most once a window, in the background. One window of slack spares the rows a lagging clock still writes to.
  let lastPurge = 0
  let lastWarning = 0
  let purging: Promise<void> | undefined
  function purgeQuiet (now: number, windowMs: number) {
    if (purging !== undefined || now - lastPurge < windowMs) return
    lastPurge = now
    purging = counters.purgeBefore(new Date(Math.floor(now / windowMs) * windowMs - windowMs)).then(
      () => {},
      (err: unknown) => { log.warn({ err }, 'purging old rate-limit counters failed') }
    ).finally(() => { purging = undefined })
  }

  class PostgresStore implements FastifyRateLimitStore {
    static async close () { await purging }

    incr (bucket: string, callback: Counted, timeWindow: number) {
      const now = Date.now()
      const windowStart = Math.floor(now / timeWindow) * timeWindow
      counters.hit(bucket, new Date(windowStart)).then(({ count, windowStart: started }) => {
        purgeQuiet(now, timeWindow)
        callback(null, { current: count, ttl: Math.max(1000, started.getTime() + timeWindow - now) })
      }, (err: unknown) => {
        if (transientDatabaseError(err)) return callback(err as Error)
        if (now - lastWarning >= WARNING_INTERVAL_MS) {
          lastWarning = now
          log.warn({ err }, 'rate-limit counters unavailable; the request is let through uncounted')
        }
        callback(null, UNCOUNTED)
      })
    }

    child () { return this }
  }
  return PostgresStore
}
