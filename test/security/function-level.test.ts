// OWASP API5:2023 Broken Function Level Authorization. The role × operation matrix comes from the OpenAPI document:
// for every operation that needs a role, every caller below it (no key, a partner, each lesser newsroom role) sends
// the very request the least role then sends successfully, on objects of its own organisation, so that the role is
// the only reason for the refusal: 401 or 403, nothing changes, and the audit log says `denied`.
import type { FastifyInstance, InjectOptions } from 'fastify'
import t, { type Test } from 'tap'
import { allows, roles, type Access, type Role } from '../../src/domain/access.ts'
import { anonymous, bearer, publishableReview } from '../helper.ts'
import { auditEvents, buildSecure, customScale, ownerEtag, ownerView, refusal, seedWorld, type World } from './fixtures.ts'

interface Operation { method: string, path: string, operationId: string, role: Exclude<Access, 'public'>, conditional: boolean, hasBody: boolean }

/** Every operation of the document that needs a role. */
function guardedOperations (app: FastifyInstance): Operation[] {
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, { operationId: string, 'x-required-role'?: Access, parameters?: Array<{ in: string, name: string }>, requestBody?: unknown }>> }
  const ops: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const role = op['x-required-role']
      if (role === undefined || role === 'public') continue
      const conditional = (op.parameters ?? []).some((p) => p.in === 'header' && p.name === 'if-match')
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        role,
        conditional,
        hasBody: op.requestBody !== undefined,
      })
    }
  }
  return ops
}

/** A valid body for each operation that takes one; an operation missing here fails the test, so none is forgotten. */
const bodies: Record<string, object> = {
  createClaimant: { name: 'Casey Councillor' },
  updateClaimant: { jobTitle: 'Mayor' },
  createClaim: { text: 'Potholes cost the city a billion a year.' },
  updateClaim: { topics: ['roads'] },
  createAppearance: { url: 'https://news.example.org/potholes' },
  updateAppearance: { title: 'Council meeting' },
  createEvidence: { url: 'https://budget.example.org/roads', stance: 'refutes' },
  updateEvidence: { summary: 'The budget says otherwise.' },
  createReview: publishableReview,
  updateReview: { headline: 'No, not a billion' },
  retractReview: { reason: 'A figure was wrong.' },
  createRatingScale: { ...customScale, slug: 'another-scale' },
  updateRatingScale: { name: 'Renamed scale' },
  updateOrganization: { name: 'The Newsroom' },
  createApiKey: { name: 'Intern', role: 'reader' },
  createWebhook: { url: 'https://partner.example.org/hooks', events: ['review.published'] },
  updateWebhook: { description: 'Partner feed' },
  createImport: { format: 'jsonl', data: '{"id": "x-1", "text": "Potholes are new."}' },
}

/** The path with every parameter filled with an object of the caller's own organisation (the test organisation). */
function fill (path: string, w: World): string {
  const ids: Record<string, string> = {
    claims: w.privateClaim.id,
    appearances: w.privateClaim.appearanceId,
    evidence: w.privateClaim.evidenceId,
    reviews: w.privateClaim.reviewId,
    claimants: w.claimantId,
    'rating-scales': w.scaleId,
    'api-keys': w.keyId,
    webhooks: w.webhookId,
  }
  return path
    .replace('{claimId}', w.privateClaim.id)
    .replace('{slug}', 'newsroom')
    .replace(/\/([a-z-]+)\/\{id\}/, (_all, collection: string) => `/${collection}/${ids[collection] ?? `unknown-${collection}`}`)
}

async function requestFor (t: Test, app: FastifyInstance, op: Operation, w: World): Promise<InjectOptions> {
  const url = fill(op.path, w)
  const body = bodies[op.operationId]
  if (op.hasBody && body === undefined) t.fail(`${op.operationId} takes a body: add one to this test`)
  const resource = url.replace(/\/(publish|retract)$/, '')
  const headers = op.conditional ? { 'if-match': await ownerEtag(app, resource) } : {}
  return { method: op.method as InjectOptions['method'], url, headers, ...(body && op.hasBody && { payload: body }) }
}

