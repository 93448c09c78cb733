// CORS and security headers: any origin may read public data without a key; only CORS_ORIGINS may send one; every
// answer carries headers fitting a JSON API, and /docs a policy that lets it run.
import t from 'tap'
import { anonymous, build, createPublicClaim } from '../helper.ts'

const trusted = 'https://desk.example.org'
const stranger = 'https://elsewhere.example.net'
const preflight = (method: string, headers: string) => ({ 'access-control-request-method': method, 'access-control-request-headers': headers })
const listed = (value: unknown) => String(value ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean)

t.test('any origin may read public data, but not send a key or write', async (t) => {
  const app = await build(t, { env: { CORS_ORIGINS: trusted } })
  const claim = await createPublicClaim(app)
  const read = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}`, headers: { ...anonymous, origin: stranger } })
  t.equal(read.statusCode, 200)
  t.equal(read.headers['access-control-allow-origin'], '*')
  t.notOk('access-control-allow-credentials' in read.headers, 'no credentials')
  t.ok(listed(read.headers['access-control-expose-headers']).includes('etag'), 'ETag is readable')

  const writing = await app.inject({ method: 'OPTIONS', url: '/v1/claims', headers: { origin: stranger, ...preflight('POST', 'authorization, content-type') } })
  t.equal(writing.statusCode, 204)
  t.notOk(listed(writing.headers['access-control-allow-headers']).includes('authorization'), 'a stranger may not send a key')
  const patching = await app.inject({ method: 'OPTIONS', url: `/v1/claims/${claim.id}`, headers: { origin: stranger, ...preflight('PATCH', 'content-type, if-match') } })
  t.notOk(listed(patching.headers['access-control-allow-methods']).includes('patch'), 'nor PATCH')
  t.match(String(writing.headers.vary), /Origin/i, 'answers that depend on the origin say so')
})

t.test('a configured origin may send a key and write', async (t) => {
  const app = await build(t, { env: { CORS_ORIGINS: `${trusted}, https://other-desk.example.org` } })
  const res = await app.inject({ method: 'OPTIONS', url: '/v1/claims', headers: { origin: trusted, ...preflight('PATCH', 'authorization, content-type, if-match, idempotency-key') } })
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-origin'], trusted, 'the origin, not *')
  for (const header of ['authorization', 'if-match', 'idempotency-key']) t.ok(listed(res.headers['access-control-allow-headers']).includes(header), header)
  for (const method of ['post', 'patch', 'delete']) t.ok(listed(res.headers['access-control-allow-methods']).includes(method), method)
  const created = await app.inject({ method: 'POST', url: '/v1/claims', headers: { origin: trusted }, payload: { text: 'From the desk.' } })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['access-control-allow-origin'], trusted)
  t.ok(listed(created.headers['access-control-expose-headers']).includes('location'), 'Location is readable')
  t.match(String(created.headers.vary), /Origin/i)
})

t.test('without CORS_ORIGINS no origin may send a key', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'OPTIONS', url: '/v1/claims', headers: { origin: trusted, ...preflight('POST', 'authorization') } })
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.notOk(listed(res.headers['access-control-allow-headers']).includes('authorization'))
})

t.test('security headers fit a JSON API; /docs may run its scripts', async (t) => {
  const app = await build(t)
  for (const url of ['/v1/claims', '/v1/claims/not-an-id', '/nowhere']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
    t.match(String(res.headers['content-security-policy']), /default-src 'none'/, `${url}: nothing may load`)
    t.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/, `${url}: nor be framed`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', url)
    t.match(String(res.headers['strict-transport-security']), /max-age=\d+/, url)
    t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', `${url}: readable from other sites`)
    t.notOk('x-powered-by' in res.headers, url)
  }
  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(String(docs.headers['content-security-policy']), /script-src 'self'/, '/docs runs its own scripts')
  t.match(String(docs.headers['content-security-policy']), /frame-ancestors 'none'/)
})
