// ClaimReview JSON-LD: a claim's published (and retracted) reviews, and a paged feed of all of them.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { fastSerializerCompiler } from '../../lib/http/fast-serializer.ts'
import { scriptSafeSerializerCompiler } from '../../lib/render/script-safe-json.ts'
import { ClaimReviewSchema } from '../../schemas/claimreview.ts'
import { ClaimListQuery } from '../../schemas/claims.ts'
import { IdParams, IfNoneMatchHeaders, NotModified, problemResponses } from '../../schemas/common.ts'
import { readBudgetOf, readerOf, withQuery } from '../http.ts'

const LD_JSON = 'application/ld+json'

const ClaimReviewQuery = ClaimListQuery.omit({ sort: true })

const ClaimReviewGraph = z.object({
  '@context': z.literal('https://schema.org'),
  '@graph': z.array(ClaimReviewSchema),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; `null` on the last page.'),
}).meta({ id: 'ClaimReviewPage' })

export default async function claimReviewRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  // Partners paste these answers into <script type="application/ld+json">: no text of a review may close it.
  app.setSerializerCompiler(scriptSafeSerializerCompiler(fastSerializerCompiler))
  const { published } = app.services
  const tags = ['ClaimReview']

  app.get('/claims/:id/claimreview', {
    // Published reviews only, but of a claim the caller's organisation may see while others get a 404.
    config: { cache: { scope: 'viewer' } },
    schema: {
      tags,
      operationId: 'getClaimReviews',
      summary: 'The published reviews of a claim as schema.org ClaimReview (JSON-LD)',
      description: 'Drafts are not included; an unreviewed claim gives an empty array. A retracted review stays, with a schema.org `correction` (a `CorrectionComment` saying when and why it was retracted).',
      produces: [LD_JSON],
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: z.array(ClaimReviewSchema), 304: NotModified, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const reviews = await published.claimReviewsOf(request.params.id, readerOf(request))
    return reply.type(LD_JSON).send(reviews)
  })

  app.get('/claimreview', {
    // Published reviews of public claims: the same for everyone.
    config: { cache: { scope: 'public' }, search: withQuery('q') },
    schema: {
      tags,
      operationId: 'listClaimReviews',
      summary: 'Every published review as schema.org ClaimReview (JSON-LD), newest first',
      description: 'Takes the filters of `GET /v1/claims` (applied to the reviewed claims), with `limit` and `cursor`. A retracted review stays, with a schema.org `correction`.',
      produces: [LD_JSON],
      querystring: ClaimReviewQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: ClaimReviewGraph, 304: NotModified, ...problemResponses(400, 500) },
    },
  }, async (request, reply) => {
    const page = await published.claimReviews(request.query, readBudgetOf(request))
    return reply.type(LD_JSON).send({ '@context': 'https://schema.org' as const, '@graph': page.data, nextCursor: page.nextCursor })
  })
}
