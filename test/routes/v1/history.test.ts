// /v1/claims/{id}/history and GET /v1/claims/{id}?asOf: one revision per change, naming who made it and in which
// request, paged newest first; and a claim read back as it was at any past instant.
import { eq } from 'drizzle-orm'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { claims, revisions } from '../../../src/db/schema.ts'
import { anonymous, bearer, build, collectPages, createClaim, createClaimant, etagOf, isProblem, keyFor, publishableReview, testOrganization } from '../../helper.ts'

interface Revision {
  seq: number
  entityType: string
  entityId: string
  version: number
  action: string
  actor: string
  requestId: string | null
  at: string
  before: Record<string, unknown> | null
  after: Record<string, unknown>
}
type Expected = [entityType: string, entityId: string, version: number, action: string, requestId: string]

const ready = { ratingScale: 'truth-o-meter', rating: 'false', ratingExplanation: 'No.', url: 'https://factcheck.example.org/moon', author: { name: 'Example Fact Check' } }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const json = (value: unknown) => JSON.parse(JSON.stringify(value))

let requests = 0
/** A request with an X-Request-Id of its own and, when `etagUrl` is given, If-Match set to that resource's ETag. */
async function send (app: FastifyInstance, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>, etagUrl?: string) {
  const rid = `history-test-${++requests}`
  const headers: Record<string, string> = { 'x-request-id': rid }
  if (etagUrl) headers['if-match'] = await etagOf(app, etagUrl)
  const res = await app.inject({ method, url, headers, ...(payload && { payload }) })
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
  return { rid, body: res.statusCode === 204 ? null : res.json() }
}

const historyOf = async (app: FastifyInstance, claimId: string, limit = 100) =>
  (await collectPages(app, `/v1/claims/${claimId}/history`, limit)) as unknown as { items: Revision[], pages: number }
const revisionCount = async (app: FastifyInstance) => (await app.db.select().from(revisions)).length

