// /v1/claims: create, read (with claimant, appearances and evidence), list, update and soft-delete claims.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { toAppearance } from '../../schemas/appearances.ts'
import { toClaimant } from '../../schemas/claimants.ts'
import { ClaimDetailSchema, ClaimSchema, CreateClaimBody, UpdateClaimBody, toClaim } from '../../schemas/claims.ts'
import { IdParams, NoContent, PageQuery, page, problemResponses } from '../../schemas/common.ts'
import { toEvidence } from '../../schemas/evidence.ts'
import type { ClaimDetail } from '../../services/claims.ts'

const ClaimPage = page(ClaimSchema).meta({ id: 'ClaimPage' })

const toClaimDetail = ({ claim, claimant, appearances, evidence }: ClaimDetail): z.output<typeof ClaimDetailSchema> => ({
  ...toClaim(claim, claimant),
  claimant: claimant && toClaimant(claimant),
  appearances: appearances.map(toAppearance),
  evidence: evidence.map(toEvidence),
})

export default async function claimsRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { claims } = app.services
  const tags = ['Claims']

  app.get('/claims', {
    schema: {
      tags,
      operationId: 'listClaims',
      summary: 'List claims, newest first',
      querystring: PageQuery,
      response: { 200: ClaimPage, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const result = await claims.list(request.query)
    return { data: result.data.map(({ claim, claimant }) => toClaim(claim, claimant)), nextCursor: result.nextCursor }
  })

  app.post('/claims', {
    schema: {
      tags,
      operationId: 'createClaim',
      summary: 'Record a claim',
      body: CreateClaimBody,
      response: { 201: ClaimSchema, ...problemResponses(400, 413, 415, 422, 500) },
    },
  }, async (request, reply) => {
    const { claim, claimant } = await claims.create(request.body)
    return reply.code(201).header('location', `/v1/claims/${claim.id}`).send(toClaim(claim, claimant))
  })

  app.get('/claims/:id', {
    schema: {
      tags,
      operationId: 'getClaim',
      summary: 'Get a claim with its claimant, appearances and evidence',
      params: IdParams,
      response: { 200: ClaimDetailSchema, ...problemResponses(400, 404, 500) },
    },
  }, async (request) => toClaimDetail(await claims.getDetail(request.params.id)))

  app.patch('/claims/:id', {
    schema: {
      tags,
      operationId: 'updateClaim',
      summary: 'Change some fields of a claim',
      params: IdParams,
      body: UpdateClaimBody,
      response: { 200: ClaimSchema, ...problemResponses(400, 404, 413, 415, 422, 500) },
    },
  }, async (request) => {
    const { claim, claimant } = await claims.update(request.params.id, request.body)
    return toClaim(claim, claimant)
  })

  app.delete('/claims/:id', {
    schema: {
      tags,
      operationId: 'deleteClaim',
      summary: 'Delete a claim',
      description: 'The claim disappears from every read (404) but is kept in the database with its appearances and evidence.',
      params: IdParams,
      response: { 204: NoContent, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    await claims.delete(request.params.id)
    return reply.code(204).send(null)
  })
}
