// OWASP API3:2023 Broken Object Property Level Authorization. Mass assignment: the properties the service keeps
// (owner, visibility, verdict, version, ids, timestamps, hashes) are refused in every create and update body, and
// nothing changes. Exposure: no response carries a key hash, a key secret after its creation, the search document,
// the owner of a key or other internal columns.
import { readFile } from 'node:fs/promises'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { openapiPath } from '../../src/cli/openapi.ts'
import { publishableReview } from '../helper.ts'
import { buildSecure, countRows, customScale, ownerEtag, ownerView, seedWorld, walk, type World } from './fixtures.ts'

const someId = '01900000-0000-7000-8000-000000000000'
const now = '2024-01-01T00:00:00.000Z'
/** What a client might try to set itself, with a plausible value. */
const internal: Record<string, unknown> = {
  id: someId, organizationId: someId, organization: 'rival', version: 99, createdAt: now, updatedAt: now, deletedAt: now,
}

interface Target { name: string, method: 'POST' | 'PATCH', url: (w: World) => string, body: object, fields: Record<string, unknown> }

const claim = (w: World) => `/v1/claims/${w.privateClaim.id}`
const targets: Target[] = [
  { name: 'create claim', method: 'POST', url: () => '/v1/claims', body: { text: 'A fine claim.' }, fields: { ...internal, isPublic: true, status: 'reviewed', currentVerdict: 'true', currentReviewId: someId, searchVector: 'x' } },
  { name: 'update claim', method: 'PATCH', url: claim, body: { text: 'A fine claim.' }, fields: { ...internal, isPublic: true, status: 'reviewed', currentVerdict: 'true', currentReviewId: someId, searchVector: 'x' } },
  { name: 'create appearance', method: 'POST', url: (w) => `${claim(w)}/appearances`, body: { url: 'https://x.example.org/' }, fields: { ...internal, claimId: someId, urlHash: 'ab', urlCanonical: 'https://x.example.org/' } },
  { name: 'update appearance', method: 'PATCH', url: (w) => `${claim(w)}/appearances/${w.privateClaim.appearanceId}`, body: { title: 'Title' }, fields: { ...internal, claimId: someId, urlHash: 'ab', urlCanonical: 'https://x.example.org/' } },
  { name: 'create evidence', method: 'POST', url: (w) => `${claim(w)}/evidence`, body: { url: 'https://x.example.org/', stance: 'refutes' }, fields: { ...internal, claimId: someId, urlHash: 'ab' } },
  { name: 'update evidence', method: 'PATCH', url: (w) => `${claim(w)}/evidence/${w.privateClaim.evidenceId}`, body: { summary: 'Shows it.' }, fields: { ...internal, claimId: someId, urlHash: 'ab' } },
  { name: 'create review', method: 'POST', url: (w) => `${claim(w)}/reviews`, body: publishableReview, fields: { ...internal, claimId: someId, status: 'published', datePublished: now, retractedAt: now, ratingScaleId: someId, isPublic: true } },
  { name: 'update review', method: 'PATCH', url: (w) => `${claim(w)}/reviews/${w.privateClaim.reviewId}`, body: { headline: 'Headline' }, fields: { ...internal, claimId: someId, status: 'published', datePublished: now, retractedAt: now, ratingScaleId: someId } },
  { name: 'create claimant', method: 'POST', url: () => '/v1/claimants', body: { name: 'Sam Senator' }, fields: internal },
  { name: 'update claimant', method: 'PATCH', url: (w) => `/v1/claimants/${w.claimantId}`, body: { name: 'Sam Senator' }, fields: internal },
  { name: 'create rating scale', method: 'POST', url: () => '/v1/rating-scales', body: { ...customScale, slug: 'another-scale' }, fields: { ...internal, builtIn: true } },
  { name: 'update rating scale', method: 'PATCH', url: (w) => `/v1/rating-scales/${w.scaleId}`, body: { name: 'Renamed' }, fields: { ...internal, builtIn: true } },
  { name: 'create API key', method: 'POST', url: () => '/v1/api-keys', body: { name: 'CI', role: 'editor' }, fields: { ...internal, keyHash: 'ab', prefix: 'ct_x', key: 'ct_x', revokedAt: now, lastUsedAt: now, createdByKeyId: someId } },
  { name: 'update organisation', method: 'PATCH', url: () => '/v1/organizations/newsroom', body: { name: 'Renamed' }, fields: { ...internal, slug: 'taken-over' } },
  { name: 'create webhook', method: 'POST', url: () => '/v1/webhooks', body: { url: 'https://partner.example.org/hooks', events: ['review.published'] }, fields: { ...internal, secret: 'whsec_AAAA', signingSecret: 'whsec_AAAA', previousSecret: 'whsec_AAAA', disabledReason: 'none' } },
  { name: 'update webhook', method: 'PATCH', url: (w) => `/v1/webhooks/${w.webhookId}`, body: { description: 'Feed' }, fields: { ...internal, secret: 'whsec_AAAA', signingSecret: 'whsec_AAAA', previousSecret: 'whsec_AAAA', disabledReason: 'none' } },
]