t.test('every change under a claim writes one revision, newest first, with actor, request id, before and after', async (t) => {
  const app = await build(t)
  const claim = await send(app, 'POST', '/v1/claims', { text: 'The moon is made of cheese.' })
  const id: string = claim.body.id
  const c = `/v1/claims/${id}`
  const expected: Expected[] = [['claim', id, 1, 'create', claim.rid]]
  expected.push(['claim', id, 2, 'update', (await send(app, 'PATCH', c, { text: 'The moon is cheese.' }, c)).rid])
  const appearance = await send(app, 'POST', `${c}/appearances`, { medium: 'speech' })
  const a = `${c}/appearances/${appearance.body.id}`
  expected.push(['appearance', appearance.body.id, 1, 'create', appearance.rid])
  expected.push(['appearance', appearance.body.id, 2, 'update', (await send(app, 'PATCH', a, { quote: 'Cheese!' }, a)).rid])
  const evidence = await send(app, 'POST', `${c}/evidence`, { url: 'https://nasa.example.gov/moon', stance: 'refutes' })
  const e = `${c}/evidence/${evidence.body.id}`
  expected.push(['evidence', evidence.body.id, 1, 'create', evidence.rid])
  expected.push(['evidence', evidence.body.id, 2, 'update', (await send(app, 'PATCH', e, { summary: 'Rock.' }, e)).rid])
  expected.push(['evidence', evidence.body.id, 3, 'delete', (await send(app, 'DELETE', e, undefined, e)).rid])
  const review = await send(app, 'POST', `${c}/reviews`, { ratingScale: 'truth-o-meter', rating: 'false' })
  const r = `${c}/reviews/${review.body.id}`
  expected.push(['review', review.body.id, 1, 'create', review.rid])
  expected.push(['review', review.body.id, 2, 'update', (await send(app, 'PATCH', r, { url: ready.url, author: ready.author, ratingExplanation: 'No.' }, r)).rid])
  const publish = await send(app, 'POST', `${r}/publish`, undefined, r)
  expected.push(['review', review.body.id, 3, 'publish', publish.rid], ['claim', id, 3, 'update', publish.rid])
  const retract = await send(app, 'POST', `${r}/retract`, { reason: 'Wrong scale.' }, r)
  expected.push(['review', review.body.id, 4, 'retract', retract.rid], ['claim', id, 4, 'update', retract.rid])
  const draft = await send(app, 'POST', `${c}/reviews`, { ratingScale: 'five-point', rating: 'false' })
  const d = `${c}/reviews/${draft.body.id}`
  expected.push(['review', draft.body.id, 1, 'create', draft.rid])
  expected.push(['review', draft.body.id, 2, 'delete', (await send(app, 'DELETE', d, undefined, d)).rid])
  expected.push(['appearance', appearance.body.id, 3, 'delete', (await send(app, 'DELETE', a, undefined, a)).rid])

  const { items, pages } = await historyOf(app, id, 4)
  t.equal(pages, Math.ceil(expected.length / 4), 'paged by 4')
  t.same(items.map((i) => [i.entityType, i.entityId, i.version, i.action, i.requestId]), [...expected].reverse(), 'one revision per change, newest first')
  t.same((await historyOf(app, id, 100)).items, items, 'the same revisions in one page as in several')
  t.equal(new Set(items.map((i) => i.seq)).size, items.length, 'no duplicates')
  t.ok(items.every((item, i) => i === 0 || (items[i - 1] as Revision).seq > item.seq), 'seq strictly descending')
  t.equal(await revisionCount(app), expected.length, 'and nothing else in the table')
  const previous = new Map<string, Record<string, unknown>>()
  for (const rev of [...items].reverse()) {
    const what = `${rev.entityType} v${rev.version} ${rev.action}`
    t.match(rev, { actor: 'newsroom admin', actorKeyId: testOrganization(app).adminKeyId, organizationId: testOrganization(app).id }, `${what}: the key and organisation that made it`)
    t.equal(rev.at, new Date(rev.at).toISOString(), `${what}: at is an ISO instant`)
    t.equal(rev.at, rev.after.updatedAt, `${what}: at is when the entity changed`)
    t.match(rev.after, { id: rev.entityId, version: rev.version }, `${what}: after is the new version`)
    if (rev.action === 'create') t.equal(rev.before, null, `${what}: before is null`)
    else t.same(rev.before, previous.get(rev.entityId), `${what}: before is the previous after`)
    if (rev.action === 'delete') t.type(rev.after.deletedAt, 'string', `${what}: after marks the deletion`)
    previous.set(rev.entityId, rev.after)
  }
  const byRequest = (rid: string, entityType: string) =>
    items.find((i) => i.requestId === rid && i.entityType === entityType)
  t.match(byRequest(publish.rid, 'claim'), { before: { status: 'new', currentVerdict: null }, after: { status: 'reviewed', currentVerdict: 'false' } }, 'publishing sets the verdict on the record')
  t.match(byRequest(publish.rid, 'review'), { before: { status: 'draft' }, after: { status: 'published', datePublished: publish.body.datePublished } })
  t.match(byRequest(retract.rid, 'claim'), { after: { status: 'retracted', currentVerdict: null } }, 'retracting withdraws the verdict on the record; the claim shows the retraction')
  t.match(byRequest(retract.rid, 'review'), { after: { status: 'retracted', retractionReason: 'Wrong scale.' } })
  t.match(items.find((i) => i.version === 2 && i.entityType === 'claim'), { before: { text: 'The moon is made of cheese.' }, after: { text: 'The moon is cheese.' } })

  const deleted = await send(app, 'DELETE', c, undefined, c)
  const [row] = await app.db.select().from(revisions).where(eq(revisions.requestId, deleted.rid))
  t.match(row, { entityType: 'claim', entityId: id, claimId: id, version: 5, action: 'delete', actor: 'newsroom admin' }, 'deleting the claim is recorded')
  t.type(row?.after.deletedAt, 'string')
  const after = await app.inject({ method: 'GET', url: `${c}/history?limit=1` })
  t.equal(after.statusCode, 200, `the history outlives the claim: ${after.body.slice(0, 200)}`)
  if (after.statusCode === 200) t.match(after.json().data, [{ entityType: 'claim', version: 5, action: 'delete', requestId: deleted.rid }])
})

