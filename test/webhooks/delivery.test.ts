// Webhook deliveries end to end, from the API call that changes a claim to a local receiver: signed Standard Webhooks
// requests a receiver can verify, who gets which event, retries with the same event id, 410 Gone, no event from a
// rolled-back change, and nothing ever sent to a refused address (at delivery time too, and not through a redirect).
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { WEBHOOK_QUEUE } from '../../src/jobs/queues.ts'
import { verifyWebhook, signWebhook } from '../../src/lib/webhooks/signature.ts'
import { createRevisionsRepository } from '../../src/repositories/revisions.ts'
import { createRatingScalesRepository } from '../../src/repositories/rating-scales.ts'
import { createWebhooksRepository } from '../../src/repositories/webhooks.ts'
import { webhookDeliveries } from '../../src/db/schema.ts'
import { createHistory } from '../../src/services/history.ts'
import { toReview } from '../../src/schemas/reviews.ts'
import { createWebhookEvents } from '../../src/services/webhook-events.ts'
import { bearer, build, change, createClaim, keyFor, publishReview, read, writeContext } from '../helper.ts'
import { startReceiver, until, type Receiver } from './receiver.ts'

/** Deliveries to 127.0.0.1 allowed, the first retry after 1 s, and a short timeout. */
const env = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_DELAY: '1', WEBHOOK_TIMEOUT: '2000' }

async function register (app: FastifyInstance, url: string, events: string[], headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers, payload: { url, events } })
  if (res.statusCode !== 201) throw new Error(`register: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string, signingSecret: string }
}

interface Delivery {
  eventId: string
  eventType: string
  attempt: number
  outcome: string
  statusCode: number | null
  error: string | null
  durationMs: number
}
const deliveriesOf = async (
  app: FastifyInstance,
  id: string,
  headers: Record<string, string> = {}
): Promise<Delivery[]> =>
  (await app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries?limit=100`, headers })).json().data

const bodyOf = (receiver: Receiver, i: number) => JSON.parse(receiver.received[i]?.body ?? 'null')

t.test('a published verdict and the claim it changed arrive signed; a receiver verifies them', async (t) => {
  const app = await build(t, { env })
  const receiver = await startReceiver(t)
  const webhook = await register(app, `${receiver.url}/hooks`, ['review.published', 'claim.updated'])
  const claim = await createClaim(app)
  t.equal(receiver.received.length, 0, 'creating a claim is no event')
  const review = await publishReview(app, claim.id)

  await until('two deliveries recorded', async () => (await deliveriesOf(app, webhook.id)).length === 2)
  t.equal(receiver.received.length, 2, 'two requests: review.published and claim.updated')
  const byType = Object.fromEntries(receiver.received.map((r) => [JSON.parse(r.body).type, r]))
  const published = byType['review.published']
  const updated = byType['claim.updated']
  if (!published || !updated) throw new Error('missing an event')

  for (const request of [published, updated]) {
    t.equal(request.path, '/hooks')
    t.equal(request.headers['content-type'], 'application/json')
    t.match(request.headers['webhook-id'], /^[0-9a-f-]{36}$/, 'webhook-id is the event id')
    const timestamp = Number(request.headers['webhook-timestamp'])
    t.ok(Math.abs(timestamp - Date.now() / 1000) < 60, 'webhook-timestamp is the time of the attempt, in seconds')
    t.ok(verifyWebhook(webhook.signingSecret, request.headers, request.body), 'the signature verifies with the secret')
    // The same computation by hand, as docs/webhooks.md shows receivers: HMAC-SHA256 over "id.timestamp.body".
    t.equal(request.headers['webhook-signature'], signWebhook(webhook.signingSecret, String(request.headers['webhook-id']), timestamp, request.body))
    t.notOk(verifyWebhook(webhook.signingSecret, request.headers, `${request.body} `), 'a changed body does not verify')
    t.notOk(verifyWebhook(webhook.signingSecret, request.headers, request.body, { now: timestamp + 301 }), 'nor one replayed after the 5-minute window')
    t.notOk(verifyWebhook('whsec_' + Buffer.alloc(32).toString('base64'), request.headers, request.body), 'nor another secret')
  }
  const publishedBody = JSON.parse(published.body)
  t.match(publishedBody, { type: 'review.published', timestamp: String, data: { claimId: claim.id, review: { id: review.id, status: 'published', rating: { verdict: 'false' } } } })
  t.same(publishedBody.data.review, await read(app, `/v1/claims/${claim.id}/reviews/${review.id}`), 'the review as the API shows it')
  t.match(JSON.parse(updated.body), { type: 'claim.updated', data: { claimId: claim.id, action: 'update', status: 'reviewed', isPublic: true, currentVerdict: 'false', currentReviewId: review.id, deleted: false } })

  const deliveries = await deliveriesOf(app, webhook.id)
  t.same(new Set(deliveries.map((d) => d.eventId)), new Set([published.headers['webhook-id'], updated.headers['webhook-id']]), 'each attempt recorded under its event id')
  t.ok(deliveries.every((d) => d.attempt === 1 && d.outcome === 'succeeded' && d.statusCode === 200 && d.error === null))
})

