// OWASP API1:2023 Broken Object Level Authorization. Another organisation's keys, of every role, get 404 for the test
// organisation's private objects (their existence is not confirmed) and 403 for its public ones, on reads and writes
// alike; afterwards the owner sees every object byte for byte as before, with no new revision.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, InjectOptions } from 'fastify'
import t from 'tap'
import { allows, roles, type Access } from '../../src/domain/access.ts'
import { anonymous, bearer, publishableReview } from '../helper.ts'
import { as, buildSecure, callers, ownerEtag, ownerView, refusal, seedWorld, type Caller, type ClaimObjects, type World } from './fixtures.ts'

interface Attempt { request: InjectOptions, access: Access }

/** Every write on a claim and on what hangs off it, with a valid body and the owner's current ETag. */
async function claimWrites (app: FastifyInstance, c: ClaimObjects): Promise<Attempt[]> {
  const base = `/v1/claims/${c.id}`
  const ifMatch = async (url: string) => ({ 'if-match': await ownerEtag(app, url) })
  const editor = (method: InjectOptions['method'], url: string, payload?: object, headers?: Record<string, string>): Attempt =>
    ({ access: 'editor', request: { method, url, ...(payload && { payload }), ...(headers && { headers }) } })
  const reviewer = (method: InjectOptions['method'], url: string, payload?: object, headers?: Record<string, string>): Attempt =>
    ({ access: 'reviewer', request: { method, url, ...(payload && { payload }), ...(headers && { headers }) } })
  const appearance = `${base}/appearances/${c.appearanceId}`
  const evidence = `${base}/evidence/${c.evidenceId}`
  const review = `${base}/reviews/${c.reviewId}`
  return [
    editor('PATCH', base, { text: 'Rewritten by another newsroom.' }, await ifMatch(base)),
    editor('DELETE', base, undefined, await ifMatch(base)),
    editor('POST', `${base}/appearances`, { url: 'https://rival.example.org/planted' }),
    editor('PATCH', appearance, { title: 'Planted' }, await ifMatch(appearance)),
    editor('DELETE', appearance, undefined, await ifMatch(appearance)),
    editor('POST', `${base}/evidence`, { url: 'https://rival.example.org/source', stance: 'supports' }),
    editor('PATCH', evidence, { summary: 'Planted' }, await ifMatch(evidence)),
    editor('DELETE', evidence, undefined, await ifMatch(evidence)),
    reviewer('POST', `${base}/reviews`, publishableReview),
    reviewer('PATCH', review, { headline: 'Planted' }, await ifMatch(review)),
    reviewer('DELETE', review, undefined, await ifMatch(review)),
    reviewer('POST', `${review}/publish`, undefined, await ifMatch(review)),
    reviewer('POST', `${review}/retract`, { reason: 'Because we can.' }, await ifMatch(review)),
  ]
}

const claimReads = (c: ClaimObjects, asOf: string) => {
  const base = `/v1/claims/${c.id}`
  return [
    base, `${base}?asOf=${encodeURIComponent(asOf)}`, `${base}/history`, `${base}/claimreview`,
    `${base}/appearances`, `${base}/appearances/${c.appearanceId}`,
    `${base}/evidence`, `${base}/evidence/${c.evidenceId}`,
    `${base}/reviews`, `${base}/reviews/${c.reviewId}`,
  ]
}

const outsiders = (w: World): Caller[] => [...callers(w.rival, 'rival'), { name: 'anonymous', headers: anonymous }]

/** What an outsider's write should get: the role check first (401/403), then the owner check (`owned`). */
function expected (caller: Caller, access: Access, owned: 403 | 404): 401 | 403 | 404 {
  if (caller.name === 'anonymous') return 401
  const role = roles.find((r) => caller.name.endsWith(` ${r}`)) ?? null
  return allows(role, access) ? owned : 403
}

t.test('a private claim and everything under it: 404 to every other organisation, on reads and writes', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const asOf = new Date().toISOString()
  const writes = await claimWrites(app, w.privateClaim)
  const before = await ownerView(app, w)

  for (const caller of outsiders(w)) {
    for (const url of claimReads(w.privateClaim, asOf)) {
      refusal(t, await as(app, caller, { method: 'GET', url }), 404, `${caller.name} GET ${url}`)
    }
    for (const { request, access } of writes) {
      refusal(t, await as(app, caller, request), expected(caller, access, 404), `${caller.name} ${request.method} ${request.url}`)
    }
  }
  t.same(await ownerView(app, w), before, 'the owner sees every object exactly as before, and no revision was added')
})

