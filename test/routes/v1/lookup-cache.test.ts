// /v1/lookup for browsers: lookups by hash prefix, CORS on every answer, and the cache headers (Cache-Control, ETag,
// 304).
import { createHash } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { addAppearance, build, change, createClaim, createPublicClaim, etagOf, isProblem, publishReview } from '../../helper.ts'

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const prefixUrl = (prefix: string) => `/v1/lookup/prefixes/${prefix}`
const pageUrl = (url: string) => `/v1/lookup?url=${encodeURIComponent(url)}`

/** The canonical URL of a page as the service reports it, and the SHA-256 a client would compute from it. */
async function hashOf (app: FastifyInstance, url: string) {
  const res = await app.inject({ method: 'GET', url: pageUrl(url) })
  if (res.statusCode !== 200) throw new Error(`hashOf: ${res.statusCode} ${res.body}`)
  const canonicalUrl: string = res.json().canonicalUrl
  return { canonicalUrl, hash: sha256(canonicalUrl), claims: res.json().claims }
}

function isPublic (t: Test, res: LightMyRequestResponse, what: string) {
  t.equal(res.headers['access-control-allow-origin'], '*', `${what}: any origin`)
  t.notOk('access-control-allow-credentials' in res.headers, `${what}: no credentials`)
}

/** Expects a 400 problem and hands the response on, to check its headers. */
function isProblemResponse (t: Test, res: LightMyRequestResponse) {
  isProblem(t, res, 400, 'validation-failed')
  return res
}

function isCacheable (t: Test, res: LightMyRequestResponse, maxAge: number) {
  t.match(res.headers.etag, /^"[^"]+"$/, 'a strong ETag')
  const cacheControl = String(res.headers['cache-control'])
  t.ok(cacheControl.split(',').map((d) => d.trim()).includes('public'), `public: ${cacheControl}`)
  t.ok(cacheControl.split(',').map((d) => d.trim()).includes(`max-age=${maxAge}`), `max-age=${maxAge}: ${cacheControl}`)
}

t.test('a hash prefix finds exactly the pages whose hash starts with it', async (t) => {
  const app = await build(t)
  const first = await createPublicClaim(app, { text: 'On page A.' })
  const second = await createPublicClaim(app, { text: 'Also on page A.' })
  const other = await createPublicClaim(app, { text: 'On page B.' })
  await addAppearance(app, first.id, 'https://www.example.com/a?utm_source=x')
  await addAppearance(app, first.id, 'http://example.com/a/')
  await addAppearance(app, second.id, 'https://example.com/a')
  await addAppearance(app, other.id, 'https://example.com/b')

  const a = await hashOf(app, 'https://example.com/a#top')
  const b = await hashOf(app, 'https://example.com/b')
  t.equal(a.canonicalUrl, 'https://example.com/a')
  t.equal(a.hash, sha256('https://example.com/a'))
  t.equal(a.claims.length, 2)
  t.not(a.hash.slice(0, 8), b.hash.slice(0, 8), 'the two pages do not share a prefix')

  for (const [page, prefix] of [
    [a, a.hash.slice(0, 8)],
    [a, a.hash.slice(0, 8).toUpperCase()],
    [b, b.hash.slice(0, 8)],
  ] as const) {
    const res = await app.inject({ method: 'GET', url: prefixUrl(prefix) })
    t.equal(res.statusCode, 200, res.body)
    t.same(res.json(), { prefix: prefix.toLowerCase(), matches: [{ hash: page.hash, claims: page.claims }] }, prefix)
  }
  const lower = await app.inject({ method: 'GET', url: prefixUrl(a.hash.slice(0, 8)) })
  const upper = await app.inject({ method: 'GET', url: prefixUrl(a.hash.slice(0, 8).toUpperCase()) })
  t.equal(upper.headers.etag, lower.headers.etag, 'upper case is the same answer')

  const unused = ['00000000', 'ffffffff', '12345678'].find((p) => p !== a.hash.slice(0, 8) && p !== b.hash.slice(0, 8)) ?? '0f0f0f0f'
  const empty = await app.inject({ method: 'GET', url: prefixUrl(unused) })
  t.equal(empty.statusCode, 200)
  t.same(empty.json(), { prefix: unused, matches: [] })

  t.equal((await change(app, 'DELETE', `/v1/claims/${other.id}`)).statusCode, 204)
  const deleted = await app.inject({ method: 'GET', url: prefixUrl(b.hash.slice(0, 8)) })
  t.equal(deleted.statusCode, 200)
  t.same(deleted.json(), { prefix: b.hash.slice(0, 8), matches: [] }, 'a deleted claim leaves no match')
})

t.test('a prefix must be 8 hexadecimal characters', async (t) => {
  const app = await build(t)
  for (const prefix of ['xyz', 'abcdef1', 'abcdef123', 'abcdefgh', 'abcdef1%20']) {
    const body = isProblem(t, await app.inject({ method: 'GET', url: prefixUrl(prefix) }), 400, 'validation-failed')
    t.equal(body.errors?.[0]?.field, 'params.prefix', prefix)
  }
})

