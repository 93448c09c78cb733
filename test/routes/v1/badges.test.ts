// GET /v1/claims/{id}/badge.svg: a public claim's verdict as SVG, cacheable and embeddable; 404 for anything else.
import t from 'tap'
import { anonymous, build, createClaim, createPublicClaim, etagOf, isProblem, publishableReview, publishReview, retractReview } from '../../helper.ts'

const badgeOf = (id: string) => `/v1/claims/${id}/badge.svg`

t.test('a published verdict: its label in the colour of its normalised verdict, with a <title>', async (t) => {
  const app = await build(t)
  const claim = await createPublicClaim(app)
  const res = await app.inject({ url: badgeOf(claim.id), headers: anonymous })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'image/svg+xml; charset=utf-8')
  t.match(res.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*role="img" aria-label="fact-check: False">/)
  t.match(res.body, '<title>fact-check: False</title>')
  t.match(res.body, 'fill="#c0271f"', 'red for false')
  t.notMatch(res.body, /<script|<style|on\w+=/i, 'nothing that runs or styles')
  // Embeddable anywhere; inert when opened on its own.
  t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin')
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.match(res.headers['content-security-policy'], "default-src 'none'")
})

t.test('cacheable: public Cache-Control, a strong ETag, 304 while it holds, a new one when the verdict changes', async (t) => {
  const app = await build(t)
  const claim = await createPublicClaim(app)
  const first = await app.inject({ url: badgeOf(claim.id), headers: anonymous })
  t.equal(first.headers['cache-control'], 'public, max-age=60, stale-while-revalidate=60')
  const etag = first.headers.etag as string
  t.match(etag, /^"[\w-]+"$/)
  const again = await app.inject({ url: badgeOf(claim.id), headers: { ...anonymous, 'if-none-match': etag } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  t.equal((await app.inject({ url: badgeOf(claim.id), headers: { 'if-none-match': etag } })).statusCode, 304, 'the same answer with a key: public data only')

  await publishReview(app, claim.id, { ...publishableReview, rating: 'pants-fire' })
  const changed = await app.inject({ url: badgeOf(claim.id), headers: { ...anonymous, 'if-none-match': etag } })
  t.equal(changed.statusCode, 200)
  t.match(changed.body, '<title>fact-check: Pants on Fire</title>')
  t.not(changed.headers.etag, etag)
})

t.test('a label with <, & and quotes is escaped XML', async (t) => {
  const app = await build(t)
  const scale = await app.inject({
    method: 'POST',
    url: '/v1/rating-scales',
    payload: {
      slug: 'tricky',
      name: 'Tricky',
      values: [
        { key: 'good', label: 'Good', ratingValue: 1, verdict: 'true' },
        { key: 'odd', label: '<Half & "True"> \'ish\'', ratingValue: 0, verdict: 'mixed' },
      ],
    },
  })
  t.equal(scale.statusCode, 201, scale.body)
  const claim = await createClaim(app)
  await publishReview(app, claim.id, { ...publishableReview, ratingScale: 'tricky', rating: 'odd' })
  const res = await app.inject({ url: badgeOf(claim.id), headers: anonymous })
  t.equal(res.statusCode, 200)
  t.match(res.body, '<title>fact-check: &lt;Half &amp; &quot;True&quot;&gt; &apos;ish&apos;</title>')
  t.match(res.body, '>&lt;Half &amp; &quot;True&quot;&gt; &apos;ish&apos;</text>')
  t.notMatch(res.body, '<Half')
  t.match(res.body, 'fill="#8a6100"', 'amber for mixed')
})

t.test('a public claim whose verdict was retracted: "Retracted" and its date, near black, with the withdrawn verdict and the reason in its title', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const review = await publishReview(app, claim.id)
  const before = await app.inject({ url: badgeOf(claim.id), headers: anonymous })
  const retracted = await retractReview(app, claim.id, review.id, 'Relied on a "misquote" & a <fake> source.')
  const day = String(retracted.retractedAt).slice(0, 10)
  const res = await app.inject({ url: badgeOf(claim.id), headers: anonymous })
  t.equal(res.statusCode, 200)
  const title = `fact-check: Retracted ${day} (was False: Relied on a &quot;misquote&quot; &amp; a &lt;fake&gt; source.)`
  t.match(res.body, `<title>${title}</title>`)
  t.match(res.body, `aria-label="${title}"`)
  t.match(res.body, `>Retracted ${day}</text>`, 'the state and its date drawn')
  t.match(res.body, 'fill="#24292f"')
  t.notMatch(res.body, 'No verdict')
  t.not(res.headers.etag, before.headers.etag, 'a new ETag: caches drop the badge that said False')
})

t.test('unknown, private or deleted claims are a 404 problem, with any key; a malformed id is a 400', async (t) => {
  const app = await build(t)
  isProblem(t, await app.inject({ url: badgeOf('01900000-0000-7000-8000-000000000000'), headers: anonymous }), 404, 'not-found')
  const draft = await createClaim(app)
  isProblem(t, await app.inject({ url: badgeOf(draft.id), headers: anonymous }), 404, 'not-found')
  isProblem(t, await app.inject({ url: badgeOf(draft.id) }), 404, 'not-found')
  t.equal((await app.inject({ url: `/v1/claims/${draft.id}` })).statusCode, 200, 'while its own organisation reads it as JSON')
  const shown = await createPublicClaim(app)
  const del = await app.inject({ method: 'DELETE', url: `/v1/claims/${shown.id}`, headers: { 'if-match': await etagOf(app, `/v1/claims/${shown.id}`) } })
  t.equal(del.statusCode, 204)
  isProblem(t, await app.inject({ url: badgeOf(shown.id), headers: anonymous }), 404, 'not-found')
  isProblem(t, await app.inject({ url: badgeOf('not-a-uuid'), headers: anonymous }), 400, 'validation-failed')
})
