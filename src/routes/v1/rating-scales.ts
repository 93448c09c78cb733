// /v1/rating-scales: the scales verdicts are given on (PolitiFact's Truth-O-Meter, the Pinocchios, your own).
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { versionEtag } from '../../lib/tokens/etag.ts'
import { IdParams, IfMatchHeaders, IfNoneMatchHeaders, NoContent, NotModified, PageQuery, page, problemResponses } from '../../schemas/common.ts'
import { CreateRatingScaleBody, RatingScaleSchema, UpdateRatingScaleBody, toRatingScale } from '../../schemas/rating-scales.ts'
import { ifMatchOf, withEtag, writeContextOf } from '../http.ts'

const RatingScalePage = page(RatingScaleSchema).meta({ id: 'RatingScalePage' })

export default async function ratingScalesRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { ratingScales } = app.services
  const tags = ['Rating scales']

  app.get('/rating-scales', {
    schema: {
      tags,
      operationId: 'listRatingScales',
      summary: 'List rating scales, newest first (built-in scales last)',
      querystring: PageQuery,
      response: { 200: RatingScalePage, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const result = await ratingScales.list(request.query)
    return { data: result.data.map(toRatingScale), nextCursor: result.nextCursor }
  })

  app.post('/rating-scales', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'createRatingScale',
      summary: 'Define a rating scale',
      body: CreateRatingScaleBody,
      response: { 201: RatingScaleSchema, ...problemResponses(400, 409, 413, 415, 500) },
    },
  }, async (request, reply) => {
    const scale = await ratingScales.create(request.body, writeContextOf(request))
    withEtag(request, reply, versionEtag(scale.version))
    return reply.code(201).header('location', `/v1/rating-scales/${scale.id}`).send(toRatingScale(scale))
  })

  app.get('/rating-scales/:id', {
    schema: {
      tags,
      operationId: 'getRatingScale',
      summary: 'Get a rating scale',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: RatingScaleSchema, 304: NotModified, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const scale = await ratingScales.get(request.params.id)
    if (withEtag(request, reply, versionEtag(scale.version)).notModified) return reply.code(304).send(null)
    return toRatingScale(scale)
  })

  app.patch('/rating-scales/:id', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'updateRatingScale',
      summary: 'Change a rating scale',
      description: 'Built-in scales cannot change (409). Once a review uses the scale, values can be added but not removed, reordered or given another rating value or verdict (422).',
      params: IdParams,
      headers: IfMatchHeaders,
      body: UpdateRatingScaleBody,
      response: { 200: RatingScaleSchema, ...problemResponses(400, 404, 409, 412, 413, 415, 422, 428, 500) },
    },
  }, async (request, reply) => {
    const scale = await ratingScales.update(
      request.params.id,
      request.body,
      ifMatchOf(request),
      writeContextOf(request)
    )
    withEtag(request, reply, versionEtag(scale.version))
    return toRatingScale(scale)
  })

  app.delete('/rating-scales/:id', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'deleteRatingScale',
      summary: 'Delete a rating scale no review uses',
      params: IdParams,
      headers: IfMatchHeaders,
      response: { 204: NoContent, ...problemResponses(400, 404, 409, 412, 428, 500) },
    },
  }, async (request, reply) => {
    await ratingScales.delete(request.params.id, ifMatchOf(request), writeContextOf(request))
    return reply.code(204).send(null)
  })
}
