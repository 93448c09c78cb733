// GET /v1/claims: each filter alone and combined, the sort orders, and cursors that neither skip nor repeat a claim
// while others are written, and that are refused on any other list, sort or filter. Full-text search is in
// claims-fulltext.test.ts.
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { build, change, collectPages, createClaim, createClaimant, isProblem } from '../../helper.ts'

type Item = Record<string, unknown>
const idsOf = (items: Item[]) => items.map((item) => item.id as string)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A claim of the fixture: who said it, its status, verdict (by publishing a review), topics, language and date. */
interface Spec { by: 'rutte' | 'merkel' | 'macron' | null, status: 'new' | 'researching' | 'archived' | 'reviewed', rating?: string, topics: string[], language: string, claimDate: string | null }
const SPECS: Spec[] = [
  /* 0 */ { by: 'rutte', status: 'new', topics: ['housing'], language: 'en', claimDate: '2021-03-01' },
  /* 1 */ { by: 'rutte', status: 'researching', topics: ['farming', 'environment'], language: 'en-GB', claimDate: '2022-06-15' },
  /* 2 */ { by: 'rutte', status: 'reviewed', rating: 'false', topics: ['economy'], language: 'en', claimDate: '2023-01-10' },
  /* 3 */ { by: 'merkel', status: 'new', topics: ['energy'], language: 'de', claimDate: '2020-09-30' },
  /* 4 */ { by: 'merkel', status: 'archived', topics: ['migration'], language: 'de', claimDate: null },
  /* 5 */ { by: 'merkel', status: 'reviewed', rating: 'true', topics: ['economy'], language: 'de', claimDate: '2019-05-05' },
  /* 6 */ { by: 'macron', status: 'researching', topics: ['pensions', 'economy'], language: 'fr', claimDate: '2023-03-16' },
  /* 7 */ { by: 'macron', status: 'new', topics: ['energy'], language: 'fr', claimDate: null },
  /* 8 */ { by: null, status: 'new', topics: ['space'], language: 'en', claimDate: null },
  /* 9 */ { by: null, status: 'archived', topics: ['health'], language: 'en-GB', claimDate: '2021-12-31' },
  /* 10 */ { by: null, status: 'reviewed', rating: 'pants-fire', topics: ['economy', 'trade'], language: 'en', claimDate: '2022-06-15' },
  /* 11 */ { by: null, status: 'researching', topics: ['energy', 'economy'], language: 'fr', claimDate: '2022-01-01' },
]

const author = { name: 'Example Fact Check', url: 'https://factcheck.example.org' }

/** Drafts a review of the claim and publishes it (If-Match: the draft's ETag), which makes the claim `reviewed`. */
async function publishReview (app: FastifyInstance, claimId: string, rating: string) {
  const payload = { ratingScale: 'truth-o-meter', rating, ratingExplanation: 'Not so.', url: `https://factcheck.example.org/${claimId}`, author }
  const drafted = await app.inject({ method: 'POST', url: `/v1/claims/${claimId}/reviews`, payload })
  if (drafted.statusCode !== 201) throw new Error(`draft: ${drafted.statusCode} ${drafted.body}`)
  const url = `/v1/claims/${claimId}/reviews/${drafted.json().id}`
  const res = await app.inject({ method: 'POST', url: `${url}/publish`, headers: { 'if-match': String(drafted.headers.etag) } })
  if (res.statusCode !== 200) throw new Error(`publish: ${res.statusCode} ${res.body}`)
}

/** The twelve claims of SPECS, created in order; ids[i] is the claim of SPECS[i]. */
async function fixture (app: FastifyInstance) {
  const people = {
    rutte: await createClaimant(app, { name: 'Mark Rutte' }),
    merkel: await createClaimant(app, { name: 'Angela Merkel' }),
    macron: await createClaimant(app, { name: 'Emmanuel Macron' }),
  }
  const ids: string[] = []
  for (const [i, spec] of SPECS.entries()) {
    const claim = await createClaim(app, {
      text: `Claim number ${i}.`,
      claimantId: spec.by && people[spec.by].id,
      status: spec.status === 'reviewed' ? 'new' : spec.status,
      topics: spec.topics,
      language: spec.language,
      claimDate: spec.claimDate,
    })
    if (spec.rating) await publishReview(app, claim.id, spec.rating)
    ids.push(claim.id)
  }
  return { people, ids }
}

