// Requests tests make over and over: claims, claimants, reviews, appearances, pages, ETags, and the checks on answers.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'drizzle-orm'
import type { Test } from 'tap'
import { revisions } from '../../src/db/schema.ts'
import { isProblem } from './app.ts'

export async function createClaimant (app: FastifyInstance, body: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Jane Doe', ...body } })
  if (res.statusCode !== 201) throw new Error(`createClaimant: ${res.statusCode} ${res.body}`)
  return res.json()
}

export async function createClaim (app: FastifyInstance, body: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'The moon is made of cheese.', ...body } })
  if (res.statusCode !== 201) throw new Error(`createClaim: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Pages through a list endpoint to the end; returns every item in order and the number of pages. */
export async function collectPages (
  app: FastifyInstance,
  url: string,
  limit: number,
  headers: Record<string, string | undefined> = {}
) {
  const items: Array<Record<string, unknown>> = []
  let cursor: string | null = null
  let pages = 0
  do {
    const sep = url.includes('?') ? '&' : '?'
    const res: LightMyRequestResponse = await app.inject({
      method: 'GET',
      url: `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers,
    })
    if (res.statusCode !== 200) throw new Error(`collectPages: ${res.statusCode} ${res.body}`)
    const body: { data: Array<Record<string, unknown>>; nextCursor: string | null } = res.json()
    items.push(...body.data)
    cursor = body.nextCursor
    pages++
  } while (cursor)
  return { items, pages }
}

/** The current ETag of a resource, from a GET. */
export async function etagOf (
  app: FastifyInstance,
  url: string,
  headers: Record<string, string | undefined> = {}
): Promise<string> {
  const res = await app.inject({ method: 'GET', url, headers })
  const etag = res.headers.etag
  if (res.statusCode !== 200 || typeof etag !== 'string') { throw new Error(`etagOf ${url}: ${res.statusCode} ${res.body}`) }
  return etag
}

/** PATCH or DELETE as a careful client would: with If-Match set to the resource's current ETag. */
export async function change (app: FastifyInstance, method: 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>, headers: Record<string, string | undefined> = {}) {
  const etag = await etagOf(app, url, headers)
  return app.inject({ method, url, headers: { ...headers, 'if-match': etag }, ...(payload && { payload }) })
}

/** A review that is ready to publish: it has what ClaimReview requires. */
export const publishableReview = { ratingScale: 'truth-o-meter', rating: 'false', ratingExplanation: 'No.', url: 'https://factcheck.example.org/moon', author: { name: 'Example Fact Check' } }

/** Drafts and publishes a review, so that the claim has a current verdict; returns the published review. */
export async function publishReview (
  app: FastifyInstance,
  claimId: string,
  body: Record<string, unknown> = publishableReview
) {
  const created = await app.inject({ method: 'POST', url: `/v1/claims/${claimId}/reviews`, payload: body })
  if (created.statusCode !== 201) throw new Error(`draft: ${created.statusCode} ${created.body}`)
  const url = `/v1/claims/${claimId}/reviews/${created.json().id}`
  const res = await app.inject({
    method: 'POST',
    url: `${url}/publish`,
    headers: { 'if-match': await etagOf(app, url) },
  })
  if (res.statusCode !== 200) throw new Error(`publish: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Retracts a published review: its claim stays public, without a current verdict when it had no other. */
export async function retractReview (app: FastifyInstance, claimId: string, reviewId: string, reason = 'Relied on a misquote.') {
  const url = `/v1/claims/${claimId}/reviews/${reviewId}`
  const res = await app.inject({ method: 'POST', url: `${url}/retract`, headers: { 'if-match': await etagOf(app, url) }, payload: { reason } })
  if (res.statusCode !== 200) throw new Error(`retract: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A claim with a published verdict, so that everyone may see it (lookups only ever show such claims); its detail. */
export async function createPublicClaim (app: FastifyInstance, body: Record<string, unknown> = {}) {
  const claim = await createClaim(app, body)
  await publishReview(app, claim.id)
  return read(app, `/v1/claims/${claim.id}`)
}

export async function addAppearance (app: FastifyInstance, claimId: string, url: string) {
  const res = await app.inject({ method: 'POST', url: `/v1/claims/${claimId}/appearances`, payload: { url } })
  if (res.statusCode !== 201) throw new Error(`addAppearance: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** The JSON body of a GET. */
export const read = async (app: FastifyInstance, path: string) => (await app.inject({ method: 'GET', url: path })).json()

/**
 * Expects a 400 naming `field` among its errors, and the resource at `unchanged.path` (when given) exactly as before.
 */
export async function refused (
  t: Test,
  app: FastifyInstance,
  res: LightMyRequestResponse,
  field: string,
  unchanged?: { path: string; before: unknown }
) {
  const body = isProblem(t, res, 400, 'validation-failed')
  t.ok(
    body.errors?.some((e: { field: string }) => e.field === field),
    `errors name ${field}: ${JSON.stringify(body.errors)}`
  )
  if (unchanged) t.same(await read(app, unchanged.path), unchanged.before, 'the resource is unchanged')
}

/**
 * Waits until every revision is below the oldest running transaction. The horizon is cluster-wide, so on a shared
 * Postgres server a transaction of another test file can briefly hold our changes back; on PGlite it never waits.
 */
export async function settle (app: FastifyInstance) {
  for (let i = 0; i < 500; i++) {
    const [row] = await app.db.select({ ok: sql<boolean>`coalesce(max(${revisions.txId}) < pg_snapshot_xmin(pg_current_snapshot()), true)` }).from(revisions)
    if (row?.ok) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('settle: revisions still held back after 5s')
}

/**
 * A value with U+2028 and U+2029 in its strings shown as the text `\u2028`: tap's output would read a raw one as a
 * line end and lose the assertions around it (a failure included). Compare `printable(actual)` with
 * `printable(expected)`.
 */
export const printable = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\\\u${c.charCodeAt(0).toString(16)}`)) as T
