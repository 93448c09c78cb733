// /v1/claims validation: every rule of the create and update bodies is a problem+json answer that changes nothing.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { build, change, collectPages, createClaim, createClaimant, etagOf, isProblem } from '../../helper.ts'

interface Case {
  name: string
  body: Record<string, unknown>
  /** The `field` of the first entry of `errors`. */
  field: string
  /** What the message must say, when the field alone does not tell which rule was broken. */
  message?: RegExp
}

const tooManyTopics = Array.from({ length: 21 }, (_, i) => `topic-${i}`)

/** Rules a field breaks whether it is sent on create or on update. */
const fieldCases: Case[] = [
  { name: 'text empty', body: { text: '' }, field: 'body.text' },
  { name: 'text only spaces', body: { text: '   ' }, field: 'body.text' },
  { name: 'text over 2000 characters', body: { text: 'x'.repeat(2001) }, field: 'body.text' },
  { name: 'text a number', body: { text: 5 }, field: 'body.text' },
  { name: 'text an array', body: { text: ['a'] }, field: 'body.text' },
  { name: 'text with a NUL character (Postgres cannot store it)', body: { text: 'a\u0000b' }, field: 'body.text' },
  { name: 'claimantId neither a uuid nor a slug', body: { claimantId: 'Donald Trump' }, field: 'body.claimantId' },
  { name: 'claimantId a number', body: { claimantId: 42 }, field: 'body.claimantId' },
  { name: 'claimDate not YYYY-MM-DD', body: { claimDate: '10/05/2023' }, field: 'body.claimDate' },
  { name: 'claimDate without zero padding', body: { claimDate: '2023-5-1' }, field: 'body.claimDate' },
  { name: 'claimDate with a time', body: { claimDate: '2023-05-10T12:00:00Z' }, field: 'body.claimDate' },
  { name: 'claimDate impossible (2024-02-30)', body: { claimDate: '2024-02-30' }, field: 'body.claimDate' },
  { name: 'claimDate impossible (2023-02-29)', body: { claimDate: '2023-02-29' }, field: 'body.claimDate' },
  { name: 'claimDate month 13', body: { claimDate: '2023-13-01' }, field: 'body.claimDate' },
  { name: 'claimDate in year 0 (there is none)', body: { claimDate: '0000-01-01' }, field: 'body.claimDate' },
  { name: 'language not a BCP 47 tag', body: { language: 'not a tag!' }, field: 'body.language' },
  { name: 'language empty', body: { language: '' }, field: 'body.language' },
  { name: 'language a number', body: { language: 5 }, field: 'body.language' },
  { name: 'more than 20 topics', body: { topics: tooManyTopics }, field: 'body.topics' },
  { name: 'a topic over 50 characters', body: { topics: ['ok', 'x'.repeat(51)] }, field: 'body.topics.1' },
  { name: 'a blank topic', body: { topics: ['  '] }, field: 'body.topics.0' },
  { name: 'topics not an array', body: { topics: 'war' }, field: 'body.topics' },
  { name: 'status reviewed (set by a verdict only)', body: { status: 'reviewed' }, field: 'body.status' },
  { name: 'status bogus', body: { status: 'bogus' }, field: 'body.status' },
  { name: 'an unknown field', body: { foo: 1 }, field: 'body', message: /foo/ },
  { name: 'id in the body', body: { id: '01a21afa-f8d7-7012-a2c1-9cafeecf5fd3' }, field: 'body', message: /"id"/ },
  { name: 'version in the body', body: { version: 7 }, field: 'body', message: /version/ },
  { name: 'createdAt in the body', body: { createdAt: '2024-01-01T00:00:00Z' }, field: 'body', message: /createdAt/ },
  { name: 'claimant embedded in the body', body: { claimant: { name: 'x' } }, field: 'body', message: /claimant/ },
]

const createCases: Case[] = [
  { name: 'text missing', body: { topics: ['war'] }, field: 'body.text' },
  { name: 'text null', body: { text: null }, field: 'body.text' },
  ...fieldCases.map((c) => ({ ...c, body: { text: 'A valid claim.', ...c.body } })),
]

const updateCases: Case[] = [
  { name: 'an empty body', body: {}, field: 'body', message: /at least one field/ },
  { name: 'text null', body: { text: null }, field: 'body.text' },
  { name: 'language null', body: { language: null }, field: 'body.language' },
  { name: 'topics null', body: { topics: null }, field: 'body.topics' },
  { name: 'status null', body: { status: null }, field: 'body.status' },
  ...fieldCases,
  { name: 'a valid field next to an invalid one', body: { text: 'Fine.', status: 'bogus' }, field: 'body.status' },
]

function isValidationProblem (t: Test, res: LightMyRequestResponse, c: Case) {
  const body = isProblem(t, res, 400, 'validation-failed')
  t.equal(body.errors?.[0]?.field, c.field, `${c.name}: errors[0].field`)
  if (c.message) t.match(body.errors?.[0]?.message, c.message, `${c.name}: the message names the problem`)
  t.match(body.detail, c.field, 'the detail names the field too')
}

