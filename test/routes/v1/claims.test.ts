// /v1/claims: create, read, list with paging, update, soft delete, ETags and preconditions. Validation rules are in
// claims-validation.test.ts.
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { claims } from '../../../src/db/schema.ts'
import { build, change, collectPages, createClaim, createClaimant, etagOf, isProblem } from '../../helper.ts'

type Item = Record<string, unknown>

/** Status, ETag and body of a GET, to compare a resource before and after a request that must not change it. */
async function snapshot (app: FastifyInstance, url: string) {
  const res = await app.inject({ method: 'GET', url })
  return { status: res.statusCode, etag: res.headers.etag, body: res.json() }
}

async function createClaims (app: FastifyInstance, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push((await createClaim(app, { text: `${prefix} ${i}` })).id)
  return ids
}

const newestFirst = (ids: string[]) => [...ids].reverse()
const idsOf = (items: Item[]) => items.map((item) => item.id)

t.test('create -> read -> list -> update -> delete', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app, { name: 'Donald Trump' })

  const created = await app.inject({
    method: 'POST',
    url: '/v1/claims',
    payload: { text: '  I can end the war in 24 hours.  ', claimantId: claimant.id, claimDate: '2023-05-10', language: 'EN-gb', topics: ['Ukraine', 'war', 'ukraine'] },
  })
  t.equal(created.statusCode, 201)
  const claim = created.json()
  t.equal(created.headers.location, `/v1/claims/${claim.id}`)
  t.match(claim, {
    text: 'I can end the war in 24 hours.',
    claimantId: claimant.id,
    claimant: { id: claimant.id, slug: 'donald-trump', name: 'Donald Trump' },
    claimDate: '2023-05-10',
    language: 'en-GB',
    topics: ['ukraine', 'war'],
    status: 'new',
    version: 1,
  })

  const read = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })
  t.equal(read.statusCode, 200)
  t.match(read.json(), { id: claim.id, claimant: { id: claimant.id, name: 'Donald Trump', sameAs: [] }, appearances: [], evidence: [] })

  const list = await app.inject({ method: 'GET', url: '/v1/claims' })
  t.equal(list.statusCode, 200)
  t.same(list.json().data.map((c: { id: string }) => c.id), [claim.id])
  t.equal(list.json().nextCursor, null)

  const updated = await change(app, 'PATCH', `/v1/claims/${claim.id}`, { status: 'researching', claimDate: null })
  t.equal(updated.statusCode, 200)
  t.match(updated.json(), { status: 'researching', claimDate: null, version: 2, text: 'I can end the war in 24 hours.' })
  t.ok(updated.json().updatedAt >= claim.updatedAt)

  const deleted = await change(app, 'DELETE', `/v1/claims/${claim.id}`)
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: `/v1/claims/${claim.id}`, headers: { 'if-match': '*' }, payload: { status: 'new' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: `/v1/claims/${claim.id}`, headers: { 'if-match': '*' } }), 404, 'not-found')
  t.same((await app.inject({ method: 'GET', url: '/v1/claims' })).json().data, [], 'gone from the list')

  const [kept] = await app.db.select().from(claims).where(eq(claims.id, claim.id))
  t.ok(kept, 'the row is still in the table')
  t.type(kept?.deletedAt, Date, 'marked deleted')
})

t.test('every write bumps the version and changes the ETag', async (t) => {
  const app = await build(t)
  const created = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Version one.' } })
  t.equal(created.statusCode, 201)
  const claim = created.json()
  const url = `/v1/claims/${claim.id}`
  t.equal(created.headers.location, url)
  t.match(claim, { text: 'Version one.', claimantId: null, claimant: null, claimDate: null, language: 'en', topics: [], status: 'new', version: 1 })
  t.type(created.headers.etag, 'string', 'ETag on create')
  t.equal(await etagOf(app, url), created.headers.etag, 'GET answers the ETag the create gave')

  const seen = new Set([created.headers.etag])
  for (const [version, patch] of [[2, { text: 'Version two.' }], [3, { topics: ['moon'] }], [4, { status: 'archived' }]] as const) {
    const res = await change(app, 'PATCH', url, patch)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { id: claim.id, version, ...patch })
    t.notOk(seen.has(res.headers.etag), `a new ETag at version ${version}`)
    seen.add(res.headers.etag)
    t.equal(await etagOf(app, url), res.headers.etag, 'GET answers the ETag the PATCH gave')
  }
  t.match((await snapshot(app, url)).body, { text: 'Version two.', topics: ['moon'], status: 'archived', version: 4 })
  t.equal((await change(app, 'DELETE', url)).statusCode, 204)
})

t.test('lists page newest first, each claim exactly once', async (t) => {
  const app = await build(t)
  const ids = await createClaims(app, 7, 'Paged')
  const { items, pages } = await collectPages(app, '/v1/claims', 3)
  t.equal(pages, 3)
  t.same(idsOf(items), newestFirst(ids), 'every id once, newest first')
  t.same(idsOf(items), [...ids].sort().reverse(), 'which is descending id order')
  t.match(items[0], { id: ids[6], text: 'Paged 6', claimant: null, version: 1 })

  const last = await app.inject({ method: 'GET', url: '/v1/claims?limit=7' })
  t.equal(last.statusCode, 200)
  t.equal(last.json().data.length, 7)
  t.equal(last.json().nextCursor, null, 'no next page when the page holds the rest exactly')
})

