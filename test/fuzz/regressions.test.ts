// What schema-driven fuzzing found, pinned down: answers fastify gives before any route runs, and statuses the
// OpenAPI document did not list.
import t from 'tap'
import { build, createClaim, etagOf, isProblem, publishableReview } from '../helper.ts'

interface Op { security?: unknown[], responses: Record<string, unknown> }
type Paths = Record<string, Record<string, Op>>

t.test('a URL with a malformed percent-encoding is a 400 problem, not fastify\'s own JSON', async (t) => {
  const app = await build(t)
  for (const url of ['/v1/claims/%C0%AF', '/v1/claims/%E0%A4%A', '/v1/api-keys/%C0%AF?x=1']) {
    const res = await app.inject({ method: 'GET', url })
    const body = isProblem(t, res, 400, 'bad-request')
    t.equal(body.instance, url.split('?')[0], `${url}: instance`)
    t.equal(res.headers['x-request-id'], body.requestId, `${url}: the request id is sent`)
  }
})

t.test('a path parameter longer than the router allows is a 400 problem, not an undocumented 414', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: `/v1/claims/${'a'.repeat(101)}` })
  isProblem(t, res, 400, 'bad-request')
})

t.test('an operation without a request body documents the 413 and 415 a body sent anyway gets', async (t) => {
  const app = await build(t)
  const claim = (await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Fuzzing found this.' } })).json()
  const res = await app.inject({ method: 'DELETE', url: `/v1/claims/${claim.id}`, headers: { 'content-type': 'text/plain' }, payload: 'x' })
  isProblem(t, res, 415, 'unsupported-media-type')
  const paths = (app.swagger() as unknown as { paths: Paths }).paths
  for (const [path, method] of [['/v1/claims/{id}', 'delete'], ['/v1/claims/{claimId}/reviews/{id}/publish', 'post'], ['/v1/api-keys/{id}', 'delete']] as const) {
    const responses = paths[path]?.[method]?.responses ?? {}
    t.ok('413' in responses && '415' in responses, `${method.toUpperCase()} ${path} documents 413 and 415`)
  }
  t.notOk('415' in (paths['/v1/claims/{id}']?.get?.responses ?? {}), 'a GET does not (its body is never read)')
})

t.test('the probes read no credentials: the document gives them no security and no 401 or 429', async (t) => {
  const app = await build(t)
  await app.ready()
  const paths = (app.swagger() as unknown as { paths: Paths }).paths
  for (const path of ['/healthz', '/readyz']) {
    const op = paths[path]?.get
    t.same(op?.security, [], `${path}: no security`)
    t.notOk('401' in (op?.responses ?? {}) || '429' in (op?.responses ?? {}), `${path}: no 401 or 429`)
    const res = await app.inject({ method: 'GET', url: path, headers: { authorization: 'Bearer not-a-key' } })
    t.equal(res.statusCode, 200, `${path}: a broken key is ignored`)
  }
  t.same(paths['/v1/claims']?.get?.security, [{}, { apiKey: [] }], 'other public operations still read a key when one is sent')
})

t.test('the documented pattern of reviewPublisherSiteFilter admits the upper case the server accepts', async (t) => {
  const app = await build(t)
  await app.ready()
  const paths = (
    app.swagger() as unknown as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; schema: { pattern: string } }> }>>
    }
  ).paths
  const pattern = paths['/v1alpha1/claims:search']?.get?.parameters.find((p) => p.name === 'reviewPublisherSiteFilter')?.schema.pattern
  t.match('PolitiFact.com', new RegExp(pattern ?? '^$'), 'the document allows it')
  const res = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?reviewPublisherSiteFilter=PolitiFact.com' })
  t.equal(res.statusCode, 200, 'and so does the server')
})

t.test('a body nested thousands of levels deep is a 400, not a stack overflow in the Idempotency-Key hash', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const draft = (await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload: publishableReview })).json()
  const url = `/v1/claims/${claim.id}/reviews/${draft.id}/publish`
  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
  // Publishing takes no body, so none is validated: the hash of the request was the first to walk it.
  const res = await app.inject({ method: 'POST', url, headers: { 'if-match': await etagOf(app, url.replace('/publish', '')), 'idempotency-key': 'deep-1', 'content-type': 'application/json' }, payload: deep(5_000) })
  isProblem(t, res, 400, 'bad-request')
  isProblem(t, await app.inject({ method: 'POST', url: '/v1/claims', payload: `{"text": "x", "topics": ${deep(65)}}`, headers: { 'content-type': 'application/json' } }), 400, 'bad-request')
  const ok = await app.inject({ method: 'POST', url, headers: { 'if-match': await etagOf(app, url.replace('/publish', '')), 'idempotency-key': 'deep-2', 'content-type': 'application/json' }, payload: deep(60) })
  t.equal(ok.statusCode, 200, 'a body within the limit is still read (and ignored)')
})

t.test('a Content-Encoding header on a request without a body changes nothing (it was a 415 once compression came)', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=war', headers: { 'content-encoding': 'x-unknown' } })
  t.equal(res.statusCode, 200, res.body)
  const listed = await app.inject({ method: 'GET', url: '/v1/claims', headers: { 'content-encoding': 'gzip' } })
  t.equal(listed.statusCode, 200, listed.body)
})
