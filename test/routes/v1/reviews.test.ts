// /v1/claims/{claimId}/reviews: the draft -> published -> retracted lifecycle and the claim's current verdict.
import t from 'tap'
import { build, change, createClaim, etagOf, isProblem } from '../../helper.ts'
import type { FastifyInstance } from 'fastify'

const ready = { ratingScale: 'truth-o-meter', rating: 'pants-fire', ratingExplanation: 'No plan could do it in a day.', url: 'https://factcheck.example.org/24-hours', author: { name: 'Example Fact Check', url: 'https://factcheck.example.org' } }

async function draft (app: FastifyInstance, claimId: string, body: Record<string, unknown> = ready) {
  const res = await app.inject({ method: 'POST', url: `/v1/claims/${claimId}/reviews`, payload: body })
  if (res.statusCode !== 201) throw new Error(`draft: ${res.statusCode} ${res.body}`)
  return res.json()
}

async function act (app: FastifyInstance, claimId: string, id: string, action: 'publish' | 'retract', payload?: Record<string, unknown>) {
  const url = `/v1/claims/${claimId}/reviews/${id}`
  const etag = (await app.inject({ method: 'GET', url })).headers.etag as string
  return app.inject({ method: 'POST', url: `${url}/${action}`, headers: { 'if-match': etag }, ...(payload && { payload }) })
}

t.test('a draft shows its native rating, numeric value and normalised verdict', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const review = await draft(app, claim.id)
  t.match(review, {
    status: 'draft',
    rating: { scale: 'truth-o-meter', key: 'pants-fire', label: 'Pants on Fire', ratingValue: 1, bestRating: 6, worstRating: 1, verdict: 'false' },
    author: { name: 'Example Fact Check' },
    datePublished: null,
    version: 1,
  })
  const detail = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).json()
  t.equal(detail.currentVerdict, null, 'a draft is not a verdict')
  t.equal(detail.status, 'new')
})

