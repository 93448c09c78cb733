// Shared fixtures of the security suite: a second organisation and a key of every role in each, objects of every kind
// owned by the test organisation (a private claim, a public one, a claimant, a custom rating scale, a key), and the
// owner's view of all of them, to prove that a refused request changed nothing.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { sql } from 'drizzle-orm'
import type { Test } from 'tap'
import { queryRows } from '../../src/db/client.ts'
import { roles, type Role } from '../../src/domain/access.ts'
import { addAppearance, bearer, build, createClaim, createClaimant, etagOf, keyFor, publishableReview, publishReview, testOrganization, type BuildOptions } from '../helper.ts'

/** The other organisation: it owns nothing of the test organisation's, whatever the role of its key. */
export const RIVAL = 'rival'

export type Keys = Record<Role, string>

/** The app with rate limits out of the way: these tests send many requests on purpose (limits are tested elsewhere). */
export const buildSecure = (t: Test, options: BuildOptions = {}) => build(t, {
  ...options,
  env: { RATE_LIMIT_ANONYMOUS: '1000000', RATE_LIMIT_KEY: '1000000', RATE_LIMIT_PARTNER: '1000000', ...options.env },
})

/** A key of every role for an organisation (made when missing). */
export async function keysOf (app: FastifyInstance, organization: string): Promise<Keys> {
  const entries = await Promise.all(roles.map(async (role) => [role, await keyFor(app, role, organization)] as const))
  return Object.fromEntries(entries) as Keys
}

/** Who calls: nobody, or a key of some role. */
export type Caller = { name: string, headers: Record<string, string | undefined> }
export const callers = (keys: Keys, label: string): Caller[] =>
  roles.map((role) => ({ name: `${label} ${role}`, headers: bearer(keys[role]) }))

export const customScale = {
  slug: 'newsroom-scale',
  name: 'Newsroom scale',
  values: [
    { key: 'right', label: 'Right', ratingValue: 1, verdict: 'true' },
    { key: 'wrong', label: 'Wrong', ratingValue: 0, verdict: 'false' },
  ],
}

export interface ClaimObjects { id: string, appearanceId: string, evidenceId: string, reviewId: string }
export interface World {
  claimantId: string
  /** Never reviewed: only the test organisation sees it. Its review is a draft. */
  privateClaim: ClaimObjects
  /** Reviewed and published: everyone reads it. `reviewId` is published, `draftReviewId` is not. */
  publicClaim: ClaimObjects & { draftReviewId: string }
  scaleId: string
  /** An editor key of the test organisation, by id. */
  keyId: string
  /** A webhook of the test organisation (turned off, so that it receives nothing). */
  webhookId: string
  own: Keys
  rival: Keys
}

async function created (res: Promise<LightMyRequestResponse>, what: string): Promise<string> {
  const r = await res
  if (r.statusCode !== 201) throw new Error(`${what}: ${r.statusCode} ${r.body}`)
  return r.json().id
}

/** Everything the suite attacks, owned by the test organisation, and keys of every role of both organisations. */
export async function seedWorld (app: FastifyInstance): Promise<World> {
  const claimant = await createClaimant(app, { name: 'Pat Politician' })
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload })
  const objectsOf = async (text: string, site: string) => {
    const claim = await createClaim(app, { text, claimantId: claimant.id, topics: ['security'] })
    const appearanceId = (await addAppearance(app, claim.id, `https://${site}.example.org/said`)).id
    const evidenceId = await created(post(`/v1/claims/${claim.id}/evidence`, { url: `https://${site}.example.org/source`, stance: 'refutes' }), 'evidence')
    return { id: claim.id as string, appearanceId, evidenceId }
  }
  const hidden = await objectsOf('Tariffs on bananas will triple next week.', 'hidden')
  const draft = await created(post(`/v1/claims/${hidden.id}/reviews`, publishableReview), 'draft review')
  const shown = await objectsOf('Unemployment fell to zero in a single month.', 'shown')
  const published = await publishReview(app, shown.id)
  const draftReviewId = await created(post(`/v1/claims/${shown.id}/reviews`, { ...publishableReview, headline: 'A second look' }), 'second draft')
  const scaleId = await created(post('/v1/rating-scales', customScale), 'rating scale')
  const keyId = await created(post('/v1/api-keys', { name: 'CMS', role: 'editor' }), 'api key')
  const webhookId = await created(post('/v1/webhooks', { url: 'https://hooks.example.org/claimtrack', events: ['review.published'], enabled: false }), 'webhook')
  return {
    claimantId: claimant.id,
    privateClaim: { ...hidden, reviewId: draft },
    publicClaim: { ...shown, reviewId: published.id, draftReviewId },
    scaleId,
    keyId,
    webhookId,
    own: await keysOf(app, testOrganization(app).slug),
    rival: await keysOf(app, RIVAL),
  }
}