t.test('a cursor is stable while new claims are added', async (t) => {
  const app = await build(t)
  const original = newestFirst(await createClaims(app, 7, 'Original'))
  const first = await app.inject({ method: 'GET', url: '/v1/claims?limit=3' })
  t.equal(first.statusCode, 200)
  t.same(idsOf(first.json().data), original.slice(0, 3))
  const added = await createClaims(app, 3, 'Added')

  const rest: unknown[] = []
  let cursor: string | null = first.json().nextCursor
  while (cursor) {
    const res = await app.inject({ method: 'GET', url: `/v1/claims?limit=3&cursor=${encodeURIComponent(cursor)}` })
    t.equal(res.statusCode, 200)
    rest.push(...idsOf(res.json().data))
    cursor = res.json().nextCursor
  }
  t.same(rest, original.slice(3), 'the rest of the original claims, no duplicates or gaps')
  t.same(idsOf((await collectPages(app, '/v1/claims', 100)).items).slice(0, 3), newestFirst(added), 'new claims head the list')
})

t.test('bad limits and cursors are 400 problems', async (t) => {
  const app = await build(t)
  await createClaims(app, 2, 'Listed')
  for (const limit of ['0', '101', 'abc', '-1', '1.5']) {
    const body = isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims?limit=${limit}` }), 400, 'validation-failed')
    t.equal(body.errors?.[0]?.field, 'query.limit', `limit=${limit}`)
  }
  const notUuid = Buffer.from(JSON.stringify({ id: 'not-a-uuid' })).toString('base64url')
  for (const cursor of ['xyz', notUuid, Buffer.from('[]').toString('base64url')]) {
    isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims?cursor=${cursor}` }), 400, 'invalid-cursor')
  }
})

t.test('a deleted claim is hidden from every read but kept in the table', async (t) => {
  const app = await build(t)
  const [kept, gone] = await createClaims(app, 2, 'Soon deleted')
  const url = `/v1/claims/${gone}`
  t.equal((await change(app, 'DELETE', url)).statusCode, 204)
  isProblem(t, await app.inject({ method: 'GET', url }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url, headers: { 'if-match': '*' }, payload: { text: 'Back?' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url, headers: { 'if-match': '*' } }), 404, 'not-found')
  t.same(idsOf((await collectPages(app, '/v1/claims', 10)).items), [kept], 'only the live claim is listed')

  const rows = await app.db.select().from(claims)
  t.equal(rows.length, 2)
  const row = rows.find((r) => r.id === gone)
  t.type(row?.deletedAt, Date, 'deletedAt set')
  t.equal(row?.text, 'Soon deleted 1', 'content kept')
  t.equal(rows.find((r) => r.id === kept)?.deletedAt, null, 'the other claim is untouched')
})

