// Where @fastify/rate-limit keeps its counters: a store (its `store` option) that counts in this process and sends
// the counts to the shared counters in batches, one round trip for every bucket at once: in Redis (REDIS_URL) or
// else in Postgres, so that every process enforces one limit. A process lets a caller through on its own count only
// while that caller is well under its limit, and never for more than 1% of the limit at a time; otherwise the
// request waits for the next batch and is decided by the shared count. Hence the stated bound: in one window a
// caller gets at most limit + processes × ⌊limit / 100⌋ requests through (a limit under 100 is exact).
// @see https://github.com/fastify/fastify-rate-limit#custom-store
import type { FastifyBaseLogger } from 'fastify'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { Redis, Result } from 'ioredis'
import { transientDatabaseError } from '../db/errors.ts'
import type { RateLimitsRepository } from '../repositories/rate-limits.ts'

/** The start of the window that `now` (ms since the epoch) falls in. */
export const windowStartOf = (now: number, windowSeconds: number) =>
  Math.floor(now / (windowSeconds * 1000)) * windowSeconds * 1000

/**
 * Redis keys are `<REDIS_KEY_PREFIX>rl:<bucket>` (this name space under ioredis's key prefix); this is where they
 * start with the default prefix, `claimtrack:`.
 */
export const REDIS_NAME_SPACE = 'rl:'
export const REDIS_KEY_PREFIX = `claimtrack:${REDIS_NAME_SPACE}`

/** The share of a limit one process may let through before it has heard the shared count (rounded down). */
export const LOCAL_SHARE = 0.01
/** How often counts let through locally are sent when nothing else sends them sooner. */
export const FLUSH_INTERVAL_MS = 250
/** While the counters are down, one warning per this many milliseconds, not one per request. */
const WARNING_INTERVAL_MS = 10_000

/** A failed count that lets the request through: no headers are sent for it (see src/plugins/rate-limit.ts). */
export const UNCOUNTED = { current: 0, ttl: 0 }

/** A bucket's shared count after a batch added to it, and the milliseconds until its window ends. */
export interface SharedCount { current: number, ttl: number }

/** Shared counters: adds to several buckets in one round trip. */
export interface CounterBackend {
  add (buckets: string[], counts: number[], timeWindow: number): Promise<SharedCount[]>
  /** What the requests waiting for a failed batch get: an error (the plugin answers it), or null (let through). */
  failure (err: unknown): Error | null
  /** Background work to finish before the app closes. */
  close? (): Promise<void>
}

type Counted = (error: Error | null, result?: { current: number, ttl: number }) => void

interface Bucket {
  /** The shared count at the last answer, in the window that ends at `resetAt` (0: not heard of in this window). */
  known: number
  resetAt: number
  /** Requests let through here and not yet sent, and let through here and not yet answered (sent or not). */
  unsent: number
  unconfirmed: number
  /** Requests waiting to be decided by the next batch. */
  waiting: Counted[]
}

/**
 * A store class for @fastify/rate-limit over shared counters. `incr` answers at once when the caller is under its
 * local allowance (⌊max × LOCAL_SHARE⌋ requests not yet confirmed by the shared count, and the known count plus
 * those under max); otherwise it waits for the next batch, sent as soon as the event loop turns, with every other
 * bucket that has counts to send.
 */