/** The ids of one page of GET /v1/claims with this query, after checking it answered 200 with no next page. */
async function list (t: Test, app: FastifyInstance, query: string): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/claims?limit=100${query ? `&${query}` : ''}` })
  t.equal(res.statusCode, 200, `?${query} answers 200`)
  t.equal(res.json().nextCursor, null)
  return idsOf(res.json().data)
}

t.test('each filter alone and several combined give exactly the matching claims, newest first', async (t) => {
  const app = await build(t)
  const { people, ids } = await fixture(app)
  const newest = (...n: number[]) => [...n].sort((a, b) => b - a).map((i) => ids[i])

  const cases: Array<[string, number[]]> = [
    ['', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
    [`claimant=${people.rutte.id}`, [0, 1, 2]],
    ['claimant=angela-merkel', [3, 4, 5]],
    ['claimant=emmanuel-macron', [6, 7]],
    ['claimant=nobody-at-all', []],
    ['claimant=01a21afa-f8d7-7012-a2c1-9cafeecf5fd3', []],
    ['status=new', [0, 3, 7, 8]],
    ['status=researching', [1, 6, 11]],
    ['status=reviewed', [2, 5, 10]],
    ['status=archived', [4, 9]],
    ['verdict=false', [2, 10]],
    ['verdict=true', [5]],
    ['verdict=mixed', []],
    ['topic=economy', [2, 5, 6, 10, 11]],
    ['topic=Energy', [3, 7, 11]],
    ['topic=econ', []],
    ['language=en', [0, 1, 2, 8, 9, 10]],
    ['language=en-GB', [1, 9]],
    ['language=EN-gb', [1, 9]],
    ['language=de', [3, 4, 5]],
    ['language=fr', [6, 7, 11]],
    ['language=es', []],
    ['claimedFrom=2022-06-15', [1, 2, 6, 10]],
    ['claimedTo=2021-03-01', [0, 3, 5]],
    ['claimedFrom=2021-03-01&claimedTo=2022-06-15', [0, 1, 9, 10, 11]],
    ['claimedFrom=2022-06-15&claimedTo=2022-06-15', [1, 10]],
    ['claimedFrom=2024-01-01', []],
    ['claimant=mark-rutte&status=new', [0]],
    ['topic=economy&language=en', [2, 10]],
    ['topic=economy&verdict=false&claimedFrom=2023-01-01', [2]],
    ['language=fr&topic=energy&status=researching', [11]],
    ['status=archived&language=en', [9]],
    ['claimant=angela-merkel&claimedTo=2020-12-31', [3, 5]],
    ['claimant=angela-merkel&status=new&verdict=true', []],
  ]
  for (const [query, expected] of cases) t.same(await list(t, app, query), newest(...expected), `?${query}`)

  const one = (await app.inject({ method: 'GET', url: '/v1/claims?verdict=true' })).json().data
  t.match(one, [{ id: ids[5], status: 'reviewed', claimant: { slug: 'angela-merkel' }, currentVerdict: { rating: { key: 'true', verdict: 'true' } } }])
  t.notOk('search' in one[0], 'no search field without q')

  // updatedSince: only the claims changed at or after the instant.
  await sleep(5)
  const since = new Date().toISOString()
  await sleep(5)
  const patched = await change(app, 'PATCH', `/v1/claims/${ids[3]}`, { text: 'Claim number 3, edited.' })
  t.equal(patched.statusCode, 200)
  t.equal((await change(app, 'PATCH', `/v1/claims/${ids[9]}`, { topics: ['health', 'vaccines'] })).statusCode, 200)
  t.same(await list(t, app, `updatedSince=${since}`), newest(3, 9))
  t.same(await list(t, app, `updatedSince=${encodeURIComponent(patched.json().updatedAt)}`), newest(3, 9), 'the instant itself is included')
  t.same(await list(t, app, `updatedSince=${since.replace('Z', '%2B02:00')}`), newest(...SPECS.keys()), 'an offset is honoured')
  t.same(await list(t, app, `updatedSince=${since}&language=en`), newest(9))
  t.same(await list(t, app, 'updatedSince=2999-01-01T00:00:00Z'), [])
})

t.test('invalid filter values are 400 problems naming the field', async (t) => {
  const app = await build(t)
  await createClaim(app)
  const cases: Array<[string, string]> = [
    ['status=bogus', 'query.status'],
    ['status=reviewed,new', 'query.status'],
    ['verdict=bogus', 'query.verdict'],
    ['claimedFrom=2024-13-01', 'query.claimedFrom'],
    ['claimedTo=2024-02-30', 'query.claimedTo'],
    ['claimedFrom=01/02/2024', 'query.claimedFrom'],
    ['updatedSince=yesterday', 'query.updatedSince'],
    ['updatedSince=2024-01-01', 'query.updatedSince'],
    ['language=!!', 'query.language'],
    ['sort=name', 'query.sort'],
    ['sort=createdAt', 'query.sort'],
    ['sort=relevance', 'query.sort'],
    ['q=%20%20', 'query.q'],
    ['claimant=', 'query.claimant'],
  ]
  for (const [query, field] of cases) {
    const body = isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims?${query}` }), 400, 'validation-failed')
    t.equal(body.errors?.[0]?.field, field, `?${query}`)
  }
})

