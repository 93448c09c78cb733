// Accountability: every write a key attempts (allowed, denied, failed) is in its
// organisation's audit log, newest first and paged, which only that organisation's admins read; and every revision
// names the key and organisation that made it.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { bearer, testOrganization } from '../helper.ts'
import { auditEvents, buildSecure, keysOf, RIVAL } from './fixtures.ts'

/** The id of a key, found by name in its organisation's key list. */
async function keyIdOf (app: FastifyInstance, adminKey: string | undefined, name: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/v1/api-keys?limit=100', ...(adminKey && { headers: bearer(adminKey) }) })
  const found = res.json().data.find((k: { name: string }) => k.name === name)
  if (!found) throw new Error(`no key named ${name}`)
  return found.id
}

t.test('the audit log: every write attempt of the organisation\'s keys, newest first, paged, and only its own', async (t) => {
  const app = await buildSecure(t)
  const own = await keysOf(app, testOrganization(app).slug)
  const rival = await keysOf(app, RIVAL)
  const before = await auditEvents(app)

  const editor = bearer(own.editor)
  const ok = await app.inject({ method: 'POST', url: '/v1/claims', headers: editor, payload: { text: 'Audited claim.' } })
  t.equal(ok.statusCode, 201)
  const denied = await app.inject({ method: 'POST', url: '/v1/rating-scales', headers: editor, payload: { slug: 's', name: 'S', values: [] } })
  t.equal(denied.statusCode, 403)
  const failed = await app.inject({ method: 'POST', url: '/v1/claims', headers: editor, payload: { text: '' } })
  t.equal(failed.statusCode, 400)
  const missing = await app.inject({ method: 'PATCH', url: '/v1/claims/01900000-0000-7000-8000-000000000000', headers: { ...editor, 'if-match': '"1"' }, payload: { text: 'x' } })
  t.equal(missing.statusCode, 404)
  await app.inject({ method: 'GET', url: '/v1/claims', headers: editor })
  // The other organisation is busy too, and so is a caller with no key.
  const rivalClaim = await app.inject({ method: 'POST', url: '/v1/claims', headers: bearer(rival.editor), payload: { text: 'Rival claim.' } })
  t.equal(rivalClaim.statusCode, 201)
  await app.inject({ method: 'POST', url: '/v1/claims', headers: bearer(rival.reader), payload: { text: 'Rival reader tries.' } })
  await app.inject({ method: 'POST', url: '/v1/claims', headers: { authorization: undefined }, payload: { text: 'Anonymous tries.' } })

  const events = await auditEvents(app)
  const fresh = events.slice(0, events.length - before.length)
  t.same(fresh.map((e) => [e.method, e.operationId, e.status, e.outcome, e.key.name, e.key.role]), [
    ['PATCH', 'updateClaim', 404, 'failed', 'newsroom editor', 'editor'],
    ['POST', 'createClaim', 400, 'failed', 'newsroom editor', 'editor'],
    ['POST', 'createRatingScale', 403, 'denied', 'newsroom editor', 'editor'],
    ['POST', 'createClaim', 201, 'succeeded', 'newsroom editor', 'editor'],
  ], 'the organisation\'s four write attempts, newest first; no read, nothing of the other organisation or of anonymous callers')
  t.same(events.map((e) => e.seq), [...events.map((e) => e.seq)].sort((a, b) => b - a), 'newest first')
  t.equal(fresh[0]?.path, '/v1/claims/01900000-0000-7000-8000-000000000000', 'with the path asked for')

  const rivalEvents = await auditEvents(app, rival.admin)
  t.same(rivalEvents.map((e) => [e.operationId, e.outcome, e.key.name]), [
    ['createClaim', 'denied', 'rival reader'],
    ['createClaim', 'succeeded', 'rival editor'],
  ], 'the other organisation reads its own events only')
  const ownKeyIds = new Set(events.map((e) => e.key.id))
  t.notOk(rivalEvents.some((e) => ownKeyIds.has(e.key.id)), 'no event of one organisation reaches the other')

  const paged: number[] = []
  let cursor: string | null = null
  do {
    const res = await app.inject({ method: 'GET', url: `/v1/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` })
    t.equal(res.statusCode, 200)
    const page: { data: Array<{ seq: number }>, nextCursor: string | null } = res.json()
    t.ok(page.data.length <= 2, 'pages of two')
    paged.push(...page.data.map((e) => e.seq))
    cursor = page.nextCursor
  } while (cursor)
  t.same(paged, events.map((e) => e.seq), 'paging by two gives the same events, none skipped or repeated')
  const foreign = await app.inject({ method: 'GET', url: `/v1/audit?limit=2&cursor=${encodeURIComponent(String((await app.inject({ method: 'GET', url: '/v1/audit?limit=1', headers: bearer(rival.admin) })).json().nextCursor))}` })
  t.equal(foreign.statusCode, 400, 'another organisation\'s cursor is refused')

  for (const role of ['reader', 'editor', 'reviewer', 'partner'] as const) {
    t.equal((await app.inject({ method: 'GET', url: '/v1/audit', headers: bearer(own[role]) })).statusCode, 403, `a ${role} may not read the audit log`)
  }
})

t.test('revisions name the key and the organisation that made them, for every organisation', async (t) => {
  const app = await buildSecure(t)
  const own = await keysOf(app, testOrganization(app).slug)
  const rival = await keysOf(app, RIVAL)
  const rivalOrganization = (await app.inject({ method: 'GET', url: `/v1/organizations/${RIVAL}` })).json()

  for (const [keys, organizationId, label] of [[own, testOrganization(app).id, 'newsroom'], [rival, rivalOrganization.id, RIVAL]] as const) {
    const created = await app.inject({ method: 'POST', url: '/v1/claims', headers: bearer(keys.editor), payload: { text: `A claim of ${label}.` } })
    t.equal(created.statusCode, 201)
    const claim = created.json()
    const changed = await app.inject({ method: 'PATCH', url: `/v1/claims/${claim.id}`, headers: { ...bearer(keys.admin), 'if-match': String(created.headers.etag) }, payload: { topics: ['audit'] } })
    t.equal(changed.statusCode, 200)
    const history = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}/history`, headers: bearer(keys.reader) })
    t.equal(history.statusCode, 200)
    const [update, create] = history.json().data
    const editorId = await keyIdOf(app, keys.admin, `${label} editor`)
    const adminId = await keyIdOf(app, keys.admin, `${label} admin`)
    t.match(create, { action: 'create', actor: `${label} editor`, actorKeyId: editorId, organizationId }, `${label}: the create names its editor key and organisation`)
    t.match(update, { action: 'update', actor: `${label} admin`, actorKeyId: adminId, organizationId }, `${label}: the update names its admin key`)
  }
})
