// The claim ETag on conditional reads: a current If-None-Match is answered 304 from the versions alone, and the tag
// still changes with every row the claim embeds (claimant, appearance, evidence, current review and its scale).
import { eq, sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { appearances, claimants, claims, evidence, ratingScales, reviews } from '../../../src/db/schema.ts'
import { anonymous, build, change, createClaim, createClaimant, etagOf, isProblem, publishReview } from '../../helper.ts'

/** A claim with one row of every embedded kind: claimant, appearance, evidence and a published review. */
async function fullClaim (app: FastifyInstance) {
  const claimant = await createClaimant(app, { name: 'Versioned Person' })
  const claim = await createClaim(app, { claimantId: claimant.id })
  const url = `/v1/claims/${claim.id}`
  const appearance = await app.inject({ method: 'POST', url: `${url}/appearances`, payload: { url: 'https://news.example.org/a' } })
  const proof = await app.inject({ method: 'POST', url: `${url}/evidence`, payload: { url: 'https://example.org/study', stance: 'refutes' } })
  if (appearance.statusCode !== 201 || proof.statusCode !== 201) throw new Error(`children: ${appearance.body} ${proof.body}`)
  await publishReview(app, claim.id)
  return { url, claimant, claim, appearance: appearance.json(), evidence: proof.json() }
}

/** Asserts that If-None-Match: `sent` is answered 304 with no body and the current tag `etag`. */
async function current (t: Test, app: FastifyInstance, url: string, etag: string, label: string, sent = etag) {
  const res = await app.inject({ method: 'GET', url, headers: { 'if-none-match': sent } })
  t.equal(res.statusCode, 304, `${label}: 304`)
  t.equal(res.body, '', `${label}: no body`)
  t.equal(res.headers.etag, etag, `${label}: the 304 repeats the ETag`)
}

t.test('an unchanged claim answers 304, with the ETag of its full answer', async (t) => {
  const app = await build(t)
  const { url } = await fullClaim(app)
  const full = await app.inject({ method: 'GET', url })
  t.equal(full.statusCode, 200)
  const etag = String(full.headers.etag)
  t.match(etag, /^"\d+-[\w-]{16}"$/, 'a composite ETag')
  await current(t, app, url, etag, 'the same tag')
  await current(t, app, url, etag, 'in a list, weak', `"0", W/${etag}`)
  const stale = await app.inject({ method: 'GET', url, headers: { 'if-none-match': '"1-AAAAAAAAAAAAAAAA"' } })
  t.equal(stale.statusCode, 200, 'another tag gets the body')
  t.equal(stale.headers.etag, etag, 'with the current ETag')
  t.same(stale.json(), full.json())
})

t.test('a change to each embedded kind changes the ETag, through the API', async (t) => {
  const app = await build(t)
  const c = await fullClaim(app)
  let etag = await etagOf(app, c.url)
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['claimant renamed', () => change(app, 'PATCH', `/v1/claimants/${c.claimant.id}`, { name: 'Renamed Person' })],
    ['appearance changed', () => change(app, 'PATCH', `${c.url}/appearances/${c.appearance.id}`, { medium: 'speech' })],
    ['evidence changed', () => change(app, 'PATCH', `${c.url}/evidence/${c.evidence.id}`, { stance: 'supports' })],
    ['appearance added', () => app.inject({ method: 'POST', url: `${c.url}/appearances`, payload: { medium: 'broadcast' } })],
    ['claim changed', () => change(app, 'PATCH', c.url, { text: 'Changed.' })],
  ]
  for (const [label, step] of steps) {
    const res = await step() as { statusCode: number, body: string }
    t.ok(res.statusCode === 200 || res.statusCode === 201, `${label}: ${res.statusCode} ${res.body.slice(0, 200)}`)
    const again = await app.inject({ method: 'GET', url: c.url, headers: { 'if-none-match': etag } })
    t.equal(again.statusCode, 200, `${label}: the old ETag gets the body`)
    t.not(again.headers.etag, etag, `${label}: a new ETag`)
    etag = String(again.headers.etag)
    await current(t, app, c.url, etag, `${label}: the new tag`)
  }
})