t.test('publish makes the current verdict; retract falls back to the previous one', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const first = await draft(app, claim.id, { ...ready, rating: 'false' })
  const published = await act(app, claim.id, first.id, 'publish')
  t.equal(published.statusCode, 200, published.body)
  t.match(published.json(), { status: 'published', version: 2 })
  t.type(published.json().datePublished, 'string')

  let detail = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).json()
  t.equal(detail.status, 'reviewed')
  t.match(detail.currentVerdict, { reviewId: first.id, rating: { label: 'False', verdict: 'false' } })
  const listed = (await app.inject({ method: 'GET', url: '/v1/claims' })).json().data[0]
  t.match(listed.currentVerdict, { reviewId: first.id }, 'lists embed the verdict too')

  const second = await draft(app, claim.id, { ...ready, rating: 'half-true' })
  t.equal((await act(app, claim.id, second.id, 'publish')).statusCode, 200)
  detail = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).json()
  t.match(detail.currentVerdict, { reviewId: second.id, rating: { label: 'Half True', verdict: 'mixed' } }, 'the latest published wins')

  const retracted = await act(app, claim.id, second.id, 'retract', { reason: 'Relied on a misquote.' })
  t.equal(retracted.statusCode, 200)
  t.match(retracted.json(), { status: 'retracted', retractionReason: 'Relied on a misquote.' })
  detail = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).json()
  t.match(detail.currentVerdict, { reviewId: first.id }, 'back to the earlier verdict')

  t.equal((await act(app, claim.id, first.id, 'retract', { reason: 'Superseded.' })).statusCode, 200)
  detail = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).json()
  t.equal(detail.currentVerdict, null, 'no published verdict left')
  t.equal(detail.status, 'retracted', 'the status says what happened')
  t.match(detail.retraction, { reviewId: first.id, reason: 'Superseded.', withdrawnVerdict: { reviewId: first.id, rating: { label: 'False' } } })
  const gone = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/reviews/${second.id}` })).json()
  t.equal(gone.status, 'retracted', 'a retracted review stays visible')
})

t.test('a retraction stays as visible as the verdict was: claim, list, lookup, status; a new verdict replaces it', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app, { text: 'The bridge was built in a day.' })
  const page = 'https://news.example.com/bridge'
  t.equal((await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/appearances`, payload: { url: page } })).statusCode, 201)
  const review = await draft(app, claim.id, { ...ready, rating: 'false' })
  t.equal((await act(app, claim.id, review.id, 'publish')).statusCode, 200)
  const retractedRes = await act(app, claim.id, review.id, 'retract', { reason: 'The source was a parody site.' })
  t.equal(retractedRes.statusCode, 200, retractedRes.body)
  const retracted = retractedRes.json()
  const retraction = {
    reviewId: review.id,
    retractedAt: retracted.retractedAt,
    reason: 'The source was a parody site.',
    withdrawnVerdict: {
      reviewId: review.id,
      rating: { key: 'false', label: 'False', verdict: 'false' },
      ratingExplanation: ready.ratingExplanation,
      url: ready.url,
      author: { name: ready.author.name },
      datePublished: retracted.datePublished,
    },
  }

  const detail = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}`, headers: { authorization: undefined } })).json()
  t.match(detail, { status: 'retracted', currentVerdict: null, retraction }, 'the public reads it as retracted, with date and reason')
  const listed = (await app.inject({ method: 'GET', url: '/v1/claims?status=retracted', headers: { authorization: undefined } })).json()
  t.same(listed.data.map((c: { id: string }) => c.id), [claim.id], 'filtered by the new status')
  t.match(listed.data[0], { currentVerdict: null, retraction })
  const found = (await app.inject({ method: 'GET', url: `/v1/lookup?url=${encodeURIComponent(page)}`, headers: { authorization: undefined } })).json()
  t.match(found.claims, [{ id: claim.id, status: 'retracted', currentVerdict: null, retraction }], 'lookups show it')
  const verdictFilter = (await app.inject({ method: 'GET', url: '/v1/claims?verdict=false' })).json()
  t.same(verdictFilter.data, [], 'a withdrawn verdict is no longer a verdict to filter on')

  // The desk may take the claim up again; the retraction stays shown until another verdict is published.
  const etag = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).headers.etag as string
  const reopened = await app.inject({ method: 'PATCH', url: `/v1/claims/${claim.id}`, headers: { 'if-match': etag }, payload: { status: 'researching' } })
  t.equal(reopened.statusCode, 200, reopened.body)
  t.match(reopened.json(), { status: 'researching', retraction: { reviewId: review.id } })
  const refused = await app.inject({ method: 'PATCH', url: `/v1/claims/${claim.id}`, headers: { 'if-match': reopened.headers.etag as string }, payload: { status: 'retracted' } })
  t.equal(refused.statusCode, 400, 'retracted follows from a retraction; no one sets it')

  const next = await draft(app, claim.id, { ...ready, rating: 'mostly-false' })
  t.equal((await act(app, claim.id, next.id, 'publish')).statusCode, 200)
  const after = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).json()
  t.match(after, { status: 'reviewed', currentVerdict: { reviewId: next.id }, retraction: null })
})

t.test('a new rating on the current verdict is a change of the claim, even with the same normalised verdict', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const review = await draft(app, claim.id, { ...ready, rating: 'false' })
  t.equal((await act(app, claim.id, review.id, 'publish')).statusCode, 200)
  const url = `/v1/claims/${claim.id}`
  const before = (await app.inject({ method: 'GET', url })).json()
  const since = new Date().toISOString()

  // Pants on Fire normalises to `false`, as False does: the verdict is the same, what the claim shows is not.
  const reviewUrl = `${url}/reviews/${review.id}`
  const edited = await app.inject({ method: 'PATCH', url: reviewUrl, headers: { 'if-match': await etagOf(app, reviewUrl) }, payload: { rating: 'pants-fire' } })
  t.equal(edited.statusCode, 200, edited.body)
  const after = (await app.inject({ method: 'GET', url })).json()
  t.match(after.currentVerdict, { reviewId: review.id, rating: { label: 'Pants on Fire', verdict: 'false' } })
  t.equal(after.version, before.version + 1, 'the claim has a new version')
  t.ok(after.updatedAt > before.updatedAt, 'and a new updatedAt')
  const changed = (await app.inject({ method: 'GET', url: `/v1/claims?updatedSince=${encodeURIComponent(since)}` })).json().data
  t.same(changed.map((c: { id: string }) => c.id), [claim.id], 'so updatedSince finds it')
  const history = (await app.inject({ method: 'GET', url: `${url}/history` })).json().data
  t.ok(history.some((r: { entityType: string, action: string, version: number }) => r.entityType === 'claim' && r.action === 'update' && r.version === after.version), 'recorded in its history')
})

t.test('illegal transitions are refused and change nothing', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const review = await draft(app, claim.id)
  const url = `/v1/claims/${claim.id}/reviews/${review.id}`
  isProblem(t, await act(app, claim.id, review.id, 'retract', { reason: 'x' }), 409, 'conflict')
  t.equal((await act(app, claim.id, review.id, 'publish')).statusCode, 200)
  isProblem(t, await act(app, claim.id, review.id, 'publish'), 409, 'conflict')
  isProblem(t, await change(app, 'DELETE', url), 409, 'conflict')
  t.equal((await act(app, claim.id, review.id, 'retract', { reason: 'Wrong.' })).statusCode, 200)
  isProblem(t, await act(app, claim.id, review.id, 'publish'), 409, 'conflict')
  isProblem(t, await act(app, claim.id, review.id, 'retract', { reason: 'again' }), 409, 'conflict')
  isProblem(t, await change(app, 'PATCH', url, { headline: 'new' }), 409, 'conflict')
  const after = (await app.inject({ method: 'GET', url })).json()
  t.match(after, { status: 'retracted', version: 3, headline: null })
})

t.test('publishing requires the fields ClaimReview requires', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const review = await draft(app, claim.id, { ratingScale: 'five-point', rating: 'mixed' })
  const res = await act(app, claim.id, review.id, 'publish')
  const problem = isProblem(t, res, 422, 'unprocessable-entity')
  t.same(problem.errors.map((e: { field: string }) => e.field).sort(), ['review.author', 'review.ratingExplanation', 'review.url'])
  const after = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/reviews/${review.id}` })).json()
  t.match(after, { status: 'draft', version: 1 })
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}/reviews/${review.id}`, { url: ready.url, author: ready.author, ratingExplanation: 'Both true and false.' })).statusCode, 200)
  t.equal((await act(app, claim.id, review.id, 'publish')).statusCode, 200)
})

t.test('ratings must exist on their scale', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  isProblem(t, await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload: { ratingScale: 'nope', rating: 'x' } }), 422, 'unprocessable-entity')
  const bad = isProblem(t, await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload: { ratingScale: 'pinocchios', rating: 'pants-fire' } }), 422)
  t.equal(bad.errors[0].field, 'body.rating')
  const list = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/reviews` })).json()
  t.same(list.data, [])
})
