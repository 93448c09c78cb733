// /v1/claims/{claimId}/evidence: create, read, list with paging, update, delete, preconditions and every rule.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { build, change, collectPages, createClaim, etagOf, isProblem, read, refused } from '../../helper.ts'

const url = (claimId: string, id?: string) => `/v1/claims/${claimId}/evidence${id ? `/${id}` : ''}`
const source = { url: 'https://example.org/study', stance: 'refutes' }

async function addEvidence (app: FastifyInstance, claimId: string, body: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: url(claimId), payload: { ...source, ...body } })
  if (res.statusCode !== 201) throw new Error(`addEvidence: ${res.statusCode} ${res.body}`)
  return res.json()
}

const count = async (app: FastifyInstance, claimId: string) => (await collectPages(app, url(claimId), 100)).items.length

t.test('create -> read -> list -> update -> delete, embedded in the claim throughout', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)

  const created = await app.inject({
    method: 'POST',
    url: url(claim.id),
    payload: { url: 'https://nasa.gov/moon', stance: 'refutes', title: ' Lunar samples ', publisher: 'NASA', summary: 'Rocks, not cheese.', archivedUrl: 'https://web.archive.org/web/2025/https://nasa.gov/moon' },
  })
  t.equal(created.statusCode, 201, created.body)
  const evidence = created.json()
  t.equal(created.headers.location, url(claim.id, evidence.id))
  t.equal(created.headers.etag, '"1"')
  t.match(evidence, {
    id: String,
    claimId: claim.id,
    url: 'https://nasa.gov/moon',
    stance: 'refutes',
    title: 'Lunar samples',
    publisher: 'NASA',
    summary: 'Rocks, not cheese.',
    archivedUrl: 'https://web.archive.org/web/2025/https://nasa.gov/moon',
    version: 1,
  })
  t.match(await addEvidence(app, claim.id, { stance: 'context' }), { title: null, publisher: null, summary: null, archivedUrl: null, stance: 'context' }, 'only url and stance are required')

  const got = await app.inject({ method: 'GET', url: url(claim.id, evidence.id) })
  t.equal(got.statusCode, 200)
  t.equal(got.headers.etag, '"1"')
  t.same(got.json(), evidence)
  const { items } = await collectPages(app, url(claim.id), 20)
  t.same(items.map((e) => e.id).slice(1), [evidence.id], 'listed, after the newer one')
  const detail = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })
  t.same(detail.json().evidence.map((e: { id: string }) => e.id), items.map((e) => e.id), 'the claim embeds both, newest first')

  const updated = await change(app, 'PATCH', url(claim.id, evidence.id), { stance: 'supports', summary: null, archivedUrl: null, title: null })
  t.equal(updated.statusCode, 200, updated.body)
  t.equal(updated.headers.etag, '"2"')
  t.match(updated.json(), { id: evidence.id, stance: 'supports', summary: null, archivedUrl: null, title: null, publisher: 'NASA', url: 'https://nasa.gov/moon', version: 2 })
  t.same(await read(app, url(claim.id, evidence.id)), updated.json())
  const detail2 = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })
  t.same(detail2.json().evidence.find((e: { id: string }) => e.id === evidence.id), updated.json(), 'the claim embeds the new version')
  t.not(detail2.headers.etag, detail.headers.etag, 'the claim ETag follows its evidence')

  const deleted = await change(app, 'DELETE', url(claim.id, evidence.id))
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  isProblem(t, await app.inject({ method: 'GET', url: url(claim.id, evidence.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: url(claim.id, evidence.id), headers: { 'if-match': '*' }, payload: { stance: 'context' } }), 404, 'not-found')
  t.equal(await count(app, claim.id), 1)
  t.notOk((await read(app, `/v1/claims/${claim.id}`)).evidence.some((e: { id: string }) => e.id === evidence.id), 'no longer embedded')
})

t.test('paging: newest first, no duplicates or gaps, stable while rows are added', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const other = await createClaim(app)
  await addEvidence(app, other.id)
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push((await addEvidence(app, claim.id, { title: `e${i}` })).id)
  const newestFirst = [...ids].reverse()

  for (const limit of [1, 2, 5, 20]) {
    const { items, pages } = await collectPages(app, url(claim.id), limit)
    t.same(items.map((e) => e.id), newestFirst, `limit ${limit}: every row once, newest first`)
    t.equal(pages, Math.max(1, Math.ceil(5 / limit)), `limit ${limit}: pages`)
  }

  const first = await app.inject({ method: 'GET', url: `${url(claim.id)}?limit=2` })
  t.same(first.json().data.map((e: { id: string }) => e.id), newestFirst.slice(0, 2))
  await addEvidence(app, claim.id, { title: 'later' })
  const rest = await app.inject({ method: 'GET', url: `${url(claim.id)}?limit=20&cursor=${encodeURIComponent(first.json().nextCursor)}` })
  t.equal(rest.statusCode, 200)
  t.same(rest.json().data.map((e: { id: string }) => e.id), newestFirst.slice(2), 'the rest, once each, in order')
  t.equal(rest.json().nextCursor, null)
})

