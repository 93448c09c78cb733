// OWASP API4:2023 Unrestricted Resource Consumption, the parts that are not rate limits (tested with the rate-limit
// plugin): a body over the limit is a 413 before it is parsed, and no list pages more than its documented maximum.
import t from 'tap'
import { anonymous, createClaim } from '../helper.ts'
import { buildSecure, countRows } from './fixtures.ts'

t.test('a body over the limit is refused with 413 problem+json, and nothing is written', async (t) => {
  const app = await buildSecure(t, { env: { BODY_LIMIT: '65536' } })
  const claims = await countRows(app, 'claims')
  const huge = JSON.stringify({ text: 'x'.repeat(70_000) })
  for (const url of ['/v1/claims', '/v1/claimants', '/v1/claims/match', '/v1/lookup']) {
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: huge })
    t.equal(res.statusCode, 413, `POST ${url} with 70 kB -> 413`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.json().type, '/problems/payload-too-large')
  }
  const anonymousHuge = await app.inject({ method: 'POST', url: '/v1/claims/match', headers: { ...anonymous, 'content-type': 'application/json' }, payload: huge })
  t.equal(anonymousHuge.statusCode, 413, 'anonymous callers too')
  t.equal(await countRows(app, 'claims'), claims, 'no claim was written')
})

t.test('no list returns more than its maximum page: limit above it is a 400 naming query.limit', async (t) => {
  const app = await buildSecure(t)
  const claim = await createClaim(app)
  const lists: Array<[string, number]> = [
    ['/v1/claims', 100], ['/v1/claimants', 100], ['/v1/rating-scales', 100], ['/v1/organizations', 100],
    [`/v1/claims/${claim.id}/appearances`, 100], [`/v1/claims/${claim.id}/evidence`, 100], [`/v1/claims/${claim.id}/reviews`, 100],
    [`/v1/claims/${claim.id}/history`, 100], ['/v1/claimreview', 100], ['/v1/api-keys', 100], ['/v1/audit', 100], ['/v1/changes', 1000],
  ]
  for (const [url, max] of lists) {
    for (const limit of [String(max + 1), '1000000', '0', '-1', 'NaN', '1e4']) {
      const res = await app.inject({ method: 'GET', url: `${url}?limit=${limit}` })
      t.equal(res.statusCode, 400, `${url}?limit=${limit} -> 400`)
      t.ok(res.json().errors?.some((e: { field: string }) => e.field === 'query.limit'), `${url}?limit=${limit}: names query.limit`)
    }
    t.equal((await app.inject({ method: 'GET', url: `${url}?limit=${max}` })).statusCode, 200, `${url}?limit=${max} is allowed`)
  }
  const google = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=moon&pageSize=101' })
  t.equal(google.statusCode, 400, 'Google claims:search pageSize=101 -> 400')
  const match = await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'moon', limit: 51 } })
  t.equal(match.statusCode, 400, 'matching limit=51 -> 400')
  const lookup = await app.inject({ method: 'POST', url: '/v1/lookup', payload: { urls: Array.from({ length: 101 }, (_, i) => `https://example.org/${i}`) } })
  t.equal(lookup.statusCode, 400, 'a lookup of 101 URLs -> 400')
})
