// Rate limits: requests per window for each API key (by its role) and for each client IP without a key, counted in
// Postgres or Redis so that every process enforces one limit. Every counted answer says where the caller stands
// (RateLimit-Policy/RateLimit and X-RateLimit-*); past the limit it is a 429 and nothing else runs.
// @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { transientDatabaseError } from '../db/errors.ts'
import { problem } from '../errors.ts'
import type { Principal } from '../lib/access.ts'
import { callerOfAddress } from '../lib/client-address.ts'
import { createPostgresRateLimitStore, createRedisRateLimitStore } from '../lib/rate-limit-store.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route (or, given a function, those of its requests for which it says so) searches: one caller may have at
     * most SEARCH_CONCURRENCY searches running at once in this process; more are answered 429 at once.
     */
    search?: boolean | ((request: FastifyRequest) => boolean)
  }
}

/** While the store is down, one warning per this many milliseconds, not one per request. */
const WARNING_INTERVAL_MS = 10_000

async function rateLimitPlugin (app: FastifyInstance) {
  const { windowSeconds, ipv6PrefixBits, ...limits } = app.config.rateLimit
  const store = app.config.redisUrl === undefined
    ? createPostgresRateLimitStore(app.db, app.log)
    : await createRedisRateLimitStore(app.config.redisUrl, app.log, app.config.redisKeyPrefix)
  app.addHook('onClose', async () => { await store.close() })

  const counted = new WeakSet<FastifyRequest>()
  let lastWarning = 0

  /**
   * The caller's bucket and limit: its key (by role), or its IP without one (or when the key was refused): IPv4 (an
   * IPv4-mapped IPv6 address too) by address, IPv6 by its RATE_LIMIT_IPV6_PREFIX network.
   */
  function bucketOf (request: FastifyRequest): { bucket: string, limit: number } {
    // `principal` is unset when the request failed before authentication began.
    const principal = request.principal as Principal | null
    if (principal?.kind === 'key') {
      return { bucket: `key:${principal.keyId}`, limit: principal.role === 'partner' ? limits.partner : limits.key }
    }
    return { bucket: `ip:${callerOfAddress(request.ip, ipv6PrefixBits)}`, limit: limits.anonymous }
  }

  /** Counts the request and sets the headers; says how long to wait when the request is over the limit. */
  async function count (request: FastifyRequest, reply: FastifyReply, options: { failFast: boolean }): Promise<{ limit: number, wait: number } | undefined> {
    counted.add(request)
    const { bucket, limit } = bucketOf(request)
    let hit
    try {
      hit = await store.hit(bucket, windowSeconds)
    } catch (err) {
      // The counters live in a database that is down or saturated: so does everything the request needs. It is
      // answered 503 now rather than after waiting for the database a second time.
      if (options.failFast && transientDatabaseError(err)) throw err
      // Fail open: an outage of the counters must not become an outage of the API.
      const now = Date.now()
      if (now - lastWarning >= WARNING_INTERVAL_MS) {
        lastWarning = now
        request.log.warn({ err }, 'rate-limit counters unavailable; the request is let through uncounted')
      }
      return undefined
    }
    const remaining = Math.max(0, limit - hit.count)
    const reset = Math.min(windowSeconds, Math.max(1, Math.ceil((hit.resetAt.getTime() - Date.now()) / 1000)))
    reply.headers({
      'ratelimit-policy': `"default";q=${limit};w=${windowSeconds}`,
      ratelimit: `"default";r=${remaining};t=${reset}`,
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(reset),
    })
    return hit.count > limit ? { limit, wait: reset } : undefined
  }

  // Every request counts, 404s included, except the health probes (`config.probe`): load balancers and orchestrators
  // poll them from a few addresses all day, and a limited probe would take a healthy instance out of rotation.
  const isCounted = (request: FastifyRequest) => request.routeOptions.config.probe !== true

  // After authentication (the auth plugin's onRequest hook is registered first), before the body is even read.
  app.addHook('onRequest', async (request, reply) => {
    if (!isCounted(request)) return
    const over = await count(request, reply, { failFast: true })
    if (over === undefined) return
    const { principal } = request
    const who = principal.kind === 'key' ? `The API key "${principal.keyName}"` : `Your address (${request.ip})`
    throw problem('too-many-requests', `${who} made more than ${over.limit} requests in ${windowSeconds} seconds. Retry in ${over.wait} seconds.`, { headers: { 'retry-after': String(over.wait) } })
  })

  // Searches running, by caller bucket. A slot is taken before the body is read and given back when the handler has
  // answered (onSend), or when the request ends without an answer (onResponse), whichever comes first.
  const searching = new Map<string, number>()
  const holding = new WeakMap<FastifyRequest, string>()
  const { concurrency } = app.config.search
  function release (request: FastifyRequest) {
    const bucket = holding.get(request)
    if (bucket === undefined) return
    holding.delete(request)
    const left = (searching.get(bucket) ?? 1) - 1
    if (left > 0) searching.set(bucket, left)
    else searching.delete(bucket)
  }
  app.addHook('onRequest', async (request) => {
    const { search } = request.routeOptions.config
    if (!(typeof search === 'function' ? search(request) : search === true)) return
    const { bucket } = bucketOf(request)
    const running = searching.get(bucket) ?? 0
    if (running >= concurrency) {
      const { principal } = request
      const who = principal.kind === 'key' ? `The API key "${principal.keyName}"` : `Your address (${request.ip})`
      throw problem('too-many-requests', `${who} already has ${running} searches running, the most one caller may run at once. Retry when one has finished.`, { headers: { 'retry-after': '1' } })
    }
    searching.set(bucket, running + 1)
    holding.set(request, bucket)
  })
  app.addHook('onSend', async (request, _reply, payload) => {
    release(request)
    return payload
  })
  app.addHook('onResponse', async (request) => { release(request) })

  // A request that authentication refused (401, 403) ended before the hook above: it is counted here, so that
  // trying keys spends the caller's budget too. It is still answered with its refusal.
  app.addHook('onSend', async (request, reply, payload) => {
    const refused = reply.statusCode === 401 || reply.statusCode === 403
    if (refused && !counted.has(request) && isCounted(request)) await count(request, reply, { failFast: false })
    return payload
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['database', 'auth'] })
