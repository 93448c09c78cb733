// Idempotency-Key recovery: the first request's change committed (with the mark its transaction left) but its answer
// was never stored, as when its process dies in between. A retry is answered from what the change wrote, read through
// its service and shaped by the route's own response schema, and makes nothing twice.
import { count, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { appearances, idempotencyKeys } from '../../src/db/schema.ts'
import { build, claimsWithText, createClaim, isProblem, isReplayOf, postWithKey, publishableReview } from '../helper.ts'

/** The process dies after the commit and before it stores its answer: the mark is there, the answer is not. */
const loseAnswer = (app: FastifyInstance, key: string) =>
  app.db
    .update(idempotencyKeys)
    .set({ status: null, headers: null, body: null, completedAt: null })
    .where(eq(idempotencyKeys.key, key))

const storedStatus = async (app: FastifyInstance, key: string) =>
  (await app.db.select({ status: idempotencyKeys.status }).from(idempotencyKeys).where(eq(idempotencyKeys.key, key)))[0]
    ?.status

t.test('a write and its mark commit together: a retry after the answer was lost makes nothing twice', async (t) => {
  const app = await build(t)
  const claimant = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Lost Answer' } })
  const claimantId = claimant.json().id

  const first = await postWithKey(app, 'lost-create', { text: 'Committed claim.', claimantId })
  t.equal(first.statusCode, 201)
  const [mark] = await app.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'lost-create'))
  t.same(mark?.committed, [{ entityType: 'claim', entityId: first.json().id }], 'the mark names what the transaction wrote')
  await loseAnswer(app, 'lost-create')

  const retry = await postWithKey(app, 'lost-create', { text: 'Committed claim.', claimantId })
  t.equal(retry.statusCode, 201, 'answered as the first request would have been')
  t.equal(retry.headers['idempotent-replayed'], 'true')
  t.equal(retry.headers.location, first.headers.location)
  t.equal(retry.headers.etag, first.headers.etag)
  t.same(retry.json(), first.json(), 'the claim as it is')
  t.equal(retry.headers['content-type'], first.headers['content-type'])
  t.equal(retry.body, first.body, 'byte for byte')
  t.equal(await claimsWithText(app, 'Committed claim.'), 1, 'no second claim')
  t.equal(await storedStatus(app, 'lost-create'), 201, 'the rebuilt answer is stored for later retries')
  isReplayOf(t, await postWithKey(app, 'lost-create', { text: 'Committed claim.', claimantId }), retry)

  // A PATCH is answered from the resource it changed, and not applied twice (its If-Match would now fail).
  const id = first.json().id
  const patch = (headers: Record<string, string>) => app.inject({ method: 'PATCH', url: `/v1/claims/${id}`, headers: { 'if-match': first.headers.etag as string, ...headers }, payload: { topics: ['edited-once'] } })
  const edited = await patch({ 'idempotency-key': 'lost-patch' })
  t.equal(edited.statusCode, 200)
  await loseAnswer(app, 'lost-patch')
  const patched = await patch({ 'idempotency-key': 'lost-patch' })
  t.equal(patched.statusCode, 200)
  t.same(patched.json(), edited.json())
  t.equal(patched.json().version, 2, 'applied once')

  // An action answers with the member it acted on.
  const review = await app.inject({ method: 'POST', url: `/v1/claims/${id}/reviews`, payload: publishableReview })
  t.equal(review.statusCode, 201, review.body)
  const publish = (key: string) => app.inject({ method: 'POST', url: `/v1/claims/${id}/reviews/${review.json().id}/publish`, headers: { 'idempotency-key': key, 'if-match': review.headers.etag as string } })
  const published = await publish('lost-publish')
  t.equal(published.statusCode, 200, published.body)
  await loseAnswer(app, 'lost-publish')
  const republished = await publish('lost-publish')
  t.equal(republished.statusCode, 200)
  t.same(republished.json(), published.json())
})

t.test('a resource under a claim is answered with its own location; one deleted since is a 409, not a second write', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const url = `/v1/claims/${claim.id}/appearances`
  const payload = { url: 'https://example.com/news/lost', title: 'Lost answer', medium: 'article' }
  const create = (key: string) => app.inject({ method: 'POST', url, headers: { 'idempotency-key': key }, payload })
  const countAppearances = async () =>
    (await app.db.select({ n: count() }).from(appearances).where(eq(appearances.claimId, claim.id)))[0]?.n

  const first = await create('lost-appearance')
  t.equal(first.statusCode, 201, first.body)
  await loseAnswer(app, 'lost-appearance')
  const retry = await create('lost-appearance')
  isReplayOf(t, retry, first)
  t.equal(retry.headers.location, `${url}/${first.json().id}`)
  t.equal(await countAppearances(), 1, 'one appearance')

  // What the first request made is gone: the retry is told so, and does not make it again.
  const deleted = await app.inject({ method: 'DELETE', url: `${url}/${first.json().id}`, headers: { 'if-match': first.headers.etag as string } })
  t.equal(deleted.statusCode, 204, deleted.body)
  await loseAnswer(app, 'lost-appearance')
  const gone = await create('lost-appearance')
  isProblem(t, gone, 409, 'conflict')
  t.match(gone.json().detail, /will not be made again/)
  t.equal(await countAppearances(), 0, 'nothing made again')
  t.equal(await storedStatus(app, 'lost-appearance'), null, 'no answer stored: a later retry is told the same')
})
