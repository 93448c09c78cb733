// Rate limits: per key by role and per client IP, counted on every route but the probes, shared by every instance on
// one database (or one Redis), with RateLimit headers on each answer and a 429 that runs nothing past the limit.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { auditEvents } from '../../src/db/schema.ts'
import { parseConfig } from '../../src/config.ts'
import { createDatabase } from '../../src/db/client.ts'
import { callerOfAddress } from '../../src/lib/http/client-address.ts'
import { REDIS_KEY_PREFIX, windowStartOf } from '../../src/plugins/rate-limit-store.ts'
import { createRateLimitsRepository } from '../../src/repositories/rate-limits.ts'
import { anonymous, bearer, build, freshDatabase, isProblem, keyFor, onServer } from '../helper.ts'

// A long window, so that no test sees it turn halfway (and freshWindow() waits when one is about to).
const WINDOW = 3600
const REDIS_URL = 'redis://127.0.0.1:6379'
const limits = (anonymousLimit: number, key = 1000, partner = 2000) => ({
  RATE_LIMIT_WINDOW: String(WINDOW),
  RATE_LIMIT_ANONYMOUS: String(anonymousLimit),
  RATE_LIMIT_KEY: String(key),
  RATE_LIMIT_PARTNER: String(partner),
})

/** Waits for the next window when the current one ends within a few seconds, so that counts do not restart. */
async function freshWindow () {
  const left = windowStartOf(Date.now(), WINDOW) + WINDOW * 1000 - Date.now()
  if (left < 10_000) await sleep(left + 50)
}

/**
 * A documentation address (RFC 3849) in a /64 no other test run will use, so that Redis buckets (one per /64) are
 * this test's own.
 */
const uniqueIpv6 = () => `2001:db8:${randomBytes(4).toString('hex').match(/.{4}/g)?.join(':')}::1`

/** The rate-limit headers of a response, parsed. */
function limitOf (res: LightMyRequestResponse) {
  const header = (name: string) => {
    const value = res.headers[name]
    return typeof value === 'string' ? value : undefined
  }
  return {
    policy: header('ratelimit-policy'),
    ratelimit: header('ratelimit'),
    limit: header('x-ratelimit-limit'),
    remaining: header('x-ratelimit-remaining'),
    reset: Number(header('x-ratelimit-reset')),
  }
}

/** Checks the headers say `remaining` of `limit` are left, in both forms. */
function expectRemaining (t: Test, res: LightMyRequestResponse, limit: number, remaining: number) {
  const headers = limitOf(res)
  t.equal(headers.policy, `"default";q=${limit};w=${WINDOW}`, 'RateLimit-Policy')
  t.match(headers.ratelimit, new RegExp(`^"default";r=${remaining};t=\\d+$`), `RateLimit: ${remaining} left`)
  t.equal(headers.limit, String(limit), 'X-RateLimit-Limit')
  t.equal(headers.remaining, String(remaining), 'X-RateLimit-Remaining')
  t.ok(headers.reset >= 1 && headers.reset <= WINDOW, `X-RateLimit-Reset ${headers.reset} is within the window`)
  t.equal(headers.ratelimit?.split('t=')[1], String(headers.reset), 'RateLimit t= is X-RateLimit-Reset')
}

/** Checks the response is the 429 problem with Retry-After. */
function expectTooMany (t: Test, res: LightMyRequestResponse, limit: number) {
  isProblem(t, res, 429, 'too-many-requests')
  const wait = Number(res.headers['retry-after'])
  t.ok(Number.isInteger(wait) && wait >= 1 && wait <= WINDOW, `Retry-After ${res.headers['retry-after']}`)
  t.equal(limitOf(res).reset, wait, 'Retry-After is X-RateLimit-Reset')
  expectRemaining(t, res, limit, 0)
}

t.test('anonymous calls: headers count down, the 4th is a 429 with Retry-After', async (t) => {
  await freshWindow()
  const app = await build(t, { env: limits(3) })
  for (const remaining of [2, 1, 0]) {
    const res = await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous })
    t.equal(res.statusCode, 200)
    expectRemaining(t, res, 3, remaining)
  }
  const over = await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous })
  expectTooMany(t, over, 3)
  t.match(over.json().detail, /127\.0\.0\.1.*more than 3 requests in 3600 seconds/)
  expectTooMany(t, await app.inject({ method: 'GET', url: '/v1/claimants', headers: anonymous }), 3)
})