const newsroomRoles = roles.filter((r): r is Exclude<Role, 'partner'> => r !== 'partner')

t.test('every operation that needs a role refuses every caller below it, and changes nothing', async (t) => {
  const app = await buildSecure(t)
  await app.ready()
  const w = await seedWorld(app)
  const ops = guardedOperations(app)
  t.ok(ops.length >= 25, `the document has ${ops.length} operations that need a role`)
  t.same([...new Set(ops.map((o) => o.role))].sort(), ['admin', 'editor', 'reviewer'], 'roles required: editor, reviewer, admin')
  const before = await ownerView(app, w)
  const auditBefore = (await auditEvents(app)).length
  let denied = 0

  for (const op of ops) {
    const request = await requestFor(t, app, op, w)
    const what = `${op.method} ${op.path} (${op.operationId}, needs ${op.role})`
    refusal(t, await app.inject({ ...request, headers: { ...request.headers, ...anonymous } }), 401, `no key: ${what}`)
    const below: Role[] = [...newsroomRoles.filter((r) => !allows(r, op.role)), 'partner']
    t.ok(below.length >= 2, `${what}: at least the partner and the reader are below it`)
    for (const role of below) {
      refusal(t, await app.inject({ ...request, headers: { ...request.headers, ...bearer(w.own[role]) } }), 403, `${role}: ${what}`)
      if (op.method !== 'GET') denied++
    }
  }
  t.same(await ownerView(app, w), before, 'every object reads as before, and no revision was added')

  const events = await auditEvents(app)
  const fresh = events.slice(0, events.length - auditBefore)
  t.ok(denied > 30, `${denied} write attempts were refused`)
  t.equal(fresh.length, denied, 'each refused write of a key is in the audit log, and only those')
  t.ok(fresh.every((e) => e.outcome === 'denied' && e.status === 403), 'every one of them as denied (403)')
  const writes = ops.filter((o) => o.method !== 'GET')
  for (const op of writes) {
    t.ok(fresh.some((e) => e.operationId === op.operationId), `the audit log names ${op.operationId}`)
  }
})

/** Run in this order, each with the least role it needs: the same requests as above, now allowed. */
const allowedInOrder = [
  'createClaimant', 'updateClaimant', 'createClaim', 'updateClaim', 'createAppearance', 'updateAppearance',
  'createEvidence', 'updateEvidence', 'createReview', 'updateReview', 'publishReview', 'retractReview',
  'createRatingScale', 'updateRatingScale', 'deleteRatingScale', 'updateOrganization', 'listApiKeys', 'createApiKey',
  'getApiKey', 'revokeApiKey', 'listAuditEvents', 'listWebhooks', 'createWebhook', 'getWebhook', 'updateWebhook',
  'rotateWebhookSecret', 'pingWebhook', 'listWebhookDeliveries', 'deleteWebhook', 'deleteAppearance', 'deleteEvidence',
  'deleteClaim',
]

t.test('the least role of each operation is allowed the very same request', async (t) => {
  const app = await buildSecure(t)
  await app.ready()
  const w = await seedWorld(app)
  const ops = new Map(guardedOperations(app).map((o) => [o.operationId, o]))
  for (const operationId of allowedInOrder) {
    const op = ops.get(operationId)
    if (!op) {
      t.fail(`${operationId} is not an operation that needs a role`)
      continue
    }
    const request = await requestFor(t, app, op, w)
    const res = await app.inject({ ...request, headers: { ...request.headers, ...bearer(w.own[op.role]) } })
    t.ok(res.statusCode >= 200 && res.statusCode < 300, `${op.role}: ${op.method} ${op.path} (${operationId}) -> ${res.statusCode} ${res.body.slice(0, 200)}`)
  }
  const events = await auditEvents(app)
  const succeeded = new Set(events.filter((e) => e.outcome === 'succeeded').map((e) => e.operationId))
  for (const operationId of allowedInOrder) {
    if (ops.get(operationId)?.method !== 'GET') t.ok(succeeded.has(operationId), `the audit log has ${operationId} as succeeded`)
  }
})