t.test('the ETag follows the version of every embedded row, whoever changed it', async (t) => {
  const app = await build(t)
  const c = await fullClaim(app)
  const [row] = await app.db.select({ reviewId: claims.currentReviewId }).from(claims).where(eq(claims.id, c.claim.id))
  const [review] = await app.db
    .select({ scaleId: reviews.ratingScaleId })
    .from(reviews)
    .where(eq(reviews.id, String(row?.reviewId)))
  t.ok(review, 'the claim has a current review')
  // Each kind's version bumped alone, as a write of another process would (no API write touches only the scale).
  const bumps: Array<[string, () => Promise<unknown>]> = [
    ['claimant', () => app.db.update(claimants).set({ version: sql`${claimants.version} + 1` }).where(eq(claimants.id, c.claimant.id))],
    ['appearance', () => app.db.update(appearances).set({ version: sql`${appearances.version} + 1` }).where(eq(appearances.id, c.appearance.id))],
    ['evidence', () => app.db.update(evidence).set({ version: sql`${evidence.version} + 1` }).where(eq(evidence.id, c.evidence.id))],
    ['review', () => app.db.update(reviews).set({ version: sql`${reviews.version} + 1` }).where(eq(reviews.id, String(row?.reviewId)))],
    ['rating scale', () => app.db.update(ratingScales).set({ version: sql`${ratingScales.version} + 1` }).where(eq(ratingScales.id, String(review?.scaleId)))],
    ['claim', () => app.db.update(claims).set({ version: sql`${claims.version} + 1` }).where(eq(claims.id, c.claim.id))],
  ]
  const seen = new Set<string>()
  let etag = await etagOf(app, c.url)
  seen.add(etag)
  for (const [kind, bump] of bumps) {
    await bump()
    const res = await app.inject({ method: 'GET', url: c.url, headers: { 'if-none-match': etag } })
    t.equal(res.statusCode, 200, `${kind}: no 304 for the old ETag`)
    etag = String(res.headers.etag)
    t.notOk(seen.has(etag), `${kind}: a new ETag`)
    seen.add(etag)
    t.equal(await etagOf(app, c.url), etag, `${kind}: the unconditional GET gives the same ETag`)
    await current(t, app, c.url, etag, `${kind}: the new tag`)
  }
})

t.test('a conditional read sees no more than an unconditional one', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app, { text: 'Private work in progress.' })
  const url = `/v1/claims/${id}`
  const etag = await etagOf(app, url)
  // The claim is private: anonymous callers get a 404 whatever they send, not a 304 that reveals it exists.
  for (const tag of [etag, '*']) {
    isProblem(t, await app.inject({ method: 'GET', url, headers: { ...anonymous, 'if-none-match': tag } }), 404, 'not-found')
  }
  await change(app, 'DELETE', url)
  isProblem(t, await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/claims/0190a0a0-0000-7000-8000-000000000000', headers: { 'if-none-match': '*' } }), 404, 'not-found')
})

t.test('If-None-Match with asOf is judged on the claim as it was', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app, { text: 'Old text.' })
  const url = `/v1/claims/${id}`
  const old = await etagOf(app, url)
  await new Promise((resolve) => setTimeout(resolve, 20))
  const instant = new Date().toISOString()
  await change(app, 'PATCH', url, { text: 'New text.' })
  const then = await app.inject({ method: 'GET', url: `${url}?asOf=${instant}`, headers: { 'if-none-match': old } })
  t.equal(then.statusCode, 304, 'the claim at that instant had the old ETag')
  const now = await app.inject({ method: 'GET', url, headers: { 'if-none-match': old } })
  t.equal(now.statusCode, 200, 'now it has another')
})