async function snapshot (app: FastifyInstance, url: string) {
  const res = await app.inject({ method: 'GET', url })
  return { status: res.statusCode, etag: res.headers.etag, body: res.json() }
}

t.test('POST /v1/claims rejects every invalid body and creates nothing', async (t) => {
  const app = await build(t)
  for (const c of createCases) {
    await t.test(c.name, async (t) => {
      isValidationProblem(t, await app.inject({ method: 'POST', url: '/v1/claims', payload: c.body }), c)
    })
  }
  t.same((await collectPages(app, '/v1/claims', 100)).items, [], 'no claim was created')
})

t.test('PATCH /v1/claims/{id} rejects every invalid body and leaves the claim unchanged', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app)
  const { id } = await createClaim(app, { claimantId: claimant.id, claimDate: '2023-05-10', topics: ['war'] })
  const url = `/v1/claims/${id}`
  const before = await snapshot(app, url)
  for (const c of updateCases) {
    await t.test(c.name, async (t) => {
      const res = await app.inject({ method: 'PATCH', url, headers: { 'if-match': String(before.etag) }, payload: c.body })
      isValidationProblem(t, res, c)
    })
  }
  t.same(await snapshot(app, url), before, 'the claim is unchanged')
})

t.test('boundary values are accepted', async (t) => {
  const app = await build(t)
  const longest = 'x'.repeat(2000)
  const created = await app.inject({
    method: 'POST',
    url: '/v1/claims',
    payload: { text: `  ${longest}  `, claimDate: '2024-02-29', language: 'pt-br', topics: [...tooManyTopics.slice(2), 'y'.repeat(50)] },
  })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  const claim = created.json()
  t.ok(claim.text === longest, '2000 characters once trimmed')
  t.match(claim, { claimDate: '2024-02-29', language: 'pt-BR', claimantId: null, status: 'new' })
  t.equal(claim.topics?.length, 20, '20 topics of up to 50 characters')

  const updated = await change(app, 'PATCH', `/v1/claims/${claim.id}`, { text: 'y', topics: ['  War ', 'WAR', 'peace'], status: 'archived' })
  t.equal(updated.statusCode, 200)
  t.match(updated.json(), { text: 'y', topics: ['war', 'peace'], status: 'archived', version: 2 })
  const again = await change(app, 'PATCH', `/v1/claims/${claim.id}`, { claimantId: null, claimDate: null, topics: [] })
  t.equal(again.statusCode, 200, 'null clears the optional fields')
  t.match(again.json(), { claimantId: null, claimant: null, claimDate: null, topics: [], version: 3 })
})

t.test('a claimant that does not exist, or was deleted, is 422', async (t) => {
  const app = await build(t)
  const deleted = await createClaimant(app, { name: 'Gone Person' })
  t.equal((await change(app, 'DELETE', `/v1/claimants/${deleted.id}`)).statusCode, 204)
  const unknownId = '01a21afa-f8d7-7012-a2c1-9cafeecf5fd3'
  const live = await createClaimant(app, { name: 'Live Person' })
  const { id } = await createClaim(app, { claimantId: live.id })
  const url = `/v1/claims/${id}`
  const before = await snapshot(app, url)

  for (const [what, claimantId] of [['unknown', unknownId], ['deleted', deleted.id]]) {
    const created = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Orphan.', claimantId } })
    const body = isProblem(t, created, 422, 'unprocessable-entity')
    t.same(body.errors, [{ field: 'body.claimantId', message: body.errors?.[0]?.message }], `POST with a ${what} claimant`)
    t.type(body.errors?.[0]?.message, 'string')

    const patched = await app.inject({ method: 'PATCH', url, headers: { 'if-match': String(before.etag) }, payload: { claimantId } })
    t.equal(isProblem(t, patched, 422, 'unprocessable-entity').errors?.[0]?.field, 'body.claimantId', `PATCH with a ${what} claimant`)
  }
  t.same(await snapshot(app, url), before, 'the claim is unchanged')
  t.same((await collectPages(app, '/v1/claims', 100)).items.map((c) => c.id), [id], 'no claim was created')
})

t.test('bodies that are not JSON objects are 400 problems', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app)
  const url = `/v1/claims/${id}`
  const before = await snapshot(app, url)
  const etag = await etagOf(app, url)
  const json = { 'content-type': 'application/json' }
  for (const [method, target, headers] of [['POST', '/v1/claims', json], ['PATCH', url, { ...json, 'if-match': etag }]] as const) {
    isProblem(t, await app.inject({ method, url: target, headers, payload: '{"text": ' }), 400, 'invalid-json')
    isProblem(t, await app.inject({ method, url: target, headers, payload: '{"text":"x","__proto__":{"a":1}}' }), 400)
    for (const payload of ['null', '[]', '"text"', '5']) {
      const body = isProblem(t, await app.inject({ method, url: target, headers, payload }), 400, 'validation-failed')
      t.equal(body.errors?.[0]?.field, 'body', `${method} ${payload}`)
    }
  }
  t.same(await snapshot(app, url), before, 'the claim is unchanged')
  t.equal((await collectPages(app, '/v1/claims', 100)).items.length, 1, 'no claim was created')
})