t.test('over the limit nothing runs: the 4th POST of a key creates nothing', async (t) => {
  await freshWindow()
  const app = await build(t, { env: limits(100, 3) })
  for (const name of ['One', 'Two', 'Three']) {
    const res = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name } })
    t.equal(res.statusCode, 201, res.body)
  }
  const over = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Four' } })
  expectTooMany(t, over, 3)
  t.match(over.json().detail, /API key "newsroom admin"/)
  const reader = await keyFor(app, 'reader')
  const list = await app.inject({ method: 'GET', url: '/v1/claimants?limit=100', headers: bearer(reader) })
  t.equal(list.statusCode, 200)
  t.same(list.json().data.map((c: { name: string }) => c.name).sort(), ['One', 'Three', 'Two'], 'the fourth was not created')
  const audited = await app.db.select({ status: auditEvents.status }).from(auditEvents)
  t.same(audited.map((e) => e.status), [201, 201, 201], 'a throttled write leaves no audit event: a flood of them costs no inserts')
})

t.test('a key has its own limit, apart from its IP, set by its role', async (t) => {
  await freshWindow()
  const app = await build(t, { env: limits(2, 3, 5) })
  const [reader, otherReader, partner] = [await keyFor(app, 'reader'), await keyFor(app, 'reader'), await keyFor(app, 'partner')]
  const get = (headers: InjectOptions['headers']) => app.inject({ method: 'GET', url: '/v1/claims', headers })

  await get(anonymous)
  await get(anonymous)
  expectTooMany(t, await get(anonymous), 2)

  // The same address (127.0.0.1), with a key: the key's budget, not the address's.
  for (const remaining of [2, 1, 0]) expectRemaining(t, await get(bearer(reader)), 3, remaining)
  expectTooMany(t, await get(bearer(reader)), 3)
  expectRemaining(t, await get(bearer(otherReader)), 3, 2)

  for (const remaining of [4, 3, 2, 1, 0]) {
    const res = await get(bearer(partner))
    t.equal(res.statusCode, 200)
    expectRemaining(t, res, 5, remaining)
  }
  expectTooMany(t, await get(bearer(partner)), 5)
})

t.test('404s and refused requests count; the probes do not', async (t) => {
  await freshWindow()
  const app = await build(t, { env: limits(3) })
  const missing = await app.inject({ method: 'GET', url: '/no/such/route', headers: anonymous })
  isProblem(t, missing, 404, 'not-found')
  expectRemaining(t, missing, 3, 2)

  const unauthorized = await app.inject({ method: 'POST', url: '/v1/claims', headers: anonymous, payload: { text: 'x' } })
  isProblem(t, unauthorized, 401, 'unauthorized')
  expectRemaining(t, unauthorized, 3, 1)
  const badKey = await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer('ct_not-a-key') })
  isProblem(t, badKey, 401, 'unauthorized')
  expectRemaining(t, badKey, 3, 0)

  for (const url of ['/healthz', '/readyz']) {
    const probe = await app.inject({ method: 'GET', url, headers: anonymous })
    t.equal(probe.statusCode, 200, url)
    t.equal(probe.headers.ratelimit, undefined, `${url} is not counted`)
  }
  expectTooMany(t, await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous }), 3)
  t.equal((await app.inject({ method: 'GET', url: '/healthz', headers: anonymous })).statusCode, 200, 'probes answer past the limit')
})

t.test('a request refused for its role counts against its key', async (t) => {
  await freshWindow()
  const app = await build(t, { env: limits(100, 2) })
  const reader = await keyFor(app, 'reader')
  const forbidden = await app.inject({ method: 'POST', url: '/v1/claims', headers: bearer(reader), payload: { text: 'x' } })
  isProblem(t, forbidden, 403, 'forbidden')
  expectRemaining(t, forbidden, 2, 1)
  expectRemaining(t, await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(reader) }), 2, 0)
  expectTooMany(t, await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(reader) }), 2)
})

t.test('without TRUST_PROXY, rotating X-Forwarded-For does not escape the limit', async (t) => {
  await freshWindow()
  const app = await build(t, { env: limits(3) })
  const results = []
  for (let i = 1; i <= 5; i++) {
    results.push(await app.inject({ method: 'GET', url: '/v1/claims', headers: { ...anonymous, 'x-forwarded-for': `203.0.113.${i}` }, remoteAddress: '198.51.100.7' }))
  }
  t.same(results.map((r) => r.statusCode), [200, 200, 200, 429, 429])
  t.match(results[3]?.json().detail, /198\.51\.100\.7/, 'the bucket is the connecting address')
})

