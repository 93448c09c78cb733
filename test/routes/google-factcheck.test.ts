// GET /v1alpha1/claims:search answers in the shape of Google's Fact Check Tools API (ClaimSearchResponse), compared
// key for key with test/fixtures/google-claims-search.json, written from the API reference:
// @see https://developers.google.com/fact-check/tools/api/reference/rest/v1alpha1/claims/search
import { readFileSync } from 'node:fs'
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { organizations, reviews } from '../../src/db/schema.ts'
import { build, createClaim, createClaimant, isProblem, printable, testOrganization } from '../helper.ts'

type Json = Record<string, unknown>
const fixture: Json = JSON.parse(readFileSync(new URL('../fixtures/google-claims-search.json', import.meta.url), 'utf8'))
const fixtureClaim = (fixture.claims as Json[])[0] as Json
const fixtureReview = (fixtureClaim.claimReview as Json[])[0] as Json

const DAY = 86_400_000
const GOOGLE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const omit = (value: Json, keys: string[]): Json =>
  Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)))
const googleTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The same keys as `expected` at every level (no more, no fewer), and values of the same JSON types; no nulls. */
function sameShape (t: Test, actual: unknown, expected: unknown, path = '$') {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return t.fail(`${path} is not an array`)
    actual.forEach((item, i) => sameShape(t, item, expected[0], `${path}[${i}]`))
  } else if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return t.fail(`${path} is not an object`)
    t.strictSame(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path} has exactly the keys of Google's response`)
    for (const [k, v] of Object.entries(expected)) if (k in actual) sameShape(t, (actual as Json)[k], v, `${path}.${k}`)
  } else {
    t.equal(typeof actual, typeof expected, `${path} is a ${typeof expected}`)
  }
}

