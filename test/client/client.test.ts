// The typed client (`claimtrack/client`) against the running app: a newsroom records a claim, where it appeared and
// its verdict; a browser extension then finds the verdict by the page URL, without a key.
import t from 'tap'
import { createClaimtrackClient } from '../../src/client/index.ts'
import { build, testOrganization } from '../helper.ts'

t.test('create, publish and look up through the typed client', async (t) => {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const baseUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : ''
  const desk = createClaimtrackClient({ baseUrl, apiKey: testOrganization(app).adminKey })
  const extension = createClaimtrackClient({ baseUrl })

  const created = await desk.POST('/v1/claims', { body: { text: 'The bridge was built in 1990.', topics: ['infrastructure'] } })
  t.equal(created.response.status, 201)
  const claimId = created.data?.id ?? ''
  t.match(claimId, /^[0-9a-f-]{36}$/)

  const page = 'https://news.example.org/2025/bridge?utm_source=feed'
  const appeared = await desk.POST('/v1/claims/{claimId}/appearances', { params: { path: { claimId } }, body: { url: page, medium: 'article' } })
  t.equal(appeared.response.status, 201, JSON.stringify(appeared.error))

  const draft = await desk.POST('/v1/claims/{claimId}/reviews', {
    params: { path: { claimId } },
    body: { ratingScale: 'truth-o-meter', rating: 'false', ratingExplanation: 'It opened in 1994.', url: 'https://factcheck.example.org/bridge', author: { name: 'Example Fact Check' } },
  })
  t.equal(draft.response.status, 201, JSON.stringify(draft.error))
  const reviewId = draft.data?.id ?? ''

  // Publishing needs the review's ETag: the type requires it (npm run typecheck fails on this line otherwise), as
  // the server does (428 without it); a wrong one is a typed problem answer.
  // @ts-expect-error header.if-match is required
  const missing = await desk.POST('/v1/claims/{claimId}/reviews/{id}/publish', { params: { path: { claimId, id: reviewId } } })
  t.equal(missing.response.status, 428)
  t.equal(missing.error?.type, '/problems/precondition-required')
  const stale = await desk.POST('/v1/claims/{claimId}/reviews/{id}/publish', { params: { path: { claimId, id: reviewId }, header: { 'if-match': '"stale"' } } })
  t.equal(stale.response.status, 412)
  t.equal(stale.error?.status, 412, 'the problem comes back typed')
  const published = await desk.POST('/v1/claims/{claimId}/reviews/{id}/publish', { params: { path: { claimId, id: reviewId }, header: { 'if-match': draft.response.headers.get('etag') ?? '' } } })
  t.equal(published.response.status, 200, JSON.stringify(published.error))
  t.equal(published.data?.status, 'published')

  const found = await extension.GET('/v1/lookup', { params: { query: { url: 'http://www.news.example.org/2025/bridge' } } })
  t.equal(found.response.status, 200)
  t.equal(found.data?.claims.length, 1, 'the page is found by its canonical form')
  t.equal(found.data?.claims[0]?.id, claimId)
  t.match(found.data?.claims[0]?.currentVerdict, { reviewId, rating: { verdict: 'false' } })

  const refused = await extension.POST('/v1/claims', { body: { text: 'Anonymous writes are refused.' } })
  t.equal(refused.response.status, 401, 'no key, no write')
})
