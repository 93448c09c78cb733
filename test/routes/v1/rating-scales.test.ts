// /v1/rating-scales: the built-in scales, custom scales, and what may change once a review uses a scale.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { build, change, createClaim, etagOf, isProblem } from '../../helper.ts'

const url = (id?: string) => `/v1/rating-scales${id ? `/${id}` : ''}`

type Value = { key: string, label: string, ratingValue: number, verdict: string, description?: string | null }

const customValues: Value[] = [
  { key: 'correct', label: 'Correct', ratingValue: 3, verdict: 'true' },
  { key: 'disputed', label: 'Disputed', ratingValue: 2, verdict: 'mixed' },
  { key: 'wrong', label: 'Wrong', ratingValue: 1, verdict: 'false' },
]

const read = async (app: FastifyInstance, path: string) => (await app.inject({ method: 'GET', url: path })).json()

async function createScale (app: FastifyInstance, body: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: url(), payload: { slug: 'newsroom', name: 'Newsroom scale', values: customValues, ...body } })
  if (res.statusCode !== 201) throw new Error(`createScale: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A draft review on the scale, which puts the scale in use. */
async function useScale (app: FastifyInstance, scale: string, rating: string) {
  const claim = await createClaim(app)
  const res = await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload: { ratingScale: scale, rating } })
  if (res.statusCode !== 201) throw new Error(`useScale: ${res.statusCode} ${res.body}`)
  return { claim, review: res.json() }
}

/** Expects a refusal with `status`, and the scale exactly as it was. */
async function refused (
  t: Test,
  app: FastifyInstance,
  res: LightMyRequestResponse,
  status: number,
  type: string,
  before: unknown
) {
  const body = isProblem(t, res, status, type)
  t.same(await read(app, url((before as { id: string }).id)), before, 'the scale is unchanged')
  return body
}

const reorder = <T>(values: T[], order: number[]) => order.map((i) => values[i] as T)

t.test('the four built-in scales are listed with their values, best and worst ratings', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: `${url()}?limit=100` })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.nextCursor, null)
  t.same(body.data.map((s: { slug: string }) => s.slug).sort(), ['five-point', 'flip-o-meter', 'pinocchios', 'truth-o-meter'])
  const bySlug = new Map<string, { values: Value[], bestRating: number, worstRating: number, builtIn: boolean }>(
    body.data.map((s: { slug: string }) => [s.slug, s])
  )
  const expected = {
    'truth-o-meter': { keys: ['true', 'mostly-true', 'half-true', 'mostly-false', 'false', 'pants-fire'], best: 6, worst: 1 },
    pinocchios: { keys: ['geppetto-checkmark', 'one-pinocchio', 'two-pinocchios', 'three-pinocchios', 'four-pinocchios'], best: 5, worst: 1 },
    'five-point': { keys: ['true', 'mostly-true', 'mixed', 'mostly-false', 'false'], best: 5, worst: 1 },
    'flip-o-meter': { keys: ['no-flip', 'half-flip', 'full-flop'], best: 3, worst: 1 },
  }
  for (const [slug, want] of Object.entries(expected)) {
    const scale = bySlug.get(slug)
    if (!scale) throw new Error(`missing ${slug}`)
    t.equal(scale.builtIn, true, `${slug} is built in`)
    t.same(scale.values.map((v) => v.key), want.keys, `${slug} values, best first`)
    t.equal(scale.bestRating, want.best, `${slug} bestRating`)
    t.equal(scale.worstRating, want.worst, `${slug} worstRating`)
    for (const value of scale.values) {
      t.match(value, { key: String, label: String, ratingValue: Number, verdict: /^(true|mostly-true|mixed|mostly-false|false|misleading|unproven|not-checkable)$/ }, `${slug}/${value.key}`)
    }
  }
  t.same(bySlug.get('truth-o-meter')?.values.at(-1), {
    key: 'pants-fire', label: 'Pants on Fire', description: 'The statement is not accurate and makes a ridiculous claim.', ratingValue: 1, verdict: 'false', aliases: [],
  })
  t.match(bySlug.get('truth-o-meter')?.values[3], { key: 'mostly-false', label: 'Mostly False', aliases: ['barely-true'] }, 'its former name, an alias')
  t.same(bySlug.get('flip-o-meter')?.values.map((v) => `${v.label} ${v.verdict}`), ['No Flip not-checkable', 'Half Flip not-checkable', 'Full Flop not-checkable'], 'a change of position is no verdict on truth')
  t.match(bySlug.get('truth-o-meter')?.values[2], { key: 'half-true', label: 'Half True', ratingValue: 4, verdict: 'mixed' })
  t.match(bySlug.get('pinocchios')?.values[0], { key: 'geppetto-checkmark', label: 'Geppetto Checkmark', ratingValue: 5, verdict: 'true' })
})

t.test('built-in scales cannot be changed or deleted', async (t) => {
  const app = await build(t)
  const list = (await app.inject({ method: 'GET', url: `${url()}?limit=100` })).json()
  for (const scale of list.data) {
    const before = await read(app, url(scale.id))
    await refused(t, app, await change(app, 'PATCH', url(scale.id), { name: 'Renamed' }), 409, 'conflict', before)
    await refused(t, app, await change(app, 'PATCH', url(scale.id), { values: [...before.values, { key: 'extra', label: 'Extra', ratingValue: 0, verdict: 'unproven' }] }), 409, 'conflict', before)
    await refused(t, app, await change(app, 'DELETE', url(scale.id)), 409, 'conflict', before)
  }
})

t.test('create a custom scale; slugs are unique and values are validated', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: url(), payload: { slug: 'newsroom', name: 'Newsroom scale', description: 'Ours.', values: customValues } })
  t.equal(res.statusCode, 201, res.body)
  const scale = res.json()
  t.equal(res.headers.location, `/v1/rating-scales/${scale.id}`)
  t.equal(res.headers.etag, '"1"')
  t.match(scale, { slug: 'newsroom', name: 'Newsroom scale', description: 'Ours.', builtIn: false, bestRating: 3, worstRating: 1, version: 1 })
  t.same(scale.values, customValues.map((v) => ({ ...v, description: null, aliases: [] })), 'values kept in order, description defaults to null, no aliases')
  t.same(await read(app, url(scale.id)), scale, 'reads back the same')
  const listed = (await app.inject({ method: 'GET', url: url() })).json()
  t.equal(listed.data[0].id, scale.id, 'newest first, built-ins last')

  const duplicate = await app.inject({ method: 'POST', url: url(), payload: { slug: 'newsroom', name: 'Again', values: customValues } })
  isProblem(t, duplicate, 409, 'conflict')
  isProblem(t, await app.inject({ method: 'POST', url: url(), payload: { slug: 'truth-o-meter', name: 'Mine', values: customValues } }), 409, 'conflict')

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['duplicate value keys', { values: [customValues[0], { ...customValues[1], key: 'correct' }] }, 'body.values'],
    ['fewer than two values', { values: [customValues[0]] }, 'body.values'],
    ['no values', { values: [] }, 'body.values'],
    ['a verdict off the shared scale', { values: [customValues[0], { ...customValues[1], verdict: 'pants-fire' }] }, 'body.values.1.verdict'],
    ['a fractional rating value', { values: [customValues[0], { ...customValues[1], ratingValue: 1.5 }] }, 'body.values.1.ratingValue'],
    ['a value with an unknown field', { values: [customValues[0], { ...customValues[1], colour: 'red' }] }, 'body.values.1'],
    ['a bad slug', { slug: 'Not A Slug' }, 'body.slug'],
  ]
  for (const [why, patch, field] of invalid) {
    const body = isProblem(t, await app.inject({ method: 'POST', url: url(), payload: { slug: 'other', name: 'Other', values: customValues, ...patch } }), 400, 'validation-failed')
    t.ok(body.errors?.some((e: { field: string }) => e.field === field), `${why}: errors name ${field}: ${JSON.stringify(body.errors)}`)
  }
  const after = (await app.inject({ method: 'GET', url: `${url()}?limit=100` })).json()
  t.equal(after.data.length, 5, 'nothing else was created (four built-in scales and this one)')

  const other = await createScale(app, { slug: 'other' })
  isProblem(t, await change(app, 'PATCH', url(other.id), { slug: 'newsroom' }), 409, 'conflict')
  isProblem(t, await change(app, 'PATCH', url(other.id), { values: [customValues[0], customValues[0]] }), 400, 'validation-failed')
  t.match(await read(app, url(other.id)), { slug: 'other', version: 1 })
})

t.test('a scale in use may gain values and relabel them, but not lose, reorder or re-rate them', async (t) => {
  const app = await build(t)
  const scale = await createScale(app)
  const { claim, review } = await useScale(app, 'newsroom', 'disputed')
  const before = await read(app, url(scale.id))
  const values: Value[] = before.values

  const tries: Array<[string, Value[]]> = [
    ['remove an unused value', values.slice(0, 2)],
    ['remove the used value', [values[0] as Value, values[2] as Value]],
    ['move the used value', reorder(values, [1, 0, 2])],
    ['swap the two unused values', reorder(values, [2, 1, 0])],
    ['change the used value\'s ratingValue', values.map((v) => v.key === 'disputed' ? { ...v, ratingValue: 5 } : v)],
    ['change the used value\'s verdict', values.map((v) => v.key === 'disputed' ? { ...v, verdict: 'misleading' } : v)],
    ['change another value\'s ratingValue', values.map((v) => v.key === 'wrong' ? { ...v, ratingValue: 0 } : v)],
    ['add one and reorder the rest', [{ key: 'new', label: 'New', ratingValue: 4, verdict: 'true' }, ...reorder(values, [1, 0, 2])]],
  ]
  for (const [why, next] of tries) {
    const body = await refused(t, app, await change(app, 'PATCH', url(scale.id), { values: next }), 422, 'unprocessable-entity', before)
    t.equal(body.errors?.[0]?.field, 'body.values', `${why}: names body.values`)
  }

  const added = [{ key: 'spot-on', label: 'Spot on', ratingValue: 4, verdict: 'true', description: null }, values[0], { key: 'unclear', label: 'Unclear', ratingValue: 0, verdict: 'unproven', description: null }, values[1], values[2]]
  const grown = await change(app, 'PATCH', url(scale.id), { values: added })
  t.equal(grown.statusCode, 200, grown.body)
  t.same(grown.json().values, added.map((v) => ({ aliases: [], ...v })), 'values added at the start and in the middle')
  t.match(grown.json(), { version: 2, bestRating: 4, worstRating: 0 })
  t.equal(grown.headers.etag, '"2"')
  const appended = await change(app, 'PATCH', url(scale.id), { values: [...added, { key: 'absurd', label: 'Absurd', ratingValue: -1, verdict: 'false' }] })
  t.equal(appended.statusCode, 200, appended.body)
  t.match(appended.json(), { version: 3, worstRating: -1 })

  const relabelled = appended.json().values.map((v: Value) => v.key === 'disputed' ? { ...v, label: 'Contested', description: 'Experts disagree.' } : v)
  const renamed = await change(app, 'PATCH', url(scale.id), { values: relabelled, name: 'Newsroom scale v2' })
  t.equal(renamed.statusCode, 200, renamed.body)
  t.match(renamed.json(), { name: 'Newsroom scale v2', version: 4 })
  const shown = await read(app, `/v1/claims/${claim.id}/reviews/${review.id}`)
  t.match(shown.rating, { scale: 'newsroom', key: 'disputed', label: 'Contested', ratingValue: 2, verdict: 'mixed', bestRating: 4, worstRating: -1 })

  const inUse = await read(app, url(scale.id))
  await refused(t, app, await change(app, 'DELETE', url(scale.id)), 409, 'conflict', inUse)
})

t.test('an unused scale may lose and reorder values, and be deleted', async (t) => {
  const app = await build(t)
  const scale = await createScale(app)
  const shrunk = await change(app, 'PATCH', url(scale.id), { values: customValues.slice(1) })
  t.equal(shrunk.statusCode, 200, shrunk.body)
  t.same(shrunk.json().values.map((v: Value) => v.key), ['disputed', 'wrong'])
  t.match(shrunk.json(), { bestRating: 2, worstRating: 1, version: 2 })
  const reordered = await change(app, 'PATCH', url(scale.id), { values: [customValues[2], customValues[1]] })
  t.equal(reordered.statusCode, 200, reordered.body)
  t.same(reordered.json().values.map((v: Value) => v.key), ['wrong', 'disputed'])
  const rerated = await change(app, 'PATCH', url(scale.id), { values: [{ ...customValues[2], ratingValue: 7 }, customValues[1]] })
  t.equal(rerated.statusCode, 200, rerated.body)
  t.match(rerated.json(), { bestRating: 7, version: 4 })

  const deleted = await change(app, 'DELETE', url(scale.id))
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  isProblem(t, await app.inject({ method: 'GET', url: url(scale.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: url(scale.id), headers: { 'if-match': '"4"' } }), 404, 'not-found')
  const list = (await app.inject({ method: 'GET', url: `${url()}?limit=100` })).json()
  t.notOk(list.data.some((s: { id: string }) => s.id === scale.id), 'no longer listed')
  t.equal((await createScale(app)).slug, 'newsroom', 'the slug is free again')
})

t.test('a deleted draft still counts as a use: its history names the scale', async (t) => {
  const app = await build(t)
  const scale = await createScale(app)
  const { claim, review } = await useScale(app, 'newsroom', 'wrong')
  t.equal((await change(app, 'DELETE', `/v1/claims/${claim.id}/reviews/${review.id}`)).statusCode, 204)
  const before = await read(app, url(scale.id))
  await refused(t, app, await change(app, 'PATCH', url(scale.id), { values: customValues.slice(0, 2) }), 422, 'unprocessable-entity', before)
  await refused(t, app, await change(app, 'DELETE', url(scale.id)), 409, 'conflict', before)
})

t.test('writes need a current If-Match; reads honour If-None-Match', async (t) => {
  const app = await build(t)
  const scale = await createScale(app)
  const before = await read(app, url(scale.id))
  await refused(t, app, await app.inject({ method: 'PATCH', url: url(scale.id), payload: { name: 'X' } }), 428, 'precondition-required', before)
  await refused(t, app, await app.inject({ method: 'DELETE', url: url(scale.id) }), 428, 'precondition-required', before)
  t.equal((await change(app, 'PATCH', url(scale.id), { name: 'Renamed' })).statusCode, 200)
  const current = await read(app, url(scale.id))
  const stale = await app.inject({ method: 'PATCH', url: url(scale.id), headers: { 'if-match': '"1"' }, payload: { name: 'Lost update' } })
  await refused(t, app, stale, 412, 'precondition-failed', current)
  t.equal(stale.headers.etag, '"2"', 'the 412 names the current ETag')
  await refused(t, app, await app.inject({ method: 'DELETE', url: url(scale.id), headers: { 'if-match': '"1"' } }), 412, 'precondition-failed', current)

  const etag = await etagOf(app, url(scale.id))
  t.equal(etag, '"2"')
  const notModified = await app.inject({ method: 'GET', url: url(scale.id), headers: { 'if-none-match': etag } })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')
  t.equal(notModified.headers.etag, etag)
  const modified = await app.inject({ method: 'GET', url: url(scale.id), headers: { 'if-none-match': '"1"' } })
  t.equal(modified.statusCode, 200)
  t.equal(modified.json().name, 'Renamed')
  isProblem(t, await app.inject({ method: 'GET', url: url('not-a-uuid') }), 400, 'validation-failed')
})

t.test('a rating may name an alias: the review gets the value\'s key', async (t) => {
  const app = await build(t)
  const claim = (await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Aliased.' } })).json()
  const res = await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload: { ratingScale: 'truth-o-meter', rating: 'barely-true' } })
  t.equal(res.statusCode, 201, res.body)
  t.match(res.json().rating, { key: 'mostly-false', label: 'Mostly False', verdict: 'mostly-false' })
  const custom = await app.inject({ method: 'POST', url: url(), payload: { slug: 'dup', name: 'Dup', values: [{ key: 'a', label: 'A', ratingValue: 1, verdict: 'true', aliases: ['b'] }, { key: 'b', label: 'B', ratingValue: 0, verdict: 'false' }] } })
  t.equal(custom.statusCode, 400, 'an alias may not name another value')
})
