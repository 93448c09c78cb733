// REDIS_KEY_PREFIX: two deployments sharing one Redis count their requests apart, each under its own prefix.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import t from 'tap'
import { windowStartOf } from '../../src/plugins/rate-limit-store.ts'
import { anonymous, build } from '../helper.ts'

const REDIS_URL = 'redis://127.0.0.1:6379'
const WINDOW = 3600

t.test('deployments with different REDIS_KEY_PREFIX keep separate counters in one Redis', async (t) => {
  // Not across the turn of a window: wait for the next one if this one is about to end.
  const left = windowStartOf(Date.now(), WINDOW) + WINDOW * 1000 - Date.now()
  if (left < 30_000) await sleep(left + 100)
  const redis = new Redis(REDIS_URL, { lazyConnect: true })
  await redis.connect()
  const run = randomBytes(4).toString('hex')
  const [first, second] = [`ct-a-${run}:`, `ct-b-${run}:`]
  t.teardown(async () => {
    const keys = [...await redis.keys(`${first}*`), ...await redis.keys(`${second}*`)]
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })
  const ip = '192.0.2.77'
  const limits = { REDIS_URL, RATE_LIMIT_WINDOW: String(WINDOW), RATE_LIMIT_ANONYMOUS: '2' }
  const a = await build(t, { env: { ...limits, REDIS_KEY_PREFIX: first } })
  const b = await build(t, { env: { ...limits, REDIS_KEY_PREFIX: second } })
  const get = (app: typeof a) => app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous, remoteAddress: ip })

  t.equal((await get(a)).statusCode, 200)
  t.equal((await get(a)).statusCode, 200)
  t.equal((await get(a)).statusCode, 429, 'the first deployment reached its limit')
  const other = await get(b)
  t.equal(other.statusCode, 200, 'the second one counts on its own')
  t.equal(other.headers['x-ratelimit-remaining'], '1')

  t.same(await redis.keys(`${first}*`), [`${first}rl:ip:${ip}`], 'keys under the first prefix')
  t.equal(await redis.get(`${first}rl:ip:${ip}`), '3')
  t.equal(await redis.get(`${second}rl:ip:${ip}`), '1')
})