t.test('every lookup answer is public to any origin, without credentials', async (t) => {
  const app = await build(t)
  const claim = await createPublicClaim(app)
  await addAppearance(app, claim.id, 'https://example.com/cors')

  const page = await app.inject({ method: 'GET', url: pageUrl('https://example.com/cors'), headers: { origin: 'https://news.example.org' } })
  t.equal(page.statusCode, 200)
  isPublic(t, page, 'GET 200')
  const notModified = await app.inject({ method: 'GET', url: pageUrl('https://example.com/cors'), headers: { 'if-none-match': String(page.headers.etag) } })
  t.equal(notModified.statusCode, 304)
  isPublic(t, notModified, 'GET 304')
  isPublic(t, isProblemResponse(t, await app.inject({ method: 'GET', url: pageUrl('ftp://x') })), 'GET 400')
  isPublic(t, isProblemResponse(t, await app.inject({ method: 'GET', url: '/v1/lookup' })), 'GET 400 without url')

  const posted = await app.inject({ method: 'POST', url: '/v1/lookup', payload: { urls: ['https://example.com/cors'] } })
  t.equal(posted.statusCode, 200)
  isPublic(t, posted, 'POST 200')
  isPublic(t, isProblemResponse(t, await app.inject({ method: 'POST', url: '/v1/lookup', payload: { urls: [] } })), 'POST 400')

  const prefix = sha256('https://example.com/cors').slice(0, 8)
  const byPrefix = await app.inject({ method: 'GET', url: prefixUrl(prefix) })
  t.equal(byPrefix.statusCode, 200)
  isPublic(t, byPrefix, 'prefix 200')
  const prefix304 = await app.inject({ method: 'GET', url: prefixUrl(prefix), headers: { 'if-none-match': String(byPrefix.headers.etag) } })
  t.equal(prefix304.statusCode, 304)
  isPublic(t, prefix304, 'prefix 304')
  isPublic(t, isProblemResponse(t, await app.inject({ method: 'GET', url: prefixUrl('xyz') })), 'prefix 400')

  for (const [url, methods] of [['/v1/lookup', ['GET', 'POST']], [prefixUrl('abcdef12'), ['GET']]] as const) {
    const res = await app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://news.example.org', 'access-control-request-method': 'GET' } })
    t.equal(res.statusCode, 204, `OPTIONS ${url}`)
    t.equal(res.body, '')
    isPublic(t, res, `OPTIONS ${url}`)
    const allowed = String(res.headers['access-control-allow-methods']).split(',').map((m) => m.trim())
    for (const method of methods) t.ok(allowed.includes(method), `OPTIONS ${url} allows ${method}: ${allowed.join(', ')}`)
  }
})

t.test('GET answers are cacheable and revalidate to 304 until the data changes', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  await addAppearance(app, claim.id, 'https://example.com/cached')
  const url = pageUrl('https://example.com/cached')
  const prefix = prefixUrl(sha256('https://example.com/cached').slice(0, 8))

  for (const path of [url, prefix]) {
    const first = await app.inject({ method: 'GET', url: path })
    t.equal(first.statusCode, 200)
    isCacheable(t, first, 60)
    const etag = String(first.headers.etag)
    const again = await app.inject({ method: 'GET', url: path })
    t.equal(again.headers.etag, etag, 'the same data gives the same ETag')

    const notModified = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': etag } })
    t.equal(notModified.statusCode, 304, path)
    t.equal(notModified.body, '', 'a 304 has no body')
    t.equal(notModified.headers.etag, etag, 'a 304 repeats the ETag')
    // RFC 9110 §8.6: a 304 MUST NOT carry a Content-Length other than the one of the 200 (a cache may copy it over).
    const length = notModified.headers['content-length']
    t.ok(length === undefined || length === first.headers['content-length'], `a 304 has no stray Content-Length: ${length}`)
    const listed = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': `"other", ${etag}` } })
    t.equal(listed.statusCode, 304, 'any listed tag matches')
    const stale = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': '"other"' } })
    t.equal(stale.statusCode, 200, 'another tag gets the body')
    t.same(stale.json(), first.json())
  }

  const before = { page: await etagOf(app, url), prefix: await etagOf(app, prefix) }
  await publishReview(app, claim.id)
  for (const [path, etag] of [[url, before.page], [prefix, before.prefix]]) {
    const res = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': etag } })
    t.equal(res.statusCode, 200, `${path} changed after the review was published`)
    t.not(res.headers.etag, etag, 'a new ETag')
    isCacheable(t, res, 60)
  }
  const page = await app.inject({ method: 'GET', url })
  t.match(page.json().claims, [{ id: claim.id, status: 'reviewed', currentVerdict: { rating: { key: 'false' } } }])

  const moved = await etagOf(app, url)
  const another = await createPublicClaim(app, { text: 'Another claim.' })
  await addAppearance(app, another.id, 'https://example.com/cached')
  const added = await app.inject({ method: 'GET', url, headers: { 'if-none-match': moved } })
  t.equal(added.statusCode, 200, 'a new claim at the page changes the answer')
  t.equal(added.json().claims.length, 2)
})

t.test('LOOKUP_MAX_AGE sets max-age', async (t) => {
  const app = await build(t, { env: { LOOKUP_MAX_AGE: '300' } })
  const page = await app.inject({ method: 'GET', url: pageUrl('https://example.com/anything') })
  t.equal(page.statusCode, 200)
  t.same(page.json().claims, [])
  isCacheable(t, page, 300)
  const byPrefix = await app.inject({ method: 'GET', url: prefixUrl('abcdef12') })
  t.equal(byPrefix.statusCode, 200)
  isCacheable(t, byPrefix, 300)
  const notModified = await app.inject({ method: 'GET', url: prefixUrl('abcdef12'), headers: { 'if-none-match': String(byPrefix.headers.etag) } })
  t.equal(notModified.statusCode, 304)
  t.match(String(notModified.headers['cache-control']), /max-age=300/, 'a 304 keeps the cache lifetime')
})
