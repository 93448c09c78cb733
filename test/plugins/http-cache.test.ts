// HTTP caching of the public reads: Cache-Control for a CDN and Vary on public answers, `private, no-store` on
// answers that may hold an organisation's private data, strong ETags and If-None-Match -> 304.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { addAppearance, anonymous, bearer, build, createClaim, createPublicClaim, keyFor, settle } from '../helper.ts'

const PUBLIC = 'public, max-age=60, stale-while-revalidate=60'
const varyOf = (res: LightMyRequestResponse) => String(res.headers.vary ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean)

/**
 * The public answer is cacheable, revalidates to a bodiless 304 with the same headers, and a stale tag gets the body.
 */
async function revalidates (
  t: Test,
  app: FastifyInstance,
  url: string,
  options: { varyAuthorization: boolean; cacheControl?: string }
) {
  const first = await app.inject({ method: 'GET', url, headers: anonymous })
  t.equal(first.statusCode, 200, `${url}: ${first.body}`)
  const etag = String(first.headers.etag)
  t.match(etag, /^"[^"]+"$/, `${url}: a strong ETag`)
  t.equal(first.headers['cache-control'], options.cacheControl ?? PUBLIC, `${url}: public`)
  t.equal(
    varyOf(first).includes('authorization'),
    options.varyAuthorization,
    `${url}: Vary: Authorization ${options.varyAuthorization}`
  )
  const again = await app.inject({ method: 'GET', url, headers: anonymous })
  t.equal(again.headers.etag, etag, `${url}: the same answer, the same ETag`)

  const notModified = await app.inject({ method: 'GET', url, headers: { ...anonymous, 'if-none-match': etag } })
  t.equal(notModified.statusCode, 304, `${url}: 304`)
  t.equal(notModified.body, '', `${url}: a 304 has no body`)
  t.equal(notModified.headers.etag, etag, `${url}: a 304 repeats the ETag`)
  t.equal(notModified.headers['cache-control'], first.headers['cache-control'], `${url}: a 304 keeps Cache-Control`)
  t.same(varyOf(notModified), varyOf(first), `${url}: a 304 keeps Vary`)
  t.notOk(notModified.headers['content-type'], `${url}: a 304 has no Content-Type`)

  const stale = await app.inject({ method: 'GET', url, headers: { ...anonymous, 'if-none-match': '"stale"' } })
  t.equal(stale.statusCode, 200, `${url}: another tag gets the body`)
  t.equal(stale.body, first.body)
  return etag
}

t.test('public reads are cacheable by CDNs and revalidate to 304', async (t) => {
  const app = await build(t)
  const claim = await createPublicClaim(app, { text: 'Unemployment fell by half.' })
  await addAppearance(app, claim.id, 'https://example.com/story')

  for (const url of [`/v1/claims/${claim.id}`, '/v1/claims?limit=5', '/v1/claims?q=unemployment', '/v1/changes?limit=10', `/v1/claims/${claim.id}/claimreview`]) {
    await revalidates(t, app, url, { varyAuthorization: true })
  }
  for (const url of ['/v1/claimreview?limit=5', '/v1/lookup?url=https%3A%2F%2Fexample.com%2Fstory', '/v1/lookup/prefixes/abcdef12']) {
    await revalidates(t, app, url, { varyAuthorization: false })
  }
})

t.test('a change gives the public answers a new ETag', async (t) => {
  const app = await build(t)
  await createPublicClaim(app, { text: 'The first claim.' })
  const before = await revalidates(t, app, '/v1/claims?limit=5', { varyAuthorization: true })
  const feed = await revalidates(t, app, '/v1/changes?limit=50', { varyAuthorization: true })
  await createPublicClaim(app, { text: 'The second claim.' })
  // The feed shows a change once no older transaction runs anywhere on the server (another test's may, briefly).
  await settle(app)
  for (const [url, etag] of [['/v1/claims?limit=5', before], ['/v1/changes?limit=50', feed]] as const) {
    const res = await app.inject({ method: 'GET', url, headers: { ...anonymous, 'if-none-match': etag } })
    t.equal(res.statusCode, 200, `${url}: changed`)
    t.not(res.headers.etag, etag, `${url}: a new ETag`)
  }
})

