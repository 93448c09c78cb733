// POST /v1/lookup/verdicts: the compact batch answer, checked against the full one (POST /v1/lookup) for the same URLs.
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { addAppearance, build, createClaim, createPublicClaim, isProblem, publishableReview, publishReview, retractReview } from '../../helper.ts'

const verdicts = (app: FastifyInstance, payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/lookup/verdicts', payload })

interface FullClaim {
  id: string
  status: string
  href: string
  currentVerdict: { rating: { verdict: string; label: string } } | null
  retraction: unknown
}

/** The full answer's claims as the compact answer gives them. */
const compacted = (claims: FullClaim[]) => claims.map((c) => ({
  id: c.id,
  href: c.href,
  status: c.status,
  verdict: c.currentVerdict?.rating.verdict ?? null,
  label: c.currentVerdict?.rating.label ?? null,
  retracted: c.retraction !== null,
}))

t.test('each URL with claims maps to their verdicts in a word, as the full answer gives them', async (t) => {
  const app = await build(t)
  const rated = await createPublicClaim(app, { text: 'Rated false.' })
  const pants = await createClaim(app, { text: 'Pants on fire.' })
  await publishReview(app, pants.id, { ...publishableReview, rating: 'pants-fire' })
  const retracted = await createClaim(app, { text: 'Withdrawn.' })
  const review = await publishReview(app, retracted.id)
  await retractReview(app, retracted.id, review.id)
  const unpublished = await createClaim(app, { text: 'Still private.' })
  await addAppearance(app, rated.id, 'https://example.com/story')
  await addAppearance(app, pants.id, 'https://example.com/story')
  await addAppearance(app, retracted.id, 'https://example.org/other')
  await addAppearance(app, unpublished.id, 'https://example.net/private')

  const urls = ['https://www.example.com/story?utm_source=x', 'http://example.org/other#top', 'https://example.net/private', 'https://example.com/nothing', 'https://example.com/story']
  const res = await verdicts(app, { urls })
  t.equal(res.statusCode, 200, res.body)
  const results = res.json().results
  t.same(Object.keys(results), ['https://www.example.com/story?utm_source=x', 'http://example.org/other#top', 'https://example.com/story'],
    'keyed as sent, in order; pages without (public) claims are left out')

  const full = (await app.inject({ method: 'POST', url: '/v1/lookup', payload: { urls } })).json().results
  for (const [url, claims] of Object.entries(results)) {
    t.same(claims, compacted(full[url].claims), `${url}: the full answer, compacted`)
  }
  t.same(results['https://example.com/story'].map((c: { label: string }) => c.label).sort(), ['False', 'Pants on Fire'])
  t.match(results['http://example.org/other#top'], [{ id: retracted.id, verdict: null, label: null, retracted: true }])
})

t.test('the same URLs are refused as POST /v1/lookup refuses them', async (t) => {
  const app = await build(t)
  const body = isProblem(t, await verdicts(app, { urls: ['https://example.com/a', 'https://example.com/b', 'ftp://x'] }), 400, 'validation-failed')
  t.equal(body.errors?.[0]?.field, 'body.urls.2')
  const tooMany = isProblem(t, await verdicts(app, { urls: Array.from({ length: 101 }, (_, i) => `https://example.com/${i}`) }), 400, 'validation-failed')
  t.ok(tooMany.errors?.some((e: { field: string }) => e.field === 'body.urls'), JSON.stringify(tooMany.errors))
  isProblem(t, await verdicts(app, { urls: [] }), 400, 'validation-failed')
  isProblem(t, await verdicts(app, { urls: ['https://example.com/a'], fields: 'all' }), 400, 'validation-failed')
  const none = await verdicts(app, { urls: ['https://example.com/a'] })
  t.equal(none.statusCode, 200)
  t.same(none.json(), { results: {} })
})

t.test('a rating its scale no longer lists reads as its key and unproven, a key listed twice as its first value; a claim cited twice at a page is listed once', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app, { text: 'Rated on a key since dropped.' })
  const review = await publishReview(app, claim.id)
  // A scale edited after the review was published: the review keeps a key the scale lacks.
  await app.db.execute(sql`update reviews set rating_key = 'withdrawn-key' where id = ${review.id}`)
  // And every scale's keys listed twice, the second time with other labels (the API refuses it; the table does not).
  await app.db.execute(sql`update rating_scales set values = values || (select jsonb_agg(v || '{"label": "Second"}') from jsonb_array_elements(values) v)`)
  const other = await createPublicClaim(app, { text: 'Rated as usual.' })
  await addAppearance(app, claim.id, 'https://example.com/edited')
  await addAppearance(app, claim.id, 'https://example.com/edited?utm_source=again')
  await addAppearance(app, other.id, 'https://example.com/edited')

  const urls = ['https://example.com/edited']
  const res = await verdicts(app, { urls })
  t.equal(res.statusCode, 200, res.body)
  const [compact] = Object.values(res.json().results) as Array<Array<{ id: string, verdict: string, label: string }>>
  t.equal(compact?.length, 2, 'each claim once')
  t.match(compact?.find((c) => c.id === claim.id), { verdict: 'unproven', label: 'withdrawn-key', retracted: false })
  const full = (await app.inject({ method: 'POST', url: '/v1/lookup', payload: { urls } })).json().results[urls[0] as string]
  t.same(compact, compacted(full.claims), 'as the full answer gives them')
})
