// Rate limits: requests per window for each API key (by its role) and for each client IP without a key, counted by
// @fastify/rate-limit with a store that counts in process and sends the counts in batches to Redis (REDIS_URL) or
// else to Postgres (src/plugins/rate-limit-store.ts, which states the bound), so that every process enforces one limit.
// Every counted answer says where the caller stands (RateLimit-Policy/RateLimit and X-RateLimit-*); past the limit it
// is a 429 problem with Retry-After and nothing else runs.
// @see https://github.com/fastify/fastify-rate-limit
// @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { problem } from '../errors.ts'
import type { Principal } from '../domain/access.ts'
import { callerOfAddress } from '../lib/http/client-address.ts'
import { batchedRateLimitStore, postgresCounters, redisCounters } from './rate-limit-store.ts'
import { addRouteHook } from './route-hooks.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route (or, given a function, those of its requests for which it says so) searches: one caller may have at
     * most SEARCH_CONCURRENCY searches running at once in this process; more are answered 429 at once.
     */
    search?: boolean | ((request: FastifyRequest) => boolean)
  }
}

/** How long start-up waits for Redis before serving anyway (with limits off until it answers). */
const CONNECT_TIMEOUT_MS = 2000

/** A Redis client that never makes a request wait for an absent Redis, and says so once per outage. */
async function openRedis (app: FastifyInstance, url: string): Promise<Redis> {
  const redis = new Redis(url, {
    // Deployments that share a Redis keep apart by their prefix (REDIS_KEY_PREFIX); ioredis adds it to every key.
    keyPrefix: app.config.redisKeyPrefix,
    // Commands fail at once (and the request goes through uncounted) until Redis is back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: CONNECT_TIMEOUT_MS,
  })
  let reachable = true
  redis.on('error', (err: Error) => {
    const warning = 'Redis for rate limits is unreachable; requests are not limited until it is back'
    if (reachable) app.log.warn({ err }, warning)
    reachable = false
  })
  redis.on('ready', () => {
    if (!reachable) app.log.info('Redis for rate limits is reachable again')
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
  return redis
}

/** Closes a Redis client politely, or at once when it cannot be. */
async function quit (redis: Redis) {
  try {
    await redis.quit()
  } catch {
    redis.disconnect()
  }
}

/** Who is speaking, for the text of a 429. */
function whoIs (request: FastifyRequest): string {
  const principal = request.principal as Principal | null
  return principal?.kind === 'key' ? `The API key "${principal.keyName}"` : `Your address (${request.ip})`
}

async function rateLimitPlugin (app: FastifyInstance) {
  const { windowSeconds, ipv6PrefixBits, ...limits } = app.config.rateLimit

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

  const counted = new WeakSet<FastifyRequest>()
  const redisUrl = app.config.redisUrl
  const redis = redisUrl === undefined ? undefined : await openRedis(app, redisUrl)
  const store = batchedRateLimitStore(
    redis === undefined ? postgresCounters(app.repositories.rateLimits, app.log) : redisCounters(redis),
    app.log
  )
  // The last counts are sent before Redis is let go.
  app.addHook('onClose', async () => {
    await store.close()
    if (redis) await quit(redis)
  })

  await app.register(fastifyRateLimit, {
    global: true,
    // After authentication (the auth plugin's onRequest hook runs first), before the body is even read.
    hook: 'onRequest',
    timeWindow: windowSeconds * 1000,
    keyGenerator: (request) => {
      counted.add(request)
      return bucketOf(request).bucket
    },
    max: (request) => bucketOf(request).limit,
    // Every request counts, 404s included, except the health probes (`config.probe`): load balancers poll them from
    // a few addresses all day, and a limited probe would take a healthy instance out of rotation.
    allowList: (request) => request.routeOptions.config.probe === true,
    store,
    // Fail open when Redis is unreachable: an outage of the counters must not become an outage of the API. (The
    // Postgres counters fail the request only when the database is down, which it needs anyway.)
    skipOnError: redis !== undefined,
    errorResponseBuilder: (request, context) => {
      const wait = String(Math.max(1, Math.ceil(context.ttl / 1000)))
      const detail = `${whoIs(request)} made more than ${context.max} requests in ${windowSeconds} seconds. Retry in ${wait} seconds.`
      return problem('too-many-requests', detail, { headers: { 'retry-after': wait } })
    },
  })

  // The draft standard's headers beside the plugin's X-RateLimit-*; a request let through uncounted (the counters
  // were unreachable: reset 0) carries none.
  function describeLimit (reply: FastifyReply) {
    const limit = reply.getHeader('x-ratelimit-limit')
    if (limit === undefined) return
    const reset = Number(reply.getHeader('x-ratelimit-reset'))
    if (!(reset > 0)) {
      reply.removeHeader('x-ratelimit-limit').removeHeader('x-ratelimit-remaining').removeHeader('x-ratelimit-reset')
      return
    }
    reply.headers({
      'ratelimit-policy': `"default";q=${String(limit)};w=${windowSeconds}`,
      ratelimit: `"default";r=${String(reply.getHeader('x-ratelimit-remaining'))};t=${reset}`,
    })
  }

  // A 404 has no route for the plugin's hook: it is counted here, the same way.
  const limitUnrouted = app.rateLimit()
  app.addHook('onRequest', async function (request, reply) {
    if (request.is404) await limitUnrouted.call(this, request, reply)
  })

  // A request that authentication refused (401, 403) ended before the plugin's hook: it is counted here, so that
  // trying keys spends the caller's budget too. It is still answered with its refusal.
  const countRefused = app.createRateLimit()
  async function countRefusal (request: FastifyRequest, reply: FastifyReply) {
    const hit = await countRefused(request).catch((err: unknown) => {
      request.log.warn({ err }, 'counting a refused request failed')
      return undefined
    })
    if (hit !== undefined && !hit.isAllowed) {
      const { max, remaining, ttlInSeconds } = hit
      reply.headers({ 'x-ratelimit-limit': max, 'x-ratelimit-remaining': remaining, 'x-ratelimit-reset': ttlInSeconds })
    }
  }
  app.addHook('onSend', (request, reply, payload, done) => {
    const refused = reply.statusCode === 401 || reply.statusCode === 403
    if (!refused || counted.has(request) || request.routeOptions.config.probe === true) {
      describeLimit(reply)
      return done(null, payload)
    }
    countRefusal(request, reply).then(() => {
      describeLimit(reply)
      done(null, payload)
    }, done)
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
  async function admitSearch (request: FastifyRequest) {
    const { search } = request.routeOptions.config
    if (!(typeof search === 'function' ? search(request) : search === true)) return
    const { bucket } = bucketOf(request)
    const running = searching.get(bucket) ?? 0
    if (running >= concurrency) {
      throw problem('too-many-requests', `${whoIs(request)} already has ${running} searches running, the most one caller may run at once. Retry when one has finished.`, { headers: { 'retry-after': '1' } })
    }
    searching.set(bucket, running + 1)
    holding.set(request, bucket)
  }
  // On the routes that search only (declared later: this hook sees them as they are added).
  app.addHook('onRoute', (route) => {
    if (route.config?.search === undefined || route.config.search === false) return
    addRouteHook(route, 'onRequest', admitSearch)
    addRouteHook(route, 'onSend', async (request, _reply, payload) => {
      release(request)
      return payload
    })
    addRouteHook(route, 'onResponse', async (request) => { release(request) })
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['database', 'services', 'auth'] })