t.test('malformed ids are 400, unknown ids 404', async (t) => {
  const app = await build(t)
  for (const id of ['abc', '123', '01a21afa-f8d7-7012-a2c1']) {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await app.inject({ method, url: `/v1/claims/${id}`, headers: { 'if-match': '*' }, ...(method === 'PATCH' && { payload: { text: 'x' } }) })
      const body = isProblem(t, res, 400, 'validation-failed')
      t.equal(body.errors?.[0]?.field, 'params.id', `${method} ${id}`)
    }
  }
  const unknown = '01a21afa-f8d7-7012-a2c1-9cafeecf5fd3'
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims/${unknown}` }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: `/v1/claims/${unknown}`, payload: { text: 'x' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: `/v1/claims/${unknown}`, headers: { 'if-match': '*' } }), 404, 'not-found')
})

t.test('changes need a current If-Match', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app, { text: 'Guarded.' })
  const url = `/v1/claims/${id}`
  const before = await snapshot(app, url)

  isProblem(t, await app.inject({ method: 'PATCH', url, payload: { text: 'No header.' } }), 428, 'precondition-required')
  isProblem(t, await app.inject({ method: 'DELETE', url }), 428, 'precondition-required')
  t.same(await snapshot(app, url), before, 'unchanged without If-Match')

  const star = await app.inject({ method: 'PATCH', url, headers: { 'if-match': '*' }, payload: { text: 'Star.' } })
  t.match(isProblem(t, star, 428, 'precondition-required').detail, /If-Match: \* does not say which version/)
  isProblem(t, await app.inject({ method: 'DELETE', url, headers: { 'if-match': '*' } }), 428, 'precondition-required')
  t.same(await snapshot(app, url), before, 'unchanged with If-Match: *')
  const v2 = await app.inject({ method: 'PATCH', url, headers: { 'if-match': String(before.etag) }, payload: { text: 'Current.' } })
  t.match(v2.json(), { text: 'Current.', version: 2 })
  const current = await snapshot(app, url)

  for (const stale of [before.etag, `W/${current.etag}`, '"999"']) {
    const res = await app.inject({ method: 'PATCH', url, headers: { 'if-match': String(stale) }, payload: { text: 'Stale.' } })
    isProblem(t, res, 412, 'precondition-failed')
    t.equal(res.headers.etag, current.etag, `412 names the current ETag (If-Match ${stale})`)
  }
  isProblem(t, await app.inject({ method: 'DELETE', url, headers: { 'if-match': String(before.etag) } }), 412, 'precondition-failed')
  t.same(await snapshot(app, url), current, 'unchanged after stale If-Match')
  const both = await app.inject({ method: 'PATCH', url, headers: { 'if-match': `"0", ${current.etag}` }, payload: { text: 'Listed tag.' } })
  t.equal(both.statusCode, 200, 'any tag of an If-Match list may match')
})

t.test('two editors with the same ETag: one wins, the other gets 412', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app, { text: 'Contested.' })
  const url = `/v1/claims/${id}`
  const etag = await etagOf(app, url)
  const results = await Promise.all(['Editor A.', 'Editor B.'].map((text) =>
    app.inject({ method: 'PATCH', url, headers: { 'if-match': etag }, payload: { text } })))
  t.same(results.map((r) => r.statusCode).sort(), [200, 412])
  const winner = results.find((r) => r.statusCode === 200)
  const loser = results.find((r) => r.statusCode === 412)
  if (loser) isProblem(t, loser, 412, 'precondition-failed')
  const final = await snapshot(app, url)
  t.equal(final.body.text, winner?.json().text, "the final GET shows the winner's text")
  t.equal(final.body.version, 2)
  t.equal(final.etag, winner?.headers.etag)
})

t.test('ten parallel writers: If-Match: * lets none through, one ETag lets exactly one through', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app, { text: 'Contested by ten.' })
  const url = `/v1/claims/${id}`
  const before = await snapshot(app, url)
  const writers = (ifMatch: string) => Promise.all(Array.from({ length: 10 }, (_, i) =>
    app.inject({ method: 'PATCH', url, headers: { 'if-match': ifMatch }, payload: { text: `Writer ${i}.` } })))
  const stars = await writers('*')
  t.same(stars.map((r) => r.statusCode), Array(10).fill(428), 'If-Match: * is refused: no last-writer-wins')
  t.same(await snapshot(app, url), before, 'unchanged')
  const tagged = await writers(String(before.etag))
  t.same(tagged.map((r) => r.statusCode).sort(), [200, ...Array(9).fill(412)], 'one ETag: one winner, nine 412')
  const winner = tagged.find((r) => r.statusCode === 200)
  const final = await snapshot(app, url)
  t.match(final.body, { text: winner?.json().text, version: 2 }, 'the winner is what is stored')
})

t.test('If-None-Match answers 304 while the ETag is current', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app, { text: 'Cached.' })
  const url = `/v1/claims/${id}`
  const etag = await etagOf(app, url)

  for (const tag of [etag, `W/${etag}`, `"0", ${etag}`, '*']) {
    const res = await app.inject({ method: 'GET', url, headers: { 'if-none-match': tag } })
    t.equal(res.statusCode, 304, `If-None-Match: ${tag}`)
    t.equal(res.body, '', 'no body')
    t.equal(res.headers.etag, etag)
  }
  await change(app, 'PATCH', url, { text: 'Changed.' })
  const fresh = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })
  t.equal(fresh.statusCode, 200, 'a stale ETag gets the full claim')
  t.match(fresh.json(), { text: 'Changed.', version: 2 })
  t.not(fresh.headers.etag, etag)
})

t.test('the claim ETag covers its appearances and its claimant', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app, { name: 'Embedded Person' })
  const { id } = await createClaim(app, { claimantId: claimant.id })
  const url = `/v1/claims/${id}`
  const before = await etagOf(app, url)

  const appearance = await app.inject({ method: 'POST', url: `${url}/appearances`, payload: { medium: 'speech' } })
  t.equal(appearance.statusCode, 201)
  const withAppearance = await snapshot(app, url)
  t.not(withAppearance.etag, before, 'a new appearance changes the claim ETag')
  t.match(withAppearance.body, { version: 1, appearances: [{ id: appearance.json().id, medium: 'speech' }] })
  t.equal((await app.inject({ method: 'GET', url, headers: { 'if-none-match': before } })).statusCode, 200, 'no 304 for the old ETag')
  isProblem(t, await app.inject({ method: 'PATCH', url, headers: { 'if-match': before }, payload: { text: 'x' } }), 412, 'precondition-failed')

  // The detail embeds the whole claimant, so renaming the claimant changes what GET shows.
  t.equal((await change(app, 'PATCH', `/v1/claimants/${claimant.id}`, { name: 'Renamed Person' })).statusCode, 200)
  const renamed = await app.inject({ method: 'GET', url, headers: { 'if-none-match': String(withAppearance.etag) } })
  t.equal(renamed.statusCode, 200, 'no 304 once the embedded claimant has changed')
  t.not(renamed.headers.etag, withAppearance.etag, 'renaming the claimant changes the claim ETag')
})
