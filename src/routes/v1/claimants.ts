// /v1/claimants: the people and organisations who make claims.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { ClaimantListQuery, ClaimantParams, ClaimantSchema, CreateClaimantBody, UpdateClaimantBody, toClaimant } from '../../schemas/claimants.ts'
import { IfMatchHeaders, IfNoneMatchHeaders, NoContent, NotModified, page, problemResponses } from '../../schemas/common.ts'
import { ConflictError } from '../../domain/errors.ts'
import { fromDomainError } from '../../plugins/problem-details.ts'
import { versionEtag } from '../../lib/tokens/etag.ts'
import { ifMatchOf, withEtag, writeContextOf } from '../http.ts'

const ClaimantPage = page(ClaimantSchema).meta({ id: 'ClaimantPage' })

/** A refused duplicate names the claimant already there by its URL too. */
function locatingDuplicate (error: unknown): never {
  if (!(error instanceof ConflictError) || typeof error.details.existingId !== 'string') throw error
  const answer = fromDomainError(error, 'body')
  answer.headers.location = `/v1/claimants/${error.details.existingId}`
  throw answer
}

export default async function claimantsRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { claimants } = app.services
  const tags = ['Claimants']

  app.get('/claimants', {
    schema: {
      tags,
      operationId: 'listClaimants',
      summary: 'List or search claimants, newest first',
      description: 'With `q`, only the claimants with a word of the name or of an alias starting with it (case and accents ignored): `?q=trump` finds Donald Trump. Read one by slug with `GET /v1/claimants/{slug}`.',
      querystring: ClaimantListQuery,
      response: { 200: ClaimantPage, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const result = await claimants.list(request.query)
    return { data: result.data.map(toClaimant), nextCursor: result.nextCursor }
  })

  app.post('/claimants', {
    config: { access: 'editor' },
    schema: {
      tags,
      operationId: 'createClaimant',
      summary: 'Add a claimant',
      description: 'A name your organisation already has for a live claimant (ignoring case and accents) is refused with 409, whose `Location` header and `existingId` name that claimant, unless `distinctFrom` lists it or both have `sameAs` URLs and none is shared.',
      body: CreateClaimantBody,
      response: { 201: ClaimantSchema, ...problemResponses(400, 409, 413, 415, 500) },
    },
  }, async (request, reply) => {
    const claimant = await claimants.create(request.body, writeContextOf(request)).catch(locatingDuplicate)
    withEtag(request, reply, versionEtag(claimant.version))
    return reply.code(201).header('location', `/v1/claimants/${claimant.id}`).send(toClaimant(claimant))
  })

  app.get('/claimants/:id', {
    schema: {
      tags,
      operationId: 'getClaimant',
      summary: 'Get a claimant by id or slug',
      params: ClaimantParams,
      headers: IfNoneMatchHeaders,
      response: { 200: ClaimantSchema, 304: NotModified, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const claimant = await claimants.get(request.params.id)
    if (withEtag(request, reply, versionEtag(claimant.version)).notModified) return reply.code(304).send(null)
    return toClaimant(claimant)
  })

  app.patch('/claimants/:id', {
    config: { access: 'editor' },
    schema: {
      tags,
      operationId: 'updateClaimant',
      summary: 'Change some fields of a claimant',
      description: 'A new name follows the rule of POST: 409 when another live claimant of your organisation has it, unless `distinctFrom` lists that one or `sameAs` tells them apart.',
      params: ClaimantParams,
      headers: IfMatchHeaders,
      body: UpdateClaimantBody,
      response: { 200: ClaimantSchema, ...problemResponses(400, 404, 409, 412, 413, 415, 428, 500) },
    },
  }, async (request, reply) => {
    const claimant = await claimants
      .update(request.params.id, request.body, ifMatchOf(request), writeContextOf(request))
      .catch(locatingDuplicate)
    withEtag(request, reply, versionEtag(claimant.version))
    return toClaimant(claimant)
  })

  app.delete('/claimants/:id', {
    config: { access: 'editor' },
    schema: {
      tags,
      operationId: 'deleteClaimant',
      summary: 'Delete a claimant',
      description: 'Refused with 409 while live claims name the claimant. The claimant is kept in the database and its slug freed.',
      params: ClaimantParams,
      headers: IfMatchHeaders,
      response: { 204: NoContent, ...problemResponses(400, 404, 409, 412, 428, 500) },
    },
  }, async (request, reply) => {
    await claimants.delete(request.params.id, ifMatchOf(request), writeContextOf(request))
    return reply.code(204).send(null)
  })
}