async function post (app: FastifyInstance, url: string, payload: Json) {
  const res = await app.inject({ method: 'POST', url, payload })
  if (res.statusCode !== 201) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`)
  return res.json()
}

async function act (app: FastifyInstance, claimId: string, id: string, action: 'publish' | 'retract', payload?: Json) {
  const url = `/v1/claims/${claimId}/reviews/${id}`
  const etag = (await app.inject({ method: 'GET', url })).headers.etag as string
  const res = await app.inject({ method: 'POST', url: `${url}/${action}`, headers: { 'if-match': etag }, ...(payload && { payload }) })
  if (res.statusCode !== 200) throw new Error(`${action}: ${res.statusCode} ${res.body}`)
}

const factcheck = { name: 'Example Fact Check', url: 'https://www.factcheck.example.org/about' }
const checker = { name: 'Prüfstelle', url: 'https://checker.example.net' }

/**
 * A review in the given state; a published one is backdated to `publishedAt` (the API sets the publication time
 * itself, and maxAgeDays needs reviews of different ages).
 */
async function review (app: FastifyInstance, claimId: string, body: Json, state: 'draft' | 'published' | 'retracted' = 'published', publishedAt?: Date) {
  const drafted = await post(app, `/v1/claims/${claimId}/reviews`, { ratingExplanation: 'See the article.', ...body })
  if (state === 'draft') return
  await act(app, claimId, drafted.id, 'publish')
  if (state === 'retracted') await act(app, claimId, drafted.id, 'retract', { reason: 'Wrong.' })
  if (publishedAt) await app.db.update(reviews).set({ datePublished: publishedAt }).where(eq(reviews.id, drafted.id))
}

/**
 * A: a person's claim with a claim date, reviewed in English and German (plus a draft and a retracted review);
 * E: an organisation's claim without date; B: a claim with neither, reviewed in en-GB; C: a draft only; D: retracted.
 */
async function seed (app: FastifyInstance) {
  const now = Date.now()
  const dates = {
    a1: new Date(Math.floor((now - DAY) / 1000) * 1000 + 123),
    a2: new Date(now - 3 * DAY),
    e1: new Date(now - 10 * DAY),
    b1: new Date('2025-01-01T00:00:00.500Z'),
  }
  const trump = await createClaimant(app, { name: 'Donald Trump', kind: 'person' })
  const board = await createClaimant(app, { name: 'Cheese Board', kind: 'organization' })
  const a = await createClaim(app, { text: 'I can end the war in Ukraine in 24 hours', claimantId: trump.id, claimDate: '2023-05-10' })
  await review(app, a.id, { ratingScale: 'truth-o-meter', rating: 'pants-fire', headline: 'No, the war cannot be ended in 24 hours', url: 'https://factcheck.example.org/24-hours', author: factcheck, inLanguage: 'en' }, 'published', dates.a1)
  await review(app, a.id, { ratingScale: 'truth-o-meter', rating: 'false', headline: 'Nein', url: 'https://checker.example.net/24-stunden', author: checker, inLanguage: 'de' }, 'published', dates.a2)
  await review(app, a.id, { ratingScale: 'truth-o-meter', rating: 'true', url: 'https://factcheck.example.org/a-draft', author: factcheck }, 'draft')
  await review(app, a.id, { ratingScale: 'truth-o-meter', rating: 'true', url: 'https://factcheck.example.org/a-retracted', author: factcheck }, 'retracted')
  const b = await createClaim(app, { text: 'The moon is made of cheese.' })
  await review(app, b.id, { ratingScale: 'five-point', rating: 'false', url: 'https://factcheck.example.org/moon', author: factcheck, inLanguage: 'en-GB' }, 'published', dates.b1)
  const c = await createClaim(app, { text: 'The war in Ukraine ended in March' })
  await review(app, c.id, { ratingScale: 'five-point', rating: 'false', url: 'https://factcheck.example.org/march', author: factcheck }, 'draft')
  const d = await createClaim(app, { text: 'Ukraine won the war last week' })
  await review(app, d.id, { ratingScale: 'five-point', rating: 'false', url: 'https://factcheck.example.org/won', author: factcheck }, 'retracted')
  const e = await createClaim(app, { text: 'Cheese prices doubled in 2024', claimantId: board.id })
  await review(app, e.id, { ratingScale: 'pinocchios', rating: 'three-pinocchios', headline: 'Prices rose by a third', url: 'https://factcheck.example.org/cheese-prices', author: factcheck }, 'published', dates.e1)
  return { dates, texts: { a: a.text as string, b: b.text as string, e: e.text as string } }
}

async function search (app: FastifyInstance, query: string) {
  const res = await app.inject({ method: 'GET', url: `/v1alpha1/claims:search?${query}` })
  if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('application/json')) {
    throw new Error(`search ${query}: ${res.statusCode} ${res.headers['content-type']} ${res.body}`)
  }
  return res.json() as { claims?: Json[], nextPageToken?: string }
}

const textsOf = (body: { claims?: Json[] }) => (body.claims ?? []).map((c) => c.text)

t.test('the response has exactly the keys of Google\'s ClaimSearchResponse, with and without optional values', async (t) => {
  const app = await build(t)
  const { dates, texts } = await seed(app)
  const first = await search(app, 'reviewPublisherSiteFilter=factcheck.example.org&pageSize=1')
  sameShape(t, first, fixture)
  t.strictSame(first.claims, [{
    text: texts.a,
    claimant: 'Donald Trump',
    claimDate: '2023-05-10T00:00:00Z',
    claimReview: [{
      publisher: { name: 'Example Fact Check', site: 'factcheck.example.org' },
      url: 'https://factcheck.example.org/24-hours',
      title: 'No, the war cannot be ended in 24 hours',
      reviewDate: googleTime(dates.a1),
      textualRating: 'Pants on Fire',
      languageCode: 'en',
    }],
  }])
  t.match(first.claims?.[0]?.claimReview, [{ reviewDate: GOOGLE_TIME }], 'reviewDate without milliseconds')

  const all = await search(app, 'reviewPublisherSiteFilter=factcheck.example.org')
  t.same(textsOf(all), [texts.a, texts.e, texts.b], 'most recently reviewed first')
  t.notOk('nextPageToken' in all, 'no nextPageToken on the last page')
  t.strictSame(Object.keys(all), ['claims'], 'the last page: claims only')
  const [a, e, b] = all.claims ?? []
  sameShape(t, a, fixtureClaim, '$.claims[0]')
  sameShape(t, e, omit(fixtureClaim, ['claimDate']), '$.claims[1]')
  t.equal(e?.claimant, 'Cheese Board')
  sameShape(t, b, { ...omit(fixtureClaim, ['claimant', 'claimDate']), claimReview: [omit(fixtureReview, ['title'])] }, '$.claims[2]')
  t.strictSame(b?.claimReview, [{
    publisher: { name: 'Example Fact Check', site: 'factcheck.example.org' },
    url: 'https://factcheck.example.org/moon',
    reviewDate: '2025-01-01T00:00:00Z',
    textualRating: 'False',
    languageCode: 'en-GB',
  }])

  const none = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=nothing+matches+this' })
  t.equal(none.statusCode, 200)
  t.strictSame(none.json(), {}, 'no results: an empty object, as Google answers')
})

t.test('query finds published claims by the words of their text', async (t) => {
  const app = await build(t)
  const { dates, texts } = await seed(app)
  const war = await search(app, 'query=war+ukraine')
  t.same(textsOf(war), [texts.a], 'the draft-only and retracted claims are not found')
  t.strictSame(war.claims?.[0]?.claimReview, [
    { publisher: { name: 'Example Fact Check', site: 'factcheck.example.org' }, url: 'https://factcheck.example.org/24-hours', title: 'No, the war cannot be ended in 24 hours', reviewDate: googleTime(dates.a1), textualRating: 'Pants on Fire', languageCode: 'en' },
    { publisher: { name: 'Prüfstelle', site: 'checker.example.net' }, url: 'https://checker.example.net/24-stunden', title: 'Nein', reviewDate: googleTime(dates.a2), textualRating: 'False', languageCode: 'de' },
  ], 'every published review of the claim, newest first; not the draft or the retracted one')
  t.same(textsOf(await search(app, 'query=Hours%20WAR')), [texts.a], 'any order, any case')
  t.same(textsOf(await search(app, 'query=cheese')), [texts.e, texts.b])
  t.same(textsOf(await search(app, 'query=war+russia')), [], 'every word must match')
  t.same(textsOf(await search(app, 'query=march')), [], 'a claim with only a draft review is not found')
  t.same(textsOf(await search(app, 'query=won')), [], 'a claim whose review was retracted is not found')
})

t.test('languageCode, reviewPublisherSiteFilter and maxAgeDays filter claims and their reviews', async (t) => {
  const app = await build(t)
  const { texts } = await seed(app)
  const german = await search(app, 'query=war+ukraine&languageCode=de')
  t.same(textsOf(german), [texts.a])
  t.match(german.claims?.[0]?.claimReview, [{ languageCode: 'de', textualRating: 'False', publisher: { site: 'checker.example.net' } }])
  t.equal((german.claims?.[0]?.claimReview as Json[]).length, 1, 'only the German review')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org&languageCode=en')), [texts.a, texts.e, texts.b], '`en` covers en-GB')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org&languageCode=en-GB')), [texts.b])
  t.same(textsOf(await search(app, 'query=cheese&languageCode=fr')), [])
  // BCP 47 tags are case-insensitive; reviews store them in canonical case.
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org&languageCode=EN')), [texts.a, texts.e, texts.b], '`EN` is `en`')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org&languageCode=en-gb')), [texts.b], '`en-gb` is `en-GB`')
  t.equal((await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?reviewPublisherSiteFilter=example.org&languageCode=%25' })).statusCode, 400, 'a language code is not a pattern')

  const site = await search(app, 'reviewPublisherSiteFilter=checker.example.net')
  t.same(textsOf(site), [texts.a])
  t.same((site.claims?.[0]?.claimReview as Json[]).map((r) => r.publisher), [{ name: 'Prüfstelle', site: 'checker.example.net' }], 'only that site\'s review')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=www.factcheck.example.org')), [texts.a, texts.e, texts.b], 'www. is ignored')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=FactCheck.Example.ORG')), [texts.a, texts.e, texts.b], 'case is ignored')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org')), [texts.a, texts.e, texts.b], 'subdomains of the site match')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=ample.org')), [], 'a suffix that is not a domain does not')
  for (const site of ['_xample.org', '%25', 'example.org%2F']) {
    const res = await app.inject({ method: 'GET', url: `/v1alpha1/claims:search?reviewPublisherSiteFilter=${site}` })
    t.equal(res.statusCode, 400, `a site is a host name, not a pattern: ${site}`)
  }
  t.same(textsOf(await search(app, 'query=war&reviewPublisherSiteFilter=other.example')), [])

  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org&maxAgeDays=5')), [texts.a])
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org&maxAgeDays=30')), [texts.a, texts.e])
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org&maxAgeDays=36500')), [texts.a, texts.e, texts.b])
  const recent = await search(app, 'query=war+ukraine&maxAgeDays=2')
  t.equal((recent.claims?.[0]?.claimReview as Json[]).length, 1, 'the 3-day-old review is filtered out of the claim')
})

t.test('pageSize with pageToken pages through without duplicates; offset works too', async (t) => {
  const app = await build(t)
  const { texts } = await seed(app)
  const seen: unknown[] = []
  let token: string | undefined
  let pages = 0
  do {
    const body = await search(app, `reviewPublisherSiteFilter=example.org&pageSize=1${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`)
    t.equal(body.claims?.length, 1, 'one claim per page')
    seen.push(...textsOf(body))
    token = body.nextPageToken
    if (token !== undefined) t.type(token, 'string')
    else t.notOk('nextPageToken' in body, 'the last page has no nextPageToken')
    if (++pages > 10) throw new Error('paging does not end')
  } while (token)
  t.equal(pages, 3)
  t.same(seen, [texts.a, texts.e, texts.b], 'each claim once, in order')

  const second = await search(app, 'reviewPublisherSiteFilter=example.org&pageSize=1&offset=1')
  t.same(textsOf(second), [texts.e])
  t.type(second.nextPageToken, 'string')
  const third = await search(app, `reviewPublisherSiteFilter=example.org&pageSize=1&pageToken=${encodeURIComponent(second.nextPageToken ?? '')}`)
  t.same(textsOf(third), [texts.b], 'a token from an offset page continues after it')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=example.org&offset=2')), [texts.b])
  t.strictSame(await search(app, 'reviewPublisherSiteFilter=example.org&offset=3'), {})
})

t.test('bad requests are problems', async (t) => {
  const app = await build(t)
  await seed(app)
  const get = (query: string) => app.inject({ method: 'GET', url: `/v1alpha1/claims:search${query}` })
  const missing = isProblem(t, await get(''), 400, 'validation-failed')
  t.same(missing.errors?.map((e: { field: string }) => e.field), ['query.query'])
  isProblem(t, await get('?languageCode=en&maxAgeDays=5'), 400, 'validation-failed')
  isProblem(t, await get('?query='), 400, 'validation-failed')
  for (const bad of ['pageSize=0', 'pageSize=101', 'pageSize=ten', 'maxAgeDays=0', 'offset=-1']) {
    const body = isProblem(t, await get(`?query=war&${bad}`), 400, 'validation-failed')
    t.ok(body.errors?.some((e: { field: string }) => e.field === `query.${bad.split('=')[0]}`), `${bad} names its field`)
  }
  const forged = [
    'forged',
    Buffer.from('{"offset":-1}').toString('base64url'),
    Buffer.from('{"offset":"1"}').toString('base64url'),
    Buffer.from('{"id":"00000000-0000-7000-8000-000000000001"}').toString('base64url'),
  ]
  const feed = (await app.inject({ method: 'GET', url: '/v1/claimreview?limit=1' })).json()
  t.type(feed.nextCursor, 'string')
  forged.push(feed.nextCursor, `${feed.nextCursor}x`)
  for (const token of forged) isProblem(t, await get(`?query=war&pageToken=${encodeURIComponent(token)}`), 400, 'invalid-cursor')
})

t.test('the answer is safe to inline in a <script> element, and the same data for a JSON parser', async (t) => {
  const app = await build(t)
  const hostile = 'Cheese </script><script>alert(1)</script> <!-- a & b > c \u2028\u2029 end'
  const claim = await createClaim(app, { text: hostile })
  await review(app, claim.id, { ratingScale: 'truth-o-meter', rating: 'false', headline: hostile, url: 'https://factcheck.example.org/x?a=1&b=2', author: { ...factcheck, name: hostile } })
  const res = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=cheese' })
  t.equal(res.statusCode, 200)
  t.notOk(/[<>&\u2028\u2029]/.test(res.body), 'no < > & U+2028 U+2029 in the bytes')
  t.match(printable(res.json().claims[0]), printable({ text: hostile, claimReview: [{ title: hostile, url: 'https://factcheck.example.org/x?a=1&b=2', publisher: { name: hostile } }] }), 'a JSON parser reads the same data')
})

t.test('publisher.site: the review\'s author URL, else its organisation\'s site; answers are cacheable', async (t) => {
  const app = await build(t)
  await app.db.update(organizations).set({ url: 'https://www.desk.example.org/' }).where(eq(organizations.id, testOrganization(app).id))
  const claim = await createClaim(app, { text: 'Bridges float on cheese.' })
  await review(app, claim.id, { ratingScale: 'truth-o-meter', rating: 'false', url: 'https://desk.example.org/bridges', author: { name: 'Desk' } })
  const res = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=bridges' })
  t.equal(res.statusCode, 200, res.body)
  t.strictSame(res.json().claims[0].claimReview[0].publisher, { name: 'Desk', site: 'desk.example.org' }, 'the organisation\'s host, without www.')
  t.same(textsOf(await search(app, 'reviewPublisherSiteFilter=desk.example.org')), ['Bridges float on cheese.'], 'and the site filter finds it by that site')
  t.match(res.headers['cache-control'], /^public, max-age=\d+/)
  t.type(res.headers.etag, 'string')
  const again = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=bridges', headers: { 'if-none-match': res.headers.etag as string } })
  t.equal(again.statusCode, 304, 'revalidated by its ETag')
  const text = await app.metrics.metrics()
  t.match(text, /claimtrack_http_requests_total\{method="GET",route="\/v1alpha1\/claims:search",status="200"\} \d+\n/, 'the metrics label is the path as sent')
  t.notMatch(text, /claims::search/)
})