export function batchedRateLimitStore (
  backend: CounterBackend,
  log: FastifyBaseLogger
): FastifyRateLimitStoreCtor & { close(): Promise<void> } {
  const buckets = new Map<string, Bucket>()
  let scheduled = false
  let inFlight: Promise<void> | undefined
  let lastWarning = 0
  // The plugin's window (one for every bucket of this app), as given with each count.
  let timeWindow = 60_000

  function schedule () {
    if (scheduled) return
    scheduled = true
    // After the requests already arrived in this turn of the event loop, so that they go in one batch.
    setImmediate(() => {
      scheduled = false
      flush().catch(() => {})
    })
  }

  async function flush (): Promise<void> {
    // One batch at a time, so that answers arrive in the order of the counts.
    for (let running = inFlight; running !== undefined; running = inFlight) await running
    const names: string[] = []
    const counts: number[] = []
    const batch: Array<{ bucket: Bucket; local: number; waiting: Counted[] }> = []
    for (const [name, bucket] of buckets) {
      if (bucket.unsent === 0 && bucket.waiting.length === 0) continue
      names.push(name)
      counts.push(bucket.unsent + bucket.waiting.length)
      batch.push({ bucket, local: bucket.unsent, waiting: bucket.waiting })
      bucket.unsent = 0
      bucket.waiting = []
    }
    if (batch.length === 0) return
    inFlight = send(names, counts, batch).finally(() => {
      inFlight = undefined
    })
    await inFlight
  }

  async function send (
    names: string[],
    counts: number[],
    batch: Array<{ bucket: Bucket; local: number; waiting: Counted[] }>
  ) {
    let answers: SharedCount[]
    try {
      answers = await backend.add(names, counts, timeWindow)
    } catch (err) {
      const now = Date.now()
      const error = backend.failure(err)
      if (error === null && now - lastWarning >= WARNING_INTERVAL_MS) {
        lastWarning = now
        log.warn({ err }, 'rate-limit counters unavailable; requests are let through uncounted')
      }
      for (const { bucket, local, waiting } of batch) {
        bucket.unconfirmed -= local
        for (const callback of waiting) error === null ? callback(null, UNCOUNTED) : callback(error)
      }
      return
    }
    const now = Date.now()
    batch.forEach(({ bucket, local, waiting }, i) => {
      const answer = answers[i] ?? UNCOUNTED
      bucket.unconfirmed -= local
      bucket.known = answer.current
      bucket.resetAt = now + answer.ttl
      // This batch's places in the count: the requests let through here first, then the waiting ones in turn.
      const first = answer.current - waiting.length + 1
      waiting.forEach((callback, k) => {
        callback(null, { current: first + k, ttl: answer.ttl })
      })
    })
  }

  // Counts let through locally reach the shared counter within this interval even when no request waits; buckets of
  // past windows with nothing pending are forgotten.
  const timer = setInterval(() => {
    const now = Date.now()
    for (const [name, bucket] of buckets) {
      if (bucket.unsent === 0 && bucket.unconfirmed === 0 && bucket.waiting.length === 0 && now >= bucket.resetAt) {
        buckets.delete(name)
      }
    }
    flush().catch(() => {})
  }, FLUSH_INTERVAL_MS)
  timer.unref()

  class BatchedStore implements FastifyRateLimitStore {
    static async close () {
      clearInterval(timer)
      await flush()
      await backend.close?.()
    }

    incr (name: string, callback: Counted, window: number, max: number) {
      const now = Date.now()
      timeWindow = window
      let bucket = buckets.get(name)
      if (bucket === undefined) {
        bucket = { known: 0, resetAt: 0, unsent: 0, unconfirmed: 0, waiting: [] }
        buckets.set(name, bucket)
      }
      // A window that has ended: its count no longer counts (the shared counter restarts too).
      if (now >= bucket.resetAt) bucket.known = 0
      const allowance = Math.floor(max * LOCAL_SHARE)
      if (bucket.waiting.length === 0 && bucket.unconfirmed < allowance && bucket.known + bucket.unconfirmed < max) {
        bucket.unsent++
        bucket.unconfirmed++
        const ttl = bucket.resetAt > now ? bucket.resetAt - now : timeWindow
        callback(null, { current: bucket.known + bucket.unconfirmed, ttl })
        return
      }
      bucket.waiting.push(callback)
      schedule()
    }

    child () {
      return this
    }
  }
  return BatchedStore
}

/** The counters in Postgres, in windows aligned on multiples of the window since the epoch. */
export function postgresCounters (counters: RateLimitsRepository, log: FastifyBaseLogger): CounterBackend {
  // A row is reused by its bucket window after window; rows of buckets gone quiet are deleted by each process at
  // most once a window, in the background. One window of slack spares the rows a lagging clock still writes to.
  let lastPurge = 0
  let purging: Promise<void> | undefined
  function purgeQuiet (now: number, windowMs: number) {
    if (purging !== undefined || now - lastPurge < windowMs) return
    lastPurge = now
    purging = counters.purgeBefore(new Date(Math.floor(now / windowMs) * windowMs - windowMs)).then(
      () => {},
      (err: unknown) => { log.warn({ err }, 'purging old rate-limit counters failed') }
    ).finally(() => { purging = undefined })
  }
  return {
    async add (buckets, counts, timeWindow) {
      const now = Date.now()
      const rows = await counters.add(buckets, counts, new Date(Math.floor(now / timeWindow) * timeWindow))
      purgeQuiet(now, timeWindow)
      return rows.map((row) => ({
        current: row.count,
        ttl: Math.max(1000, row.windowStart.getTime() + timeWindow - now),
      }))
    },
    // A database that is down or saturated fails the request (503, as everything else it needs would); any other
    // failure lets it through uncounted.
    failure: (err) => transientDatabaseError(err) ? err as Error : null,
    async close () { await purging },
  }
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** Adds to a counter that expires a window after its first count: [count, milliseconds left]. */
    claimtrackRateLimitAdd (key: string, count: number, timeWindow: number): Result<[number, number], Context>
  }
}

/** Adds to one counter; a new counter (or one that lost its expiry) expires one window later. */
const REDIS_ADD = `
local current = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == tonumber(ARGV[1]) or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {current, ttl}
`

/**
 * The counters in Redis, a window starting at a bucket's first request: one pipeline of one script per bucket (keys
 * stay apart, so a Redis Cluster takes them too). A failure lets the requests through uncounted (the plugin's
 * skipOnError): an outage of the counters must not become an outage of the API.
 */
export function redisCounters (redis: Redis): CounterBackend {
  redis.defineCommand('claimtrackRateLimitAdd', { numberOfKeys: 1, lua: REDIS_ADD })
  return {
    async add (buckets, counts, timeWindow) {
      const pipeline = redis.pipeline()
      buckets.forEach((bucket, i) => pipeline.claimtrackRateLimitAdd(`${REDIS_NAME_SPACE}${bucket}`, counts[i] ?? 1, timeWindow))
      const results = await pipeline.exec()
      return buckets.map((_bucket, i) => {
        const [err, value] = results?.[i] ?? [new Error('Redis answered no result')]
        if (err) throw err
        const [current, ttl] = value as [number, number]
        return { current, ttl }
      })
    },
    failure: (err) => err instanceof Error ? err : new Error(String(err)),
  }
}