t.test('claim.updated goes to the owner only; verdicts go to every subscribed organisation', async (t) => {
  const app = await build(t, { env })
  const ours = await startReceiver(t)
  const theirs = await startReceiver(t)
  await register(app, ours.url, ['claim.updated', 'review.published', 'review.retracted'])
  const partner = bearer(await keyFor(app, 'admin', 'partner-site'))
  const partnerHook = await register(app, theirs.url, ['claim.updated', 'review.published', 'review.retracted'], partner)

  const claim = await createClaim(app)
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { status: 'researching' })).statusCode, 200)
  const review = await publishReview(app, claim.id)
  const url = `/v1/claims/${claim.id}/reviews/${review.id}`
  const retracted = await app.inject({ method: 'POST', url: `${url}/retract`, headers: { 'if-match': (await app.inject({ method: 'GET', url })).headers.etag as string }, payload: { reason: 'A figure was wrong.' } })
  t.equal(retracted.statusCode, 200)

  const types = (r: Receiver) => r.received.map((x) => JSON.parse(x.body).type).sort()
  // Ours: the status change, the verdict published (and the claim it changed), the retraction (and the claim again).
  await until('the owner\'s five events', () => ours.received.length >= 5)
  await until('the partner\'s two events', () => theirs.received.length >= 2)
  await until('the partner\'s deliveries recorded', async () => (await deliveriesOf(app, partnerHook.id, partner)).length === 2)
  t.same(types(ours), ['claim.updated', 'claim.updated', 'claim.updated', 'review.published', 'review.retracted'])
  t.same(types(theirs), ['review.published', 'review.retracted'], 'the partner hears of the verdicts, not of another newsroom\'s claim')
  const ourPublished = ours.received.find((r) => JSON.parse(r.body).type === 'review.published')
  const theirPublished = theirs.received.find((r) => JSON.parse(r.body).type === 'review.published')
  t.equal(ourPublished?.headers['webhook-id'], theirPublished?.headers['webhook-id'], 'one event, one id, whoever receives it')
  t.equal(ourPublished?.body, theirPublished?.body)
})

t.test('a failed delivery is retried with the same event id until it succeeds; every attempt is recorded', async (t) => {
  const app = await build(t, { env })
  const receiver = await startReceiver(t)
  receiver.answer = (_request, index) => index === 0 ? { status: 500, body: 'x'.repeat(5000) } : { status: 204 }
  const webhook = await register(app, receiver.url, ['claim.updated'])
  const claim = await createClaim(app)
  t.equal((await change(app, 'DELETE', `/v1/claims/${claim.id}`)).statusCode, 204)

  await until('two attempts recorded', async () => (await deliveriesOf(app, webhook.id)).length === 2)
  t.equal(receiver.received.length, 2, 'a failure, then success, then no more')
  const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']))
  t.equal(ids.size, 1, 'every attempt carries the same webhook-id')
  t.equal(new Set(receiver.received.map((r) => r.body)).size, 1, 'and the same body')
  t.ok(receiver.received.every((r) => verifyWebhook(webhook.signingSecret, r.headers, r.body)), 'each freshly signed')
  t.match(JSON.parse(receiver.received[0]?.body ?? ''), { type: 'claim.updated', data: { action: 'delete', deleted: true } })
  const deliveries = (await deliveriesOf(app, webhook.id)).reverse()
  t.same(deliveries.map((d) => [d.attempt, d.outcome, d.statusCode]), [[1, 'failed', 500], [2, 'succeeded', 204]])
  t.equal(await app.jobs.queueSize(WEBHOOK_QUEUE), 0, 'the queue is empty')
  const metrics = await app.metrics.metrics()
  t.match(metrics, /claimtrack_webhook_deliveries_total\{outcome="failed"\} 1\n/, 'the metrics count the failure')
  t.match(metrics, /claimtrack_webhook_deliveries_total\{outcome="succeeded"\} 1\n/, 'and the success')
})

