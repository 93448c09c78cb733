// /v1/claims/{claimId}/reviews: verdicts on a claim, drafted, published and retracted.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { IdSchema, IfMatchHeaders, problemResponses } from '../../schemas/common.ts'
import { CreateReviewBody, RetractReviewBody, ReviewSchema, UpdateReviewBody, toReview } from '../../schemas/reviews.ts'
import { reviewEtag } from '../../services/reviews.ts'
import { ifMatchOf, withEtag, writeContextOf } from '../http.ts'
import { registerClaimChildRoutes } from './claim-child-routes.ts'

const ReviewParams = z.object({ claimId: IdSchema, id: IdSchema })

export default async function reviewsRoutes (fastify: FastifyInstance) {
  const { reviews } = fastify.services
  registerClaimChildRoutes(fastify, {
    path: 'reviews',
    tag: 'Reviews',
    pageSchemaId: 'ReviewPage',
    operations: {
      list: { operationId: 'listReviews', summary: 'List the reviews of a claim, newest first' },
      create: { operationId: 'createReview', summary: 'Add a review to a claim' },
      get: { operationId: 'getReview', summary: 'Get one review of a claim' },
      update: { operationId: 'updateReview', summary: 'Change some fields of a review' },
      delete: { operationId: 'deleteReview', summary: 'Remove a review from a claim' },
    },
    schema: ReviewSchema,
    createBody: CreateReviewBody,
    updateBody: UpdateReviewBody,
    service: reviews,
    toResponse: toReview,
    etagOf: reviewEtag,
    writeAccess: 'reviewer',
  })

  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const tags = ['Reviews']

  app.post('/claims/:claimId/reviews/:id/publish', {
    config: { access: 'reviewer' },
    schema: {
      tags,
      operationId: 'publishReview',
      summary: 'Publish a draft review',
      description: 'The review becomes public and, as the latest published review, the claim\'s current verdict; the claim\'s status becomes `reviewed`. Needs `url`, `author` and `ratingExplanation` (422 otherwise). Only a draft can be published (409 otherwise).',
      params: ReviewParams,
      headers: IfMatchHeaders,
      response: { 200: ReviewSchema, ...problemResponses(400, 404, 409, 412, 422, 428, 500) },
    },
  }, async (request, reply) => {
    const result = await reviews.publish(
      request.params.claimId,
      request.params.id,
      ifMatchOf(request),
      writeContextOf(request)
    )
    withEtag(request, reply, reviewEtag(result))
    return toReview(result)
  })

  app.post('/claims/:claimId/reviews/:id/retract', {
    config: { access: 'reviewer' },
    schema: {
      tags,
      operationId: 'retractReview',
      summary: 'Retract a published review',
      description: 'The review stays visible as retracted, with the reason. The claim\'s current verdict falls back to its previous published review, if any. Only a published review can be retracted (409 otherwise).',
      params: ReviewParams,
      headers: IfMatchHeaders,
      body: RetractReviewBody,
      response: { 200: ReviewSchema, ...problemResponses(400, 404, 409, 412, 413, 415, 428, 500) },
    },
  }, async (request, reply) => {
    const result = await reviews.retract(
      request.params.claimId,
      request.params.id,
      request.body.reason,
      ifMatchOf(request),
      writeContextOf(request)
    )
    withEtag(request, reply, reviewEtag(result))
    return toReview(result)
  })
}
