// /v1/claimants: create, read, list with paging, update, delete, slugs, preconditions and validation.
import { eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { claimants } from '../../../src/db/schema.ts'
import { bearer, build, change, collectPages, createClaim, createClaimant, etagOf, isProblem, keyFor } from '../../helper.ts'

/** Status, ETag and body of a GET, to compare a resource before and after a request that must not change it. */
async function snapshot (app: FastifyInstance, url: string) {
  const res = await app.inject({ method: 'GET', url })
  return { status: res.statusCode, etag: res.headers.etag, body: res.json() }
}

async function createClaimants (app: FastifyInstance, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push((await createClaimant(app, { name: `${prefix} ${i}` })).id)
  return ids
}

const listedIds = async (app: FastifyInstance) => (await collectPages(app, '/v1/claimants', 100)).items.map((c) => c.id)

t.test('create -> read -> list -> update -> delete', async (t) => {
  const app = await build(t)
  const created = await app.inject({
    method: 'POST',
    url: '/v1/claimants',
    payload: { name: '  Volodymyr Zelenskyy ', jobTitle: 'President of Ukraine', sameAs: ['https://www.wikidata.org/wiki/Q3874799', 'https://www.wikidata.org/wiki/Q3874799'] },
  })
  t.equal(created.statusCode, 201)
  const claimant = created.json()
  const url = `/v1/claimants/${claimant.id}`
  t.equal(created.headers.location, url)
  t.type(created.headers.etag, 'string', 'ETag on create')
  t.match(claimant, {
    slug: 'volodymyr-zelenskyy',
    name: 'Volodymyr Zelenskyy',
    description: null,
    jobTitle: 'President of Ukraine',
    affiliation: null,
    sameAs: ['https://www.wikidata.org/wiki/Q3874799'],
    version: 1,
  })

  const read = await app.inject({ method: 'GET', url })
  t.equal(read.statusCode, 200)
  t.same(read.json(), claimant)
  t.equal(read.headers.etag, created.headers.etag)
  t.same(await listedIds(app), [claimant.id])

  let etag = created.headers.etag
  for (const [version, patch] of [[2, { affiliation: 'Servant of the People', jobTitle: null }], [3, { slug: 'zelenskyy' }]] as const) {
    const updated = await change(app, 'PATCH', url, patch)
    t.equal(updated.statusCode, 200)
    t.match(updated.json(), { id: claimant.id, name: 'Volodymyr Zelenskyy', version, ...patch })
    t.not(updated.headers.etag, etag, `a new ETag at version ${version}`)
    etag = updated.headers.etag
    t.equal(await etagOf(app, url), etag, 'GET answers the ETag the PATCH gave')
  }

  const deleted = await change(app, 'DELETE', url)
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  isProblem(t, await app.inject({ method: 'GET', url }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url, headers: { 'if-match': '*' }, payload: { name: 'Back' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url, headers: { 'if-match': '*' } }), 404, 'not-found')
  t.same(await listedIds(app), [], 'gone from the list')
  const [row] = await app.db.select().from(claimants).where(eq(claimants.id, claimant.id))
  t.type(row?.deletedAt, Date, 'kept in the table, marked deleted')
})

t.test('lists page newest first; a cursor is stable while claimants are added', async (t) => {
  const app = await build(t)
  const original = (await createClaimants(app, 7, 'Person')).reverse()
  const { items, pages } = await collectPages(app, '/v1/claimants', 3)
  t.equal(pages, 3)
  t.same(items.map((c) => c.id), original, 'every id once, newest first')
  t.same(items.map((c) => c.id), [...original].sort().reverse(), 'which is descending id order')

  const first = await app.inject({ method: 'GET', url: '/v1/claimants?limit=3' })
  t.same(first.json().data.map((c: { id: string }) => c.id), original.slice(0, 3))
  const added = (await createClaimants(app, 3, 'Latecomer')).reverse()
  const rest: string[] = []
  for (let cursor = first.json().nextCursor; cursor;) {
    const res = await app.inject({ method: 'GET', url: `/v1/claimants?limit=3&cursor=${encodeURIComponent(cursor)}` })
    t.equal(res.statusCode, 200)
    rest.push(...res.json().data.map((c: { id: string }) => c.id))
    cursor = res.json().nextCursor
  }
  t.same(rest, original.slice(3), 'the rest of the original claimants, no duplicates or gaps')
  t.same((await listedIds(app)).slice(0, 3), added, 'new claimants head the list')

  for (const limit of ['0', '101', 'abc']) {
    const body = isProblem(t, await app.inject({ method: 'GET', url: `/v1/claimants?limit=${limit}` }), 400, 'validation-failed')
    t.equal(body.errors?.[0]?.field, 'query.limit', `limit=${limit}`)
  }
  for (const cursor of ['xyz', Buffer.from(JSON.stringify({ id: 'not-a-uuid' })).toString('base64url')]) {
    isProblem(t, await app.inject({ method: 'GET', url: `/v1/claimants?cursor=${cursor}` }), 400, 'invalid-cursor')
  }
})

const over20 = Array.from({ length: 21 }, (_, i) => `https://example.org/${i}`)
const invalid: Array<[string, Record<string, unknown>, string]> = [
  ['name empty', { name: '' }, 'body.name'],
  ['name only spaces', { name: '   ' }, 'body.name'],
  ['name over 200 characters', { name: 'n'.repeat(201) }, 'body.name'],
  ['name a number', { name: 5 }, 'body.name'],
  ['name with a NUL character', { name: 'Jane\u0000Doe' }, 'body.name'],
  ['slug with upper case', { slug: 'Jane-Doe' }, 'body.slug'],
  ['slug with spaces', { slug: 'jane doe' }, 'body.slug'],
  ['slug with a double hyphen', { slug: 'jane--doe' }, 'body.slug'],
  ['slug with a trailing hyphen', { slug: 'jane-' }, 'body.slug'],
  ['slug over 100 characters', { slug: 's'.repeat(101) }, 'body.slug'],
  ['sameAs ftp://x', { sameAs: ['ftp://x'] }, 'body.sameAs.0'],
  ['sameAs javascript:', { sameAs: ['https://example.org', 'javascript:alert(1)'] }, 'body.sameAs.1'],
  ['sameAs not a URL', { sameAs: ['wikidata Q42'] }, 'body.sameAs.0'],
  ['sameAs over 20 URLs', { sameAs: over20 }, 'body.sameAs'],
  ['sameAs not an array', { sameAs: 'https://example.org' }, 'body.sameAs'],
  ['description over 5000 characters', { description: 'd'.repeat(5001) }, 'body.description'],
  ['jobTitle over 200 characters', { jobTitle: 'j'.repeat(201) }, 'body.jobTitle'],
  ['an unknown field', { foo: 1 }, 'body'],
  ['version in the body', { version: 3 }, 'body'],
]

t.test('every invalid body is a 400 problem that changes nothing', async (t) => {
  const app = await build(t)
  const { id } = await createClaimant(app, { name: 'Jane Doe', sameAs: ['https://example.org/jane'] })
  const url = `/v1/claimants/${id}`
  const before = await snapshot(app, url)
  const creates: typeof invalid = [['name missing', { slug: 'nameless' }, 'body.name'], ['name null', { name: null }, 'body.name'],
    ...invalid.map(([what, body, field]): typeof invalid[number] => [what, { name: 'Valid Name', ...body }, field])]
  const updates: typeof invalid = [['an empty body', {}, 'body'], ['name null', { name: null }, 'body.name'], ['sameAs null', { sameAs: null }, 'body.sameAs'], ...invalid]
  for (const [method, cases] of [['POST', creates], ['PATCH', updates]] as const) {
    for (const [what, payload, field] of cases) {
      const res = await app.inject({ method, url: method === 'POST' ? '/v1/claimants' : url, headers: { 'if-match': String(before.etag) }, payload })
      const body = isProblem(t, res, 400, 'validation-failed')
      t.equal(body.errors?.[0]?.field, field, `${method}: ${what}`)
      if (field === 'body' && what !== 'an empty body') t.match(body.errors?.[0]?.message, Object.keys(payload).at(-1), 'names the field')
    }
  }
  t.same(await snapshot(app, url), before, 'the claimant is unchanged')
  t.same(await listedIds(app), [id], 'no claimant was created')
})

t.test('slugs: derived, de-duplicated, unique while live, freed on delete', async (t) => {
  const app = await build(t)
  const first = await createClaimant(app, { name: 'José Álvarez' })
  const second = await createClaimant(app, { name: 'José Álvarez', distinctFrom: [first.id] })
  t.equal(first.slug, 'jose-alvarez')
  t.equal(second.slug, 'jose-alvarez-2')
  t.equal((await createClaimant(app, { name: '!!!' })).slug, 'claimant', 'a name with no letters still gets a slug')

  const before = await snapshot(app, `/v1/claimants/${second.id}`)
  const taken = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Someone Else', slug: 'jose-alvarez' } })
  t.match(isProblem(t, taken, 409, 'conflict').detail, 'jose-alvarez')
  isProblem(t, await app.inject({ method: 'PATCH', url: `/v1/claimants/${second.id}`, headers: { 'if-match': '"1"' }, payload: { slug: 'jose-alvarez' } }), 409, 'conflict')
  t.same(await snapshot(app, `/v1/claimants/${second.id}`), before, 'unchanged after the conflict')
  const own = await change(app, 'PATCH', `/v1/claimants/${second.id}`, { slug: 'jose-alvarez-2', name: 'José Álvarez Jr.' })
  t.equal(own.statusCode, 200, 'a claimant may keep its own slug')

  t.equal((await change(app, 'DELETE', `/v1/claimants/${first.id}`)).statusCode, 204)
  t.equal((await createClaimant(app, { name: 'José Álvarez', distinctFrom: [second.id] })).slug, 'jose-alvarez', 'a deleted claimant frees its slug')
  t.equal((await change(app, 'DELETE', `/v1/claimants/${second.id}`)).statusCode, 204)
  t.equal((await createClaimant(app, { name: 'Other', slug: 'jose-alvarez-2' })).slug, 'jose-alvarez-2', 'also for explicit slugs')
})

t.test('claimants created at the same time with the same name get distinct slugs', async (t) => {
  const app = await build(t)
  for (let round = 0; round < 3; round++) {
    const sameAs = [`https://example.org/twin-${round}-a`, `https://example.org/twin-${round}-b`]
    const results = await Promise.all(sameAs.map((url) => app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: `Twin ${round}`, sameAs: [url] } })))
    t.same(results.map((r) => r.statusCode), [201, 201], `round ${round}: no slug was asked for and sameAs tells them apart, so neither may conflict`)
    t.same(results.map((r) => r.statusCode === 201 && r.json().slug).sort(), [`twin-${round}`, `twin-${round}-2`])
  }
})