t.test('outside the organisation, the history names the organisation, never its keys or requests', async (t) => {
  const app = await build(t)
  const claim = await send(app, 'POST', '/v1/claims', { text: 'The moon is made of cheese.' })
  const c = `/v1/claims/${claim.body.id}`
  const review = await send(app, 'POST', `${c}/reviews`, publishableReview)
  const published = await send(app, 'POST', `${c}/reviews/${review.body.id}/publish`, undefined, `${c}/reviews/${review.body.id}`)
  const { adminKeyId, id: organizationId, slug } = testOrganization(app)
  const secrets = ['newsroom admin', adminKeyId, claim.rid, review.rid, published.rid]

  const outsiders = {
    anonymous,
    partner: bearer(await keyFor(app, 'partner', 'partner-site')),
    'another organisation\'s admin': bearer(await keyFor(app, 'admin', 'other-desk')),
  }
  for (const [who, headers] of Object.entries(outsiders)) {
    const res = await app.inject({ method: 'GET', url: `${c}/history`, headers })
    t.equal(res.statusCode, 200, `${who}: ${res.body.slice(0, 200)}`)
    const data: Revision[] = res.json().data
    t.ok(data.length >= 3, `${who}: the public revisions are listed`)
    t.ok(data.every((rev) => rev.actor === slug && (rev as unknown as { actorKeyId: unknown }).actorKeyId === null && rev.requestId === null), `${who}: every revision says the organisation only`)
    t.match(data, Array(data.length).fill({ organizationId }), `${who}: and its id`)
    for (const secret of secrets) t.notOk(res.body.includes(secret), `${who}: no ${secret}`)
  }
  const reader = await app.inject({ method: 'GET', url: `${c}/history`, headers: bearer(await keyFor(app, 'reader')) })
  t.match(reader.json().data, [{ actor: 'newsroom admin', actorKeyId: adminKeyId, requestId: published.rid }], 'a member of the organisation sees the key and the request')
})

t.test('claimant changes are recorded, outside any claim', async (t) => {
  const app = await build(t)
  const created = await send(app, 'POST', '/v1/claimants', { name: 'Jane Doe' })
  const u = `/v1/claimants/${created.body.id}`
  const updated = await send(app, 'PATCH', u, { jobTitle: 'Mayor' }, u)
  const deleted = await send(app, 'DELETE', u, undefined, u)
  const rows = await app.db
    .select()
    .from(revisions)
    .where(eq(revisions.entityId, created.body.id))
    .orderBy(revisions.seq)
  t.same(rows.map((r) => [r.entityType, r.claimId, r.version, r.action, r.actor, r.requestId]), [
    ['claimant', null, 1, 'create', 'newsroom admin', created.rid],
    ['claimant', null, 2, 'update', 'newsroom admin', updated.rid],
    ['claimant', null, 3, 'delete', 'newsroom admin', deleted.rid],
  ])
  t.match(rows, [
    { before: null, after: { id: created.body.id, name: 'Jane Doe', slug: 'jane-doe', version: 1, deletedAt: null } },
    { before: rows[0]?.after, after: { jobTitle: 'Mayor', version: 2, deletedAt: null } },
    { before: rows[1]?.after, after: { version: 3, deletedAt: String } },
  ], 'each before is the previous after; the last marks the deletion')
})

