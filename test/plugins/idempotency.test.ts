// Idempotency-Key on POST and PATCH: one write per key and caller, the first response replayed to retries, a
// different request refused (422), a running one reported (409), 5xx not stored, records forgotten after 24 hours.
import { count, eq, sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { idempotencyKeys } from '../../src/db/schema.ts'
import { createIdempotencyRepository } from '../../src/repositories/idempotency.ts'
import { anonymous, bearer, build, claimsWithText, createClaim, etagOf, isProblem, isReplayOf, keyFor, onServer, postWithKey } from '../helper.ts'

const recordCount = async (app: FastifyInstance) => (await app.db.select({ n: count() }).from(idempotencyKeys))[0]?.n

/** A deferred: a promise and the function that resolves it. */
function gate () {
  let open = () => {}
  const opened = new Promise<void>((resolve) => { open = resolve })
  return { opened, open }
}

t.test('the same key twice: one claim, and the retry replays the first answer', async (t) => {
  const app = await build(t)
  const first = await postWithKey(app, 'create-1', { text: 'Replayed claim.' })
  t.equal(first.statusCode, 201)
  t.equal(first.headers['idempotent-replayed'], undefined, 'the first answer is not a replay')
  const retry = await postWithKey(app, 'create-1', { text: 'Replayed claim.' })
  isReplayOf(t, retry, first)
  t.equal(await claimsWithText(app, 'Replayed claim.'), 1, 'one claim row')

  // Key order and whitespace in the body do not make it another request.
  const reordered = await app.inject({ method: 'POST', url: '/v1/claims', headers: { 'idempotency-key': 'create-2', 'content-type': 'application/json' }, payload: '{"language":"en","text":"Ordered."}' })
  t.equal(reordered.statusCode, 201)
  const again = await app.inject({ method: 'POST', url: '/v1/claims', headers: { 'idempotency-key': 'create-2', 'content-type': 'application/json' }, payload: '{ "text": "Ordered.",  "language": "en" }' })
  isReplayOf(t, again, reordered)

  // Without a key, nothing is stored and every request runs.
  await createClaim(app, { text: 'Replayed claim.' })
  t.equal(await claimsWithText(app, 'Replayed claim.'), 2)
  t.equal(await recordCount(app), 2)
})

t.test('the same key for another request is 422, and changes nothing', async (t) => {
  const app = await build(t)
  t.equal((await postWithKey(app, 'k', { text: 'First body.' })).statusCode, 201)
  isProblem(t, await postWithKey(app, 'k', { text: 'Second body.' }), 422, 'unprocessable-entity')
  const otherRoute = await app.inject({ method: 'POST', url: '/v1/claimants', headers: { 'idempotency-key': 'k' }, payload: { name: 'Jane Doe' } })
  isProblem(t, otherRoute, 422, 'unprocessable-entity')
  t.equal(await claimsWithText(app, 'Second body.'), 0, 'no claim for the second body')
  const list = await app.inject({ method: 'GET', url: '/v1/claimants' })
  t.same(list.json().data, [], 'no claimant either')
})

t.test('keys are scoped per API key, and per client IP without one', async (t) => {
  const app = await build(t)
  const editor = await keyFor(app, 'editor')
  const a = await postWithKey(app, 'shared', { text: 'Scoped claim.' })
  const b = await postWithKey(app, 'shared', { text: 'Scoped claim.' }, bearer(editor))
  t.equal(a.statusCode, 201)
  t.equal(b.statusCode, 201)
  t.equal(b.headers['idempotent-replayed'], undefined)
  t.not(a.json().id, b.json().id)
  t.equal(await claimsWithText(app, 'Scoped claim.'), 2, 'two claim rows')

  const lookup = (headers: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/lookup', headers: { 'idempotency-key': 'look', ...headers }, payload: { urls: ['https://example.org/a'] } })
  const first = await lookup(anonymous)
  t.equal(first.statusCode, 200)
  isReplayOf(t, await lookup(anonymous), first)
  const withKey = await lookup({})
  t.equal(withKey.statusCode, 200)
  t.equal(withKey.headers['idempotent-replayed'], undefined, 'an API key does not share the anonymous scope')
})

t.test('PATCH with a key replays its answer instead of failing the precondition', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  const url = `/v1/claims/${claim.id}`
  const headers = { 'if-match': await etagOf(app, url), 'idempotency-key': 'patch-1' }
  const first = await app.inject({ method: 'PATCH', url, headers, payload: { status: 'researching' } })
  t.equal(first.statusCode, 200)
  t.equal(first.json().version, 2)
  isReplayOf(t, await app.inject({ method: 'PATCH', url, headers, payload: { status: 'researching' } }), first)
  t.equal((await app.inject({ method: 'GET', url })).json().version, 2, 'changed once')
  // The same key on another claim is another request.
  const other = await createClaim(app)
  const res = await app.inject({ method: 'PATCH', url: `/v1/claims/${other.id}`, headers: { ...headers, 'if-match': await etagOf(app, `/v1/claims/${other.id}`) }, payload: { status: 'researching' } })
  isProblem(t, res, 422, 'unprocessable-entity')
})

t.test('20 concurrent identical requests make one claim', async (t) => {
  const app = await build(t)
  const answers = await Promise.all(Array.from({ length: 20 }, () => postWithKey(app, 'burst', { text: 'Concurrent claim.' })))
  t.equal(await claimsWithText(app, 'Concurrent claim.'), 1, 'one claim row')
  const created = answers.filter((res) => res.statusCode === 201)
  const first = created.find((res) => res.headers['idempotent-replayed'] === undefined)
  t.ok(first, 'one request ran')
  t.equal(created.filter((res) => res.headers['idempotent-replayed'] === undefined).length, 1, 'only one')
  for (const res of answers) {
    if (res.statusCode === 201) t.equal(res.body, first?.body, 'a 201 carries the one claim')
    else {
      isProblem(t, res, 409, 'conflict')
      t.equal(res.headers['retry-after'], '1')
    }
  }
  t.comment(`${onServer ? 'Postgres' : 'PGlite'}: ${created.length} answered 201, ${answers.length - created.length} answered 409`)
  // PGlite runs one statement at a time, in order: every retry finds the first request done.
  if (!onServer) t.equal(created.length, answers.length, 'on PGlite every retry is a replay')
  const retry = await postWithKey(app, 'burst', { text: 'Concurrent claim.' })
  if (first) isReplayOf(t, retry, first)
})

t.test('a request still running is 409 with Retry-After; one left running past the timeout is taken over', async (t) => {
  const app = await build(t)
  const { claims: service } = app.services
  const create = service.create.bind(service)
  const held = gate()
  const started = gate()
  service.create = async (...args) => { started.open(); await held.opened; return create(...args) }

  const running = postWithKey(app, 'slow', { text: 'Slow claim.' })
  await started.opened
  const busy = await postWithKey(app, 'slow', { text: 'Slow claim.' })
  isProblem(t, busy, 409, 'conflict')
  t.equal(busy.headers['retry-after'], '1')

  // The first request's process is presumed dead once its record is older than the request timeout (plus a margin).
  await app.db.update(idempotencyKeys).set({ createdAt: sql`now() - interval '1 hour'` }).where(eq(idempotencyKeys.key, 'slow'))
  service.create = create
  const takeover = await postWithKey(app, 'slow', { text: 'Slow claim.' })
  t.equal(takeover.statusCode, 201)
  t.equal(takeover.headers['idempotent-replayed'], undefined)

  // The first attempt was not dead after all: it may not commit over the retry that took its key, so its write rolls
  // back and one claim is made, not two.
  held.open()
  const late = await running
  isProblem(t, late, 409, 'conflict')
  t.match(late.json().detail, /took the request over/)
  t.equal(await claimsWithText(app, 'Slow claim.'), 1, 'one claim')
  isReplayOf(t, await postWithKey(app, 'slow', { text: 'Slow claim.' }), takeover)
})

t.test('a write that fails leaves no mark: its transaction rolled back, and a retry runs it', async (t) => {
  const app = await build(t)
  const failing = await postWithKey(app, 'no-mark', { text: 'Refused claim.', claimantId: '0190a0b0-0000-7000-8000-000000000000' })
  isProblem(t, failing, 422)
  const [record] = await app.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'no-mark'))
  t.equal(record?.committed, null, 'nothing committed')
  t.equal(record?.status, 422, 'the refusal is the stored answer')
})