t.test('evidence is only reachable under its own live claim', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const other = await createClaim(app)
  const evidence = await addEvidence(app, claim.id)

  isProblem(t, await app.inject({ method: 'GET', url: url(other.id, evidence.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: url(other.id, evidence.id), headers: { 'if-match': '"1"' }, payload: { stance: 'supports' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: url(other.id, evidence.id), headers: { 'if-match': '"1"' } }), 404, 'not-found')
  t.same((await read(app, url(other.id))).data, [])
  t.same((await read(app, `/v1/claims/${other.id}`)).evidence, [])
  t.same(await read(app, url(claim.id, evidence.id)), evidence, 'untouched')

  const unknown = randomUUID()
  isProblem(t, await app.inject({ method: 'GET', url: url(unknown) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'POST', url: url(unknown), payload: source }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: url(claim.id, randomUUID()) }), 404, 'not-found')
  await refused(t, app, await app.inject({ method: 'GET', url: url('not-a-uuid') }), 'params.claimId')
  await refused(t, app, await app.inject({ method: 'POST', url: url('not-a-uuid'), payload: source }), 'params.claimId')
  await refused(t, app, await app.inject({ method: 'GET', url: url(claim.id, 'x') }), 'params.id')
  await refused(t, app, await app.inject({ method: 'DELETE', url: url(claim.id, 'x'), headers: { 'if-match': '*' } }), 'params.id')

  t.equal((await change(app, 'DELETE', `/v1/claims/${claim.id}`)).statusCode, 204, 'the claim is soft-deleted')
  isProblem(t, await app.inject({ method: 'GET', url: url(claim.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: url(claim.id, evidence.id) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'POST', url: url(claim.id), payload: source }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: url(claim.id, evidence.id), headers: { 'if-match': '"1"' }, payload: { stance: 'supports' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: url(claim.id, evidence.id), headers: { 'if-match': '"1"' } }), 404, 'not-found')
})

t.test('create rules: url and stance required, http(s) urls, bounded text, no unknown fields', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  for (const stance of ['supports', 'refutes', 'context']) t.equal((await addEvidence(app, claim.id, { stance })).stance, stance)
  t.equal((await addEvidence(app, claim.id, { summary: 's'.repeat(5000) })).summary, 's'.repeat(5000), 'the limit itself is fine')
  const before = await count(app, claim.id)

  const cases: Array<[Record<string, unknown>, string]> = [
    [{ stance: 'refutes' }, 'body.url'],
    [{ url: 'https://example.org' }, 'body.stance'],
    [{ ...source, url: null }, 'body.url'],
    [{ ...source, url: 'ftp://example.org/file' }, 'body.url'],
    [{ ...source, url: 'javascript:alert(1)' }, 'body.url'],
    [{ ...source, url: 'not a url' }, 'body.url'],
    [{ ...source, url: `https://example.org/${'a'.repeat(2048)}` }, 'body.url'],
    [{ ...source, stance: 'neutral' }, 'body.stance'],
    [{ ...source, stance: 'Supports' }, 'body.stance'],
    [{ ...source, stance: null }, 'body.stance'],
    [{ ...source, archivedUrl: 'ftp://archive.org/x' }, 'body.archivedUrl'],
    [{ ...source, archivedUrl: 'archive.org/x' }, 'body.archivedUrl'],
    [{ ...source, summary: 's'.repeat(5001) }, 'body.summary'],
    [{ ...source, title: 't'.repeat(501) }, 'body.title'],
    [{ ...source, publisher: 'p'.repeat(201) }, 'body.publisher'],
    [{ ...source, title: '  ' }, 'body.title'],
    [{ ...source, credibility: 'high' }, 'body'],
    [{ ...source, id: randomUUID() }, 'body'],
    [{ ...source, claimId: randomUUID() }, 'body'],
  ]
  for (const [payload, field] of cases) {
    await refused(t, app, await app.inject({ method: 'POST', url: url(claim.id), payload }), field)
  }
  await refused(t, app, await app.inject({ method: 'POST', url: url(claim.id), payload: {} }), 'body.url')
  t.equal(await count(app, claim.id), before, 'nothing was created')
})

