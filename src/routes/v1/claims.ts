// /v1/claims: create, read (with claimant, appearances and evidence), list, update and soft-delete claims.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { ClaimDetailSchema, ClaimListQuery, ClaimPage, CreateClaimBody, UpdateClaimBody, toClaim, toClaimDetail } from '../../schemas/claims.ts'
import { IdParams, TimestampInput, IfMatchHeaders, IfNoneMatchHeaders, NoContent, NotModified, problemResponses } from '../../schemas/common.ts'
import { claimEtag } from '../../services/claims.ts'
import { ifMatchOf, readBudgetOf, readerOf, withEtag, withQuery, writeContextOf } from '../http.ts'

const AsOfQuery = z.object({
  asOf: TimestampInput.optional().describe('Read the claim as it was at this instant (ISO 8601); 404 if it did not exist then.'),
})

const etagNote = 'The `ETag` covers the claim and everything embedded in it; send it as `If-Match` to change or delete the claim.'

export default async function claimsRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { claims } = app.services
  const tags = ['Claims']
  // Reads may include the caller's organisation's private claims: private for such keys, public (and cached) otherwise.
  const cache = { scope: 'viewer' as const }

  app.get('/claims', {
    config: { cache, search: withQuery('q') },
    schema: {
      tags,
      operationId: 'listClaims',
      summary: 'Find claims: filter, search and sort',
      description: 'Every filter narrows the list. Paging is by cursor: it never skips or repeats a claim while others are added; a cursor is bound to its filters and sort (400 otherwise).',
      querystring: ClaimListQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: ClaimPage, 304: NotModified, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const result = await claims.list(request.query, readerOf(request), readBudgetOf(request))
    const data = result.data.map(({ claim, claimant, review, scale, rank, snippet }) => ({
      ...toClaim(claim, claimant, review && scale && { review, scale }),
      ...(rank !== null && snippet !== null && { search: { rank, snippet } }),
    }))
    return { data, nextCursor: result.nextCursor }
  })

  app.post('/claims', {
    config: { access: 'editor' },
    schema: {
      tags,
      operationId: 'createClaim',
      summary: 'Record a claim',
      description: etagNote,
      body: CreateClaimBody,
      response: { 201: ClaimDetailSchema, ...problemResponses(400, 413, 415, 422, 500) },
    },
  }, async (request, reply) => {
    const detail = await claims.create(request.body, writeContextOf(request))
    withEtag(request, reply, claimEtag(detail))
    return reply.code(201).header('location', `/v1/claims/${detail.claim.id}`).send(toClaimDetail(detail))
  })

  app.get('/claims/:id', {
    config: { cache },
    schema: {
      tags,
      operationId: 'getClaim',
      summary: 'Get a claim with its claimant, appearances, evidence and current verdict',
      description: `${etagNote} With \`asOf\`, the claim is rebuilt from its revision history as it was at that instant.`,
      params: IdParams,
      querystring: AsOfQuery,
      headers: IfNoneMatchHeaders,
      response: { 200: ClaimDetailSchema, 304: NotModified, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    // A revalidation (If-None-Match) of the claim as it is now is answered from the versions alone when it is current.
    if (request.headers['if-none-match'] !== undefined && request.query.asOf === undefined) {
      const etag = await claims.currentEtag(request.params.id, readerOf(request))
      if (withEtag(request, reply, etag).notModified) return reply.code(304).send(null)
    }
    const detail = await claims.get(request.params.id, readerOf(request), request.query.asOf)
    if (withEtag(request, reply, claimEtag(detail)).notModified) return reply.code(304).send(null)
    return toClaimDetail(detail)
  })

  app.patch('/claims/:id', {
    config: { access: 'editor' },
    schema: {
      tags,
      operationId: 'updateClaim',
      summary: 'Change some fields of a claim',
      description: etagNote,
      params: IdParams,
      headers: IfMatchHeaders,
      body: UpdateClaimBody,
      response: { 200: ClaimDetailSchema, ...problemResponses(400, 404, 409, 412, 413, 415, 422, 428, 500) },
    },
  }, async (request, reply) => {
    const detail = await claims.update(request.params.id, request.body, ifMatchOf(request), writeContextOf(request))
    withEtag(request, reply, claimEtag(detail))
    return toClaimDetail(detail)
  })

  app.delete('/claims/:id', {
    config: { access: 'editor' },
    schema: {
      tags,
      operationId: 'deleteClaim',
      summary: 'Delete a claim',
      description: 'The claim disappears from every read (404) but is kept in the database with its appearances and evidence.',
      params: IdParams,
      headers: IfMatchHeaders,
      response: { 204: NoContent, ...problemResponses(400, 404, 412, 428, 500) },
    },
  }, async (request, reply) => {
    await claims.delete(request.params.id, ifMatchOf(request), writeContextOf(request))
    return reply.code(204).send(null)
  })
}