t.test('a 5xx is not stored: a retry runs again', async (t) => {
  const app = await build(t, { allow5xx: true })
  const { claims: service } = app.services
  const create = service.create.bind(service)
  service.create = async () => { throw new Error('connection terminated') }
  const failed = await postWithKey(app, 'retry-me', { text: 'Failing claim.' })
  isProblem(t, failed, 500, 'internal-error')
  t.equal(await recordCount(app), 0, 'nothing stored')

  service.create = create
  const retried = await postWithKey(app, 'retry-me', { text: 'Failing claim.' })
  t.equal(retried.statusCode, 201)
  t.equal(retried.headers['idempotent-replayed'], undefined, 'the retry ran')
  isReplayOf(t, await postWithKey(app, 'retry-me', { text: 'Failing claim.' }), retried)
  t.equal(await claimsWithText(app, 'Failing claim.'), 1)
})

t.test('problem answers are stored and replayed; a request refused by validation stores nothing', async (t) => {
  const app = await build(t)
  const missing = { text: 'Claim by nobody.', claimantId: '0190a6b0-0000-7000-8000-000000000000' }
  const first = await postWithKey(app, 'problem', missing)
  isProblem(t, first, 422, 'unprocessable-entity')
  isReplayOf(t, await postWithKey(app, 'problem', missing), first)

  isProblem(t, await postWithKey(app, 'invalid', { text: '' }), 400, 'validation-failed')
  const valid = await postWithKey(app, 'invalid', { text: 'Valid at last.' })
  t.equal(valid.statusCode, 201, 'the key was not used up by the invalid request')
})

