// Who sees what: anonymous callers, partners (the test organisation's own too) and another organisation's reader see
// only public claims and non-draft reviews, through every read: list, search, get, history, children, lookup,
// matching, the change feed, ClaimReview and Google's claims:search. The organisation's own reader sees its private
// claims and drafts; lookups show only public claims to anyone.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { hashPrefix, urlHash } from '../../src/lib/url-hash.ts'
import { canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { anonymous, bearer } from '../helper.ts'
import { buildSecure, seedWorld, type Caller, type World } from './fixtures.ts'

const hiddenPage = 'https://hidden.example.org/said'
const shownPage = 'https://shown.example.org/said'
const prefixOf = (url: string) => hashPrefix(urlHash(canonicalizeUrl(url) ?? url))

/** Every read through which a claim or review could show, with the body as text. */
async function reads (
  app: FastifyInstance,
  caller: Caller,
  w: World
): Promise<Record<string, { status: number; body: string }>> {
  // Sent one at a time when awaited below: a caller may run only SEARCH_CONCURRENCY searches at once.
  const get = (url: string) => () => app.inject({ method: 'GET', url, headers: caller.headers })
  const post = (url: string, payload: object) => () =>
    app.inject({ method: 'POST', url, headers: caller.headers, payload })
  const pub = `/v1/claims/${w.publicClaim.id}`
  const requests = {
    list: get('/v1/claims?limit=100'),
    search: get('/v1/claims?q=tariffs%20bananas'),
    claimantClaims: get(`/v1/claims?claimant=${w.claimantId}`),
    topic: get('/v1/claims?topic=security'),
    publicHistory: get(`${pub}/history?limit=100`),
    publicReviews: get(`${pub}/reviews?limit=100`),
    lookup: get(`/v1/lookup?url=${encodeURIComponent(hiddenPage)}`),
    lookupMany: post('/v1/lookup', { urls: [hiddenPage, shownPage] }),
    lookupPrefix: get(`/v1/lookup/prefixes/${prefixOf(hiddenPage)}`),
    matching: post('/v1/claims/match', { text: 'Tariffs on bananas will triple next week.', limit: 50 }),
    changes: get('/v1/changes?limit=1000'),
    claimReviews: get('/v1/claimreview?limit=100'),
    google: get('/v1alpha1/claims:search?query=tariffs'),
    privateClaim: get(`/v1/claims/${w.privateClaim.id}`),
    privateHistory: get(`/v1/claims/${w.privateClaim.id}/history`),
    privateReviews: get(`/v1/claims/${w.privateClaim.id}/reviews`),
    privateClaimReview: get(`/v1/claims/${w.privateClaim.id}/claimreview`),
    draftReview: get(`${pub}/reviews/${w.publicClaim.draftReviewId}`),
  }
  const out: Record<string, { status: number; body: string }> = {}
  for (const [name, request] of Object.entries(requests)) {
    const res = await request()
    out[name] = { status: res.statusCode, body: res.body }
  }
  return out
}

/** The reads that list things, where a private claim or a draft could slip in. */
const listings = ['list', 'search', 'claimantClaims', 'topic', 'publicHistory', 'publicReviews', 'lookup', 'lookupMany', 'lookupPrefix', 'matching', 'changes', 'claimReviews', 'google']

t.test('outsiders see only public claims and published reviews, through every read', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const outsiders: Caller[] = [
    { name: 'anonymous', headers: anonymous },
    { name: 'own partner', headers: bearer(w.own.partner) },
    { name: 'rival partner', headers: bearer(w.rival.partner) },
    { name: 'rival reader', headers: bearer(w.rival.reader) },
    { name: 'rival admin', headers: bearer(w.rival.admin) },
  ]
  const secrets = [w.privateClaim.id, w.privateClaim.appearanceId, w.privateClaim.evidenceId, w.privateClaim.reviewId, w.publicClaim.draftReviewId, 'Tariffs on bananas', 'A second look']
  for (const caller of outsiders) {
    const seen = await reads(app, caller, w)
    for (const name of listings) {
      t.equal(seen[name]?.status, 200, `${caller.name}: ${name} answers`)
      for (const secret of secrets) t.notMatch(seen[name]?.body, secret, `${caller.name}: ${name} shows nothing of ${secret}`)
    }
    for (const name of ['list', 'claimantClaims', 'topic', 'changes', 'claimReviews', 'lookupMany']) {
      t.match(seen[name]?.body, name === 'claimReviews' ? 'Unemployment fell to zero' : w.publicClaim.id, `${caller.name}: ${name} shows the public claim`)
    }
    t.match(seen.publicHistory?.body, w.publicClaim.reviewId, `${caller.name}: the history shows the published review`)
    const history = JSON.parse(seen.publicHistory?.body ?? '{}').data as Array<{ entityType: string, after: { status?: string } }>
    t.notOk(history.some((r) => r.entityType === 'review' && r.after.status === 'draft'), `${caller.name}: no draft revision in the history`)
    for (const name of ['privateClaim', 'privateHistory', 'privateReviews', 'privateClaimReview', 'draftReview']) {
      t.equal(seen[name]?.status, 404, `${caller.name}: ${name} is a 404`)
    }
  }
})

t.test('the organisation\'s own reader sees its private claims and drafts; lookups stay public-only', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const seen = await reads(app, { name: 'own reader', headers: bearer(w.own.reader) }, w)
  for (const name of ['list', 'search', 'claimantClaims', 'topic', 'matching', 'changes']) {
    t.match(seen[name]?.body, w.privateClaim.id, `${name} shows the private claim`)
  }
  for (const name of ['privateClaim', 'privateHistory', 'privateReviews', 'draftReview']) t.equal(seen[name]?.status, 200, `${name} answers`)
  t.match(seen.privateReviews?.body, w.privateClaim.reviewId, 'the private claim\'s draft is listed')
  t.match(seen.publicReviews?.body, w.publicClaim.draftReviewId, 'so is the public claim\'s draft')
  t.match(seen.publicHistory?.body, w.publicClaim.draftReviewId, 'and its history has the draft')
  for (const name of ['lookup', 'lookupMany', 'lookupPrefix', 'claimReviews', 'google']) {
    t.notMatch(seen[name]?.body, w.privateClaim.id, `${name} never shows an unpublished claim, not even to its organisation`)
  }
  t.equal(seen.privateClaimReview?.status, 200, 'a private claim has no ClaimReview yet, but its organisation may ask')
  t.same(JSON.parse(seen.privateClaimReview?.body ?? '[]'), [], 'and gets none')
})

t.test('a claim is public for good once a review of it is published, even after retraction', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const review = `/v1/claims/${w.publicClaim.id}/reviews/${w.publicClaim.reviewId}`
  const etag = String((await app.inject({ method: 'GET', url: review })).headers.etag)
  t.equal((await app.inject({ method: 'POST', url: `${review}/retract`, headers: { 'if-match': etag }, payload: { reason: 'Wrong figure.' } })).statusCode, 200)
  const res = await app.inject({ method: 'GET', url: `/v1/claims/${w.publicClaim.id}`, headers: anonymous })
  t.equal(res.statusCode, 200, 'the retracted claim stays visible')
  t.equal(res.json().currentVerdict, null, 'without a verdict')
  const retracted = await app.inject({ method: 'GET', url: review, headers: anonymous })
  t.equal(retracted.json().status, 'retracted', 'and the retraction is visible, with its reason')
  t.equal(retracted.json().retractionReason, 'Wrong figure.')
})