t.test('a published claim: readable by all, 403 to every other organisation on writes', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const asOf = new Date().toISOString()
  const writes = await claimWrites(app, w.publicClaim)
  const before = await ownerView(app, w)

  for (const caller of outsiders(w)) {
    for (const url of claimReads(w.publicClaim, asOf)) {
      const res = await as(app, caller, { method: 'GET', url })
      t.equal(res.statusCode, 200, `${caller.name} GET ${url} -> 200: ${res.body.slice(0, 200)}`)
    }
    const draft = `/v1/claims/${w.publicClaim.id}/reviews/${w.publicClaim.draftReviewId}`
    refusal(t, await as(app, caller, { method: 'GET', url: draft }), 404, `${caller.name} GET a draft review`)
    for (const { request, access } of writes) {
      refusal(t, await as(app, caller, request), expected(caller, access, 403), `${caller.name} ${request.method} ${request.url}`)
    }
    // Under a public claim every write is refused for the claim's owner, before the review is looked up: a draft
    // and a review that does not exist get the same answer, so the refusal confirms nothing about drafts.
    const etag = { 'if-match': await ownerEtag(app, draft) }
    const madeUp = `/v1/claims/${w.publicClaim.id}/reviews/${randomUUID()}`
    for (const url of [draft, madeUp]) {
      refusal(t, await as(app, caller, { method: 'PATCH', url, headers: etag, payload: { headline: 'Planted' } }), expected(caller, 'reviewer', 403), `${caller.name} PATCH ${url}`)
      refusal(t, await as(app, caller, { method: 'POST', url: `${url}/publish`, headers: etag }), expected(caller, 'reviewer', 403), `${caller.name} publishes ${url}`)
    }
  }
  t.same(await ownerView(app, w), before, 'the owner sees every object exactly as before, and no revision was added')
})

t.test('a claimant, a custom rating scale, an API key, a webhook and the organisation: 403 (public) or 404 (private) to others', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const claimant = `/v1/claimants/${w.claimantId}`
  const scale = `/v1/rating-scales/${w.scaleId}`
  const key = `/v1/api-keys/${w.keyId}`
  const organization = '/v1/organizations/newsroom'
  const webhook = `/v1/webhooks/${w.webhookId}`
  const ifMatch = async (url: string) => ({ 'if-match': await ownerEtag(app, url) })
  const attempts: Array<Attempt & { owned: 403 | 404 }> = [
    { access: 'editor', owned: 403, request: { method: 'PATCH', url: claimant, headers: await ifMatch(claimant), payload: { name: 'Renamed by a rival' } } },
    { access: 'editor', owned: 403, request: { method: 'DELETE', url: claimant, headers: await ifMatch(claimant) } },
    { access: 'admin', owned: 403, request: { method: 'PATCH', url: scale, headers: await ifMatch(scale), payload: { name: 'Rival scale' } } },
    { access: 'admin', owned: 403, request: { method: 'DELETE', url: scale, headers: await ifMatch(scale) } },
    { access: 'admin', owned: 404, request: { method: 'GET', url: key } },
    { access: 'admin', owned: 404, request: { method: 'DELETE', url: key } },
    { access: 'admin', owned: 403, request: { method: 'PATCH', url: organization, headers: await ifMatch(organization), payload: { name: 'Pwned' } } },
    { access: 'admin', owned: 404, request: { method: 'GET', url: webhook } },
    { access: 'admin', owned: 404, request: { method: 'GET', url: `${webhook}/deliveries` } },
    { access: 'admin', owned: 404, request: { method: 'PATCH', url: webhook, headers: await ifMatch(webhook), payload: { url: 'https://rival.example.org/steal' } } },
    { access: 'admin', owned: 404, request: { method: 'DELETE', url: webhook, headers: await ifMatch(webhook) } },
    { access: 'admin', owned: 404, request: { method: 'POST', url: `${webhook}/rotate-secret` } },
    { access: 'admin', owned: 404, request: { method: 'POST', url: `${webhook}/ping` } },
  ]
  const before = await ownerView(app, w)

  for (const caller of outsiders(w)) {
    for (const url of [claimant, scale, organization]) {
      t.equal((await as(app, caller, { method: 'GET', url })).statusCode, 200, `${caller.name} reads the public ${url}`)
    }
    for (const { request, access, owned } of attempts) {
      refusal(t, await as(app, caller, request), expected(caller, access, owned), `${caller.name} ${request.method} ${request.url}`)
    }
  }
  const rivalKeys = await app.inject({ method: 'GET', url: '/v1/api-keys?limit=100', headers: bearer(w.rival.admin) })
  t.equal(rivalKeys.statusCode, 200)
  const listed: string[] = rivalKeys.json().data.map((k: { id: string }) => k.id)
  t.equal(listed.length, 5, 'the rival admin lists only its own five keys')
  t.notOk(listed.includes(w.keyId), 'and never the test organisation\'s')
  const rivalHooks = await app.inject({ method: 'GET', url: '/v1/webhooks', headers: bearer(w.rival.admin) })
  t.same(rivalHooks.json().data, [], 'the rival admin lists no webhook: the test organisation\'s are not its own')
  t.same(await ownerView(app, w), before, 'the owner sees every object exactly as before, and no revision was added')
})

