// The events' jobs: retried for at least 24 hours (the schedule as pg-boss computes it), each job carrying that
// schedule and an expiry past the delivery timeout; and no job at all for changes nobody subscribed to.
import { sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../src/db/client.ts'
import { JOB_SCHEMA } from '../../src/jobs/index.ts'
import { WEBHOOK_QUEUE } from '../../src/jobs/queues.ts'
import { retrySchedule } from '../../src/services/webhook-events.ts'
import { build, change, createClaim, publishReview } from '../helper.ts'

/** pg-boss 10 waits retryDelay × 2^(n-1) seconds (and up to as much again) before retry n. */
const shortestSpan = (delay: number, retries: number) => delay * (2 ** retries - 1)

t.test('the retry schedule spans at least 24 hours, with no more retries than that needs', async (t) => {
  for (const delay of [1, 5, 30, 60, 600]) {
    const { retryLimit, retryDelay, retryBackoff } = retrySchedule(delay)
    t.equal(retryDelay, delay)
    t.equal(retryBackoff, true)
    t.ok(shortestSpan(delay, retryLimit) >= 86_400, `${delay} s: ${retryLimit} retries span ${shortestSpan(delay, retryLimit)} s at least`)
    t.ok(shortestSpan(delay, retryLimit - 1) < 86_400, `${delay} s: one fewer would not`)
  }
  t.same(retrySchedule(30), { retryLimit: 12, retryDelay: 30, retryBackoff: true }, 'the default: 12 retries, the last 34 to 68 hours on')
})

t.test('a subscribed change queues one job per webhook, with the schedule; an unsubscribed one queues none', async (t) => {
  const app = await build(t, { env: { JOBS_WORKER: 'false', WEBHOOK_TIMEOUT: '10000' } })
  const claim = await createClaim(app)
  for (const topics of [['a'], ['b'], ['c']]) t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { topics })).statusCode, 200)
  await publishReview(app, claim.id)
  t.equal(await app.jobs.queueSize(WEBHOOK_QUEUE), 0, 'nobody subscribed: five changes, no job')

  for (const url of ['https://a.example.org/hook', 'https://b.example.org/hook']) {
    t.equal((await app.inject({ method: 'POST', url: '/v1/webhooks', payload: { url, events: ['claim.updated'] } })).statusCode, 201)
  }
  await app.inject({ method: 'POST', url: '/v1/webhooks', payload: { url: 'https://c.example.org/hook', events: ['review.retracted'] } })
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { topics: ['d'] })).statusCode, 200)
  const jobs = await queryRows<{ event: string, retry_limit: number, retry_delay: number, retry_backoff: boolean, expire: number }>(app.db, sql`
    select data->>'eventId' as event, retry_limit, retry_delay, retry_backoff, expire_seconds as expire
    from ${sql.identifier(JOB_SCHEMA)}.job where name = ${WEBHOOK_QUEUE}`)
  t.equal(jobs.length, 2, 'one job for each of the two webhooks subscribed to claim.updated')
  t.equal(new Set(jobs.map((j) => j.event)).size, 1, 'both carry the one event id')
  t.match(await app.metrics.metrics(), /claimtrack_job_queue_depth\{queue="webhook-delivery"\} 2\n/, 'the queue depth metric shows them')
  t.ok(jobs.every((j) => j.retry_limit === 12 && j.retry_delay === 30 && j.retry_backoff && j.expire === 15), 'retried 12 times from 30 s, doubling; expired 5 s past the 10 s timeout')
})
