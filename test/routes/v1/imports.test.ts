// POST /v1/imports and GET /v1/imports/{id}: an import runs as a job with the same core as the command; the status
// resource reports the counts and the rejected records; it is scoped to the organisation; roles are enforced.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { anonymous, bearer, build, isProblem, keyFor } from '../../helper.ts'

const data = [
  { id: 'h-1', text: 'Taxes doubled last year.', claimant: 'Ann Lee', claimDate: '2020-01-02', verdictLabel: 'false', reviewUrl: 'https://factcheck.example.org/taxes', reviewer: 'Example Check' },
  { id: 'h-2', text: 'A flip on trade.', claimant: 'Ann Lee', verdictLabel: 'half-flip', reviewUrl: 'https://factcheck.example.org/trade', reviewer: 'Example Check' },
].map((r) => JSON.stringify(r)).join('\n')

/** Polls the status resource until the import has finished. */
async function finished (app: FastifyInstance, location: string) {
  for (let i = 0; i < 200; i++) {
    const res = await app.inject({ method: 'GET', url: location })
    const body = res.json()
    if (body.status === 'succeeded' || body.status === 'failed') return body
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the import did not finish')
}

t.test('an import runs in the background; the status resource tells how it went; again changes nothing', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', data } })
  t.equal(res.statusCode, 202, res.body)
  const location = res.headers.location as string
  t.match(location, /^\/v1\/imports\/[0-9a-f-]{36}$/)
  t.match(res.json(), { status: 'queued', format: 'jsonl', scale: 'truth-o-meter', created: 0 })
  const done = await finished(app, location)
  t.match(done, { status: 'succeeded', created: 1, updated: 0, unchanged: 0, rejected: 1, undated: 1, error: null, rejects: [{ line: 2, key: 'h-2', reason: /"half-flip" is not a value/ }] })
  t.ok(done.startedAt && done.finishedAt)
  const claims = (await app.inject({ method: 'GET', url: '/v1/claims?q=taxes', headers: anonymous })).json()
  t.match(claims.data, [{ text: 'Taxes doubled last year.', currentVerdict: { rating: { key: 'false' }, datePublished: null } }], 'published, as through the API; no review date in the record, so none stored')

  const again = await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', data } })
  t.match(await finished(app, again.headers.location as string), { status: 'succeeded', created: 0, unchanged: 1, rejected: 1 })

  const broken = await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'claimreview', data: '{"@type": "ClaimReview",' } })
  t.match(await finished(app, broken.headers.location as string), { status: 'failed', error: /not valid JSON/ })
  const noScale = await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', scale: 'no-such-scale', data } })
  t.match(await finished(app, noScale.headers.location as string), { status: 'failed', error: 'no rating scale "no-such-scale"' })
})

t.test('the options of claimtrack import: columns, label mappings and a scale per record', async (t) => {
  const app = await build(t)
  const records = [
    { ref: 'o-1', text: 'An old label.', verdictLabel: 'barely-true', reviewUrl: 'https://factcheck.example.org/o-1', reviewer: 'Example Check' },
    { ref: 'o-2', text: 'A flip on trade.', verdictLabel: 'half-flip', meter: 'flip-o-meter', reviewUrl: 'https://factcheck.example.org/o-2', reviewer: 'Example Check' },
    { ref: 'o-3', text: 'A label of our own.', verdictLabel: 'Nope', reviewUrl: 'https://factcheck.example.org/o-3', reviewer: 'Example Check' },
  ].map((r) => JSON.stringify(r)).join('\n')
  const options = { columns: { ref: 'id' }, map: { nope: 'pants-fire' }, scaleColumn: 'meter' }
  const res = await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', data: records, ...options } })
  t.equal(res.statusCode, 202, res.body)
  t.same(res.json().options, options, 'the options as sent')
  const done = await finished(app, res.headers.location as string)
  t.match(done, { status: 'succeeded', created: 3, rejected: 0, options })
  const ratings = (await app.inject({ method: 'GET', url: '/v1/claims?limit=10' })).json().data.map((c: { text: string, currentVerdict: { rating: { scale: string, key: string } } }) => `${c.text} ${c.currentVerdict.rating.scale}/${c.currentVerdict.rating.key}`)
  t.same(ratings.sort(), ['A flip on trade. flip-o-meter/half-flip', 'A label of our own. truth-o-meter/pants-fire', 'An old label. truth-o-meter/mostly-false'])
  isProblem(t, await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', data: records, map: { nope: '' } } }), 400, 'validation-failed')
  isProblem(t, await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', data: records, scaleColumn: 7 } }), 400, 'validation-failed')
})

t.test('roles, organisations and bad requests', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', data } })
  const location = res.headers.location as string
  isProblem(t, await app.inject({ method: 'GET', url: location, headers: bearer(await keyFor(app, 'admin', 'other-desk')) }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: location, headers: anonymous }), 401)
  t.equal((await app.inject({ method: 'GET', url: location, headers: bearer(await keyFor(app, 'reviewer')) })).statusCode, 200, 'another reviewer of the organisation may follow it')
  isProblem(t, await app.inject({ method: 'GET', url: location, headers: bearer(await keyFor(app, 'editor')) }), 403)
  isProblem(t, await app.inject({ method: 'POST', url: '/v1/imports', headers: bearer(await keyFor(app, 'editor')), payload: { format: 'jsonl', data } }), 403)
  isProblem(t, await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'xml', data } }), 400, 'validation-failed')
  isProblem(t, await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', data, extra: 1 } }), 400, 'validation-failed')
  await finished(app, location)
})