t.test('a name the organisation already has is a 409 naming that claimant, unless the caller says it is another person', async (t) => {
  const app = await build(t)
  const trump = await createClaimant(app, { name: 'Donald Trump' })
  const before = await listedIds(app)
  for (const name of ['Donald Trump', 'donald trump', 'DONALD  TRUMP', 'Dónald Trümp']) {
    const res = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name } })
    const body = isProblem(t, res, 409, 'conflict')
    t.equal(res.headers.location, `/v1/claimants/${trump.id}`, `${name}: Location names the existing claimant`)
    t.equal(body.existingId, trump.id, `${name}: so does the body`)
    t.match(body.detail, 'distinctFrom')
  }
  t.same(await listedIds(app), before, 'no claimant was made')

  const concurrent = await Promise.all([0, 1].map(() => app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Jill Stein' } })))
  t.same(concurrent.map((r) => r.statusCode).sort(), [201, 409], 'two at once: one is made, the other names it')
  const jill = concurrent.find((r) => r.statusCode === 201)?.json()
  t.equal(concurrent.find((r) => r.statusCode === 409)?.headers.location, `/v1/claimants/${jill?.id}`)

  const other = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Donald Trump', distinctFrom: [trump.slug] } })
  t.equal(other.statusCode, 201, 'distinctFrom (by slug) says it is someone else')
  t.equal(other.json().slug, 'donald-trump-2')
  const third = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Donald Trump', distinctFrom: [trump.id] } })
  t.equal(isProblem(t, third, 409, 'conflict').existingId, other.json().id, 'every claimant of that name must be told apart')

  const withUrl = await createClaimant(app, { name: 'Sam Smith', sameAs: ['https://www.wikidata.org/wiki/Q1'] })
  const sameUrl = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'sam smith', sameAs: ['https://www.wikidata.org/wiki/Q1', 'https://example.org/sam'] } })
  t.equal(isProblem(t, sameUrl, 409, 'conflict').existingId, withUrl.id, 'a shared sameAs URL is the same person')
  const otherUrl = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Sam Smith', sameAs: ['https://www.wikidata.org/wiki/Q2'] } })
  t.equal(otherUrl.statusCode, 201, 'distinct sameAs URLs tell them apart')

  const elsewhere = await app.inject({ method: 'POST', url: '/v1/claimants', headers: bearer(await keyFor(app, 'editor', 'other-desk')), payload: { name: 'Donald Trump' } })
  t.equal(elsewhere.statusCode, 201, 'another organisation may record its own')

  const renamed = await createClaimant(app, { name: 'Joe Biden' })
  const rename = await app.inject({ method: 'PATCH', url: `/v1/claimants/${renamed.id}`, headers: { 'if-match': await etagOf(app, `/v1/claimants/${renamed.id}`) }, payload: { name: 'Donald Trump' } })
  t.equal(rename.headers.location, `/v1/claimants/${trump.id}`)
  t.match(isProblem(t, rename, 409, 'conflict'), { existingId: trump.id }, 'a rename follows the same rule')
  t.equal((await app.inject({ method: 'GET', url: `/v1/claimants/${renamed.id}` })).json().name, 'Joe Biden', 'unchanged')
  const recase = await app.inject({ method: 'PATCH', url: `/v1/claimants/${trump.id}`, headers: { 'if-match': await etagOf(app, `/v1/claimants/${trump.id}`) }, payload: { name: 'Donald J. Trump' } })
  t.equal(recase.statusCode, 200, 'a claimant may be renamed when no other has the name')
  const allowed = await app.inject({ method: 'PATCH', url: `/v1/claimants/${renamed.id}`, headers: { 'if-match': await etagOf(app, `/v1/claimants/${renamed.id}`) }, payload: { name: 'Donald Trump', distinctFrom: [other.json().id] } })
  t.equal(allowed.statusCode, 200, 'renamed with distinctFrom')
})

