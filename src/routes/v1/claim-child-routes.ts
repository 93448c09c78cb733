// The CRUD routes of a resource that lives under a claim (/v1/claims/{claimId}/<path>), built once for each.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import type { EtagCondition } from '../../lib/tokens/etag.ts'
import { IdSchema, IfMatchHeaders, IfNoneMatchHeaders, NoContent, NotModified, PageQuery, page, problemResponses } from '../../schemas/common.ts'
import { ifMatchOf, readerOf, withEtag, writeContextOf } from '../http.ts'
import type { Role, Viewer } from '../../domain/access.ts'
import type { WriteContext } from '../../services/history.ts'
import type { Page } from '../../services/types.ts'

interface ChildService<Row, Create, Update> {
  list(claimId: string, viewer: Viewer, request: { limit: number; cursor?: string | undefined }): Promise<Page<Row>>
  get(claimId: string, id: string, viewer: Viewer): Promise<Row>
  create(claimId: string, body: Create, ctx: WriteContext): Promise<Row>
  update(
    claimId: string,
    id: string,
    patch: Update,
    ifMatch: EtagCondition | undefined,
    ctx: WriteContext,
  ): Promise<Row>
  delete(claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void>
}

export type ChildOperation = 'list' | 'create' | 'get' | 'update' | 'delete'

export interface ClaimChildRoutes<Row, Response, Create, Update> {
  /** The path segment under the claim, e.g. `appearances`. */
  path: string
  tag: string
  /** The OpenAPI component name of a page of these, e.g. `AppearancePage`. */
  pageSchemaId: string
  /** Each operation's id and summary, written out in full so that a search for an operationId finds it. */
  operations: Record<ChildOperation, { operationId: string, summary: string }>
  schema: z.ZodType<Response>
  createBody: z.ZodType<Create>
  updateBody: z.ZodType<Update>
  service: ChildService<Row, Create, Update>
  toResponse(row: Row): Response & { id: string }
  /** The strong ETag of a row. */
  etagOf(row: Row): string
  /** The least role that may create, change and delete these. */
  writeAccess: Role
}

const ClaimParams = z.object({ claimId: IdSchema })
const ChildParams = z.object({ claimId: IdSchema, id: IdSchema })

// Inside this generic function TypeScript cannot resolve the type provider's conditional types, so bodies are
// cast to the types their schemas produce; each caller's spec ties the schemas and the service together.
export function registerClaimChildRoutes<Row, Response, Create, Update> (
  fastify: FastifyInstance,
  spec: ClaimChildRoutes<Row, Response, Create, Update>
) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { path, operations, service, toResponse, etagOf } = spec
  const config = { access: spec.writeAccess }
  const tags = [spec.tag]
  const Item: z.ZodType = spec.schema
  const ItemPage = page(Item).meta({ id: spec.pageSchemaId })

  app.get(`/claims/:claimId/${path}`, {
    schema: {
      tags,
      ...operations.list,
      params: ClaimParams,
      querystring: PageQuery,
      response: { 200: ItemPage, ...problemResponses(400, 404, 500) },
    },
  }, async (request) => {
    const result = await service.list(request.params.claimId, readerOf(request), request.query)
    return { data: result.data.map(toResponse), nextCursor: result.nextCursor }
  })

  app.post(`/claims/:claimId/${path}`, {
    config,
    schema: {
      tags,
      ...operations.create,
      params: ClaimParams,
      body: spec.createBody,
      response: { 201: Item, ...problemResponses(400, 404, 409, 413, 415, 422, 500) },
    },
  }, async (request, reply) => {
    const row = await service.create(request.params.claimId, request.body as Create, writeContextOf(request))
    const body = toResponse(row)
    withEtag(request, reply, etagOf(row))
    return reply.code(201).header('location', `/v1/claims/${request.params.claimId}/${path}/${body.id}`).send(body)
  })

  app.get(`/claims/:claimId/${path}/:id`, {
    schema: {
      tags,
      ...operations.get,
      params: ChildParams,
      headers: IfNoneMatchHeaders,
      response: { 200: Item, 304: NotModified, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const row = await service.get(request.params.claimId, request.params.id, readerOf(request))
    if (withEtag(request, reply, etagOf(row)).notModified) return reply.code(304).send(null)
    return toResponse(row)
  })

  app.patch(`/claims/:claimId/${path}/:id`, {
    config,
    schema: {
      tags,
      ...operations.update,
      params: ChildParams,
      headers: IfMatchHeaders,
      body: spec.updateBody,
      response: { 200: Item, ...problemResponses(400, 404, 409, 412, 413, 415, 422, 428, 500) },
    },
  }, async (request, reply) => {
    const row = await service.update(
      request.params.claimId,
      request.params.id,
      request.body as Update,
      ifMatchOf(request),
      writeContextOf(request)
    )
    withEtag(request, reply, etagOf(row))
    return toResponse(row)
  })

  app.delete(`/claims/:claimId/${path}/:id`, {
    config,
    schema: {
      tags,
      ...operations.delete,
      params: ChildParams,
      headers: IfMatchHeaders,
      response: { 204: NoContent, ...problemResponses(400, 404, 409, 412, 428, 500) },
    },
  }, async (request, reply) => {
    await service.delete(request.params.claimId, request.params.id, ifMatchOf(request), writeContextOf(request))
    return reply.code(204).send(null)
  })
}
