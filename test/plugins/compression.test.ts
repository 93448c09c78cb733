// Response compression: JSON answers, the OpenAPI document and the /docs assets come br- or gzip-encoded to a client
// that accepts it, and as they are to one that does not; small answers are not compressed.
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import t from 'tap'
import { anonymous, build, createPublicClaim } from '../helper.ts'

t.test('JSON, the OpenAPI document and the docs script are compressed with br or gzip', async (t) => {
  const app = await build(t)
  for (let i = 0; i < 8; i++) await createPublicClaim(app, { text: `Claim number ${i} about the compression of JSON answers.` })

  const plain = await app.inject({ method: 'GET', url: '/v1/claims?limit=20', headers: anonymous })
  t.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: sent as it is')
  t.ok(plain.rawPayload.length > 1024, 'a list larger than the threshold')

  const br = await app.inject({ method: 'GET', url: '/v1/claims?limit=20', headers: { ...anonymous, 'accept-encoding': 'br, gzip' } })
  t.equal(br.statusCode, 200)
  t.equal(br.headers['content-encoding'], 'br', 'br preferred')
  t.match(br.headers.vary, /accept-encoding/i, 'Vary: Accept-Encoding for caches')
  t.same(JSON.parse(brotliDecompressSync(br.rawPayload).toString()), plain.json(), 'the same JSON once decoded')
  t.ok(br.rawPayload.length < plain.rawPayload.length, 'smaller')

  const gzip = await app.inject({ method: 'GET', url: '/openapi.json', headers: { 'accept-encoding': 'gzip' } })
  t.equal(gzip.headers['content-encoding'], 'gzip')
  t.equal(JSON.parse(gunzipSync(gzip.rawPayload).toString()).info.title, 'Claimtrack API', 'the OpenAPI document, gzipped')

  const script = await app.inject({ method: 'GET', url: '/docs/js/scalar.js', headers: { 'accept-encoding': 'gzip' } })
  t.equal(script.statusCode, 200)
  t.equal(script.headers['content-encoding'], 'gzip', 'the docs script')
  t.equal(script.headers['cache-control'], 'public, max-age=86400', 'and cacheable')
  t.ok(gunzipSync(script.rawPayload).length > 1_000_000, 'the whole script once decoded')

  const small = await app.inject({ method: 'GET', url: '/healthz', headers: { 'accept-encoding': 'br, gzip' } })
  t.equal(small.headers['content-encoding'], undefined, 'a small answer is not compressed')
  t.same(small.json(), { status: 'ok' })
})
