// The one error language: every refusal across the app is RFC 9457 problem+json with a request id and no internals.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { build, createClaim, isProblem } from '../helper.ts'

const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'instance', 'requestId', 'errors']
const LEAK = /at .*\.ts|node_modules|select |insert into|\/work\//i
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A problem answer as every one should be: complete, consistent with the response, and revealing nothing. */
function problemOf (t: Test, res: LightMyRequestResponse, status: number, type?: string) {
  const body = isProblem(t, res, status, type)
  t.match(body.type, /^\/problems\/[a-z-]+$/, 'type is a problem URI')
  t.type(body.requestId, 'string')
  t.equal(res.headers['x-request-id'], body.requestId, 'requestId is the X-Request-Id header')
  t.same(Object.keys(body).filter((key) => !PROBLEM_KEYS.includes(key)), [], 'no other members')
  t.notMatch(res.body, LEAK, 'no stack, SQL or path')
  return body
}

const claimCount = async (app: FastifyInstance) => (await app.inject({ method: 'GET', url: '/v1/claims?limit=100' })).json().data.length

t.test('malformed and empty JSON bodies are 400', async (t) => {
  const app = await build(t)
  const json = { 'content-type': 'application/json' }
  const broken = problemOf(t, await app.inject({ method: 'POST', url: '/v1/claims', headers: json, payload: '{"text": ' }), 400, 'invalid-json')
  t.equal(broken.instance, '/v1/claims')
  problemOf(t, await app.inject({ method: 'POST', url: '/v1/claims', headers: json, payload: '{"text": "a",}' }), 400, 'invalid-json')
  problemOf(t, await app.inject({ method: 'POST', url: '/v1/claims', headers: json, payload: '' }), 400, 'bad-request')
  const notObject = problemOf(t, await app.inject({ method: 'POST', url: '/v1/claims', headers: json, payload: '["x"]' }), 400, 'validation-failed')
  t.same(notObject.errors.map((e: { field: string }) => e.field), ['body'])

  const claim = await createClaim(app)
  problemOf(t, await app.inject({ method: 'PATCH', url: `/v1/claims/${claim.id}`, headers: { ...json, 'if-match': '*' }, payload: '{"status":' }), 400, 'invalid-json')
  problemOf(t, await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/evidence`, headers: json, payload: '{url: "https://x.org"}' }), 400, 'invalid-json')
  t.equal(await claimCount(app), 1, 'nothing else was created')
})

t.test('a body over BODY_LIMIT is 413, whatever makes it large', async (t) => {
  const app = await build(t, { env: { BODY_LIMIT: '2048' } })
  const padded = `{"text": "Short enough."${' '.repeat(3072)}}`
  t.ok(Buffer.byteLength(padded) > 3072)
  const spaces = problemOf(t, await app.inject({ method: 'POST', url: '/v1/claims', headers: { 'content-type': 'application/json' }, payload: padded }), 413, 'payload-too-large')
  t.equal(spaces.instance, '/v1/claims')
  problemOf(t, await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'x'.repeat(3000) } }), 413, 'payload-too-large')
  problemOf(t, await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'ok', topics: Array.from({ length: 300 }, (_, i) => `topic-${i}`) } }), 413, 'payload-too-large')
  t.equal(await claimCount(app), 0, 'nothing was created')

  const fits = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'y'.repeat(1900) } })
  t.equal(fits.statusCode, 201, 'a body under the limit is accepted')
  const tooLong = problemOf(t, await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'y'.repeat(2001) } }), 400, 'validation-failed')
  t.same(tooLong.errors.map((e: { field: string }) => e.field), ['body.text'], 'under the limit, the text rule still applies')
})

t.test('request bodies must be JSON: other media types are 415', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const send = (url: string, contentType: string, payload: string, method: 'POST' | 'PATCH' = 'POST') =>
    app.inject({ method, url, headers: { 'content-type': contentType, 'if-match': '*' }, payload })

  problemOf(t, await send('/v1/claims', 'text/plain', 'The moon is made of cheese.'), 415, 'unsupported-media-type')
  problemOf(t, await send('/v1/claims', 'text/plain', '{"text":"The moon is made of cheese."}'), 415, 'unsupported-media-type')
  problemOf(t, await send('/v1/claims', 'application/xml', '<claim><text>x</text></claim>'), 415, 'unsupported-media-type')
  problemOf(t, await send('/v1/claims', 'application/x-www-form-urlencoded', 'text=x'), 415, 'unsupported-media-type')
  problemOf(t, await send(`/v1/claims/${claim.id}`, 'text/plain', 'status=archived', 'PATCH'), 415, 'unsupported-media-type')
  problemOf(t, await send(`/v1/claims/${claim.id}/appearances`, 'text/csv', 'a,b'), 415, 'unsupported-media-type')
  t.equal(await claimCount(app), 1, 'nothing was created')
  t.same((await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).json(), { ...claim, appearances: [], evidence: [] }, 'nothing was changed')
})

t.test('unknown routes and methods are 4xx problems', async (t) => {
  const app = await build(t)
  const nothing = problemOf(t, await app.inject({ method: 'GET', url: '/v2/nothing' }), 404, 'not-found')
  t.equal(nothing.instance, '/v2/nothing')
  const typo = problemOf(t, await app.inject({ method: 'GET', url: '/v1/claimz?secret=1' }), 404, 'not-found')
  t.equal(typo.instance, '/v1/claimz', 'the query string is left out of instance')
  t.notMatch(typo.detail, /secret/)

  const claim = await createClaim(app)
  for (const [method, url] of [['PUT', '/v1/claims'], ['DELETE', '/v1/claims'], ['POST', `/v1/claims/${claim.id}`], ['PUT', `/v1/claims/${claim.id}/evidence`]] as const) {
    const res = await app.inject({ method, url, payload: { text: 'x' } })
    t.ok([404, 405].includes(res.statusCode), `${method} ${url}: ${res.statusCode}`)
    const body = problemOf(t, res, res.statusCode, res.statusCode === 404 ? 'not-found' : 'method-not-allowed')
    t.equal(body.instance, url)
    if (res.statusCode === 405) t.type(res.headers.allow, 'string', '405 names the allowed methods')
  }
  t.equal(await claimCount(app), 1, 'nothing was created')
})

t.test('a prototype-poisoning body is refused and creates nothing', async (t) => {
  const app = await build(t)
  const other = await createClaim(app)
  const bodies = ['{"text":"x","__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"text":"x","constructor":{"prototype":{"x":1}}}']
  for (const payload of bodies) {
    for (const url of ['/v1/claims', `/v1/claims/${other.id}/appearances`]) {
      const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload })
      const body = problemOf(t, res, 400)
      t.ok(['/problems/invalid-json', '/problems/bad-request', '/problems/validation-failed'].includes(body.type), `${payload} -> ${body.type}`)
    }
  }
  t.equal(await claimCount(app), 1, 'no claim was created')
  t.same((await app.inject({ method: 'GET', url: `/v1/claims/${other.id}/appearances` })).json().data, [], 'no appearance was created')
  t.equal(({} as Record<string, unknown>).admin, undefined, 'Object.prototype is untouched')
})

t.test('validation problems list every field at fault', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: '', language: 42, extra: true } })
  const body = problemOf(t, res, 400, 'validation-failed')
  t.ok(Array.isArray(body.errors) && body.errors.length >= 2, JSON.stringify(body.errors))
  for (const error of body.errors) {
    t.match(error, { field: /^body/, message: String })
    t.match(body.detail, error.field, 'the detail names each field')
  }
  const query = problemOf(t, await app.inject({ method: 'GET', url: '/v1/claims?limit=abc' }), 400, 'validation-failed')
  t.same(query.errors.map((e: { field: string }) => e.field), ['query.limit'])
  const params = problemOf(t, await app.inject({ method: 'GET', url: '/v1/claims/not-an-id' }), 400, 'validation-failed')
  t.same(params.errors.map((e: { field: string }) => e.field), ['params.id'])
  const header = problemOf(t, await app.inject({ method: 'GET', url: `/v1/claims/${(await createClaim(app)).id}`, headers: { 'if-none-match': 'x'.repeat(2000) } }), 400, 'validation-failed')
  t.same(header.errors.map((e: { field: string }) => e.field), ['headers.if-none-match'])
})

t.test('unexpected errors are a 500 that reveals nothing; database refusals are mapped', async (t) => {
  const app = await build(t, { allow5xx: true })
  const internal = new Error('insert into claims (text) values ($1) failed at Object.<anonymous> (/work/main/src/services/claims.ts:42:7)')
  app.get('/test/boom', async () => { throw internal })
  app.get('/test/unique', async () => { throw new Error('query failed', { cause: Object.assign(new Error('duplicate key value violates unique constraint "claimants_slug_live_key"'), { code: '23505' }) }) })

  const boom = await app.inject({ method: 'GET', url: '/test/boom', headers: { 'x-request-id': 'trace-500' } })
  const body = problemOf(t, boom, 500, 'internal-error')
  t.equal(body.requestId, 'trace-500', 'the id to quote when reporting it')
  t.notMatch(boom.body, /insert|claims\.ts|\$1|Object\.<anonymous>/, 'the message stays in the log')
  t.notOk('stack' in body)

  const unique = problemOf(t, await app.inject({ method: 'GET', url: '/test/unique' }), 409, 'conflict')
  t.notMatch(unique.detail, /duplicate key|claimants_slug_live_key/, 'no constraint names')
})

t.test('X-Request-Id: a sane one is kept, anything else is replaced by a generated id', async (t) => {
  const app = await build(t)
  for (const id of ['abc-123', 'req.2025:08_17', 'a'.repeat(128)]) {
    const res = await app.inject({ method: 'GET', url: '/v2/nothing', headers: { 'x-request-id': id } })
    t.equal(problemOf(t, res, 404).requestId, id, `kept: ${id.slice(0, 20)}`)
  }
  const ok = await app.inject({ method: 'GET', url: '/v1/claims', headers: { 'x-request-id': 'list-1' } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['x-request-id'], 'list-1', 'echoed on success too')

  const generated = new Set<string>()
  for (const headers of [{}, {}, { 'x-request-id': '' }, { 'x-request-id': 'has space' }, { 'x-request-id': '<script>' }, { 'x-request-id': 'a'.repeat(129) }]) {
    const res = await app.inject({ method: 'GET', url: '/v1/claims/not-an-id', headers })
    const body = problemOf(t, res, 400, 'validation-failed')
    t.match(body.requestId, UUID, `generated for ${JSON.stringify(headers).slice(0, 40)}`)
    generated.add(body.requestId)
  }
  t.equal(generated.size, 6, 'a new id for every request')
})
