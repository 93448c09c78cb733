// /v1/claims/{claimId}/appearances: create, read, list with paging, update, delete, preconditions and every rule.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { build, change, collectPages, createClaim, etagOf, isProblem, read, refused } from '../../helper.ts'

const url = (claimId: string, id?: string) => `/v1/claims/${claimId}/appearances${id ? `/${id}` : ''}`

async function addAppearance (app: FastifyInstance, claimId: string, body: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: url(claimId), payload: body })
  if (res.statusCode !== 201) throw new Error(`addAppearance: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Ids of the claim's appearances marked first, read from the list. */
async function firsts (app: FastifyInstance, claimId: string) {
  const { items } = await collectPages(app, url(claimId), 100)
  return items.filter((a) => a.isFirstAppearance === true).map((a) => a.id)
}

t.test('create -> read -> list -> update -> delete, embedded in the claim throughout', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)

  const created = await app.inject({
    method: 'POST',
    url: url(claim.id),
    payload: { url: 'https://example.com/news/1', title: '  Moon facts  ', publisher: 'Example News', medium: 'article', publishedAt: '2025-08-17T15:00:00+02:00', quote: 'It is cheese.', isFirstAppearance: true },
  })
  t.equal(created.statusCode, 201, created.body)
  const appearance = created.json()
  t.equal(created.headers.location, url(claim.id, appearance.id))
  t.equal(created.headers.etag, '"1"')
  t.match(appearance, {
    id: String,
    claimId: claim.id,
    url: 'https://example.com/news/1',
    title: 'Moon facts',
    publisher: 'Example News',
    medium: 'article',
    publishedAt: '2025-08-17T13:00:00.000Z',
    quote: 'It is cheese.',
    isFirstAppearance: true,
    version: 1,
  })
  t.equal(appearance.createdAt, appearance.updatedAt)

  const got = await app.inject({ method: 'GET', url: url(claim.id, appearance.id) })
  t.equal(got.statusCode, 200)
  t.equal(got.headers.etag, '"1"')
  t.same(got.json(), appearance)

  const list = await app.inject({ method: 'GET', url: url(claim.id) })
  t.equal(list.statusCode, 200)
  t.same(list.json(), { data: [appearance], nextCursor: null })
  const detail = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })
  t.same(detail.json().appearances, [appearance], 'the claim embeds it')

  const updated = await change(app, 'PATCH', url(claim.id, appearance.id), { title: 'Moon facts, revised', url: null, medium: 'broadcast' })
  t.equal(updated.statusCode, 200, updated.body)
  t.equal(updated.headers.etag, '"2"')
  t.match(updated.json(), { id: appearance.id, title: 'Moon facts, revised', url: null, medium: 'broadcast', publisher: 'Example News', quote: 'It is cheese.', version: 2 })
  t.ok(updated.json().updatedAt >= appearance.updatedAt)
  t.same(await read(app, url(claim.id, appearance.id)), updated.json())
  const detail2 = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })
  t.same(detail2.json().appearances, [updated.json()], 'the claim embeds the new version')
  t.not(detail2.headers.etag, detail.headers.etag, 'the claim ETag follows its appearances')

  const deleted = await change(app, 'DELETE', url(claim.id, appearance.id))
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  isProblem(t, await app.inject({ method: 'GET', url: url(claim.id, appearance.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: url(claim.id, appearance.id), headers: { 'if-match': '*' } }), 404, 'not-found')
  t.same((await read(app, url(claim.id))).data, [])
  t.same((await read(app, `/v1/claims/${claim.id}`)).appearances, [], 'no longer embedded')
})

t.test('paging: newest first, no duplicates or gaps, stable while rows come and go', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const other = await createClaim(app)
  await addAppearance(app, other.id, { title: 'elsewhere' })
  const ids: string[] = []
  for (let i = 0; i < 7; i++) ids.push((await addAppearance(app, claim.id, { title: `a${i}` })).id)
  const newestFirst = [...ids].reverse()

  for (const limit of [1, 3, 7, 100]) {
    const { items, pages } = await collectPages(app, url(claim.id), limit)
    t.same(items.map((a) => a.id), newestFirst, `limit ${limit}: every row once, newest first`)
    t.equal(pages, Math.max(1, Math.ceil(7 / limit)), `limit ${limit}: pages`)
  }

  const page = async (cursor?: string) => {
    const res = await app.inject({ method: 'GET', url: `${url(claim.id)}?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` })
    t.equal(res.statusCode, 200, res.body)
    return res.json() as { data: Array<{ id: string }>, nextCursor: string | null }
  }
  const first = await page()
  t.same(first.data.map((a) => a.id), newestFirst.slice(0, 3))
  await addAppearance(app, claim.id, { title: 'newer' })
  await addAppearance(app, claim.id, { title: 'newest' })
  const second = await page(first.nextCursor ?? undefined)
  t.same(second.data.map((a) => a.id), newestFirst.slice(3, 6), 'rows added meanwhile do not shift the next page')
  await change(app, 'DELETE', url(claim.id, ids[0] as string))
  const third = await page(second.nextCursor ?? undefined)
  t.same(third, { data: [], nextCursor: null }, 'a row deleted meanwhile is simply gone')

  isProblem(t, await app.inject({ method: 'GET', url: `${url(claim.id)}?limit=0` }), 400, 'validation-failed')
  isProblem(t, await app.inject({ method: 'GET', url: `${url(claim.id)}?limit=101` }), 400, 'validation-failed')
  isProblem(t, await app.inject({ method: 'GET', url: `${url(claim.id)}?cursor=not-a-cursor` }), 400, 'invalid-cursor')
})

t.test('an appearance is only reachable under its own live claim', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const other = await createClaim(app)
  const appearance = await addAppearance(app, claim.id, { title: 'mine' })
  const etag = await etagOf(app, url(claim.id, appearance.id))

  isProblem(t, await app.inject({ method: 'GET', url: url(other.id, appearance.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: url(other.id, appearance.id), headers: { 'if-match': etag }, payload: { title: 'stolen' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: url(other.id, appearance.id), headers: { 'if-match': etag } }), 404, 'not-found')
  t.same((await read(app, url(other.id))).data, [])
  t.same((await read(app, `/v1/claims/${other.id}`)).appearances, [])
  t.same(await read(app, url(claim.id, appearance.id)), appearance, 'untouched')

  const unknown = randomUUID()
  isProblem(t, await app.inject({ method: 'GET', url: url(unknown) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'POST', url: url(unknown), payload: {} }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: url(claim.id, randomUUID()) }), 404, 'not-found')

  await refused(t, app, await app.inject({ method: 'GET', url: url('not-a-uuid') }), 'params.claimId')
  await refused(t, app, await app.inject({ method: 'POST', url: url('12345'), payload: {} }), 'params.claimId')
  await refused(t, app, await app.inject({ method: 'GET', url: url(claim.id, 'nope') }), 'params.id')
  await refused(t, app, await app.inject({ method: 'PATCH', url: url(claim.id, 'nope'), headers: { 'if-match': '*' }, payload: { title: 'x' } }), 'params.id')
  await refused(t, app, await app.inject({ method: 'DELETE', url: url(claim.id, 'nope'), headers: { 'if-match': '*' } }), 'params.id')

  t.equal((await change(app, 'DELETE', `/v1/claims/${claim.id}`)).statusCode, 204, 'the claim is soft-deleted')
  isProblem(t, await app.inject({ method: 'GET', url: url(claim.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: url(claim.id, appearance.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'POST', url: url(claim.id), payload: { title: 'late' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: url(claim.id, appearance.id), headers: { 'if-match': etag }, payload: { title: 'late' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: url(claim.id, appearance.id), headers: { 'if-match': etag } }), 404, 'not-found')
})

t.test('url is optional, but http or https when given', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  t.match(await addAppearance(app, claim.id, { medium: 'broadcast' }), { url: null, medium: 'broadcast' }, 'a broadcast has no url')
  t.match(await addAppearance(app, claim.id, { url: null }), { url: null, medium: 'other' }, 'medium defaults to other')
  t.match(await addAppearance(app, claim.id, { url: 'http://example.org/a?b=c#d' }), { url: 'http://example.org/a?b=c#d' })
  const appearance = await addAppearance(app, claim.id, { url: 'https://example.com/x' })
  const before = { path: url(claim.id, appearance.id), before: appearance }
  const count = (await collectPages(app, url(claim.id), 100)).items.length

  for (const bad of ['ftp://x', 'javascript:alert(1)', 'not a url', '', '/relative/path', `https://example.com/${'a'.repeat(2048)}`, 42]) {
    await refused(t, app, await app.inject({ method: 'POST', url: url(claim.id), payload: { url: bad } }), 'body.url')
    await refused(t, app, await app.inject({ method: 'PATCH', url: url(claim.id, appearance.id), headers: { 'if-match': '"1"' }, payload: { url: bad } }), 'body.url', before)
  }
  t.equal((await collectPages(app, url(claim.id), 100)).items.length, count, 'nothing was created')
})

