// /v1/lookup: which claims appeared at a page, by GET (one URL in any spelling) and POST (up to 100 URLs).
// Hash prefixes, CORS and caching are in lookup-cache.test.ts.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { addAppearance, anonymous, build, change, createClaim, createClaimant, createPublicClaim, isProblem, publishReview } from '../../helper.ts'

const lookup = (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url: '/v1/lookup', query: { url } })
const batch = (app: FastifyInstance, payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/lookup', payload })
const idsOf = (res: LightMyRequestResponse): string[] => res.json().claims.map((c: { id: string }) => c.id)

t.test('a page is found whatever form its URL takes', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app, { name: 'Jane Doe' })
  const claim = await createClaim(app, { text: 'The moon is made of cheese.', claimantId: claimant.id })
  await addAppearance(app, claim.id, 'https://www.example.com/news/moon?b=2&a=1')

  // Until a verdict is published the claim is its organisation's private work: lookups never show it, to anyone.
  for (const headers of [{}, anonymous]) t.same((await app.inject({ method: 'GET', url: `/v1/lookup?url=${encodeURIComponent('https://example.com/news/moon?a=1&b=2')}`, headers })).json().claims, [], 'a private claim is not found')
  await publishReview(app, claim.id)
  const detail = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).json()
  t.not(detail.currentVerdict, null)
  const expected = {
    id: claim.id,
    text: 'The moon is made of cheese.',
    claimant: { id: claimant.id, slug: claimant.slug, name: 'Jane Doe' },
    status: 'reviewed',
    currentVerdict: detail.currentVerdict,
    retraction: null,
    href: `/v1/claims/${claim.id}`,
  }
  t.match(expected, { currentVerdict: { rating: { key: 'false', verdict: 'false' } } }, 'the published verdict is shown')
  const forms = [
    'https://www.example.com/news/moon?b=2&a=1',
    'http://example.com/news/moon?a=1&b=2',
    'https://m.example.com/news/moon/?a=1&b=2#comments',
    'HTTPS://Example.COM:443/news/moon?utm_source=twitter&b=2&fbclid=abc&a=1',
    '  http://www.example.com/news//moon/?a=1&ref=home&b=2&gclid=x#top  ',
  ]
  for (const form of forms) {
    const res = await lookup(app, form)
    t.equal(res.statusCode, 200, `${form}: ${res.body}`)
    t.same(res.json(), { url: form, canonicalUrl: 'https://example.com/news/moon?a=1&b=2', claims: [expected] }, form)
  }

  for (const other of ['https://example.com/news/moon', 'https://example.com/news/moon?a=1', 'https://example.com/news/Moon?a=1&b=2', 'https://example.org/news/moon?a=1&b=2']) {
    const res = await lookup(app, other)
    t.equal(res.statusCode, 200)
    t.same(res.json().claims, [], `${other} is another page`)
  }
})

t.test('a claim without a claimant has claimant null', async (t) => {
  const app = await build(t)
  const claim = await createPublicClaim(app, { text: 'Nobody said it.' })
  await addAppearance(app, claim.id, 'https://example.com/anon')
  const res = await lookup(app, 'https://example.com/anon')
  t.equal(res.statusCode, 200)
  t.same(res.json().claims, [{ id: claim.id, text: 'Nobody said it.', claimant: null, status: 'reviewed', currentVerdict: claim.currentVerdict, retraction: null, href: `/v1/claims/${claim.id}` }])
})

t.test('an unknown page gives an empty list', async (t) => {
  const app = await build(t)
  const res = await lookup(app, 'https://nowhere.example.net/page')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { url: 'https://nowhere.example.net/page', canonicalUrl: 'https://nowhere.example.net/page', claims: [] })
})

t.test('every claim at a page appears once; deleted claims and evidence URLs do not count', async (t) => {
  const app = await build(t)
  const page = 'https://example.com/speech'
  const first = await createPublicClaim(app, { text: 'First claim.' })
  const second = await createPublicClaim(app, { text: 'Second claim.' })
  const deleted = await createPublicClaim(app, { text: 'Deleted claim.' })
  const cited = await createPublicClaim(app, { text: 'Only cites the page.' })
  await addAppearance(app, first.id, page)
  await addAppearance(app, first.id, 'http://www.example.com/speech#again')
  await addAppearance(app, second.id, `${page}?utm_campaign=x`)
  await addAppearance(app, deleted.id, page)
  const evidence = await app.inject({ method: 'POST', url: `/v1/claims/${cited.id}/evidence`, payload: { url: page, stance: 'supports' } })
  t.equal(evidence.statusCode, 201, evidence.body)

  const before = await lookup(app, page)
  t.equal(before.statusCode, 200)
  t.same(idsOf(before).sort(), [first.id, second.id, deleted.id].sort(), 'each claim once, evidence not counted')

  t.equal((await change(app, 'DELETE', `/v1/claims/${deleted.id}`)).statusCode, 204)
  const after = await lookup(app, page)
  t.equal(after.statusCode, 200)
  t.same(idsOf(after).sort(), [first.id, second.id].sort(), 'the deleted claim is gone')
  t.equal(after.json().claims.find((c: { id: string }) => c.id === second.id).text, 'Second claim.')

  const citedOnly = await createPublicClaim(app, { text: 'Cites another page.' })
  const cites = await app.inject({ method: 'POST', url: `/v1/claims/${citedOnly.id}/evidence`, payload: { url: 'https://example.com/study', stance: 'refutes' } })
  t.equal(cites.statusCode, 201, cites.body)
  const study = await lookup(app, 'https://example.com/study')
  t.equal(study.statusCode, 200)
  t.same(study.json().claims, [], 'an evidence URL is not a page where a claim appeared')
})