t.test('a malformed Idempotency-Key is 400', async (t) => {
  const app = await build(t)
  for (const key of ['', 'a b', 'x'.repeat(256), 'caf\u00e9']) {
    const res = await postWithKey(app, key, { text: 'Badly keyed.' })
    isProblem(t, res, 400, 'bad-request')
  }
  t.equal(await claimsWithText(app, 'Badly keyed.'), 0)
  t.equal((await postWithKey(app, 'x'.repeat(255), { text: 'Well keyed.' })).statusCode, 201, '255 characters is fine')
  const get = await app.inject({ method: 'GET', url: '/v1/claims', headers: { 'idempotency-key': 'a b' } })
  t.equal(get.statusCode, 200, 'ignored on reads')
})

t.test('records older than 24 hours are not replayed, and are purged', async (t) => {
  const app = await build(t)
  const first = await postWithKey(app, 'old', { text: 'Old claim.' })
  t.equal(first.statusCode, 201)
  await app.db.update(idempotencyKeys).set({ createdAt: sql`now() - interval '25 hours'` })
  const again = await postWithKey(app, 'old', { text: 'Old claim.' })
  t.equal(again.statusCode, 201)
  t.equal(again.headers['idempotent-replayed'], undefined, 'ran again')
  t.not(again.json().id, first.json().id)
  t.equal(await claimsWithText(app, 'Old claim.'), 2)
  isReplayOf(t, await postWithKey(app, 'old', { text: 'Old claim.' }), again)

  // An expired key may also carry a new request.
  await app.db.update(idempotencyKeys).set({ createdAt: sql`now() - interval '25 hours'` })
  t.equal((await postWithKey(app, 'old', { text: 'New use of an old key.' })).statusCode, 201)

  await app.db.update(idempotencyKeys).set({ createdAt: sql`now() - interval '25 hours'` })
  t.equal((await postWithKey(app, 'fresh', { text: 'Fresh claim.' })).statusCode, 201)
  t.equal(await createIdempotencyRepository(app.database.db).purgeExpired(), 1, 'the expired record is purged')
  t.same((await app.db.select({ key: idempotencyKeys.key }).from(idempotencyKeys)).map((r) => r.key), ['fresh'], 'the fresh one stays')
})

t.test('a new API key is never kept for a replay: a retry is 409 naming the key it made, and makes no second one', async (t) => {
  const app = await build(t)
  const request = { method: 'POST' as const, url: '/v1/api-keys', headers: { 'idempotency-key': 'new-key-1' }, payload: { name: 'CMS', role: 'editor' } }
  const first = await app.inject(request)
  t.equal(first.statusCode, 201, first.body)
  const created = first.json()
  t.match(created.key, /^ct_/)
  const [record] = await app.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'new-key-1'))
  t.equal(record?.status, 201, 'the outcome is recorded')
  t.equal(record?.body, null, 'but not the answer, which holds the secret')
  const retry = await app.inject(request)
  const problemBody = isProblem(t, retry, 409, 'conflict')
  t.equal(retry.headers.location, `/v1/api-keys/${created.id}`, 'the retry learns which key the first request made')
  t.notMatch(retry.body, created.key, 'and never the secret')
  t.match(problemBody.detail, /shown only once/)
  const keys = (await app.inject({ method: 'GET', url: '/v1/api-keys' })).json().data
  t.equal(keys.filter((k: { name: string }) => k.name === 'CMS').length, 1, 'one key made')
})
