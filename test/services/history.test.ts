// The revision history below HTTP: the table refuses every change but an insert, and a write that fails records
// nothing, not even the revisions it had already written inside its transaction.
import { eq, sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { appearances, claims, revisions } from '../../src/db/schema.ts'
import { DomainError } from '../../src/domain/errors.ts'
import { toProblem } from '../../src/plugins/problem-details.ts'
import { createRevisionsRepository } from '../../src/repositories/revisions.ts'
import { createHistory, systemContext } from '../../src/services/history.ts'
import type { CreateAppearance } from '../../src/schemas/appearances.ts'
import { build, createClaim, createClaimant, etagOf, testOrganization, writeContext } from '../helper.ts'

const allRevisions = (app: FastifyInstance) => app.db.select().from(revisions).orderBy(revisions.seq)

/** The messages and SQLSTATEs of an error and its causes (drizzle wraps the driver's error). */
function describe (error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    parts.push(e.message, String((e as { code?: unknown }).code ?? ''))
  }
  return parts.join(' | ')
}

async function refused (t: Test, attempt: Promise<unknown>, what: string) {
  const error = await attempt.then(() => undefined, (e: unknown) => e)
  t.ok(error, `${what} is refused`)
  t.match(describe(error), /revisions are append-only/, `${what}: by the trigger`)
  t.match(describe(error), /42501/, `${what}: as insufficient_privilege`)
}

/** Runs a write that must fail with a domain error that the HTTP edge answers with this status. */
async function fails (t: Test, attempt: Promise<unknown>, status: number, what: string) {
  const error = await attempt.then(() => undefined, (e: unknown) => e)
  t.type(error, DomainError, `${what} fails with a domain error`)
  t.equal(toProblem(error).status, status, `${what}: ${status}`)
}

t.test('revisions are append-only: no update, delete or truncate, on either database', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app)
  await createClaim(app, { claimantId: claimant.id })
  const before = await allRevisions(app)
  t.equal(before.length, 2, 'a claimant and a claim recorded')

  await refused(t, app.db.execute(sql`update revisions set actor = 'x'`), 'update')
  await refused(t, app.db.execute(sql`update revisions set after = '{}'::jsonb where entity_type = 'claim'`), 'an update of one row')
  await refused(t, app.db.execute(sql`delete from revisions`), 'delete')
  await refused(t, app.db.execute(sql`delete from revisions where entity_type = 'claimant'`), 'a delete of one row')
  await refused(t, app.db.execute(sql`truncate revisions`), 'truncate')
  await refused(t, app.db.update(revisions).set({ actor: 'x' }).where(eq(revisions.entityType, 'claim')), 'an update through drizzle')
  await refused(t, app.db.delete(revisions), 'a delete through drizzle')
  t.same(await allRevisions(app), before, 'every revision is as it was')

  await app.db.execute(sql`update revisions set actor = 'x' where false`)
  t.pass('a statement that touches no row is not an attempt')
  t.same(await allRevisions(app), before)
})

t.test('a revision recorded in a transaction that fails is rolled back with it', async (t) => {
  const app = await build(t)
  const { id } = await createClaim(app, { text: 'Kept.' })
  const history = createHistory(createRevisionsRepository(app.database.db))
  const ctx = writeContext(app)
  const before = await allRevisions(app)
  const [row] = await app.db.select().from(claims).where(eq(claims.id, id))
  if (!row) throw new Error('claim row missing')

  const failed = app.db.transaction(async (tx) => {
    const [after] = await tx.update(claims).set({ text: 'Lost.', version: 2, updatedAt: new Date() }).where(eq(claims.id, id)).returning()
    if (!after) throw new Error('update returned no row')
    await history.record(tx, ctx, { entityType: 'claim', action: 'update', claimId: id, before: row, after })
    t.equal((await tx.select().from(revisions)).length, before.length + 1, 'inside the transaction the revision is there')
    throw new Error('boom')
  })
  await t.rejects(failed, /boom/)
  t.same(await allRevisions(app), before, 'no revision once it rolled back')
  t.match((await app.db.select().from(claims).where(eq(claims.id, id)))[0], { text: 'Kept.', version: 1 })
})

t.test('a service write that fails records nothing, even what it had recorded before failing', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app)
  const { id } = await createClaim(app, { claimantId: claimant.id })
  const ctx = writeContext(app)
  const first = await app.services.appearances.create(id, { medium: 'speech', isFirstAppearance: true }, ctx)
  const draft = await app.services.reviews.create(id, { ratingScale: 'five-point', rating: 'mixed', inLanguage: 'en' }, ctx)
  const before = await allRevisions(app)

  // Marking a new first appearance first unmarks (and records) the old one; the insert after it then fails.
  const bogus = { medium: 'carrier-pigeon', isFirstAppearance: true } as unknown as CreateAppearance
  const error = await app.services.appearances.create(id, bogus, ctx).then(() => undefined, (e: unknown) => e)
  t.match(describe(error), /22P02/, 'the database refuses the insert, after the unmarking')
  t.same(await allRevisions(app), before, 'and the revision of the unmarked first appearance is gone with it')
  t.match(await app.db.select().from(appearances).where(eq(appearances.claimId, id)), [
    { id: first.id, isFirstAppearance: true, version: 1 },
  ])

  const current = await etagOf(app, `/v1/claims/${id}`)
  await fails(t, app.services.claims.update(id, { text: 'Stale.' }, ['"0"'], ctx), 412, 'a stale If-Match')
  await fails(t, app.services.claims.update(id, { text: 'Blind.' }, undefined, ctx), 428, 'no If-Match')
  await fails(t, app.services.claims.update(id, { claimantId: '01a21afa-f8d7-7012-a2c1-9cafeecf5fd3' }, [current], ctx), 422, 'an unknown claimant')
  await fails(t, app.services.reviews.publish(id, draft.review.id, '*', ctx), 422, 'publishing an incomplete draft')
  await fails(t, app.services.claimants.delete(claimant.id, '*', ctx), 409, 'deleting a claimant with live claims')
  await fails(t, app.services.reviews.retract(id, draft.review.id, 'Never published.', '*', ctx), 409, 'retracting a draft')
  t.same(await allRevisions(app), before, 'no revision after any of them')
})

t.test('the write context is what the revision records', async (t) => {
  const app = await build(t)
  const org = testOrganization(app)
  const claimant = await app.services.claimants.create({ name: 'Jane Doe', kind: 'person' }, systemContext(org.id))
  const claim = await app.services.claims.create({ text: 'Recorded.', claimantId: claimant.id, language: 'en', topics: [], status: 'new' }, writeContext(app))
  const rows = await allRevisions(app)
  t.match(rows, [
    { entityType: 'claimant', entityId: claimant.id, claimId: null, version: 1, action: 'create', actor: 'system', actorKeyId: null, organizationId: org.id, requestId: null, before: null },
    { entityType: 'claim', entityId: claim.claim.id, claimId: claim.claim.id, version: 1, action: 'create', actor: 'tester', organizationId: org.id, requestId: 'tester-request', before: null },
  ])
  t.equal(rows.length, 2)
  t.same(rows[1]?.at, claim.claim.updatedAt, 'at is the instant the row was written')
})
