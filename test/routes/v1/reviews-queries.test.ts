// A page of reviews costs the same number of queries however many reviews and rating scales it holds: the scales are
// read in one query, not one per review.
import t from 'tap'
import { buildOnOwnPool, createClaim } from '../../helper.ts'

t.test('listing reviews reads their rating scales in one query', async (t) => {
  const { app, statements } = await buildOnOwnPool(t)
  const claim = await createClaim(app)
  const drafts = [
    { ratingScale: 'truth-o-meter', rating: 'false' },
    { ratingScale: 'five-point', rating: 'mixed' },
    { ratingScale: 'truth-o-meter', rating: 'true' },
    { ratingScale: 'five-point', rating: 'false' },
  ]
  for (const payload of drafts) {
    const res = await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload })
    t.equal(res.statusCode, 201, `draft on ${payload.ratingScale}`)
  }

  const scaleReads = async (limit: number) => {
    statements.length = 0
    const res = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/reviews?limit=${limit}` })
    t.equal(res.statusCode, 200)
    const body = res.json() as { data: Array<{ rating: { scale: string, key: string } }> }
    return { body, reads: statements.filter((s) => /from "rating_scales"/i.test(s)).length }
  }
  const one = await scaleReads(1)
  const all = await scaleReads(10)
  t.equal(all.body.data.length, 4, 'every review listed')
  t.same(all.body.data.map((r) => [r.rating.scale, r.rating.key]).sort(),
    drafts.map((d) => [d.ratingScale, d.rating]).sort(), 'each review carries its own scale')
  t.equal(all.reads, one.reads, 'four reviews on two scales read scales as often as one review')
  t.ok(all.reads <= 1, `scales read in at most one query (${all.reads})`)
})