t.test('medium, publishedAt, lengths and unknown fields', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  for (const medium of ['article', 'broadcast', 'social', 'speech', 'transcript', 'other']) {
    t.equal((await addAppearance(app, claim.id, { medium })).medium, medium)
  }
  t.equal((await addAppearance(app, claim.id, { publishedAt: '2025-08-17T13:00:00Z' })).publishedAt, '2025-08-17T13:00:00.000Z')
  t.equal((await addAppearance(app, claim.id, { publishedAt: null })).publishedAt, null)
  t.match(await addAppearance(app, claim.id, { title: 'x'.repeat(500), quote: 'q'.repeat(5000) }), { title: 'x'.repeat(500), quote: 'q'.repeat(5000) }, 'the limits themselves are fine')

  const appearance = await addAppearance(app, claim.id, { title: 'kept', medium: 'speech', publishedAt: '2025-01-01T00:00:00Z' })
  const before = { path: url(claim.id, appearance.id), before: appearance }
  const count = (await collectPages(app, url(claim.id), 100)).items.length
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ medium: 'podcast' }, 'body.medium'],
    [{ medium: 'ARTICLE' }, 'body.medium'],
    [{ medium: null }, 'body.medium'],
    [{ publishedAt: '2025-08-17' }, 'body.publishedAt'],
    [{ publishedAt: 'yesterday' }, 'body.publishedAt'],
    [{ publishedAt: '2025-08-17T13:00:00' }, 'body.publishedAt'],
    [{ publishedAt: 1755435600000 }, 'body.publishedAt'],
    [{ title: 'x'.repeat(501) }, 'body.title'],
    [{ title: '   ' }, 'body.title'],
    [{ publisher: 'p'.repeat(201) }, 'body.publisher'],
    [{ quote: 'q'.repeat(5001) }, 'body.quote'],
    [{ isFirstAppearance: 'yes' }, 'body.isFirstAppearance'],
    [{ title: 'ok', colour: 'red' }, 'body'],
    [{ claimId: randomUUID() }, 'body'],
    [{ id: randomUUID() }, 'body'],
    [{ version: 7 }, 'body'],
  ]
  for (const [payload, field] of cases) {
    await refused(t, app, await app.inject({ method: 'POST', url: url(claim.id), payload }), field)
    await refused(t, app, await app.inject({ method: 'PATCH', url: url(claim.id, appearance.id), headers: { 'if-match': '"1"' }, payload }), field, before)
  }
  await refused(t, app, await app.inject({ method: 'PATCH', url: url(claim.id, appearance.id), headers: { 'if-match': '"1"' }, payload: {} }), 'body', before)
  t.equal((await collectPages(app, url(claim.id), 100)).items.length, count, 'nothing was created')

  // Past validation, values the database cannot hold are still the client's problem, never a 500.
  isProblem(t, await app.inject({ method: 'POST', url: url(claim.id), payload: { title: 'nul \u0000 byte' } }), 400)
  isProblem(t, await app.inject({ method: 'POST', url: url(claim.id), payload: { publishedAt: '0000-01-01T00:00:00Z' } }), 400)
  t.same(await read(app, before.path), appearance)
})