/** app.inject, keeping every response for the exposure checks below. */
function recording (app: FastifyInstance) {
  const responses: Array<{ what: string, res: LightMyRequestResponse }> = []
  const inject = async (request: InjectOptions) => {
    const res = await app.inject(request)
    responses.push({ what: `${request.method} ${request.url}`, res })
    return res
  }
  return { responses, inject }
}

t.test('internal properties in a create or update body are refused (400) and nothing changes', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const before = await ownerView(app, w)
  const tables = ['claims', 'appearances', 'evidence', 'reviews', 'claimants', 'rating_scales', 'api_keys', 'webhooks'] as const
  const counts = async () =>
    Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await countRows(app, table)])))
  const countsBefore = await counts()

  for (const target of targets) {
    const url = target.url(w)
    const headers = target.method === 'PATCH' ? { 'if-match': await ownerEtag(app, url) } : {}
    for (const [field, value] of Object.entries(target.fields)) {
      const res = await app.inject({ method: target.method, url, headers, payload: { ...target.body, [field]: value } })
      t.equal(res.statusCode, 400, `${target.name} with ${field}: ${res.body.slice(0, 200)}`)
      t.equal(res.json().type, '/problems/validation-failed', `${target.name} with ${field}: validation-failed`)
      t.match(JSON.stringify(res.json().errors), field, `${target.name} with ${field}: the problem names ${field}`)
    }
  }
  // An unknown role is no way to more rights either.
  for (const role of ['owner', 'superadmin', 'root', 'ADMIN']) {
    const res = await app.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'CI', role } })
    t.equal(res.statusCode, 400, `a key with role ${role} is refused`)
  }
  t.same(await counts(), countsBefore, 'no row was added')
  t.same(await ownerView(app, w), before, 'every object reads exactly as before')
})

/**
 * Property names no response may carry anywhere: a key's hash, the search document, driver-level names. (A URL's
 * hash is no secret: the prefix lookup hands them out by design, as `hash`, so that pages are matched privately.)
 */
const neverAnywhere = ['keyHash', 'key_hash', 'searchVector', 'search_vector', 'organization_id', 'url_hash', 'txId', 'tx_id', 'createdByKeyId', 'requestHash', 'password', 'secret']
/**
 * Internal columns no resource may carry. A revision's `before`/`after` have their entity's history shape, which
 * adds `deletedAt` only (the history says so: after a delete, `deletedAt` is set).
 */
const notInResources = ['deletedAt', 'organizationId', 'isPublic', 'currentReviewId', 'urlHash', 'urlCanonical', 'ratingScaleId', 'keyId', 'actorKeyId']