/** Every GET through which the owner sees the world, for before/after comparisons. */
export function ownerUrls (w: World): string[] {
  const claimUrls = (c: ClaimObjects) => [
    `/v1/claims/${c.id}`,
    `/v1/claims/${c.id}/history?limit=100`,
    `/v1/claims/${c.id}/appearances`, `/v1/claims/${c.id}/appearances/${c.appearanceId}`,
    `/v1/claims/${c.id}/evidence`, `/v1/claims/${c.id}/evidence/${c.evidenceId}`,
    `/v1/claims/${c.id}/reviews`, `/v1/claims/${c.id}/reviews/${c.reviewId}`,
  ]
  return [
    ...claimUrls(w.privateClaim), ...claimUrls(w.publicClaim),
    `/v1/claims/${w.publicClaim.id}/reviews/${w.publicClaim.draftReviewId}`,
    `/v1/claimants/${w.claimantId}`,
    `/v1/rating-scales/${w.scaleId}`,
    `/v1/api-keys/${w.keyId}`,
    `/v1/webhooks/${w.webhookId}`,
    `/v1/webhooks/${w.webhookId}/deliveries`,
    `/v1/organizations/${'newsroom'}`,
  ]
}

/** What the owner's admin key reads at each of the world's URLs: status, ETag and the body, byte for byte. */
export async function ownerView (app: FastifyInstance, w: World): Promise<Record<string, string>> {
  const view: Record<string, string> = {}
  for (const url of ownerUrls(w)) {
    const res = await app.inject({ method: 'GET', url })
    // `lastUsedAt` moves when the owner's own keys are used, to the minute; it is no part of what an attacker did.
    const body = url.startsWith('/v1/api-keys/') ? JSON.stringify({ ...res.json(), lastUsedAt: null }) : res.body
    view[url] = `${res.statusCode} ${res.headers.etag ?? ''} ${body}`
  }
  view.revisions = String(await countRows(app, 'revisions'))
  view.claims = String(await countRows(app, 'claims'))
  view.keys = String(await countRows(app, 'api_keys'))
  return view
}

export async function countRows (app: FastifyInstance, table: 'revisions' | 'claims' | 'api_keys' | 'audit_events' | 'claimants' | 'rating_scales' | 'reviews' | 'appearances' | 'evidence' | 'webhooks'): Promise<number> {
  const [row] = await queryRows<{ n: number }>(app.db, sql`select count(*)::int as n from ${sql.identifier(table)}`)
  return Number(row?.n)
}

/** The ETag the owner sees, so that a refused write is refused for who sent it, not for a stale or missing If-Match. */
export const ownerEtag = (app: FastifyInstance, url: string) => etagOf(app, url)

/** A request as a given caller. */
export const as = (app: FastifyInstance, caller: Caller, request: InjectOptions) =>
  app.inject({ ...request, headers: { ...request.headers, ...caller.headers } })

export interface AuditEvent {
  seq: number
  key: { id: string; name: string; role: string }
  method: string
  path: string
  operationId: string | null
  status: number
  outcome: string
}

/** Every audit event an organisation's admin reads (the test organisation's by default), newest first, page by page. */
export async function auditEvents (app: FastifyInstance, adminKey?: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = []
  let cursor: string | null = null
  do {
    const url = `/v1/audit?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const res: LightMyRequestResponse = await app.inject({ method: 'GET', url, ...(adminKey && { headers: bearer(adminKey) }) })
    if (res.statusCode !== 200) throw new Error(`audit: ${res.statusCode} ${res.body}`)
    const page: { data: AuditEvent[], nextCursor: string | null } = res.json()
    events.push(...page.data)
    cursor = page.nextCursor
  } while (cursor)
  return events
}

/** Calls `visit` with every property name and value anywhere in a JSON value, with the path to it. */
export function walk (
  value: unknown,
  visit: (name: string, value: unknown, path: string[]) => void,
  path: string[] = []
): void {
  if (Array.isArray(value)) value.forEach((item, i) => walk(item, visit, [...path, String(i)]))
  else if (value !== null && typeof value === 'object') {
    for (const [name, v] of Object.entries(value)) {
      visit(name, v, path)
      walk(v, visit, [...path, name])
    }
  }
}

/** A refusal: the status, as problem+json of the expected type; `label` says who asked for what. */
export function refusal (t: Test, res: LightMyRequestResponse, status: 401 | 403 | 404, label: string) {
  t.equal(res.statusCode, status, `${label} -> ${status}: ${res.body.slice(0, 200)}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${label}: problem+json`)
  const type = { 401: 'unauthorized', 403: 'forbidden', 404: 'not-found' }[status]
  t.equal(res.json().type, `/problems/${type}`, `${label}: ${type}`)
  if (status === 401) t.equal(res.headers['www-authenticate'], 'Bearer realm="claimtrack"', `${label}: WWW-Authenticate`)
}