// The fixture in each order, as indexes into SPECS: dates descending or ascending with undated claims last, ties by id.
const ORDERS: Record<string, number[]> = {
  '-createdAt': [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
  '-claimDate': [6, 2, 10, 1, 11, 9, 0, 3, 5, 8, 7, 4],
  claimDate: [5, 3, 0, 9, 11, 1, 10, 2, 6, 4, 7, 8],
}

t.test('sorts, and paging through each two at a time gives the single-page result exactly', async (t) => {
  const app = await build(t)
  const { ids } = await fixture(app)
  for (const [sort, order] of Object.entries(ORDERS)) {
    const expected = order.map((i) => ids[i])
    t.same(await list(t, app, `sort=${sort}`), expected, `sort=${sort}`)
    const { items, pages } = await collectPages(app, `/v1/claims?sort=${sort}`, 2)
    t.same(idsOf(items), expected, `sort=${sort} paged by 2`)
    t.equal(pages, 6)
  }
  t.same(await list(t, app, ''), ORDERS['-createdAt']?.map((i) => ids[i]), '-createdAt is the default')
  const dated = await collectPages(app, '/v1/claims?sort=-claimDate&topic=energy', 1)
  t.same(idsOf(dated.items), [11, 3, 7].map((i) => ids[i]), 'a filtered sort pages too')

  // -updatedAt: the claims changed last come first.
  for (const i of [4, 0, 7]) {
    await sleep(3)
    t.equal((await change(app, 'PATCH', `/v1/claims/${ids[i]}`, { text: `Claim number ${i}, edited.` })).statusCode, 200)
  }
  const single = (await app.inject({ method: 'GET', url: '/v1/claims?sort=-updatedAt&limit=100' })).json().data as Item[]
  t.same(idsOf(single).slice(0, 3), [7, 0, 4].map((i) => ids[i]), 'the patched claims first, last patched first')
  t.same(new Set(idsOf(single)), new Set(ids), 'every claim once')
  const keys = single.map((item) => `${String(item.updatedAt)} ${String(item.id)}`)
  t.same(keys, [...keys].sort().reverse(), 'descending by updatedAt, then id')
  const { items } = await collectPages(app, '/v1/claims?sort=-updatedAt', 2)
  t.same(idsOf(items), idsOf(single), 'sort=-updatedAt paged by 2')
})

/** Continues from a cursor to the end, returning the ids of the rest. */
async function rest (t: Test, app: FastifyInstance, query: string, cursor: string | null, limit: number) {
  const ids: string[] = []
  while (cursor) {
    const res = await app.inject({ method: 'GET', url: `/v1/claims?${query}&limit=${limit}&cursor=${encodeURIComponent(cursor)}` })
    t.equal(res.statusCode, 200, res.body.slice(0, 200))
    ids.push(...idsOf(res.json().data))
    cursor = res.json().nextCursor
  }
  return ids
}

t.test('a -createdAt cursor holds while claims are inserted and edited', async (t) => {
  const app = await build(t)
  const original: string[] = []
  for (let i = 0; i < 10; i++) original.push((await createClaim(app, { text: `Original ${i}` })).id)
  original.reverse()
  const first = await app.inject({ method: 'GET', url: '/v1/claims?sort=-createdAt&limit=3' })
  t.equal(first.statusCode, 200)
  t.same(idsOf(first.json().data), original.slice(0, 3))

  for (let i = 0; i < 5; i++) await createClaim(app, { text: `Inserted ${i}` })
  for (const id of [original[4], original[8]]) t.equal((await change(app, 'PATCH', `/v1/claims/${id}`, { text: 'Edited meanwhile.' })).statusCode, 200)

  t.same(await rest(t, app, 'sort=-createdAt', first.json().nextCursor, 3), original.slice(3), 'exactly the unseen originals, once each, in order')
})

t.test('a -claimDate cursor holds while claims dated inside the range are inserted', async (t) => {
  const app = await build(t)
  const original: string[] = []
  for (let day = 1; day <= 10; day++) original.push((await createClaim(app, { text: `Day ${day}`, claimDate: `2020-01-${String(day).padStart(2, '0')}` })).id)
  for (let i = 0; i < 2; i++) original.push((await createClaim(app, { text: `Undated ${i}` })).id)
  const order = [...original.slice(0, 10).reverse(), original[11], original[10]] as string[]
  const first = await app.inject({ method: 'GET', url: '/v1/claims?sort=-claimDate&limit=3' })
  t.equal(first.statusCode, 200)
  t.same(idsOf(first.json().data), order.slice(0, 3), 'days 10, 9, 8')

  const inserted: Record<string, string> = {}
  for (const date of ['2020-01-09', '2020-01-05', '2020-01-04', '2020-01-02', null]) {
    inserted[String(date)] = (await createClaim(app, { text: `Inserted ${String(date)}`, claimDate: date })).id
  }
  for (const id of [order[4], order[10]]) t.equal((await change(app, 'PATCH', `/v1/claims/${id}`, { text: 'Edited meanwhile.' })).statusCode, 200)

  const seen = await rest(t, app, 'sort=-claimDate', first.json().nextCursor, 3)
  const added = new Set(Object.values(inserted))
  t.same(seen.filter((id) => !added.has(id)), order.slice(3), 'every unseen original once, in order')
  t.equal(new Set(seen).size, seen.length, 'no claim twice')
  t.notOk(seen.includes(inserted['2020-01-09'] ?? ''), 'a claim inserted before the cursor is not shown')
  t.same(seen.filter((id) => added.has(id)), ['2020-01-05', '2020-01-04', '2020-01-02', 'null'].map((k) => inserted[k]), 'those inserted after it are, in place')
})

t.test('cursors are tamper-evident and bound to their list, sort and filters', async (t) => {
  const app = await build(t)
  await fixture(app)
  const cursorOf = async (url: string) => {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`)
    const cursor = res.json().nextCursor
    t.type(cursor, 'string', `${url} has a next page`)
    return String(cursor)
  }
  const refused = async (url: string, why: string) => {
    t.equal(isProblem(t, await app.inject({ method: 'GET', url }), 400, 'invalid-cursor').type, '/problems/invalid-cursor', why)
  }

  const cursor = await cursorOf('/v1/claims?sort=-claimDate&limit=2')
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims?sort=-claimDate&limit=2&cursor=${cursor}` })).statusCode, 200, 'the cursor as issued works')
  const dot = cursor.indexOf('.')
  const swap = (c: string) => (c === 'A' ? 'Q' : 'A') // differs in the high bits of a base64 digit
  for (const at of [
    0,
    Math.floor(dot / 2),
    dot - 2,
    dot,
    dot + 1,
    Math.floor((dot + cursor.length) / 2),
    cursor.length - 2,
  ]) {
    const tampered = `${cursor.slice(0, at)}${swap(cursor.charAt(at))}${cursor.slice(at + 1)}`
    await refused(
      `/v1/claims?sort=-claimDate&limit=2&cursor=${encodeURIComponent(tampered)}`,
      `character ${at} changed`
    )
  }
  await refused(`/v1/claims?sort=claimDate&limit=2&cursor=${cursor}`, 'a -claimDate cursor on sort=claimDate')
  await refused(`/v1/claims?limit=2&cursor=${cursor}`, 'a -claimDate cursor on the default sort')

  const onNew = await cursorOf('/v1/claims?status=new&limit=1')
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims?status=new&limit=1&cursor=${onNew}` })).statusCode, 200)
  await refused(`/v1/claims?status=archived&limit=1&cursor=${onNew}`, 'a status=new cursor on status=archived')
  await refused(`/v1/claims?limit=1&cursor=${onNew}`, 'a status=new cursor without the filter')
  await refused(`/v1/claims?status=new&language=en&limit=1&cursor=${onNew}`, 'a status=new cursor with another filter added')
  const two = await cursorOf('/v1/claims?status=new&language=en&limit=1')
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims?language=en&limit=1&status=new&cursor=${two}` })).statusCode, 200, 'the order of the parameters does not matter')

  const claimants = await cursorOf('/v1/claimants?limit=1')
  await refused(`/v1/claims?cursor=${claimants}`, 'a /v1/claimants cursor')
  const feed = await cursorOf('/v1/claimreview?limit=1')
  await refused(`/v1/claims?cursor=${feed}`, 'a /v1/claimreview cursor')
  const claimsCursor = await cursorOf('/v1/claims?limit=1')
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claimreview?cursor=${claimsCursor}` }), 400, 'invalid-cursor')
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claimants?cursor=${claimsCursor}` }), 400, 'invalid-cursor')
})