t.test('410 Gone turns the webhook off: no retry, and no later event for it', async (t) => {
  const app = await build(t, { env })
  const receiver = await startReceiver(t)
  receiver.answer = () => ({ status: 410 })
  const webhook = await register(app, receiver.url, ['claim.updated'])
  const claim = await createClaim(app)
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { topics: ['a'] })).statusCode, 200)

  const after: { disabledReason: string } = await until('the webhook turned off', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/webhooks/${webhook.id}` })
    return res.json().enabled === false && res.json()
  })
  t.match(after.disabledReason, /410 Gone/)
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { topics: ['b'] })).statusCode, 200)
  t.equal(await app.jobs.queueSize(WEBHOOK_QUEUE), 0, 'the change queued nothing for a webhook that is off')
  t.same((await deliveriesOf(app, webhook.id)).map((d) => [d.attempt, d.outcome, d.statusCode]), [[1, 'failed', 410]])
  t.equal(receiver.received.length, 1)

  // Turned back on, it receives again (a ping first: it goes through to a webhook whatever it subscribes to).
  receiver.answer = () => ({ status: 200 })
  const on = await change(app, 'PATCH', `/v1/webhooks/${webhook.id}`, { enabled: true })
  t.match(on.json(), { enabled: true, disabledReason: null })
  const ping = await app.inject({ method: 'POST', url: `/v1/webhooks/${webhook.id}/ping` })
  t.equal(ping.statusCode, 202)
  await until('the ping', () => receiver.received.length === 2)
  t.match(bodyOf(receiver, 1), { type: 'webhook.ping', data: { webhookId: webhook.id } })
  t.equal(receiver.received[1]?.headers['webhook-id'], ping.json().eventId)
})

t.test('a change that rolls back sends nothing; with nobody subscribed, a change queues nothing', async (t) => {
  const app = await build(t, { env })
  const receiver = await startReceiver(t)
  const claim = await createClaim(app)
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { topics: ['none'] })).statusCode, 200)
  t.equal(await app.jobs.queueSize(WEBHOOK_QUEUE), 0, 'no subscriber: no job')

  await register(app, receiver.url, ['claim.updated'])
  // The history and events as the services have them, in a transaction that fails after the change was recorded.
  const events = createWebhookEvents({
    webhooks: createWebhooksRepository(app.database.db),
    ratingScales: createRatingScalesRepository(app.database.db),
    jobs: app.jobs,
    retryDelaySeconds: 1,
    timeoutMs: 2000,
    toReview,
  })
  const history = createHistory(createRevisionsRepository(app.database.db), events.onChanges)
  const row = {
    ...claim,
    organizationId: writeContext(app).organizationId,
    version: 99,
    updatedAt: new Date(),
    deletedAt: null,
    isPublic: false,
    currentVerdict: null,
    currentReviewId: null,
  }
  await t.rejects(app.db.transaction(async (tx) => {
    await history.record(tx, writeContext(app), { entityType: 'claim', action: 'update', claimId: claim.id, before: null, after: row })
    throw new Error('something later in the transaction failed')
  }), /something later/)
  t.equal(await app.jobs.queueSize(WEBHOOK_QUEUE), 0, 'the job went with the rolled-back transaction')

  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { topics: ['some'] })).statusCode, 200)
  await until('the committed change\'s event', () => receiver.received.length === 1)
  t.match(bodyOf(receiver, 0), { type: 'claim.updated', data: { claimId: claim.id, version: 3 } }, 'only the committed change was sent')
})

t.test('nothing is sent to a refused address: at delivery time, or through a redirect', async (t) => {
  // Only 127.0.0.3 is allowed: localhost (127.0.0.1) and 127.0.0.2 are the loopback addresses they are.
  const app = await build(t, { env: { ...env, WEBHOOK_ALLOWED_HOSTS: '127.0.0.3' } })
  const allowed = await startReceiver(t, '127.0.0.3')
  const elsewhere = await startReceiver(t, '127.0.0.2')
  const store = createWebhooksRepository(app.database.db)
  const { organizationId } = writeContext(app)
  // Webhooks whose address became refused after registration (DNS changed, the allowlist shrank): put in directly.
  const literal = await store.insert({ organizationId, url: `${elsewhere.url}/literal`, events: ['claim.updated'], description: null, enabled: true, secret: 'whsec_AAAA' })
  const named = await store.insert({ organizationId, url: `${allowed.url.replace('127.0.0.3', 'localhost')}/named`, events: ['claim.updated'], description: null, enabled: true, secret: 'whsec_AAAA' })
  // An allowed endpoint that redirects to a refused one.
  allowed.answer = () => ({ status: 307, headers: { location: `${elsewhere.url}/redirected` } })
  const redirecting = await register(app, allowed.url, ['claim.updated'])

  const claim = await createClaim(app)
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { topics: ['x'] })).statusCode, 200)
  const first = async (id: string) => (await deliveriesOf(app, id))[0]
  const refusedLiteral = await until('the literal address refused', () => first(literal.id))
  const refusedName = await until('the host name refused', () => first(named.id))
  const redirected = await until('the redirect recorded', () => first(redirecting.id))
  t.match(refusedLiteral, { outcome: 'failed', statusCode: null, error: 'address-refused' })
  t.match(refusedName, { outcome: 'failed', statusCode: null, error: 'address-refused' })
  t.match(redirected, { outcome: 'failed', statusCode: 307 }, 'a redirect is a failed attempt, not followed')
  t.equal(allowed.received.length, 1)
  t.equal(elsewhere.received.length, 0, 'the refused receiver never got a request')
})

t.test('a delivery shows its status, duration and an error class, never the answer or where it went wrong', async (t) => {
  const app = await build(t, { env })
  const receiver = await startReceiver(t)
  const SECRET = 'internal-service-data-7f3a'
  receiver.answer = () => ({ status: 500, body: `{"admin": true, "token": "${SECRET}"}`, headers: { 'x-internal': SECRET } })
  const answering = await register(app, receiver.url, ['claim.updated'])
  // A port on which nothing listens: one a server had, closed again.
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`
  await new Promise((resolve) => probe.close(resolve))
  const refusing = await register(app, `${closedUrl}/hook`, ['claim.updated'])
  const claim = await createClaim(app)
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { topics: ['x'] })).statusCode, 200)

  const answered = await until('the answered attempt', async () => (await deliveriesOf(app, answering.id))[0])
  const failed = await until('the refused connection', async () => (await deliveriesOf(app, refusing.id))[0])
  t.strictSame(Object.keys(answered).sort(), ['attempt', 'createdAt', 'durationMs', 'error', 'eventId', 'eventType', 'id', 'outcome', 'statusCode'], 'no field for the answer')
  t.match(answered, { outcome: 'failed', statusCode: 500, error: null, durationMs: Number })
  t.match(failed, { outcome: 'failed', statusCode: null, error: 'connection-refused' })
  const port = new URL(closedUrl).port
  for (const res of [await app.inject({ url: `/v1/webhooks/${answering.id}/deliveries` }), await app.inject({ url: `/v1/webhooks/${refusing.id}/deliveries` })]) {
    t.notOk(res.body.includes(SECRET), 'the answer is not shown')
    t.notOk(res.body.includes(`:${port}`) || res.body.includes('127.0.0.1'), 'nor the address or port that failed')
  }
  const stored = JSON.stringify(await app.db.select().from(webhookDeliveries))
  t.notOk(stored.includes(SECRET), 'nor kept in the database')
})

