// /v1/organizations (public profiles; an admin edits its own), /v1/api-keys (an admin's keys of its organisation)
// and /v1/audit (what the organisation's keys did).
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { IdParams, IfMatchHeaders, IfNoneMatchHeaders, NotModified, PageQuery, page, problemResponses } from '../../schemas/common.ts'
import { ApiKeySchema, AuditEventSchema, CreateApiKeyBody, CreatedApiKeySchema, OrganizationParams, OrganizationSchema, UpdateOrganizationBody, toApiKey, toAuditEvent, toOrganization } from '../../schemas/organizations.ts'
import { versionEtag } from '../../lib/tokens/etag.ts'
import { ifMatchOf, keyOf, withEtag } from '../http.ts'

const OrganizationPage = page(OrganizationSchema).meta({ id: 'OrganizationPage' })
const ApiKeyPage = page(ApiKeySchema).meta({ id: 'ApiKeyPage' })
const AuditPage = page(AuditEventSchema).meta({ id: 'AuditPage' })

export default async function organizationsRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { organizations } = app.services

  app.get('/organizations', {
    schema: {
      tags: ['Organizations'],
      operationId: 'listOrganizations',
      summary: 'List the organisations, newest first',
      querystring: PageQuery,
      response: { 200: OrganizationPage, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const result = await organizations.list(request.query)
    return { data: result.data.map(toOrganization), nextCursor: result.nextCursor }
  })

  app.get('/organizations/:slug', {
    schema: {
      tags: ['Organizations'],
      operationId: 'getOrganization',
      summary: 'Get an organisation',
      params: OrganizationParams,
      headers: IfNoneMatchHeaders,
      response: { 200: OrganizationSchema, 304: NotModified, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const row = await organizations.get(request.params.slug)
    if (withEtag(request, reply, versionEtag(row.version)).notModified) return reply.code(304).send(null)
    return toOrganization(row)
  })

  app.patch('/organizations/:slug', {
    config: { access: 'admin' },
    schema: {
      tags: ['Organizations'],
      operationId: 'updateOrganization',
      summary: 'Change your organisation\'s name or site',
      description: 'Only an admin key of the organisation itself (403 otherwise).',
      params: OrganizationParams,
      headers: IfMatchHeaders,
      body: UpdateOrganizationBody,
      response: { 200: OrganizationSchema, ...problemResponses(400, 404, 412, 413, 415, 428, 500) },
    },
  }, async (request, reply) => {
    const row = await organizations.update(request.params.slug, request.body, ifMatchOf(request), keyOf(request))
    withEtag(request, reply, versionEtag(row.version))
    return toOrganization(row)
  })

  app.get('/api-keys', {
    config: { access: 'admin' },
    schema: {
      tags: ['API keys'],
      operationId: 'listApiKeys',
      summary: 'List your organisation\'s API keys, revoked ones too, newest first',
      querystring: PageQuery,
      response: { 200: ApiKeyPage, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const result = await organizations.listKeys(keyOf(request).organizationId, request.query)
    return { data: result.data.map(toApiKey), nextCursor: result.nextCursor }
  })

  app.post('/api-keys', {
    config: { access: 'admin', secretResponse: true },
    schema: {
      tags: ['API keys'],
      operationId: 'createApiKey',
      summary: 'Create an API key for your organisation',
      description: 'The response carries the key itself, once: only a hash of it is stored. A retry with the same `Idempotency-Key` creates no second key; it is answered 409 with the `Location` of the first, since the secret is not kept.',
      body: CreateApiKeyBody,
      response: { 201: CreatedApiKeySchema, ...problemResponses(400, 413, 415, 500) },
    },
  }, async (request, reply) => {
    const principal = keyOf(request)
    const { row, key } = await organizations.createKey(principal.organizationId, request.body, principal.keyId)
    reply.header('cache-control', 'no-store')
    return reply.code(201).header('location', `/v1/api-keys/${row.id}`).send({ ...toApiKey(row), key })
  })

  app.get('/api-keys/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['API keys'],
      operationId: 'getApiKey',
      summary: 'Get one of your organisation\'s API keys',
      params: IdParams,
      response: { 200: ApiKeySchema, ...problemResponses(400, 404, 500) },
    },
  }, async (request) => toApiKey(await organizations.getKey(keyOf(request).organizationId, request.params.id)))

  app.delete('/api-keys/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['API keys'],
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key',
      description: 'From the next request on, the key is refused (401, said as of an unknown key), and each use of it is recorded in the audit log. The key stays listed, with `revokedAt`.',
      params: IdParams,
      response: { 200: ApiKeySchema, ...problemResponses(400, 404, 409, 500) },
    },
  }, async (request) => toApiKey(await organizations.revokeKey(keyOf(request).organizationId, request.params.id)))

  app.get('/audit', {
    config: { access: 'admin' },
    schema: {
      tags: ['API keys'],
      operationId: 'listAuditEvents',
      summary: 'What your organisation\'s keys did: every write attempt, allowed or denied, and every use of a revoked key, newest first',
      querystring: PageQuery,
      response: { 200: AuditPage, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const result = await organizations.listAudit(keyOf(request).organizationId, request.query)
    return { data: result.data.map(toAuditEvent), nextCursor: result.nextCursor }
  })
}
