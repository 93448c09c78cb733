// GET /v1/lookup/prefix-list: the hash prefixes of exactly the public pages, delta-varint encoded, versioned, with
// deltas on `since`, ETag/304 and public caching.
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { decodePrefixes, encodePrefixes, prefixHex } from '../../../src/lib/prefix-list.ts'
import { addAppearance, build, createClaim, createPublicClaim, etagOf, isProblem } from '../../helper.ts'

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const list = (app: FastifyInstance, query: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url: '/v1/lookup/prefix-list', query, headers })
const decoded = (encoded: string, bytes = 4) => decodePrefixes(encoded).map((v) => prefixHex(v, bytes))

async function canonicalHash (app: FastifyInstance, url: string) {
  const res = await app.inject({ method: 'GET', url: `/v1/lookup?url=${encodeURIComponent(url)}` })
  return sha256(res.json().canonicalUrl)
}

t.test('the encoding round-trips, including gaps past 2^32', async (t) => {
  const prefixes = ['000000000000', '00000000007f', '000000000080', '0000ffffffff', 'ffffffffffff']
  t.same(decoded(encodePrefixes(prefixes), 6), prefixes)
  t.same(decodePrefixes(encodePrefixes([])), [])
})

t.test('the list holds exactly the prefixes of public pages', async (t) => {
  const app = await build(t)
  const empty = await list(app)
  t.equal(empty.statusCode, 200, empty.body)
  t.same({ ...empty.json(), version: 'x' }, { bytes: 4, version: 'x', count: 0, full: true, encoding: 'delta-varint-base64', prefixes: '' })

  const published = await createPublicClaim(app, { text: 'Published.' })
  const pages = ['https://example.com/a?utm_source=x', 'https://example.org/b', 'https://news.example.net/c/d']
  for (const page of pages) await addAppearance(app, published.id, page)
  const hidden = await createClaim(app, { text: 'Private work.' })
  await addAppearance(app, hidden.id, 'https://private.example.com/secret')

  const res = await list(app)
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  const expected = (await Promise.all(pages.map((p) => canonicalHash(app, p)))).map((h) => h.slice(0, 8)).sort()
  t.same(decoded(body.prefixes), expected, 'decoding gives the prefixes of the published pages, sorted')
  t.equal(body.count, 3)
  t.notOk(decoded(body.prefixes).includes((await canonicalHash(app, 'https://private.example.com/secret')).slice(0, 8)), 'a private claim\'s page is not listed')

  const wide = (await list(app, { bytes: '6' })).json()
  t.same(decoded(wide.prefixes, 6), (await Promise.all(pages.map((p) => canonicalHash(app, p)))).map((h) => h.slice(0, 12)).sort(), '?bytes=6')
  t.not(wide.version, body.version, 'each width is its own version')

  // Every listed prefix finds its page through the prefix lookup.
  for (const prefix of decoded(body.prefixes)) t.equal((await app.inject({ method: 'GET', url: `/v1/lookup/prefixes/${prefix}` })).json().matches.length, 1)
})

t.test('since a recent version, only additions and removals', async (t) => {
  const app = await build(t)
  const first = await createPublicClaim(app, { text: 'First.' })
  await addAppearance(app, first.id, 'https://example.com/one')
  const v1 = (await list(app)).json()

  const second = await createPublicClaim(app, { text: 'Second.' })
  await addAppearance(app, second.id, 'https://example.com/two')
  const del = await app.inject({ method: 'DELETE', url: `/v1/claims/${first.id}`, headers: { 'if-match': await etagOf(app, `/v1/claims/${first.id}`) } })
  t.equal(del.statusCode, 204, del.body)

  const delta = (await list(app, { since: v1.version })).json()
  t.equal(delta.full, false)
  t.equal(delta.prefixes, undefined)
  t.same(decoded(delta.additions), [(await canonicalHash(app, 'https://example.com/two')).slice(0, 8)])
  t.same(decoded(delta.removals), [(await canonicalHash(app, 'https://example.com/one')).slice(0, 8)])
  t.equal(delta.count, 1)
  t.not(delta.version, v1.version)

  const same = (await list(app, { since: delta.version })).json()
  t.same([same.full, same.additions, same.removals], [false, '', ''], 'nothing changed: empty delta')

  const unknown = (await list(app, { since: '0123456789abcdef' })).json()
  t.equal(unknown.full, true, 'an unknown version gets the full list')
  t.equal(decoded(unknown.prefixes).length, 1)
})

t.test('cacheable: public max-age, strong ETag, 304', async (t) => {
  const app = await build(t, { env: { LOOKUP_MAX_AGE: '300', PREFIX_LIST_BYTES: '3' } })
  const claim = await createPublicClaim(app)
  await addAppearance(app, claim.id, 'https://example.com/cached')
  const res = await list(app)
  t.equal(res.json().bytes, 3, 'PREFIX_LIST_BYTES sets the default width')
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.match(String(res.headers['cache-control']), /(^|, *)public(,|$)/)
  t.match(String(res.headers['cache-control']), /max-age=300/)
  t.match(res.headers.etag, /^"[^"]+"$/)
  const again = await list(app, {}, { 'if-none-match': String(res.headers.etag) })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
})

t.test('bad parameters are 400 problems', async (t) => {
  const app = await build(t)
  const queries: Array<Record<string, string>> = [{ bytes: '0' }, { bytes: '7' }, { bytes: 'x' }, { since: 'nope' }, { other: '1' }]
  for (const query of queries) {
    isProblem(t, await list(app, query), 400, 'validation-failed')
  }
})