t.test('an allowlist entry for one organisation: its webhooks are delivered, another organisation\'s are refused', async (t) => {
  const receiver = await startReceiver(t)
  const port = new URL(receiver.url).port
  const app = await build(t, { env: { ...env, WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${port}@newsroom` } })
  const ours = await register(app, `${receiver.url}/ours`, ['review.published'])
  const partner = bearer(await keyFor(app, 'admin', 'partner-site'))
  const refused = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: partner, payload: { url: `${receiver.url}/theirs`, events: ['review.published'] } })
  t.equal(refused.statusCode, 422, 'another organisation cannot register it')
  t.match(refused.json().detail, /127\.0\.0\.1 is a loopback address/)
  // Registered before the operator narrowed the entry: put in directly.
  const partnerOrg = await app.services.organizations.ensure({ slug: 'partner-site' })
  const theirs = await createWebhooksRepository(app.database.db).insert({ organizationId: partnerOrg.organization.id, url: `${receiver.url}/theirs`, events: ['review.published'], description: null, enabled: true, secret: 'whsec_AAAA' })
  await publishReview(app, (await createClaim(app)).id)

  await until('our delivery', async () => (await deliveriesOf(app, ours.id))[0])
  const theirAttempt = await until('their refused attempt', async () => (await deliveriesOf(app, theirs.id, partner))[0])
  t.match(theirAttempt, { outcome: 'failed', statusCode: null, error: 'address-refused' })
  t.same(receiver.received.map((r) => r.path), ['/ours'], 'only our webhook reached the receiver')
})