t.test('bad cursors, unknown and malformed claims', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app)
  const first = (await app.inject({ method: 'GET', url: `/v1/claims/${id}/history?limit=1` })).json()
  t.match(first, { data: [{ entityType: 'claim', action: 'create', version: 1 }], nextCursor: null })
  const cursors = ['xyz', 'yesterday', Buffer.from('{"seq":"a"}').toString('base64url'), Buffer.from('{"seq":0}').toString('base64url'), Buffer.from(`{"id":"${id}"}`).toString('base64url')]
  for (const cursor of cursors) {
    isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims/${id}/history?cursor=${cursor}` }), 400, 'invalid-cursor')
  }
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/claims/01a21afa-f8d7-7012-a2c1-9cafeecf5fd3/history' }), 404, 'not-found')
  t.equal(isProblem(t, await app.inject({ method: 'GET', url: '/v1/claims/abc/history' }), 400, 'validation-failed').errors[0].field, 'params.id')
})

/** A seeded LCG (Numerical Recipes constants), so that a failing run can be replayed. */
function prng (seed: number) {
  let state = seed >>> 0
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

t.test('k random edits: k update revisions chained before -> after, ending at the row as stored', async (t) => {
  const app = await build(t)
  const seed = 20240611
  const random = prng(seed)
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T
  const k = 15
  const created = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Edit 0.' } })
  const id: string = created.json().id
  let etag = String(created.headers.etag)
  for (let i = 1; i <= k; i++) {
    const patch = {
      status: pick(['new', 'researching', 'archived'] as const),
      topics: ['moon', 'space', 'cheese', 'nasa', 'hoax'].filter(() => random() < 0.4),
      text: `Edit ${i}: ${random().toString(36).slice(2, 8)}.`,
    }
    const res = await app.inject({ method: 'PATCH', url: `/v1/claims/${id}`, headers: { 'if-match': etag }, payload: patch })
    t.equal(res.statusCode, 200, `edit ${i} (seed ${seed}): ${res.body.slice(0, 200)}`)
    t.match(res.json(), { ...patch, version: i + 1 })
    etag = String(res.headers.etag)
  }
  const history = (await historyOf(app, id, 7)).items.reverse()
  t.equal(history.length, k + 1)
  t.same(history.map((r) => r.action), ['create', ...Array(k).fill('update')])
  t.same(history.map((r) => r.version), Array.from({ length: k + 1 }, (_, i) => i + 1), 'versions 1..k+1, no gaps')
  t.equal(history[0]?.before, null)
  for (let i = 1; i <= k; i++) t.same(history[i]?.before, history[i - 1]?.after, `revision ${i + 1}: before is the previous after`)
  const [row] = await app.db.select().from(claims).where(eq(claims.id, id))
  // The claim's history shape, built from the row: its public fields, none of its internal columns.
  const stored = json(row) as Record<string, unknown>
  const shown = ['id', 'text', 'claimantId', 'claimDate', 'language', 'topics', 'status', 'currentVerdict', 'version', 'createdAt', 'updatedAt', 'deletedAt']
  t.same(history[k]?.after, { schemaVersion: 1, ...Object.fromEntries(shown.map((f) => [f, stored[f]])) }, 'the last after is the row as stored, in the claim\'s history shape')
  t.same((await app.inject({ method: 'GET', url: `/v1/claims/${id}` })).json(), (await app.inject({ method: 'GET', url: `/v1/claims/${id}?asOf=${history[k]?.at}` })).json(), 'and the claim as of then is the claim now')
})

t.test('a failed write leaves no revision', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app)
  const { id } = await createClaim(app, { claimantId: claimant.id })
  const url = `/v1/claims/${id}`
  const stale = await etagOf(app, url)
  t.equal((await app.inject({ method: 'PATCH', url, headers: { 'if-match': stale }, payload: { text: 'Fresh.' } })).statusCode, 200)
  const review = (await app.inject({ method: 'POST', url: `${url}/reviews`, payload: { ratingScale: 'five-point', rating: 'mixed' } })).json()
  const count = await revisionCount(app)
  t.equal(count, 4, 'claimant, claim, update, review')

  const attempts: Array<[string, () => Promise<LightMyRequestResponse>, number, string]> = [
    ['stale ETag', () => app.inject({ method: 'PATCH', url, headers: { 'if-match': stale }, payload: { text: 'Stale.' } }), 412, 'precondition-failed'],
    ['no If-Match', () => app.inject({ method: 'PATCH', url, payload: { text: 'Blind.' } }), 428, 'precondition-required'],
    ['invalid body', async () => app.inject({ method: 'PATCH', url, headers: { 'if-match': await etagOf(app, url) }, payload: { text: '', status: 'reviewed' } }), 400, 'validation-failed'],
    ['unknown field', async () => app.inject({ method: 'PATCH', url, headers: { 'if-match': await etagOf(app, url) }, payload: { version: 9 } }), 400, 'validation-failed'],
    ['publish lacking fields', async () => app.inject({ method: 'POST', url: `${url}/reviews/${review.id}/publish`, headers: { 'if-match': await etagOf(app, `${url}/reviews/${review.id}`) } }), 422, 'unprocessable-entity'],
    ['claimant with live claims', async () => app.inject({ method: 'DELETE', url: `/v1/claimants/${claimant.id}`, headers: { 'if-match': await etagOf(app, `/v1/claimants/${claimant.id}`) } }), 409, 'conflict'],
  ]
  for (const [what, attempt, status, type] of attempts) {
    isProblem(t, await attempt(), status, type)
    t.equal(await revisionCount(app), count, `no revision after: ${what}`)
  }
  t.match((await app.inject({ method: 'GET', url })).json(), { text: 'Fresh.', version: 2, status: 'new' })
})

t.test('as of any instant, the claim is exactly as it was then', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app, { name: 'Jane Doe' })
  const live: Array<{ body: unknown, etag: unknown }> = []
  const marks: string[] = []
  const url = (path = '') => `/v1/claims/${id}${path}`
  /** After a change: what GET answers now, and an instant strictly after the change and before the next. */
  async function mark () {
    const res = await app.inject({ method: 'GET', url: url() })
    live.push({ body: res.json(), etag: res.headers.etag })
    await sleep(5)
    marks.push(new Date().toISOString())
    await sleep(5)
  }
  const created = await send(app, 'POST', '/v1/claims', { text: 'Version A.', claimantId: claimant.id })
  const id: string = created.body.id
  await mark() // 0
  const appearance = (await send(app, 'POST', url('/appearances'), { medium: 'broadcast', quote: 'Cheese.' })).body
  await mark() // 1
  await send(app, 'PATCH', url(), { text: 'Version B.' }, url())
  await send(app, 'PATCH', `/v1/claimants/${claimant.id}`, { name: 'Jane Roe' }, `/v1/claimants/${claimant.id}`)
  const review = (await send(app, 'POST', url('/reviews'), ready)).body
  await mark() // 2
  const published = (await send(app, 'POST', url(`/reviews/${review.id}/publish`), undefined, url(`/reviews/${review.id}`))).body
  await mark() // 3
  await send(app, 'DELETE', url(`/appearances/${appearance.id}`), undefined, url(`/appearances/${appearance.id}`))
  await mark() // 4
  await send(app, 'POST', url(`/reviews/${review.id}/retract`), { reason: 'Wrong.' }, url(`/reviews/${review.id}`))
  await mark() // 5

  const asOf = (at: string) => app.inject({ method: 'GET', url: url(`?asOf=${encodeURIComponent(at)}`) })
  for (const [i, at] of marks.entries()) {
    const res = await asOf(at)
    t.equal(res.statusCode, 200, `as of mark ${i}: ${res.body.slice(0, 200)}`)
    t.same(res.json(), live[i]?.body, `as of mark ${i}: the claim as GET showed it then`)
    t.equal(res.headers.etag, live[i]?.etag, `as of mark ${i}: the ETag GET gave then`)
  }
  const state = async (at: string) => (await asOf(at)).json()
  t.match(await state(marks[0] as string), { text: 'Version A.', appearances: [], currentVerdict: null, status: 'new', version: 1, claimant: { name: 'Jane Doe' } })
  t.match(await state(marks[1] as string), { text: 'Version A.', appearances: [{ id: appearance.id, quote: 'Cheese.' }], currentVerdict: null, status: 'new' })
  t.match(await state(marks[2] as string), { text: 'Version B.', appearances: [{ id: appearance.id }], currentVerdict: null, status: 'new', claimant: { name: 'Jane Roe' } })
  t.match(await state(marks[3] as string), { text: 'Version B.', appearances: [{ id: appearance.id }], currentVerdict: { reviewId: review.id, datePublished: published.datePublished }, status: 'reviewed' })
  t.match(await state(marks[4] as string), { text: 'Version B.', appearances: [], currentVerdict: { reviewId: review.id }, status: 'reviewed' })
  t.match(await state(marks[5] as string), { text: 'Version B.', appearances: [], currentVerdict: null, retraction: { reviewId: review.id }, status: 'retracted' })

  t.type(live[0]?.etag, 'string', 'so an as-of read carries an ETag')
  isProblem(t, await asOf(new Date(Date.parse(created.body.createdAt) - 1).toISOString()), 404, 'not-found')
  isProblem(t, await asOf('2001-01-01T00:00:00Z'), 404, 'not-found')
  isProblem(t, await asOf(new Date(Date.now() + 60_000).toISOString()), 400, 'bad-request')
  for (const bad of ['yesterday', '2025-13-01T00:00:00Z', '2025-01-01']) {
    t.equal(isProblem(t, await asOf(bad), 400, 'validation-failed').errors?.[0]?.field, 'query.asOf', `asOf=${bad}`)
  }

  await send(app, 'DELETE', url(), undefined, url())
  await sleep(5)
  isProblem(t, await app.inject({ method: 'GET', url: url() }), 404, 'not-found')
  const before = await asOf(marks[5] as string)
  t.equal(before.statusCode, 200, 'a deleted claim is readable as of when it existed')
  t.same(before.json(), live[5]?.body)
  isProblem(t, await asOf(new Date().toISOString()), 404, 'not-found')
})

t.test('as of the instant a response names, that change is there whole', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app, { text: 'Version A.' })
  const c = `/v1/claims/${claim.id}`
  const appearance = (await send(app, 'POST', `${c}/appearances`, { medium: 'speech' })).body
  await sleep(5)
  const patched = (await send(app, 'PATCH', c, { text: 'Version B.' }, c)).body
  const review = (await send(app, 'POST', `${c}/reviews`, ready)).body
  await sleep(5)
  const published = await send(app, 'POST', `${c}/reviews/${review.id}/publish`, undefined, `${c}/reviews/${review.id}`)
  await sleep(5)
  const retracted = await send(app, 'POST', `${c}/reviews/${review.id}/retract`, { reason: 'Wrong.' }, `${c}/reviews/${review.id}`)
  const asOf = async (at: string, expected: Record<string, unknown>, what: string) => {
    const res = await app.inject({ method: 'GET', url: `${c}?asOf=${encodeURIComponent(at)}` })
    t.equal(res.statusCode, 200, `${what}: ${res.body.slice(0, 200)}`)
    t.match(res.json(), expected, what)
  }
  await asOf(claim.createdAt, { text: 'Version A.', appearances: [], currentVerdict: null, status: 'new' }, 'as of createdAt')
  await asOf(appearance.createdAt, { text: 'Version A.', appearances: [{ id: appearance.id }] }, 'as of the appearance createdAt')
  await asOf(patched.updatedAt, { text: 'Version B.', currentVerdict: null }, 'as of the PATCH updatedAt')
  const verdict = { currentVerdict: { reviewId: review.id }, status: 'reviewed' }
  await asOf(published.body.datePublished, verdict, 'as of datePublished, the verdict is in place')
  await asOf(published.body.updatedAt, verdict, 'as of the published review updatedAt, the verdict is in place')
  await asOf(retracted.body.retractedAt, { currentVerdict: null, status: 'retracted', retraction: { reviewId: review.id, retractedAt: retracted.body.retractedAt } }, 'as of retractedAt, the verdict is withdrawn')
  const { items } = await historyOf(app, claim.id)
  for (const { rid } of [published, retracted]) {
    const instants = items.filter((i) => i.requestId === rid).map((i) => i.at)
    t.same(instants, [instants[0], instants[0]], `the two revisions of one transaction share one instant (${rid})`)
  }
})

t.test('two editors racing on one ETag: one wins, and only its change is recorded', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app, { text: 'Contested.' })
  const url = `/v1/claims/${id}`
  const etag = await etagOf(app, url)
  const results = await Promise.all(['Editor A.', 'Editor B.'].map((text, i) =>
    app.inject({ method: 'PATCH', url, headers: { 'if-match': etag, 'x-request-id': `racer-${i}` }, payload: { text } })))
  t.same(results.map((r) => r.statusCode).sort(), [200, 412])
  const winner = results.findIndex((r) => r.statusCode === 200)
  const loser = results[1 - winner]
  if (loser) isProblem(t, loser, 412, 'precondition-failed')
  const text = results[winner]?.json().text
  t.match((await app.inject({ method: 'GET', url })).json(), { text, version: 2 }, "the winner's text stands")
  const { items } = await historyOf(app, id)
  t.same(items.map((i) => [i.action, i.version, i.requestId]), [['update', 2, `racer-${winner}`], ['create', 1, items[1]?.requestId]])
  t.match(items[0], { before: { text: 'Contested.' }, after: { text } })
})

/** The properties the OpenAPI document gives each entity kind's history shape. */
function documentedShapes (app: FastifyInstance): Record<string, string[]> {
  const schemas = (
    app.swagger() as { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }
  ).components.schemas
  const names = { claim: 'ClaimHistory', appearance: 'AppearanceHistory', evidence: 'EvidenceHistory', review: 'ReviewHistory', claimant: 'ClaimantHistory', 'rating-scale': 'RatingScaleHistory' }
  return Object.fromEntries(
    Object.entries(names).map(([kind, name]) => [kind, Object.keys(schemas[name]?.properties ?? {}).sort()])
  )
}

// Stored columns that are not part of any entity's public shape, or that the shape names otherwise.
const internalColumns = ['organizationId', 'isPublic', 'currentReviewId', 'externalId', 'searchVector', 'urlHash', 'urlCanonical', 'ratingScaleId', 'ratingKey', 'authorName', 'authorUrl', 'txId']

t.test('before and after have the documented, versioned shape of their entity kind, never the stored columns', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app)
  const claim = await createClaim(app, { claimantId: claimant.id })
  const c = `/v1/claims/${claim.id}`
  const appearance = await send(app, 'POST', `${c}/appearances`, { url: 'https://news.example.org/said', medium: 'article' })
  await send(app, 'POST', `${c}/evidence`, { url: 'https://data.example.org/moon', stance: 'refutes' })
  const review = await send(app, 'POST', `${c}/reviews`, ready)
  const r = `${c}/reviews/${review.body.id}`
  await send(app, 'POST', `${r}/publish`, undefined, r)
  await send(app, 'POST', `${r}/retract`, { reason: 'Wrong source.' }, r)
  const a = `${c}/appearances/${appearance.body.id}`
  await send(app, 'DELETE', a, undefined, a)

  const shapes = documentedShapes(app)
  const { items } = await historyOf(app, claim.id)
  t.same(new Set(items.map((i) => i.entityType)), new Set(['claim', 'appearance', 'evidence', 'review']), 'every kind under a claim')
  for (const rev of items) {
    const what = `${rev.entityType} v${rev.version} ${rev.action}`
    t.ok((shapes[rev.entityType] ?? []).length > 0, `${what}: its shape is documented`)
    for (const [side, entity] of [['after', rev.after], ['before', rev.before]] as const) {
      if (entity === null) continue
      t.same(Object.keys(entity).sort(), shapes[rev.entityType], `${what}: ${side} has exactly the documented fields`)
      t.equal(entity.schemaVersion, 1, `${what}: ${side} says its shape's version`)
      t.same(internalColumns.filter((c) => c in entity), [], `${what}: ${side} has no internal column`)
    }
  }
  const retracted = items.find((i) => i.entityType === 'review' && i.action === 'retract')
  t.match(retracted?.after, { status: 'retracted', rating: 'false', author: { name: 'Example Fact Check', url: null }, retractionReason: 'Wrong source.' }, 'a review as it is written: rating by key, author as an object')
  t.type(retracted?.after.ratingScale, 'string', 'and its scale by id')
})

t.test('a stored snapshot with a renamed or missing column keeps the public shape', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const [last] = await app.db.select().from(revisions).where(eq(revisions.entityId, claim.id))
  const stored = last?.after ?? {}
  // As if `topics` had been renamed `tags` and a new internal column added after this revision was written.
  const { topics, ...rest } = stored
  const after = { ...rest, tags: topics, reviewQueue: 'desk-2', version: 2 }
  const organizationId = testOrganization(app).id
  await app.db.insert(revisions).values({ entityType: 'claim', entityId: claim.id, claimId: claim.id, version: 2, action: 'update', actor: 'system', organizationId, at: new Date(), before: stored, after })
  const { items } = await historyOf(app, claim.id)
  const [renamed] = items
  t.equal(renamed?.version, 2)
  t.same(renamed?.after.topics, [], 'a field the snapshot lacks is shown empty, as documented')
  t.notOk(renamed && ('tags' in renamed.after || 'reviewQueue' in renamed.after), 'a column the shape does not name never leaks')
  t.same(Object.keys(renamed?.after ?? {}).sort(), documentedShapes(app).claim, 'the documented fields, no more and no fewer')
})
