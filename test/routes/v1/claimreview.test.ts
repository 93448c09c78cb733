// ClaimReview JSON-LD: a claim's published reviews (/v1/claims/{id}/claimreview) and the feed of all (/v1/claimreview).
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { build, createClaim, createClaimant, isProblem, printable } from '../../helper.ts'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/
const LD_JSON = /^application\/ld\+json/

const published = {
  ratingScale: 'truth-o-meter',
  rating: 'pants-fire',
  ratingExplanation: 'No plan could end the war in a day.',
  headline: 'No, the war cannot be ended in 24 hours',
  url: 'https://factcheck.example.org/24-hours',
  author: { name: 'Example Fact Check', url: 'https://factcheck.example.org' },
  inLanguage: 'en',
}

async function post (app: FastifyInstance, url: string, payload: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url, payload })
  if (res.statusCode !== 201) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`)
  return res.json()
}

async function act (app: FastifyInstance, claimId: string, id: string, action: 'publish' | 'retract', payload?: Record<string, unknown>) {
  const url = `/v1/claims/${claimId}/reviews/${id}`
  const etag = (await app.inject({ method: 'GET', url })).headers.etag as string
  const res = await app.inject({ method: 'POST', url: `${url}/${action}`, headers: { 'if-match': etag }, ...(payload && { payload }) })
  if (res.statusCode !== 200) throw new Error(`${action}: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A review drafted, then published (and retracted) as asked; returns the review as the API last showed it. */
async function review (app: FastifyInstance, claimId: string, state: 'draft' | 'published' | 'retracted', body: Record<string, unknown> = published) {
  const drafted = await post(app, `/v1/claims/${claimId}/reviews`, body)
  if (state === 'draft') return drafted
  const done = await act(app, claimId, drafted.id, 'publish')
  return state === 'published' ? done : act(app, claimId, drafted.id, 'retract', { reason: 'Relied on a misquote.' })
}

/** Fails on any null, at any depth: JSON-LD leaves absent values out. */
function noNulls (t: Test, value: unknown, path = '$') {
  if (value === null) t.fail(`${path} is null`)
  else if (Array.isArray(value)) value.forEach((v, i) => noNulls(t, v, `${path}[${i}]`))
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) noNulls(t, v, `${path}.${k}`)
}

/** The fixture of the brief: a person's claim with two appearances, and a published, a draft and a retracted review. */
async function trumpClaim (app: FastifyInstance) {
  const claimant = await createClaimant(app, { name: 'Donald Trump', kind: 'person', jobTitle: 'US President', sameAs: ['https://www.wikidata.org/wiki/Q22686'] })
  const claim = await createClaim(app, { text: 'I can end the war in Ukraine in 24 hours', claimantId: claimant.id, claimDate: '2023-05-10' })
  const base = `/v1/claims/${claim.id}`
  // The broadcast is created first, so that the order of the output follows publication dates, not creation.
  await post(app, `${base}/appearances`, { medium: 'broadcast', publisher: 'Example TV', publishedAt: '2023-06-01T20:00:00Z', quote: 'I will end it in 24 hours.' })
  await post(app, `${base}/appearances`, { url: 'https://news.example.com/town-hall', title: 'Town hall', publisher: 'Example News', medium: 'article', publishedAt: '2023-05-10T23:30:00-02:00', isFirstAppearance: true })
  const live = await review(app, claim.id, 'published')
  await review(app, claim.id, 'draft', { ...published, url: 'https://factcheck.example.org/draft' })
  await review(app, claim.id, 'retracted', { ...published, rating: 'false', url: 'https://factcheck.example.org/retracted' })
  return { claimant, claim, live }
}