t.test('answers that may hold private data are private to keys that see it', async (t) => {
  const app = await build(t)
  const published = await createPublicClaim(app)
  const draft = await createClaim(app, { text: 'Still being checked.' })
  const reader = bearer(await keyFor(app, 'reader'))
  const partner = bearer(await keyFor(app, 'partner'))

  for (const url of [`/v1/claims/${published.id}`, `/v1/claims/${draft.id}`, '/v1/claims', '/v1/changes', `/v1/claims/${draft.id}/claimreview`]) {
    for (const [who, headers] of [['admin', {}], ['reader', reader]] as const) {
      const res = await app.inject({ method: 'GET', url, headers })
      t.equal(res.statusCode, 200, `${url} (${who})`)
      t.equal(res.headers['cache-control'], 'private, no-store', `${url} (${who}): private`)
      t.ok(varyOf(res).includes('authorization'), `${url} (${who}): Vary: Authorization`)
      t.match(res.headers.etag, /^"[^"]+"$/, `${url} (${who}): still an ETag`)
      const again = await app.inject({ method: 'GET', url, headers: { ...headers, 'if-none-match': String(res.headers.etag) } })
      t.equal(again.statusCode, 304, `${url} (${who}): 304 for the key's own copy`)
      t.equal(again.headers['cache-control'], 'private, no-store', `${url} (${who}): the 304 is private too`)
    }
  }

  // A partner sees what anonymous callers see: public, kept apart from other keys' answers by Vary.
  for (const url of [`/v1/claims/${published.id}`, '/v1/claims', '/v1/changes']) {
    const res = await app.inject({ method: 'GET', url, headers: partner })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['cache-control'], PUBLIC, `${url} (partner): public`)
    t.ok(varyOf(res).includes('authorization'), `${url} (partner): Vary: Authorization`)
  }
  const hidden = await app.inject({ method: 'GET', url: `/v1/claims/${draft.id}`, headers: partner })
  t.equal(hidden.statusCode, 404, 'a partner does not see a draft')

  // Lookups and the ClaimReview feed never include private data: public whoever asks.
  for (const url of ['/v1/lookup?url=https%3A%2F%2Fexample.com%2Fa', '/v1/claimreview']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['cache-control'], PUBLIC, `${url} with an admin key: public`)
    t.notOk(varyOf(res).includes('authorization'), `${url}: no Vary: Authorization`)
  }
})

t.test('errors and writes are not made cacheable', async (t) => {
  const app = await build(t)
  const missing = await app.inject({ method: 'GET', url: '/v1/claims/01890000-0000-7000-8000-000000000000', headers: anonymous })
  t.equal(missing.statusCode, 404)
  t.notOk(String(missing.headers['cache-control'] ?? '').includes('public'), 'a 404 is not public')
  t.notOk(missing.headers.etag, 'a 404 has no ETag')
  const invalid = await app.inject({ method: 'GET', url: '/v1/claims?limit=1000', headers: anonymous })
  t.equal(invalid.statusCode, 400)
  t.notOk(String(invalid.headers['cache-control'] ?? '').includes('public'), 'a 400 is not public')
  const created = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'A new claim.' } })
  t.equal(created.statusCode, 201)
  t.notOk(String(created.headers['cache-control'] ?? '').includes('public'), 'a write is not public')
})

t.test('with trusted origins, Vary names Origin as well as Authorization', async (t) => {
  const app = await build(t, { env: { CORS_ORIGINS: 'https://desk.example.org' } })
  const claim = await createPublicClaim(app)
  const res = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}`, headers: { ...anonymous, origin: 'https://news.example.org' } })
  t.equal(res.statusCode, 200)
  t.ok(varyOf(res).includes('origin'), `Vary: ${res.headers.vary}`)
  t.ok(varyOf(res).includes('authorization'), `Vary: ${res.headers.vary}`)
  t.equal(res.headers['cache-control'], PUBLIC)
})
