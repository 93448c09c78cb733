// /v1/changes: the sync feed for partners: every change of a claim or published review, in commit order.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { ClaimSchema, toClaim } from '../../schemas/claims.ts'
import { IdSchema, IfNoneMatchHeaders, NotModified, Timestamp, problemResponses, toIso } from '../../schemas/common.ts'
import { ReviewSchema, toReview } from '../../schemas/reviews.ts'
import type { Change } from '../../services/changes.ts'
import { readerOf } from '../http.ts'

const Tombstone = z.object({ id: IdSchema, deleted: z.literal(true) }).meta({ id: 'Tombstone', description: 'The entity no longer exists.' })

const ChangeSchema = z.object({
  type: z.enum(['claim', 'review']),
  id: IdSchema,
  action: z.enum(['create', 'update', 'delete', 'publish', 'retract']),
  version: z.int().describe('The version this change produced.'),
  at: Timestamp,
  entity: z.union([ClaimSchema, ReviewSchema, Tombstone]).describe('The entity as it is now (not as of the change), or a tombstone.'),
}).meta({ id: 'Change' })

const ChangesPage = z.object({
  data: z.array(ChangeSchema),
  nextCursor: z.string().describe('Always present: poll again with it as `after` to get what changed since.'),
}).meta({ id: 'ChangesPage' })

function toChange (change: Change): z.output<typeof ChangeSchema> {
  const { revision } = change
  const tombstone = { id: revision.entityId, deleted: true as const }
  const entity =
    change.type === 'claim'
      ? change.current
        ? toClaim(
          change.current.claim,
          change.current.claimant,
          change.current.review &&
              change.current.scale && { review: change.current.review, scale: change.current.scale }
        )
        : tombstone
      : change.current
        ? toReview(change.current)
        : tombstone
  return {
    type: change.type,
    id: revision.entityId,
    action: revision.action,
    version: revision.version,
    at: toIso(revision.at),
    entity,
  }
}

export default async function changesRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()

  app.get('/changes', {
    // An organisation's keys also see its private claims in the feed.
    config: { cache: { scope: 'viewer' } },
    schema: {
      tags: ['Sync'],
      operationId: 'listChanges',
      summary: 'Every change of a claim or published review since a cursor, in commit order',
      description: 'Start without `after`; then pass the `nextCursor` of each answer. A change is never skipped, even when transactions commit out of order: a change becomes visible only once every transaction that began before it has finished. Several changes of one entity may appear; each carries the entity as it is now.',
      querystring: z.object({
        after: z.string().max(1024).optional().describe('The `nextCursor` of the previous answer.'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      headers: IfNoneMatchHeaders,
      response: { 200: ChangesPage, 304: NotModified, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const page = await app.services.changes.page(request.query, readerOf(request))
    return { data: page.data.map(toChange), nextCursor: page.nextCursor }
  })
}