t.test('another organisation\'s claimant or custom rating scale cannot be referenced: 422 as if it did not exist', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const rival = bearer(w.rival.admin)
  const before = await ownerView(app, w)
  const unknown = randomUUID()
  const problemOf = async (request: InjectOptions) => {
    const res = await app.inject({ ...request, headers: { ...request.headers, ...rival } })
    t.equal(res.statusCode, 422, `${request.method} ${request.url}: 422 ${res.body.slice(0, 200)}`)
    return res.json() as { detail: string, errors: Array<{ field: string, message: string }> }
  }
  // A claimant: on create and on a change; the answer is the one an unknown id gets (the id aside).
  const foreign = await problemOf({ method: 'POST', url: '/v1/claims', payload: { text: 'Planted claim.', claimantId: w.claimantId } })
  const missing = await problemOf({ method: 'POST', url: '/v1/claims', payload: { text: 'Planted claim.', claimantId: unknown } })
  t.same(foreign.errors, missing.errors, 'the same field error as an unknown claimant')
  t.equal(foreign.detail.replace(w.claimantId, 'ID'), missing.detail.replace(unknown, 'ID'), 'and the same detail')
  const ownClaim = await app.inject({ method: 'POST', url: '/v1/claims', headers: rival, payload: { text: 'Their own claim.' } })
  t.equal(ownClaim.statusCode, 201)
  const claimUrl = `/v1/claims/${ownClaim.json().id}`
  await problemOf({ method: 'PATCH', url: claimUrl, headers: { 'if-match': String(ownClaim.headers.etag) }, payload: { claimantId: w.claimantId } })
  // A custom rating scale, by id or slug, on a draft review and on a change of one; built-in scales stay usable.
  for (const ratingScale of [w.scaleId, 'newsroom-scale']) {
    await problemOf({ method: 'POST', url: `${claimUrl}/reviews`, payload: { ratingScale, rating: 'wrong' } })
  }
  const draft = await app.inject({ method: 'POST', url: `${claimUrl}/reviews`, headers: rival, payload: { ratingScale: 'truth-o-meter', rating: 'false' } })
  t.equal(draft.statusCode, 201, 'a built-in scale')
  await problemOf({ method: 'PATCH', url: `${claimUrl}/reviews/${draft.json().id}`, headers: { 'if-match': String(draft.headers.etag) }, payload: { ratingScale: w.scaleId, rating: 'wrong' } })

  // The rival's own claim and draft review count in the totals; the owner's objects are as they were.
  const objects = (view: Record<string, string>) => Object.fromEntries(Object.entries(view).filter(([key]) => key.startsWith('/')))
  t.same(objects(await ownerView(app, w)), objects(before), 'the owner sees nothing changed')
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims?claimant=${w.claimantId}`, headers: rival })).json().data.length, 1, 'only the owner\'s public claim names the claimant')
  const scale = `/v1/rating-scales/${w.scaleId}`
  t.equal((await app.inject({ method: 'DELETE', url: scale, headers: { 'if-match': await ownerEtag(app, scale) } })).statusCode, 204, 'nothing of the rival holds the owner\'s scale: the owner may delete it')
})