t.test('with TRUST_PROXY, the address the proxy forwarded is the bucket', async (t) => {
  await freshWindow()
  const app = await build(t, { env: { ...limits(3), TRUST_PROXY: '127.0.0.1' } })
  const via = (forwarded: string, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'GET', url: '/v1/claims', headers: { ...anonymous, 'x-forwarded-for': forwarded }, remoteAddress })

  for (const remaining of [2, 1, 0]) expectRemaining(t, await via('203.0.113.1'), 3, remaining)
  expectTooMany(t, await via('203.0.113.1'), 3)
  // What a client puts in the header itself comes before what the proxy appends: it changes nothing.
  expectTooMany(t, await via('192.0.2.50, 203.0.113.1'), 3)
  expectRemaining(t, await via('203.0.113.2'), 3, 2)
  // A connection that is not from the proxy is its own bucket, whatever it forwards.
  expectRemaining(t, await via('203.0.113.2', '198.51.100.9'), 3, 2)
  expectRemaining(t, await via('203.0.113.3', '198.51.100.9'), 3, 1)
})

t.test('an address is counted as one however it is written, and IPv6 callers per /64', async (t) => {
  await freshWindow()
  const app = await build(t, { env: limits(4) })
  const from = (remoteAddress: string) => app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous, remoteAddress })
  // Four spellings of addresses of one /64: one bucket of 4.
  for (const [address, remaining] of [['2001:DB8:9::1', 3], ['2001:db8:9:0:0:0:0:1', 2], ['2001:db8:9::2', 1], ['2001:db8:9:0:ffff:1:2:3', 0]] as const) {
    expectRemaining(t, await from(address), 4, remaining)
  }
  const over = await from('2001:db8:9::abcd')
  expectTooMany(t, over, 4)
  t.match(over.json().detail, /2001:db8:9::abcd/, 'the detail names the address the caller used')
  expectRemaining(t, await from('2001:db8:9:1::1'), 4, 3)
  // An IPv4 address, and the same address mapped into IPv6 (as a dual-stack socket reports it): one bucket.
  expectRemaining(t, await from('198.51.100.7'), 4, 3)
  expectRemaining(t, await from('::ffff:198.51.100.7'), 4, 2)
  expectRemaining(t, await from('::ffff:c633:6407'), 4, 1)
  expectRemaining(t, await from('198.51.100.8'), 4, 3)
})

t.test('RATE_LIMIT_IPV6_PREFIX sets the IPv6 network counted as one caller', async (t) => {
  await freshWindow()
  const app = await build(t, { env: { ...limits(4), RATE_LIMIT_IPV6_PREFIX: '48' } })
  const from = (remoteAddress: string) => app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous, remoteAddress })
  expectRemaining(t, await from('2001:db8:7:1::1'), 4, 3)
  expectRemaining(t, await from('2001:db8:7:2::1'), 4, 2)
  expectRemaining(t, await from('2001:db8:8:1::1'), 4, 3)
})

t.test('two instances on one database enforce one limit', async (t) => {
  await freshWindow()
  const { database, env } = await freshDatabase(t)
  const config = parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', ...env, ...limits(3) })
  // On a server the second instance has a connection pool of its own, as another process would.
  const second = onServer ? await createDatabase({ ...config, databasePoolSize: 2 }) : database
  const apps: FastifyInstance[] = [await buildApp(config, { database }), await buildApp(config, { database: second })]
  t.teardown(async () => {
    for (const app of apps) await app.close()
  })
  const [a, b] = apps as [FastifyInstance, FastifyInstance]
  const get = (app: FastifyInstance) => app.inject({ method: 'GET', url: '/v1/claims', remoteAddress: '198.51.100.20' })

  expectRemaining(t, await get(a), 3, 2)
  expectRemaining(t, await get(b), 3, 1)
  expectRemaining(t, await get(a), 3, 0)
  expectTooMany(t, await get(b), 3)
  expectTooMany(t, await get(a), 3)
})

t.test('Postgres counters: one statement counts several buckets; a new window restarts, a lagging clock does not, quiet buckets are purged', async (t) => {
  const app = await build(t)
  const counters = createRateLimitsRepository(app.database.db)
  const window = new Date('2030-01-01T00:00:00Z')
  const next = new Date('2030-01-01T00:01:00Z')
  const counts = async (buckets: string[], added: number[], start: Date) =>
    (await counters.add(buckets, added, start)).map((row) => row.count)
  t.same(await counts(['test:bucket', 'test:other'], [1, 5], window), [1, 5], 'two buckets in one batch')
  t.same(await counts(['test:other', 'test:bucket'], [2, 1], window), [7, 2], 'answered in the order asked')
  const [moved] = await counters.add(['test:bucket'], [1], next)
  t.same(moved, { bucket: 'test:bucket', count: 1, windowStart: next }, 'the next window starts over')
  const [lagging] = await counters.add(['test:bucket'], [3], window)
  t.same(lagging, { bucket: 'test:bucket', count: 4, windowStart: next }, 'a count from an older window adds to the newer one')
  await counters.purgeBefore(next)
  t.same(await counts(['test:other'], [1], window), [1], 'the quiet bucket was purged')
  t.same(await counts(['test:bucket'], [1], next), [5], 'the current one was kept')
})