t.test('a claimant named by a live claim cannot be deleted', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app, { name: 'Busy Person' })
  const url = `/v1/claimants/${claimant.id}`
  const claim = await createClaim(app, { claimantId: claimant.id })
  const before = await snapshot(app, url)

  isProblem(t, await app.inject({ method: 'DELETE', url, headers: { 'if-match': String(before.etag) } }), 409, 'conflict')
  t.same(await snapshot(app, url), before, 'still there, unchanged')
  t.same(await listedIds(app), [claimant.id])

  t.equal((await change(app, 'DELETE', `/v1/claims/${claim.id}`)).statusCode, 204)
  const deleted = await app.inject({ method: 'DELETE', url, headers: { 'if-match': String(before.etag) } })
  t.equal(deleted.statusCode, 204, 'allowed once the claim is deleted')
  isProblem(t, await app.inject({ method: 'GET', url }), 404, 'not-found')
  t.same(await listedIds(app), [], 'missing from the list')
})

t.test('deleting a claimant while a claim naming it is created leaves no live claim without its claimant', async (t) => {
  const app = await build(t)
  for (let round = 0; round < 5; round++) {
    const { id } = await createClaimant(app, { name: `Racer ${round}` })
    const etag = await etagOf(app, `/v1/claimants/${id}`)
    const [deleted, created] = await Promise.all([
      app.inject({ method: 'DELETE', url: `/v1/claimants/${id}`, headers: { 'if-match': etag } }),
      app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Racing.', claimantId: id } }),
    ])
    t.same([deleted.statusCode, created.statusCode].sort(), deleted.statusCode === 204 ? [204, 422] : [201, 409], `round ${round}: exactly one wins`)
    if (created.statusCode === 201) {
      t.equal((await app.inject({ method: 'GET', url: `/v1/claimants/${id}` })).statusCode, 200, 'the claim names a live claimant')
    }
  }
})

