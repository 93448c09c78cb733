// Where rate-limit counters live, behind one small interface: Postgres by default, Redis when REDIS_URL is set.
// Both count in fixed windows aligned on multiples of the window since the epoch, shared by every process.
// @see https://github.com/redis/ioredis
import type { FastifyBaseLogger } from 'fastify'
import { Redis } from 'ioredis'
import type { Db } from '../db/client.ts'
import { createRateLimitsRepository } from '../repositories/rate-limits.ts'

export interface RateLimitStore {
  /** Counts one request of `bucket`: its requests so far in the current window, and when the window ends. */
  hit(bucket: string, windowSeconds: number): Promise<{ count: number, resetAt: Date }>
  close(): Promise<void>
}

/** The start of the window that `now` (ms since the epoch) falls in. */
export const windowStartOf = (now: number, windowSeconds: number) => Math.floor(now / (windowSeconds * 1000)) * windowSeconds * 1000

export function createPostgresRateLimitStore (db: Db, log: FastifyBaseLogger): RateLimitStore {
  const counters = createRateLimitsRepository(db)

  // A row is reused by its bucket window after window; rows of buckets gone quiet are deleted by each process at
  // most once a window, in the background. One window of slack spares the rows a lagging clock still writes to.
  let lastPurge = 0
  let purging: Promise<void> | undefined
  function purgeQuiet (now: number, windowSeconds: number) {
    const windowMs = windowSeconds * 1000
    if (purging !== undefined || now - lastPurge < windowMs) return
    lastPurge = now
    purging = counters.purgeBefore(new Date(windowStartOf(now, windowSeconds) - windowMs)).then(
      () => {},
      (err: unknown) => { log.warn({ err }, 'purging old rate-limit counters failed') }
    ).finally(() => { purging = undefined })
  }

  return {
    async hit (bucket, windowSeconds) {
      const now = Date.now()
      const { count, windowStart } = await counters.hit(bucket, new Date(windowStartOf(now, windowSeconds)))
      purgeQuiet(now, windowSeconds)
      return { count, resetAt: new Date(windowStart.getTime() + windowSeconds * 1000) }
    },
    async close () {
      await purging
    },
  }
}

/**
 * Keys are `<REDIS_KEY_PREFIX>rl:<bucket>:<window start, seconds since the epoch>`; this is where they start with the
 * default prefix, `claimtrack:`.
 */
export const REDIS_KEY_PREFIX = 'claimtrack:rl:'
/** How long start-up waits for Redis before serving anyway (with limits off until it answers). */
const CONNECT_TIMEOUT_MS = 2000

export async function createRedisRateLimitStore (url: string, log: FastifyBaseLogger, keyPrefix = 'claimtrack:'): Promise<RateLimitStore> {
  const redis = new Redis(url, {
    // Deployments that share a Redis keep apart by their prefix (REDIS_KEY_PREFIX); ioredis adds it to every key.
    keyPrefix,
    // A request never waits for an absent Redis: commands fail at once (and the limit is skipped) until it is back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: CONNECT_TIMEOUT_MS,
  })
  // One warning per outage, not one per reconnection attempt.
  let reachable = true
  redis.on('error', (err: Error) => {
    if (reachable) log.warn({ err }, 'Redis for rate limits is unreachable; requests are not limited until it is back')
    reachable = false
  })
  redis.on('ready', () => {
    if (!reachable) log.info('Redis for rate limits is reachable again')
    reachable = true
  })
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      redis.off('ready', done)
      redis.off('error', done)
      resolve()
    }
    const timer = setTimeout(done, CONNECT_TIMEOUT_MS)
    redis.once('ready', done)
    redis.once('error', done)
  })

  return {
    async hit (bucket, windowSeconds) {
      const windowStart = windowStartOf(Date.now(), windowSeconds)
      const key = `rl:${bucket}:${windowStart / 1000}`
      // INCR and PEXPIRE in one transaction, so that no key is left without an expiry. The key belongs to one
      // window, so setting the expiry on every hit (rather than with NX, Redis 7+ only) keeps it two windows at most.
      const results = await redis.multi().incr(key).pexpire(key, windowSeconds * 2000).exec()
      const [incremented] = results ?? []
      if (!incremented || incremented[0] !== null || typeof incremented[1] !== 'number') {
        throw incremented?.[0] ?? new Error('Redis MULTI was aborted')
      }
      return { count: incremented[1], resetAt: new Date(windowStart + windowSeconds * 1000) }
    },
    async close () {
      try {
        await redis.quit()
      } catch {
        redis.disconnect()
      }
    },
  }
}
