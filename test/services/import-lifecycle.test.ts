// The import and the API publish through the same review lifecycle: a record imported and the same claim made and
// published through the API leave the same stored rows (claim, review), the same revisions, the same verdict and
// search document, and the same webhook events; only ids, instants, transactions, the actor and the external id
// differ.
import { Readable } from 'node:stream'
import { eq, sql } from 'drizzle-orm'
import t from 'tap'
import { queryRows } from '../../src/db/client.ts'
import { appearances, claimColumns, claims, reviews, revisions } from '../../src/db/schema.ts'
import { JOB_SCHEMA } from '../../src/jobs/index.ts'
import { WEBHOOK_QUEUE } from '../../src/jobs/queues.ts'
import { readRecords } from '../../src/services/import-formats.ts'
import { build, createClaimant, etagOf, testOrganization } from '../helper.ts'
import type { FastifyInstance } from 'fastify'

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/

/**
 * A value with the claim's and review's ids named, instants as `<instant>`, and the fields that must differ dropped.
 */
function normalised (value: unknown, ids: Record<string, string>): unknown {
  if (value instanceof Date) return '<instant>'
  if (typeof value === 'string') return ids[value] ?? (iso.test(value) ? '<instant>' : value)
  if (Array.isArray(value)) return value.map((v) => normalised(v, ids))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value)
      .filter(([key]) => !['externalId', 'seq', 'txId', 'actor', 'actorKeyId', 'requestId', 'eventId', 'webhookId'].includes(key))
      .map(([key, v]) => [key, normalised(v, ids)]))
  }
  return value
}

/** What the claim left behind: its row, its review's row, its revisions in order, its search document, its events. */
async function storedState (app: FastifyInstance, claimId: string) {
  const [claim] = await app.db.select(claimColumns).from(claims).where(eq(claims.id, claimId))
  const [review] = await app.db.select().from(reviews).where(eq(reviews.claimId, claimId))
  const children = await app.db.select({ id: appearances.id }).from(appearances).where(eq(appearances.claimId, claimId))
  const ids = {
    [claimId]: '<claim>',
    ...(review ? { [review.id]: '<review>' } : {}),
    ...Object.fromEntries(children.map((a) => [a.id, '<appearance>'])),
  }
  const history = await app.db.select().from(revisions).where(eq(revisions.claimId, claimId)).orderBy(revisions.seq)
  const [search] = await queryRows<{ document: string }>(app.db,
    sql`select search_vector::text as document from claims where id = ${claimId}`)
  const jobs = await queryRows<{ body: string }>(app.db, sql`
    select data->>'body' as body from ${sql.identifier(JOB_SCHEMA)}.job where name = ${WEBHOOK_QUEUE}`)
  const events = jobs.map((j) => JSON.parse(j.body) as { type: string, data: { claimId?: string } })
    .filter((e) => e.data.claimId === claimId)
    .sort((a, b) => a.type.localeCompare(b.type))
  return {
    claim: normalised(claim, ids),
    review: normalised(review, ids),
    revisions: history.map((r) => normalised({ ...r, id: undefined }, ids)),
    search: search?.document,
    events: normalised(events, ids) as Array<{ type: string }>,
  }
}

t.test('a review imported and one published through the API: same rows, revisions, verdict and webhook events', async (t) => {
  const app = await build(t, { env: { JOBS_WORKER: 'false' } })
  const hook = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: 'https://hooks.example.org/claimtrack', events: ['claim.updated', 'review.published', 'review.retracted'] },
  })
  t.equal(hook.statusCode, 201)
  const claimant = await createClaimant(app, { name: 'Pat Doe' })

  // Through the API: the claim, its first appearance, a draft review, published.
  const claim = await app.inject({
    method: 'POST',
    url: '/v1/claims',
    payload: { text: 'The river froze in July.', claimantId: claimant.id, claimDate: '2020-07-04', topics: ['weather'] },
  })
  t.equal(claim.statusCode, 201)
  const claimId = claim.json().id as string
  const appearance = await app.inject({
    method: 'POST',
    url: `/v1/claims/${claimId}/appearances`,
    payload: { title: 'a radio interview', isFirstAppearance: true },
  })
  t.equal(appearance.statusCode, 201)
  const review = await app.inject({
    method: 'POST',
    url: `/v1/claims/${claimId}/reviews`,
    payload: {
      ratingScale: 'truth-o-meter',
      rating: 'false',
      url: 'https://factcheck.example.org/river',
      author: { name: 'PolitiFact' },
      ratingExplanation: 'PolitiFact rated this claim False.',
      inLanguage: 'en',
    },
  })
  t.equal(review.statusCode, 201)
  const reviewUrl = `/v1/claims/${claimId}/reviews/${review.json().id}`
  const published = await app.inject({ method: 'POST', url: `${reviewUrl}/publish`, headers: { 'if-match': await etagOf(app, reviewUrl) } })
  t.equal(published.statusCode, 200)

  // The same claim as an import record.
  const record = JSON.stringify({
    id: 'river-1',
    text: 'The river froze in July.',
    claimant: 'Pat Doe',
    claimDate: '2020-07-04',
    topics: ['weather'],
    context: 'a radio interview',
    verdictLabel: 'False',
    reviewUrl: 'https://factcheck.example.org/river',
    reviewer: 'PolitiFact',
    reviewDate: '2021-01-02T03:04:05Z',
  })
  const run = app.services.imports.importRecords(readRecords(Readable.from([record]), 'jsonl'), {
    organizationId: testOrganization(app).id,
    scale: 'truth-o-meter',
  })
  let next = await run.next()
  const imported = next.done ? undefined : next.value
  while (!next.done) next = await run.next()
  t.match(imported, { outcome: 'created' })
  const importedId = imported?.claimId as string

  const viaApi = await storedState(app, claimId)
  const viaImport = await storedState(app, importedId)
  t.match(viaApi.claim, { status: 'reviewed', isPublic: true, currentVerdict: 'false', currentReviewId: '<review>', version: 2 })
  t.match(viaApi.review, { status: 'published', version: 2, datePublished: '<instant>' })
  const steps = viaApi.revisions as Array<{ entityType: string, action: string, version: number }>
  t.same(steps.map((r) => `${r.entityType} ${r.action} ${r.version}`),
    ['claim create 1', 'appearance create 1', 'review create 1', 'review publish 2', 'claim update 2'])
  t.same(viaApi.events.map((e) => e.type), ['claim.updated', 'review.published'])
  t.same(viaImport.claim, viaApi.claim, 'the stored claim: verdict, status, version')
  t.same(viaImport.review, viaApi.review, 'the stored review')
  t.same(viaImport.revisions, viaApi.revisions, 'the revisions, in order, with their rows before and after')
  t.equal(viaImport.search, viaApi.search, 'the search document, appearance included')
  t.same(viaImport.events, viaApi.events, 'the webhook events')
})
