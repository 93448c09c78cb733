// The fuzzer's oracle catches what it is there to catch: a judge that passes everything would make the fuzz test
// pass vacuously.
import t from 'tap'
import { loadDocument } from './campaign.ts'
import { operationsOf } from './openapi-arbitraries.ts'
import { createOracle, type Answer } from './oracle.ts'

const doc = loadDocument()
const oracle = createOracle(doc)
const ops = operationsOf(doc)
const getClaim = ops.find((op) => op.operationId === 'getClaim')
const deleteClaim = ops.find((op) => op.operationId === 'deleteClaim')
const getClaimBadge = ops.find((op) => op.operationId === 'getClaimBadge')
if (!getClaim || !deleteClaim || !getClaimBadge) throw new Error('operations missing from the document')

const problem = (status: number, extra: Record<string, unknown> = {}): Answer => ({
  statusCode: status,
  headers: { 'content-type': 'application/problem+json' },
  body: JSON.stringify({ type: '/problems/x', title: 'X', status, detail: 'x', instance: '/v1/claims/x', requestId: 'r', ...extra }),
})
const claim = { id: '01a21c4e-7969-707f-9172-0044e5a73f8a', text: 'x', claimantId: null, claimant: null, claimDate: null, language: 'en', topics: [], status: 'new' }

t.test('answers the document allows pass', async (t) => {
  t.same(oracle.judge(problem(404), 'valid', getClaim, false), [])
  t.same(oracle.judge(problem(400), 'invalid', getClaim, false), [])
  t.same(oracle.judge({ statusCode: 304, headers: {}, body: '' }, 'valid', getClaim, true), [])
  t.same(oracle.judge({ statusCode: 204, headers: {}, body: '' }, 'valid', deleteClaim, false), [])
  t.same(oracle.judge({ statusCode: 200, headers: { 'content-type': 'image/svg+xml; charset=utf-8' }, body: '<svg/>' }, 'valid', getClaimBadge, false), [], 'a text body of its documented type')
})

t.test('answers that break the contract are faults', async (t) => {
  const faults = (answer: Answer, verdict: 'valid' | 'invalid' = 'valid', sentIfNoneMatch = false) => oracle.judge(answer, verdict, getClaim, sentIfNoneMatch).join('; ')
  t.match(faults(problem(500)), /server error 500/)
  t.match(faults({ statusCode: 400, headers: { 'content-type': 'application/json' }, body: '{"statusCode":400}' }), /not application\/problem\+json/)
  t.match(faults(problem(404, { status: 400 })), /problem status 400 differs from HTTP 404/)
  t.match(faults(problem(404, { secret: 'stack' })), /does not match Problem/)
  t.match(faults(problem(418)), /418 is not a documented status of getClaim/)
  t.match(faults({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' }), /200 body of getClaim does not match its schema/)
  t.match(faults({ statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<p>' }), /documented as application\/json/)
  t.match(faults({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(claim) }, 'invalid'), /an invalid request was answered 200/)
  t.match(faults({ statusCode: 304, headers: {}, body: '' }), /304 without If-None-Match/)
  t.match(oracle.judge({ statusCode: 204, headers: {}, body: 'x' }, 'valid', deleteClaim, false).join(), /documents no body/)
  t.match(oracle.judge({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '"<svg/>"' }, 'valid', getClaimBadge, false).join(), /documented as image\/svg\+xml/)
})

t.test('request parts are judged by their schemas, strings coerced as the server coerces them', async (t) => {
  const limit = ops.find((op) => op.operationId === 'listClaims')?.query.find((p) => p.name === 'limit')?.schema ?? {}
  t.ok(oracle.accepts(limit, '20', true))
  t.notOk(oracle.accepts(limit, '0', true))
  t.notOk(oracle.accepts(limit, 'ten', true))
  const body = ops.find((op) => op.operationId === 'createClaim')?.body?.schema ?? {}
  t.ok(oracle.accepts(body, { text: 'x' }, false))
  t.notOk(oracle.accepts(body, { text: 'x', organizationId: 'y' }, false), 'an extra field')
  t.notOk(oracle.accepts(body, {}, false), 'a missing field')
  t.notOk(oracle.accepts(body, { text: 1 }, false), 'a wrong type')
})