t.test('a claim\'s ClaimReview is its published review, field by field', async (t) => {
  const app = await build(t)
  const { claim, live } = await trumpClaim(app)
  const res = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/claimreview` })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.headers['content-type'], LD_JSON)
  const body = res.json()
  t.ok(Array.isArray(body), 'an array')
  t.same(body.map((cr: { url: string }) => cr.url), ['https://factcheck.example.org/retracted', 'https://factcheck.example.org/24-hours'], 'the published and the retracted review, newest first; no draft')
  const cr = body[1]
  noNulls(t, cr)
  t.same(Object.keys(cr).sort(), ['@context', '@type', 'author', 'claimReviewed', 'dateModified', 'datePublished', 'headline', 'inLanguage', 'itemReviewed', 'reviewRating', 'url'])
  t.equal(cr['@context'], 'https://schema.org')
  t.equal(cr['@type'], 'ClaimReview')
  t.equal(cr.url, 'https://factcheck.example.org/24-hours')
  t.equal(cr.claimReviewed, 'I can end the war in Ukraine in 24 hours')
  t.strictSame(cr.reviewRating, {
    '@type': 'Rating',
    alternateName: 'Pants on Fire',
    ratingValue: 1,
    bestRating: 6,
    worstRating: 1,
    ratingExplanation: 'No plan could end the war in a day.',
  })
  t.strictSame(cr.author, { '@type': 'Organization', name: 'Example Fact Check', url: 'https://factcheck.example.org' })
  t.match(cr.datePublished, ISO)
  t.match(cr.dateModified, ISO)
  t.equal(cr.datePublished, live.datePublished, 'datePublished is when the review was published')
  t.equal(cr.dateModified, live.updatedAt, 'dateModified is the review\'s last change')
  t.equal(cr.inLanguage, 'en')
  t.equal(cr.headline, 'No, the war cannot be ended in 24 hours')

  const item = cr.itemReviewed
  t.same(Object.keys(item).sort(), ['@type', 'appearance', 'author', 'datePublished', 'firstAppearance'])
  t.equal(item['@type'], 'Claim')
  t.strictSame(item.author, { '@type': 'Person', name: 'Donald Trump', sameAs: ['https://www.wikidata.org/wiki/Q22686'], jobTitle: 'US President' })
  t.equal(item.datePublished, '2023-05-10', 'the claim date')
  const article = {
    '@type': 'CreativeWork',
    url: 'https://news.example.com/town-hall',
    headline: 'Town hall',
    datePublished: '2023-05-11T01:30:00.000Z',
    publisher: { '@type': 'Organization', name: 'Example News' },
  }
  const broadcast = {
    '@type': 'CreativeWork',
    datePublished: '2023-06-01T20:00:00.000Z',
    publisher: { '@type': 'Organization', name: 'Example TV' },
    text: 'I will end it in 24 hours.',
  }
  t.equal(item.appearance.length, 2)
  t.strictSame(item.appearance[0], article, 'the article, with every field it has')
  t.strictSame(item.appearance[1], broadcast, 'the broadcast: no url, no headline, and no nulls in their place')
  t.strictSame(item.firstAppearance, article, 'firstAppearance is the one marked first')
})

t.test('an organisation claimant is an Organization; absent claim details are left out', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app, { name: 'Ministry of Examples', kind: 'organization' })
  const claim = await createClaim(app, { text: 'Unemployment halved last year.', claimantId: claimant.id })
  const live = await review(app, claim.id, 'published', { ratingScale: 'pinocchios', rating: 'two-pinocchios', ratingExplanation: 'It fell by a fifth.', url: 'https://factcheck.example.org/jobs', author: { name: 'Example Fact Check' }, inLanguage: 'de' })
  const res = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/claimreview` })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.headers['content-type'], LD_JSON)
  const [cr, ...rest] = res.json()
  t.same(rest, [])
  noNulls(t, cr)
  t.strictSame(cr.itemReviewed, { '@type': 'Claim', author: { '@type': 'Organization', name: 'Ministry of Examples' }, appearance: [] }, 'no sameAs, jobTitle, claim date or first appearance')
  t.strictSame(cr.author, { '@type': 'Organization', name: 'Example Fact Check' }, 'an author without url')
  t.notOk('headline' in cr, 'no headline')
  t.strictSame(cr.reviewRating, { '@type': 'Rating', alternateName: 'Two Pinocchios', ratingValue: 3, bestRating: 5, worstRating: 1, ratingExplanation: 'It fell by a fifth.' })
  t.equal(cr.inLanguage, 'de')
  t.equal(cr.datePublished, live.datePublished)

  const anonymous = await createClaim(app, { text: 'Nobody said this.' })
  await review(app, anonymous.id, 'published', { ...published, url: 'https://factcheck.example.org/nobody' })
  const [unattributed] = (await app.inject({ method: 'GET', url: `/v1/claims/${anonymous.id}/claimreview` })).json()
  t.strictSame(unattributed.itemReviewed, { '@type': 'Claim', appearance: [] }, 'a claim without claimant has no author')
})