t.test('changes need a current If-Match; If-None-Match gives 304', async (t) => {
  const app = await build(t)
  const { id } = await createClaimant(app, { name: 'Guarded Person' })
  const url = `/v1/claimants/${id}`
  const before = await snapshot(app, url)

  isProblem(t, await app.inject({ method: 'PATCH', url, payload: { name: 'No Header' } }), 428, 'precondition-required')
  isProblem(t, await app.inject({ method: 'DELETE', url }), 428, 'precondition-required')
  t.same(await snapshot(app, url), before, 'unchanged without If-Match')

  isProblem(t, await app.inject({ method: 'PATCH', url, headers: { 'if-match': '*' }, payload: { name: 'Star Person' } }), 428, 'precondition-required')
  t.same(await snapshot(app, url), before, 'unchanged with If-Match: *, which names no version')
  const v2 = await app.inject({ method: 'PATCH', url, headers: { 'if-match': String(before.etag) }, payload: { name: 'Star Person' } })
  t.match(v2.json(), { name: 'Star Person', version: 2 })
  const current = await snapshot(app, url)
  const stale = await app.inject({ method: 'PATCH', url, headers: { 'if-match': String(before.etag) }, payload: { name: 'Stale' } })
  isProblem(t, stale, 412, 'precondition-failed')
  t.equal(stale.headers.etag, current.etag, '412 names the current ETag')
  isProblem(t, await app.inject({ method: 'DELETE', url, headers: { 'if-match': String(before.etag) } }), 412, 'precondition-failed')
  t.same(await snapshot(app, url), current, 'unchanged after a stale If-Match')

  const results = await Promise.all(['Editor A', 'Editor B'].map((name) =>
    app.inject({ method: 'PATCH', url, headers: { 'if-match': String(current.etag) }, payload: { name } })))
  t.same(results.map((r) => r.statusCode).sort(), [200, 412], 'two editors with one ETag: one wins')
  const winner = results.find((r) => r.statusCode === 200)
  const final = await snapshot(app, url)
  t.match(final.body, { name: winner?.json().name, version: 3 }, "the final GET shows the winner's name")

  const notModified = await app.inject({ method: 'GET', url, headers: { 'if-none-match': String(final.etag) } })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '', 'no body')
  t.equal(notModified.headers.etag, final.etag)
  const fresh = await app.inject({ method: 'GET', url, headers: { 'if-none-match': String(current.etag) } })
  t.equal(fresh.statusCode, 200, 'a stale ETag gets the full claimant')
  t.same(fresh.json(), final.body)
})

