// /v1/claims/{id}/history: every revision of a claim and of everything under it, newest first.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import type { RevisionWithOrganization } from '../../repositories/revisions.ts'
import { IdParams, IdSchema, PageQuery, Timestamp, page, problemResponses, toIso } from '../../schemas/common.ts'
import { readerOf } from '../http.ts'

const RevisionSchema = z.object({
  seq: z.int().describe('Position in the history; later changes have higher numbers.'),
  entityType: z.enum(['claim', 'claimant', 'appearance', 'evidence', 'review', 'rating-scale']),
  entityId: IdSchema,
  version: z.int().describe('The version of the entity this change produced.'),
  action: z.enum(['create', 'update', 'delete', 'publish', 'retract']),
  actor: z.string().describe('Who made the change: for members of the organisation it was made for, the name of the API key, or `system` (demo data, imports); for everyone else, that organisation\'s slug.'),
  actorKeyId: IdSchema.nullable().describe('The API key that made the change; `null` for `system`, and for callers outside the organisation.'),
  organizationId: IdSchema.nullable().describe('The organisation the change was made for; `null` for changes made before organisations existed.'),
  requestId: z.string().nullable().describe('The request that made it (its `X-Request-Id`); `null` for callers outside the organisation.'),
  at: Timestamp,
  before: z.record(z.string(), z.unknown()).nullable().describe('The entity before the change; `null` for a create.'),
  after: z.record(z.string(), z.unknown()).describe('The entity after the change; after a delete, `deletedAt` is set.'),
}).meta({ id: 'Revision' })

const RevisionPage = page(RevisionSchema).meta({ id: 'RevisionPage' })

const toRevision = (row: RevisionWithOrganization): z.output<typeof RevisionSchema> => ({
  seq: row.seq,
  entityType: row.entityType as z.output<typeof RevisionSchema>['entityType'],
  entityId: row.entityId,
  version: row.version,
  action: row.action,
  actor: row.actor,
  actorKeyId: row.actorKeyId,
  organizationId: row.organizationId,
  requestId: row.requestId,
  at: toIso(row.at),
  before: row.before,
  after: row.after,
})

export default async function historyRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()

  app.get('/claims/:id/history', {
    schema: {
      tags: ['Claims'],
      operationId: 'listClaimHistory',
      summary: 'The revision history of a claim and everything under it',
      description: 'One revision per create, update, delete, publish and retract of the claim, its appearances, evidence and reviews, newest first. Revisions are never changed or removed. Members of the organisation a change was made for see which key and request made it; everyone else sees the organisation only.',
      params: IdParams,
      querystring: PageQuery,
      response: { 200: RevisionPage, ...problemResponses(400, 404, 500) },
    },
  }, async (request) => {
    const result = await app.services.claims.history(request.params.id, readerOf(request), request.query)
    return { data: result.data.map(toRevision), nextCursor: result.nextCursor }
  })
}