t.test('update rules: at least one field, same checks, null clears only optional fields', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const other = await createClaim(app)
  const evidence = await addEvidence(app, claim.id, { title: 'kept', summary: 'kept', archivedUrl: 'https://archive.org/x' })
  const path = url(claim.id, evidence.id)
  const unchanged = { path, before: evidence }

  const cases: Array<[Record<string, unknown>, string]> = [
    [{}, 'body'],
    [{ url: null }, 'body.url'],
    [{ stance: null }, 'body.stance'],
    [{ url: 'ftp://example.org' }, 'body.url'],
    [{ stance: 'neutral' }, 'body.stance'],
    [{ archivedUrl: 'javascript:alert(1)' }, 'body.archivedUrl'],
    [{ summary: 's'.repeat(5001) }, 'body.summary'],
    [{ title: 'ok', colour: 'red' }, 'body'],
    [{ claimId: other.id }, 'body'],
    [{ version: 9 }, 'body'],
  ]
  for (const [payload, field] of cases) {
    await refused(t, app, await app.inject({ method: 'PATCH', url: path, headers: { 'if-match': '"1"' }, payload }), field, unchanged)
  }
  t.same((await read(app, url(other.id))).data, [], 'not moved to another claim')

  const cleared = await change(app, 'PATCH', path, { title: null, summary: null, archivedUrl: null, publisher: null })
  t.equal(cleared.statusCode, 200, cleared.body)
  t.match(cleared.json(), {
    title: null,
    summary: null,
    archivedUrl: null,
    publisher: null,
    url: source.url,
    stance: source.stance,
    version: 2,
  })
})

t.test('preconditions: If-Match on writes, If-None-Match on reads', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const evidence = await addEvidence(app, claim.id)
  const path = url(claim.id, evidence.id)

  isProblem(t, await app.inject({ method: 'PATCH', url: path, payload: { stance: 'supports' } }), 428, 'precondition-required')
  isProblem(t, await app.inject({ method: 'DELETE', url: path }), 428, 'precondition-required')
  isProblem(t, await app.inject({ method: 'PATCH', url: path, headers: { 'if-match': 'W/"1"' }, payload: { stance: 'supports' } }), 412, 'precondition-failed')
  isProblem(t, await app.inject({ method: 'PATCH', url: path, headers: { 'if-match': '"7"' }, payload: { stance: 'supports' } }), 412, 'precondition-failed')
  t.same(await read(app, path), evidence, 'unchanged by refused writes')

  const v2 = await app.inject({ method: 'PATCH', url: path, headers: { 'if-match': '"7", "1"' }, payload: { stance: 'supports' } })
  t.equal(v2.statusCode, 200, 'any listed ETag may match')
  t.equal(v2.headers.etag, '"2"')
  isProblem(t, await app.inject({ method: 'PATCH', url: path, headers: { 'if-match': '*' }, payload: { stance: 'context' } }), 428, 'precondition-required')
  const v3 = await app.inject({ method: 'PATCH', url: path, headers: { 'if-match': '"2"' }, payload: { stance: 'context' } })
  t.equal(v3.statusCode, 200, 'the current ETag matches')
  t.match(v3.json(), { stance: 'context', version: 3 })

  const stale = await app.inject({ method: 'DELETE', url: path, headers: { 'if-match': '"2"' } })
  isProblem(t, stale, 412, 'precondition-failed')
  t.equal(stale.headers.etag, '"3"', 'the 412 tells the current ETag')
  t.same(await read(app, path), v3.json(), 'not deleted by a stale ETag')

  for (const tag of ['"3"', 'W/"3"', '"1", "3"', '*']) {
    const res = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': tag } })
    t.equal(res.statusCode, 304, `If-None-Match ${tag}`)
    t.equal(res.body, '')
  }
  const fresh = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': '"2"' } })
  t.equal(fresh.statusCode, 200)
  t.same(fresh.json(), v3.json())

  const racers = await Promise.all(['a', 'b', 'c', 'd'].map((title) =>
    app.inject({ method: 'PATCH', url: path, headers: { 'if-match': '"3"' }, payload: { title } })))
  t.same(racers.map((r) => r.statusCode).sort(), [200, 412, 412, 412], 'one writer wins; the others are told it changed')
  const winner = racers.find((r) => r.statusCode === 200)?.json()
  t.same(await read(app, path), winner)
  t.equal(await etagOf(app, path), '"4"')
})