t.test('malformed ids are 400, unknown ids 404', async (t) => {
  const app = await build(t)
  for (const id of ['ABC', 'a--b', '-x']) {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await app.inject({ method, url: `/v1/claimants/${id}`, headers: { 'if-match': '*' }, ...(method === 'PATCH' && { payload: { name: 'x' } }) })
      t.equal(isProblem(t, res, 400, 'validation-failed').errors?.[0]?.field, 'params.id', `${method} ${id}`)
    }
  }
  const unknown = '01a21afa-f8d7-7012-a2c1-9cafeecf5fd3'
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claimants/${unknown}` }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/claimants/no-such-claimant' }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: `/v1/claimants/${unknown}`, headers: { 'if-match': '*' }, payload: { name: 'x' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: `/v1/claimants/${unknown}` }), 404, 'not-found')
})

t.test('find a claimant: q searches names and aliases by word prefix, ignoring case and accents; slugs work as ids', async (t) => {
  const app = await build(t)
  const trump = await createClaimant(app, { name: 'Donald Trump', aliases: ['POTUS 45', 'The Donald'] })
  const jr = await createClaimant(app, { name: 'Donald Trump Jr.' })
  const zelensky = await createClaimant(app, { name: 'Volodymyr Zelenskyy', aliases: ['Зеленський'] })
  const jose = await createClaimant(app, { name: 'José Álvarez-Peña' })
  t.same(trump.aliases, ['POTUS 45', 'The Donald'])
  const found = async (q: string) => {
    const res = await app.inject({ method: 'GET', url: `/v1/claimants?q=${encodeURIComponent(q)}` })
    t.equal(res.statusCode, 200, `q=${q}`)
    return res.json().data.map((c: { id: string }) => c.id)
  }
  t.same(await found('trump'), [jr.id, trump.id], 'a later word of the name, newest first')
  t.same(await found('DON'), [jr.id, trump.id], 'a prefix, any case')
  t.same(await found('donald trump j'), [jr.id], 'several words')
  t.same(await found('potus'), [trump.id], 'an alias')
  t.same(await found('зелен'), [zelensky.id], 'an alias in another script')
  t.same(await found('jose alvarez pe'), [jose.id], 'accents and hyphens ignored')
  t.same(await found('Peña'), [jose.id], 'accents in q too')
  t.same(await found('rump'), [], 'not the middle of a word')
  t.same(await found('nobody'), [])

  const firstPage = await app.inject({ method: 'GET', url: '/v1/claimants?q=donald&limit=1' })
  t.same(firstPage.json().data.map((c: { id: string }) => c.id), [jr.id])
  const next = await app.inject({ method: 'GET', url: `/v1/claimants?q=donald&limit=1&cursor=${encodeURIComponent(firstPage.json().nextCursor)}` })
  t.same(next.json().data.map((c: { id: string }) => c.id), [trump.id], 'paged within the search')
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claimants?limit=1&cursor=${encodeURIComponent(firstPage.json().nextCursor)}` }), 400, 'invalid-cursor')

  const bySlug = await app.inject({ method: 'GET', url: '/v1/claimants/donald-trump' })
  t.equal(bySlug.statusCode, 200, 'read by slug')
  t.same(bySlug.json(), (await app.inject({ method: 'GET', url: `/v1/claimants/${trump.id}` })).json())
  const patched = await app.inject({ method: 'PATCH', url: '/v1/claimants/donald-trump', headers: { 'if-match': String(bySlug.headers.etag) }, payload: { jobTitle: 'US President' } })
  t.equal(patched.statusCode, 200, 'changed by slug')
  t.equal(patched.json().id, trump.id)

  const claim = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'The war would never have started.', claimantId: 'donald-trump' } })
  t.equal(claim.statusCode, 201, 'a claim names its claimant by slug')
  t.equal(claim.json().claimantId, trump.id, 'and answers with its id')
  const moved = await app.inject({ method: 'PATCH', url: `/v1/claims/${claim.json().id}`, headers: { 'if-match': await etagOf(app, `/v1/claims/${claim.json().id}`) }, payload: { claimantId: 'donald-trump-jr' } })
  t.equal(moved.json().claimantId, jr.id, 'also when changed')
  isProblem(t, await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'x', claimantId: 'nobody-known' } }), 422, 'unprocessable-entity')
  const listed = await app.inject({ method: 'GET', url: '/v1/claims?claimant=donald-trump-jr' })
  t.same(listed.json().data.map((c: { id: string }) => c.id), [claim.json().id], 'the claims filter takes the slug')

  t.equal(isProblem(t, await app.inject({ method: 'DELETE', url: '/v1/claimants/donald-trump-jr', headers: { 'if-match': await etagOf(app, '/v1/claimants/donald-trump-jr') } }), 409, 'conflict').existingId, undefined, 'deleted by slug: refused while it has claims')
})

t.test('unknown query parameters are a 400 problem, on every route', async (t) => {
  const app = await build(t)
  const { id } = await createClaimant(app, { name: 'Query Person' })
  for (const url of ['/v1/claimants?name=Query%20Person', '/v1/claimants?query=x', `/v1/claimants/${id}?expand=claims`, '/v1/claims?claimnt=query-person', '/v1/rating-scales?foo=1', '/healthz?x=1']) {
    const body = isProblem(t, await app.inject({ method: 'GET', url }), 400, 'validation-failed')
    t.match(body.detail, /unrecognized|Unrecognized/, url)
    t.equal(body.errors?.[0]?.field, 'query', `${url}: names the query`)
  }
  const post = await app.inject({ method: 'POST', url: '/v1/claimants?dryRun=true', payload: { name: 'Not Made' } })
  isProblem(t, post, 400, 'validation-failed')
  t.same(await listedIds(app), [id], 'nothing was made')
  t.equal((await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=x&key=AIza123&prettyPrint=false' })).statusCode, 200, "Google's client parameters are accepted on the Google-compatible route")
  isProblem(t, await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=x&bogus=1' }), 400, 'validation-failed')
})