t.test('a claim has at most one first appearance', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const other = await createClaim(app)
  const a = await addAppearance(app, claim.id, { title: 'a', isFirstAppearance: true })
  t.same(await firsts(app, claim.id), [a.id])

  const b = await addAppearance(app, claim.id, { title: 'b', isFirstAppearance: true })
  t.equal(b.isFirstAppearance, true)
  t.match(await read(app, url(claim.id, a.id)), { isFirstAppearance: false, version: 2 }, 'the previous first is unmarked, as a change')
  t.match(await read(app, url(claim.id, b.id)), { isFirstAppearance: true, version: 1 })

  const c = await addAppearance(app, claim.id, { title: 'c' })
  t.equal(c.isFirstAppearance, false)
  t.same(await firsts(app, claim.id), [b.id], 'an appearance is not first unless asked')
  const marked = await change(app, 'PATCH', url(claim.id, c.id), { isFirstAppearance: true })
  t.equal(marked.statusCode, 200, marked.body)
  t.match(marked.json(), { isFirstAppearance: true, version: 2 })
  t.match(await read(app, url(claim.id, b.id)), { isFirstAppearance: false, version: 2 })
  t.match(await read(app, url(claim.id, a.id)), { isFirstAppearance: false, version: 2 }, 'rows not first are left alone')
  t.same(await firsts(app, claim.id), [c.id])

  const again = await change(app, 'PATCH', url(claim.id, c.id), { isFirstAppearance: true })
  t.match(again.json(), { isFirstAppearance: true, version: 3 }, 'marking the first again keeps it first')
  t.same(await firsts(app, claim.id), [c.id])

  const elsewhere = await addAppearance(app, other.id, { isFirstAppearance: true })
  t.same(await firsts(app, other.id), [elsewhere.id])
  t.same(await firsts(app, claim.id), [c.id], 'another claim\'s first does not touch this one')

  t.equal((await change(app, 'PATCH', url(claim.id, c.id), { isFirstAppearance: false })).statusCode, 200)
  t.same(await firsts(app, claim.id), [], 'a claim may have no first appearance')
  t.equal((await change(app, 'DELETE', url(other.id, elsewhere.id))).statusCode, 204)
  t.same(await firsts(app, other.id), [])
})