t.test('changing or deleting an appearance moves the claim', async (t) => {
  const app = await build(t)
  const claim = await createPublicClaim(app)
  const appearance = await addAppearance(app, claim.id, 'https://example.com/old')
  const path = `/v1/claims/${claim.id}/appearances/${appearance.id}`
  t.same(idsOf(await lookup(app, 'https://example.com/old')), [claim.id])

  const moved = await change(app, 'PATCH', path, { url: 'https://www.example.com/new/?utm_medium=email' })
  t.equal(moved.statusCode, 200, moved.body)
  t.same(idsOf(await lookup(app, 'https://example.com/old')), [], 'no longer at the old page')
  t.same(idsOf(await lookup(app, 'http://example.com/new')), [claim.id], 'now at the new page')

  const untouched = await change(app, 'PATCH', path, { title: 'Renamed' })
  t.equal(untouched.statusCode, 200, untouched.body)
  t.same(idsOf(await lookup(app, 'http://example.com/new')), [claim.id], 'a change to other fields keeps the page')

  const cleared = await change(app, 'PATCH', path, { url: null })
  t.equal(cleared.statusCode, 200, cleared.body)
  t.same(idsOf(await lookup(app, 'http://example.com/new')), [], 'no URL, no page')

  t.equal((await change(app, 'PATCH', path, { url: 'https://example.com/new' })).statusCode, 200)
  t.same(idsOf(await lookup(app, 'http://example.com/new')), [claim.id])
  t.equal((await change(app, 'DELETE', path)).statusCode, 204)
  const gone = await lookup(app, 'https://example.com/new')
  t.equal(gone.statusCode, 200)
  t.same(gone.json().claims, [], 'deleting the appearance removes the claim from the page')
})

t.test('GET refuses what is not an absolute http(s) URL', async (t) => {
  const app = await build(t)
  for (const url of ['not a url', 'ftp://x', '/relative/path', 'javascript:alert(1)']) {
    const body = isProblem(t, await lookup(app, url), 400, 'validation-failed')
    t.same(body.errors?.map((e: { field: string }) => e.field), ['query.url'], url)
  }
  const missing = isProblem(t, await app.inject({ method: 'GET', url: '/v1/lookup' }), 400, 'validation-failed')
  t.ok(missing.errors?.some((e: { field: string }) => e.field.startsWith('query')), JSON.stringify(missing.errors))
  isProblem(t, await lookup(app, ''), 400, 'validation-failed')
})

t.test('POST answers for several URLs, keyed exactly as sent', async (t) => {
  const app = await build(t)
  const claim = await createPublicClaim(app, { text: 'At the page.' })
  await addAppearance(app, claim.id, 'https://example.com/a')
  const urls = ['https://www.example.com/a/#x', 'http://example.com/a?utm_source=y', 'https://example.com/empty']
  const res = await batch(app, { urls })
  t.equal(res.statusCode, 200, res.body)
  const claims = [{ id: claim.id, text: 'At the page.', claimant: null, status: 'reviewed', currentVerdict: claim.currentVerdict, retraction: null, href: `/v1/claims/${claim.id}` }]
  t.same(res.json(), {
    results: {
      'https://www.example.com/a/#x': { canonicalUrl: 'https://example.com/a', claims },
      'http://example.com/a?utm_source=y': { canonicalUrl: 'https://example.com/a', claims },
      'https://example.com/empty': { canonicalUrl: 'https://example.com/empty', claims: [] },
    },
  })
  t.same(Object.keys(res.json().results), urls, 'in the order sent')
})

t.test('POST accepts 1 to 100 URLs', async (t) => {
  const app = await build(t)
  const claim = await createPublicClaim(app)
  await addAppearance(app, claim.id, 'https://example.com/page/42')
  const urls = Array.from({ length: 100 }, (_, i) => `https://example.com/page/${i}`)
  const ok = await batch(app, { urls })
  t.equal(ok.statusCode, 200, ok.body.slice(0, 300))
  const results = ok.json().results
  t.equal(Object.keys(results).length, 100)
  t.same(results['https://example.com/page/42'].claims.map((c: { id: string }) => c.id), [claim.id])
  t.same(results['https://example.com/page/41'], { canonicalUrl: 'https://example.com/page/41', claims: [] })

  const tooMany = isProblem(t, await batch(app, { urls: [...urls, 'https://example.com/page/100'] }), 400, 'validation-failed')
  t.ok(tooMany.errors?.some((e: { field: string }) => e.field === 'body.urls'), JSON.stringify(tooMany.errors))
  const none = isProblem(t, await batch(app, { urls: [] }), 400, 'validation-failed')
  t.ok(none.errors?.some((e: { field: string }) => e.field === 'body.urls'), JSON.stringify(none.errors))
})

t.test('POST refuses an invalid URL, naming its index, and unknown fields', async (t) => {
  const app = await build(t)
  for (const bad of ['not a url', 'ftp://x']) {
    const body = isProblem(t, await batch(app, { urls: ['https://example.com/a', 'https://example.com/b', bad] }), 400, 'validation-failed')
    t.equal(body.errors?.[0]?.field, 'body.urls.2', bad)
  }
  const empty = isProblem(t, await batch(app, { urls: ['https://example.com/a', ''] }), 400, 'validation-failed')
  t.equal(empty.errors?.[0]?.field, 'body.urls.1')
  isProblem(t, await batch(app, { urls: ['https://example.com/a'], extra: true }), 400, 'validation-failed')
  isProblem(t, await batch(app, {}), 400, 'validation-failed')
  isProblem(t, await batch(app, { urls: 'https://example.com/a' }), 400, 'validation-failed')
})
