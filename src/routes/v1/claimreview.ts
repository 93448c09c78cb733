// ClaimReview JSON-LD: a claim's published reviews, and a paged feed of all of them.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { ClaimReviewSchema } from '../../schemas/claimreview.ts'
import { ClaimListQuery } from '../../schemas/claims.ts'
import { IdParams, problemResponses } from '../../schemas/common.ts'
import { readerOf } from '../http.ts'

const LD_JSON = 'application/ld+json'

const ClaimReviewQuery = ClaimListQuery.omit({ sort: true })

const ClaimReviewGraph = z.object({
  '@context': z.literal('https://schema.org'),
  '@graph': z.array(ClaimReviewSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; `null` on the last page.'),
}).meta({ id: 'ClaimReviewPage' })

export default async function claimReviewRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { published } = app.services
  const tags = ['ClaimReview']

  app.get('/claims/:id/claimreview', {
    schema: {
      tags,
      operationId: 'getClaimReviews',
      summary: 'The published reviews of a claim as schema.org ClaimReview (JSON-LD)',
      description: 'Drafts and retracted reviews are not included; an unreviewed claim gives an empty array.',
      produces: [LD_JSON],
      params: IdParams,
      response: { 200: z.array(ClaimReviewSchema), ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const reviews = await published.claimReviewsOf(request.params.id, readerOf(request))
    return reply.type(LD_JSON).send(reviews)
  })

  app.get('/claimreview', {
    schema: {
      tags,
      operationId: 'listClaimReviews',
      summary: 'Every published review as schema.org ClaimReview (JSON-LD), newest first',
      description: 'Takes the filters of `GET /v1/claims` (applied to the reviewed claims), with `limit` and `cursor`.',
      produces: [LD_JSON],
      querystring: ClaimReviewQuery,
      response: { 200: ClaimReviewGraph, ...problemResponses(400, 500) },
    },
  }, async (request, reply) => {
    const page = await published.claimReviews(request.query)
    return reply.type(LD_JSON).send({ '@context': 'https://schema.org' as const, '@graph': page.data, nextCursor: page.nextCursor })
  })
}
