// /v1/claims/{id}/history: every revision of a claim and of everything under it, newest first.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { IdParams, PageQuery, page, problemResponses } from '../../schemas/common.ts'
import { RevisionSchema, toRevision } from '../../schemas/history.ts'
import { readerOf } from '../http.ts'

const RevisionPage = page(RevisionSchema).meta({ id: 'RevisionPage' })

export default async function historyRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()

  app.get('/claims/:id/history', {
    schema: {
      tags: ['Claims'],
      operationId: 'listClaimHistory',
      summary: 'The revision history of a claim and everything under it',
      description: 'One revision per create, update, delete, publish and retract of the claim, its appearances, evidence and reviews, newest first. Revisions are never changed or removed. Members of the organisation a change was made for see which key and request made it; everyone else sees the organisation only. `before` and `after` have the documented, versioned shape of the entity type (`schemaVersion`), not the stored columns.',
      params: IdParams,
      querystring: PageQuery,
      response: { 200: RevisionPage, ...problemResponses(400, 404, 500) },
    },
  }, async (request) => {
    const result = await app.services.claims.history(request.params.id, readerOf(request), request.query)
    return { data: result.data.map(toRevision), nextCursor: result.nextCursor }
  })
}