t.test('concurrent requests to mark the first appearance all succeed, and one wins', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const created = await Promise.all(Array.from({ length: 6 }, (_, i) =>
    app.inject({ method: 'POST', url: url(claim.id), payload: { title: `c${i}`, isFirstAppearance: true } })))
  t.same(created.map((r) => r.statusCode), [201, 201, 201, 201, 201, 201], 'every create succeeds; none is refused by the one-first index')
  t.equal((await firsts(app, claim.id)).length, 1, 'exactly one first after concurrent creates')

  const { items } = await collectPages(app, url(claim.id), 100)
  // Each writer sends the ETag it read, and reads again after a 412 (another mark unmarked its appearance meanwhile).
  const markFirst = async (id: string) => {
    for (;;) {
      const res = await app.inject({ method: 'PATCH', url: url(claim.id, id), headers: { 'if-match': await etagOf(app, url(claim.id, id)) }, payload: { isFirstAppearance: true } })
      if (res.statusCode !== 412) return res
    }
  }
  const marked = await Promise.all(items.map((a) => markFirst(a.id as string)))
  t.same(marked.map((r) => r.statusCode), items.map(() => 200), 'every update succeeds; none is refused by the one-first index')
  t.equal((await firsts(app, claim.id)).length, 1, 'exactly one first after concurrent updates')
})

t.test('preconditions: If-Match on writes, If-None-Match on reads', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const appearance = await addAppearance(app, claim.id, { title: 'v1' })
  const path = url(claim.id, appearance.id)

  isProblem(t, await app.inject({ method: 'PATCH', url: path, payload: { title: 'blind' } }), 428, 'precondition-required')
  isProblem(t, await app.inject({ method: 'DELETE', url: path }), 428, 'precondition-required')
  t.same(await read(app, path), appearance, 'unchanged without If-Match')

  const v2 = await app.inject({ method: 'PATCH', url: path, headers: { 'if-match': '"1"' }, payload: { title: 'v2' } })
  t.equal(v2.statusCode, 200, v2.body)
  t.equal(v2.headers.etag, '"2"')
  const stale = await app.inject({ method: 'PATCH', url: path, headers: { 'if-match': '"1"' }, payload: { title: 'lost update' } })
  isProblem(t, stale, 412, 'precondition-failed')
  t.equal(stale.headers.etag, '"2"', 'the 412 tells the current ETag')
  isProblem(t, await app.inject({ method: 'DELETE', url: path, headers: { 'if-match': '"1"' } }), 412, 'precondition-failed')
  t.same(await read(app, path), v2.json(), 'unchanged by stale writes')

  const notModified = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': '"2"' } })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')
  t.equal(notModified.headers.etag, '"2"')
  const modified = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': '"1"' } })
  t.equal(modified.statusCode, 200)
  t.same(modified.json(), v2.json())
})
