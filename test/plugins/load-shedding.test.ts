// Load shedding (@fastify/under-pressure): while the event loop stalls, /readyz and requests are answered 503
// problem+json with Retry-After at once; the liveness probe still answers; once the stall ends, requests are served.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { anonymous, build, isProblem } from '../helper.ts'

/** Blocks the event loop for `ms` at a time, over and over, as a process drowning in work does, until stopped. */
function stallEventLoop (ms: number) {
  const timer = setInterval(() => {
    const until = Date.now() + ms
    while (Date.now() < until) { /* busy: the event loop stalls */ }
  }, 1)
  return () => clearInterval(timer)
}

t.test('under an event-loop stall, /readyz and requests get 503 with Retry-After; /healthz still answers', async (t) => {
  const app = await build(t, { env: { LOAD_SHED_EVENT_LOOP_DELAY: '50' }, allow5xx: true })
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready before the stall')

  const stop = stallEventLoop(150)
  let shed
  try {
    // The sampler sees the stall within a second or two (it averages the loop's delay over each second).
    for (let i = 0; i < 100 && shed === undefined; i++) {
      const res = await app.inject({ method: 'GET', url: '/readyz' })
      if (res.statusCode === 503) shed = res
      else await sleep(50)
    }
    const request = await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous })
    const liveness = await app.inject({ method: 'GET', url: '/healthz' })
    if (shed === undefined) throw new Error('/readyz never answered 503 during the stall')
    const body = isProblem(t, shed, 503, 'service-unavailable')
    t.match(body.detail, /overloaded/)
    t.equal(shed.headers['retry-after'], '5', '/readyz: Retry-After')
    isProblem(t, request, 503, 'service-unavailable')
    t.equal(request.headers['retry-after'], '5', 'a request: Retry-After')
    t.equal(liveness.statusCode, 200, 'the liveness probe is not shed')
  } finally {
    stop()
  }

  let after = 0
  for (let i = 0; i < 150 && after !== 200; i++) {
    await sleep(100)
    after = (await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous })).statusCode
  }
  t.equal(after, 200, 'served again once the stall is over')
})

t.test('LOAD_SHED_EVENT_LOOP_DELAY=0 and LOAD_SHED_HEAP_USED=0 turn it off', async (t) => {
  const app = await build(t, { env: { LOAD_SHED_EVENT_LOOP_DELAY: '0', LOAD_SHED_HEAP_USED: '0' } })
  t.notOk(app.hasPlugin('@fastify/under-pressure'), 'not registered')
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
})