/**
 * Sends `total` counted requests (404s: no database work) to the apps in turn, `concurrency` at a time, and answers
 * how many were let through.
 */
async function letThrough (apps: FastifyInstance[], total: number, remoteAddress: string, headers: InjectOptions['headers'] = {}, concurrency = 8) {
  let sent = 0
  let allowed = 0
  const worker = async () => {
    while (sent < total) {
      const app = apps[sent++ % apps.length] as FastifyInstance
      const res = await app.inject({ method: 'GET', url: '/no/such/route', headers, remoteAddress })
      if (res.statusCode === 404) allowed++
      else if (res.statusCode !== 429) throw new Error(`unexpected ${res.statusCode}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return allowed
}

t.test('two instances on one database: a limit of 1,000 counted in batches lets through 1,000 to 1,000 + 2 × 10', async (t) => {
  await freshWindow()
  const { database, env } = await freshDatabase(t)
  // What is tested is the count, not back-pressure: on a loaded machine a batch may wait for the database longer than
  // the default 2 s, which would answer 503.
  const config = parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', ...env, ...limits(1000), DATABASE_ACQUIRE_TIMEOUT: '60000' })
  const second = onServer ? await createDatabase({ ...config, databasePoolSize: 2 }) : database
  const apps: FastifyInstance[] = [await buildApp(config, { database }), await buildApp(config, { database: second })]
  t.teardown(async () => {
    for (const app of apps) await app.close()
  })
  const allowed = await letThrough(apps, 1100, '198.51.100.30')
  // Each process lets through at most ⌊1000 / 100⌋ = 10 requests the shared count has not confirmed.
  t.ok(allowed >= 1000 && allowed <= 1020, `${allowed} let through of 1,100`)
  for (const app of apps) {
    isProblem(t, await app.inject({ method: 'GET', url: '/v1/claims', remoteAddress: '198.51.100.30' }), 429, 'too-many-requests')
  }
  const [row] = await apps[0]?.db.query.rateLimitCounters.findMany() ?? []
  t.equal(row?.count, 1102, 'every request was counted once in the shared counter')
})

t.test('with REDIS_URL, two instances share the limit through Redis', async (t) => {
  await freshWindow()
  const redis = new Redis(REDIS_URL, { lazyConnect: true })
  await redis.connect()
  const ip = uniqueIpv6()
  const caller = callerOfAddress(ip, 64)
  t.teardown(async () => {
    const keys = await redis.keys(`${REDIS_KEY_PREFIX}ip:${caller}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })
  // Two apps on two databases: only Redis is shared.
  const env = { ...limits(3), REDIS_URL }
  const [a, b] = [await build(t, { env }), await build(t, { env })]
  const get = (app: FastifyInstance) => app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous, remoteAddress: ip })

  expectRemaining(t, await get(a), 3, 2)
  expectRemaining(t, await get(b), 3, 1)
  expectRemaining(t, await get(b), 3, 0)
  expectTooMany(t, await get(a), 3)

  const key = `${REDIS_KEY_PREFIX}ip:${caller}`
  t.equal(await redis.get(key), '4', 'one counter for both')
  const ttl = await redis.pttl(key)
  t.ok(ttl > 0 && ttl <= 2 * WINDOW * 1000, `the counter expires (${ttl} ms)`)
  const rows = await a.db.query.rateLimitCounters.findMany()
  t.same(rows, [], 'nothing was counted in Postgres')
})

t.test('with REDIS_URL, two instances on two databases share a limit of 1,000 within 2 × 10', async (t) => {
  await freshWindow()
  const redis = new Redis(REDIS_URL, { lazyConnect: true })
  await redis.connect()
  const ip = uniqueIpv6()
  const key = `${REDIS_KEY_PREFIX}ip:${callerOfAddress(ip, 64)}`
  t.teardown(async () => {
    await redis.del(key)
    await redis.quit()
  })
  const env = { ...limits(1000), REDIS_URL }
  const apps = [await build(t, { env }), await build(t, { env })]
  const allowed = await letThrough(apps, 1100, ip, anonymous)
  t.ok(allowed >= 1000 && allowed <= 1020, `${allowed} let through of 1,100`)
  for (const app of apps) await app.close()
  t.equal(await redis.get(key), '1100', 'every request was counted once, the last ones as the apps closed')
})

t.test('when the counters are unreachable, requests go through unlimited', async (t) => {
  const app = await build(t, { env: { ...limits(1), REDIS_URL: 'redis://127.0.0.1:1' } })
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous })
    t.equal(res.statusCode, 200)
    t.equal(res.headers.ratelimit, undefined, 'no headers for an uncounted request')
  }
})