t.test('unreviewed and unknown claims', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  let res = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/claimreview` })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], LD_JSON)
  t.same(res.json(), [], 'no review: empty')
  await review(app, claim.id, 'draft')
  res = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/claimreview` })
  t.same(res.json(), [], 'a draft: still empty')
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims/${randomUUID()}/claimreview` }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/claims/not-a-uuid/claimreview' }), 400, 'validation-failed')
})

t.test('a retracted review stays, with a schema.org correction saying when and why', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app, { text: 'Bridges float.' })
  const retracted = await review(app, claim.id, 'retracted', { ...published, url: 'https://factcheck.example.org/gone' })
  t.match(retracted.retractedAt, ISO)
  const res = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/claimreview`, headers: { authorization: undefined } })
  t.equal(res.statusCode, 200, 'the claim stays public: its verdict was published')
  const [cr, ...rest] = res.json()
  t.same(rest, [])
  noNulls(t, cr)
  t.equal(cr.url, 'https://factcheck.example.org/gone')
  t.equal(cr.claimReviewed, 'Bridges float.')
  t.equal(cr.reviewRating.alternateName, 'Pants on Fire', 'the rating that was published, as it was')
  t.equal(cr.datePublished, retracted.datePublished)
  t.strictSame(cr.correction, {
    '@type': 'CorrectionComment',
    text: 'This fact-check was retracted: Relied on a misquote.',
    datePublished: retracted.retractedAt,
  })
  t.equal(cr.dateModified, retracted.retractedAt, 'modified by the retraction')
  const feed = (await app.inject({ method: 'GET', url: '/v1/claimreview' })).json()
  t.same(feed['@graph'].map((c: { correction?: unknown }) => c.correction), [cr.correction], 'the feed carries it too')
})

t.test('unknown claims', async (t) => {
  const app = await build(t)
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims/${randomUUID()}/claimreview` }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/claims/not-a-uuid/claimreview' }), 400, 'validation-failed')
})

t.test('the feed pages through every published review across claims, newest first', async (t) => {
  const app = await build(t)
  const { live } = await trumpClaim(app)
  const expected = [live.url as string, 'https://factcheck.example.org/retracted']
  for (const n of [1, 2, 3]) {
    const claim = await createClaim(app, { text: `Claim number ${n}.` })
    const one = await review(app, claim.id, 'published', { ...published, url: `https://factcheck.example.org/claim-${n}` })
    expected.push(one.url)
    await review(app, claim.id, 'draft', { ...published, url: `https://factcheck.example.org/draft-${n}` })
    expected.push((await review(app, claim.id, 'retracted', { ...published, url: `https://factcheck.example.org/retracted-${n}` })).url)
  }
  const second = await createClaim(app, { text: 'Claim number 4.' })
  for (const k of ['a', 'b']) expected.push((await review(app, second.id, 'published', { ...published, url: `https://factcheck.example.org/claim-4${k}` })).url)

  const seen: Array<{ url: string, claimReviewed: string }> = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await app.inject({ method: 'GET', url: `/v1/claimreview?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` })
    t.equal(res.statusCode, 200, res.body)
    t.match(res.headers['content-type'], LD_JSON)
    const body: { '@context': string, '@graph': Array<{ '@type': string, url: string, claimReviewed: string }>, nextCursor: string | null } = res.json()
    t.same(Object.keys(body).sort(), ['@context', '@graph', 'nextCursor'])
    t.equal(body['@context'], 'https://schema.org')
    t.ok(body['@graph'].length <= 1, 'at most one per page')
    for (const cr of body['@graph']) {
      t.equal(cr['@type'], 'ClaimReview')
      noNulls(t, cr)
      seen.push(cr)
    }
    cursor = body.nextCursor
    pages++
    if (pages > 20) throw new Error('paging does not end')
  } while (cursor)
  const urls = seen.map((cr) => cr.url)
  t.equal(new Set(urls).size, urls.length, 'no duplicates')
  t.same(urls, [...expected].reverse(), 'every published and retracted review once, newest first; no drafts')
  t.ok(pages >= expected.length, 'one review per page')
  t.same(seen.filter((cr) => cr.url.includes('claim-4')).map((cr) => cr.claimReviewed), ['Claim number 4.', 'Claim number 4.'])

  const all = (await app.inject({ method: 'GET', url: '/v1/claimreview?limit=100' })).json()
  t.same(all['@graph'].map((cr: { url: string }) => cr.url), urls, 'one big page gives the same')
  t.equal(all.nextCursor, null)
  const trump = all['@graph'].find((cr: { url: string }) => cr.url === live.url)
  t.equal(trump.itemReviewed.appearance.length, 2, 'the feed embeds appearances too')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/claimreview?cursor=forged' }), 400, 'invalid-cursor')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/claimreview?limit=0' }), 400, 'validation-failed')
})