t.test('no response carries a hash, a secret or an internal column', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const { responses, inject } = recording(app)
  const createdKey = await inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'Exposure', role: 'reader' } })
  t.equal(createdKey.statusCode, 201)
  const secret: string = createdKey.json().key
  t.match(secret, /^ct_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/, 'the secret is shown once, at creation')
  t.equal(createdKey.headers['cache-control'], 'no-store', 'and is not to be cached')
  await inject({ method: 'GET', url: '/v1/claims', headers: { authorization: `Bearer ${secret}` } })
  const createdHook = await inject({ method: 'POST', url: '/v1/webhooks', payload: { url: 'https://partner.example.org/hooks', events: ['claim.updated'] } })
  const rotatedHook = await inject({ method: 'POST', url: `/v1/webhooks/${createdHook.json().id}/rotate-secret` })
  const signingSecrets: string[] = [createdHook.json().signingSecret, rotatedHook.json().signingSecret]
  t.ok(signingSecrets.every((s) => /^whsec_[A-Za-z0-9+/]{43}=$/.test(s)), 'a webhook\'s signing secret is shown on creation and rotation')
  t.equal(createdHook.headers['cache-control'], 'no-store', 'and is not to be cached')

  const deleted = await inject({ method: 'DELETE', url: `/v1/claims/${w.privateClaim.id}/evidence/${w.privateClaim.evidenceId}`, headers: { 'if-match': await ownerEtag(app, `/v1/claims/${w.privateClaim.id}/evidence/${w.privateClaim.evidenceId}`) } })
  t.equal(deleted.statusCode, 204)
  const gets = [
    '/v1/claims', '/v1/claims?q=tariffs', '/v1/claimants', '/v1/rating-scales', '/v1/organizations', '/v1/api-keys', `/v1/api-keys/${w.keyId}`,
    '/v1/audit', '/v1/changes', '/v1/claimreview', '/v1alpha1/claims:search?query=unemployment',
    '/v1/lookup?url=https%3A%2F%2Fshown.example.org%2Fsaid', '/v1/lookup/prefixes/0123abcd', `/v1/claims/${w.publicClaim.id}/claimreview`,
    `/v1/claims/${w.privateClaim.id}/history?limit=100`, `/v1/claims/${w.publicClaim.id}/history?limit=100`,
    `/v1/claims/${w.privateClaim.id}?asOf=${encodeURIComponent(new Date().toISOString())}`,
    `/v1/claims/${w.privateClaim.id}`,
    `/v1/claims/${w.publicClaim.id}`, `/v1/claims/${w.publicClaim.id}/reviews`, `/v1/claims/${w.publicClaim.id}/appearances`,
    `/v1/claims/${w.publicClaim.id}/evidence`, `/v1/claims/${w.privateClaim.id}/reviews/${w.privateClaim.reviewId}`,
    `/v1/claimants/${w.claimantId}`, `/v1/rating-scales/${w.scaleId}`, '/v1/organizations/newsroom',
    '/v1/webhooks', `/v1/webhooks/${createdHook.json().id}`, `/v1/webhooks/${createdHook.json().id}/deliveries`,
  ]
  for (const url of gets) t.equal((await inject({ method: 'GET', url })).statusCode, 200, `GET ${url}`)
  t.equal((await inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'unemployment fell to zero' } })).statusCode, 200)
  t.equal((await inject({ method: 'PATCH', url: `/v1/claims/${w.publicClaim.id}`, headers: { 'if-match': await ownerEtag(app, `/v1/claims/${w.publicClaim.id}`) }, payload: { topics: ['jobs'] } })).statusCode, 200)

  const keyList = responses.find((r) => r.what === 'GET /v1/api-keys')?.res.json()
  t.ok(keyList.data.length >= 2, 'the key list has keys')
  for (const key of keyList.data) t.same(Object.keys(key).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role'], `key ${key.name}: only its public fields`)

  for (const { what, res } of responses) {
    if (res !== createdKey) t.notMatch(res.body, secret.slice(3), `${what}: no secret after its creation`)
    if (res !== createdHook) t.notOk(res.body.includes(signingSecrets[0] ?? ''), `${what}: no webhook secret after its creation`)
    if (res !== rotatedHook) t.notOk(res.body.includes(signingSecrets[1] ?? ''), `${what}: nor after its rotation`)
    if (!/json/.test(String(res.headers['content-type'])) || res.body === '') continue
    const found: string[] = []
    walk(res.json(), (name, _value, path) => {
      const inSnapshot = what.includes('/history') && path.some((p) => p === 'before' || p === 'after') && name === 'deletedAt'
      // A revision names the key and organisation that made it (documented in the Revision schema).
      const revisionActor = what.includes('/history') && path.length === 2 && (name === 'actorKeyId' || name === 'organizationId')
      if (neverAnywhere.includes(name)) found.push(path.concat(name).join('.'))
      else if (notInResources.includes(name) && !inSnapshot && !revisionActor) found.push(path.concat(name).join('.'))
    })
    t.same(found, [], `${what}: no internal property`)
  }
})

t.test('the OpenAPI document promises no internal property in any response', async (t) => {
  const doc = JSON.parse(await readFile(openapiPath, 'utf8'))
  const found: string[] = []
  walk(doc, (name, value, path) => {
    if (name !== 'properties' || value === null || typeof value !== 'object') return
    for (const property of Object.keys(value)) {
      // A revision names the key and organisation that made it, by design (one variant per entity type).
      const revisionActor = /^components\.schemas\.Revision(Input)?(\.oneOf\.\d+)?$/.test(path.join('.')) && (property === 'actorKeyId' || property === 'organizationId')
      // An entity's history shape says when it was deleted (in the `after` of a delete), by design.
      const historyDeletion = /^components\.schemas\.[A-Za-z]+History$/.test(path.join('.')) && property === 'deletedAt'
      if (neverAnywhere.includes(property) || (notInResources.includes(property) && !revisionActor && !historyDeletion)) found.push(`${path.join('.')}.${property}`)
    }
  })
  t.same(found, [], 'no schema has a property named like an internal column')
})