t.test('an empty feed', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/v1/claimreview' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], LD_JSON)
  t.strictSame(res.json(), { '@context': 'https://schema.org', '@graph': [], nextCursor: null })
})

/** Text an editor could type, each piece of which would close or break a <script> element a partner inlines it in. */
const HOSTILE = '</script><script>alert(1)</script> <!--<script> a & b > c \u2028\u2029 \\</script>'
const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/

t.test('the JSON-LD is safe to inline in a <script> element, and the same data for a JSON parser', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app, { name: `Claimant ${HOSTILE}` })
  const claim = await createClaim(app, { text: `Claim ${HOSTILE}`, claimantId: claimant.id })
  await post(app, `/v1/claims/${claim.id}/appearances`, { url: 'https://news.example.com/a?x=1&y=2', title: `Title ${HOSTILE}`, quote: `Quote ${HOSTILE}` })
  await review(app, claim.id, 'published', { ...published, headline: `Headline ${HOSTILE}`, ratingExplanation: `Because ${HOSTILE}`, author: { name: `Author ${HOSTILE}` } })
  for (const url of [`/v1/claims/${claim.id}/claimreview`, '/v1/claimreview']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, `${url}: 200`)
    t.match(res.headers['content-type'], LD_JSON)
    t.notOk(UNSAFE_IN_SCRIPT.test(res.body), `${url}: no < > & U+2028 U+2029 in the bytes`)
    t.ok(/\\u003c\/script\\u003e/.test(res.body), `${url}: written as \\u003c and \\u003e`)
    const body = res.json()
    const cr = url === '/v1/claimreview' ? body['@graph'][0] : body[0]
    t.strictSame(printable({
      claimReviewed: cr.claimReviewed,
      headline: cr.headline,
      explanation: cr.reviewRating.ratingExplanation,
      author: cr.author.name,
      claimant: cr.itemReviewed.author.name,
      url: cr.itemReviewed.appearance[0].url,
      title: cr.itemReviewed.appearance[0].headline,
      quote: cr.itemReviewed.appearance[0].text,
    }), printable({
      claimReviewed: `Claim ${HOSTILE}`,
      headline: `Headline ${HOSTILE}`,
      explanation: `Because ${HOSTILE}`,
      author: `Author ${HOSTILE}`,
      claimant: `Claimant ${HOSTILE}`,
      url: 'https://news.example.com/a?x=1&y=2',
      title: `Title ${HOSTILE}`,
      quote: `Quote ${HOSTILE}`,
    }), `${url}: a JSON parser reads every text exactly`)
    // The ETag is of the bytes sent: a revalidation still answers 304.
    const again = await app.inject({ method: 'GET', url, headers: { 'if-none-match': String(res.headers.etag) } })
    t.equal(again.statusCode, 304)
  }
})
