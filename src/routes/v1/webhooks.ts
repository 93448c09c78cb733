// /v1/webhooks: an organisation's admins register endpoints for events, read their delivery attempts, rotate their
// secret and send them a test ping.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { versionEtag } from '../../lib/tokens/etag.ts'
import { IdParams, IfMatchHeaders, IfNoneMatchHeaders, NoContent, NotModified, PageQuery, page, problemResponses } from '../../schemas/common.ts'
import { CreateWebhookBody, CreatedWebhookSchema, PingResultSchema, UpdateWebhookBody, WebhookDeliverySchema, WebhookSchema, toWebhook, toWebhookDelivery } from '../../schemas/webhooks.ts'
import { ifMatchOf, keyOf, withEtag } from '../http.ts'

const WebhookPage = page(WebhookSchema).meta({ id: 'WebhookPage' })
const WebhookDeliveryPage = page(WebhookDeliverySchema).meta({ id: 'WebhookDeliveryPage' })

export default async function webhooksRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { webhooks } = app.services
  const tags = ['Webhooks']

  app.get('/webhooks', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'listWebhooks',
      summary: 'List your organisation\'s webhooks, newest first',
      querystring: PageQuery,
      response: { 200: WebhookPage, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const result = await webhooks.list(keyOf(request).organizationId, request.query)
    return { data: result.data.map(toWebhook), nextCursor: result.nextCursor }
  })

  app.post('/webhooks', {
    config: { access: 'admin', secretResponse: true },
    schema: {
      tags,
      operationId: 'createWebhook',
      summary: 'Register an endpoint for events',
      description: 'The response carries the signing secret, once. A URL that is, or resolves to, a non-public address is refused (422). A retry with the same `Idempotency-Key` creates no second webhook; it is answered 409 with the `Location` of the first, since the secret is not kept in the stored answer.',
      body: CreateWebhookBody,
      response: { 201: CreatedWebhookSchema, ...problemResponses(400, 413, 415, 422, 500) },
    },
  }, async (request, reply) => {
    const { row, secret } = await webhooks.create(keyOf(request), request.body)
    withEtag(request, reply, versionEtag(row.version))
    reply.header('cache-control', 'no-store')
    return reply.code(201).header('location', `/v1/webhooks/${row.id}`).send({ ...toWebhook(row), signingSecret: secret })
  })

  app.get('/webhooks/:id', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'getWebhook',
      summary: 'Get one of your organisation\'s webhooks',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: WebhookSchema, 304: NotModified, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const row = await webhooks.get(keyOf(request).organizationId, request.params.id)
    if (withEtag(request, reply, versionEtag(row.version)).notModified) return reply.code(304).send(null)
    return toWebhook(row)
  })

  app.patch('/webhooks/:id', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'updateWebhook',
      summary: 'Change a webhook\'s URL, events or description, or turn it off and on',
      params: IdParams,
      headers: IfMatchHeaders,
      body: UpdateWebhookBody,
      response: { 200: WebhookSchema, ...problemResponses(400, 404, 412, 413, 415, 422, 428, 500) },
    },
  }, async (request, reply) => {
    const row = await webhooks.update(keyOf(request), request.params.id, request.body, ifMatchOf(request))
    withEtag(request, reply, versionEtag(row.version))
    return toWebhook(row)
  })

  app.delete('/webhooks/:id', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook and its delivery log',
      description: 'Events not yet delivered to it are dropped.',
      params: IdParams,
      headers: IfMatchHeaders,
      response: { 204: NoContent, ...problemResponses(400, 404, 412, 428, 500) },
    },
  }, async (request, reply) => {
    await webhooks.delete(keyOf(request).organizationId, request.params.id, ifMatchOf(request))
    return reply.code(204).send(null)
  })

  app.post('/webhooks/:id/rotate-secret', {
    config: { access: 'admin', secretResponse: true },
    schema: {
      tags,
      operationId: 'rotateWebhookSecret',
      summary: 'Replace a webhook\'s signing secret',
      description: 'The response carries the new secret, once. For the next 24 hours deliveries carry two signatures (`webhook-signature: v1,<new> v1,<old>`), so receivers can switch secrets without missing one.',
      params: IdParams,
      response: { 200: CreatedWebhookSchema, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const { row, secret } = await webhooks.rotateSecret(keyOf(request).organizationId, request.params.id)
    withEtag(request, reply, versionEtag(row.version))
    reply.header('cache-control', 'no-store')
    return { ...toWebhook(row), signingSecret: secret }
  })

  app.post('/webhooks/:id/ping', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'pingWebhook',
      summary: 'Send a `webhook.ping` event to the webhook',
      description: 'Queued and delivered like any event (signed, retried, recorded in the deliveries), to this webhook only, even while it is turned off.',
      params: IdParams,
      response: { 202: PingResultSchema, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const eventId = await webhooks.ping(keyOf(request).organizationId, request.params.id)
    return reply.code(202).send({ eventId })
  })

  app.get('/webhooks/:id/deliveries', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'listWebhookDeliveries',
      summary: 'Every attempt to deliver an event to the webhook, newest first',
      description: 'Each attempt\'s status, duration and error class; never the endpoint\'s answer.',
      params: IdParams,
      querystring: PageQuery,
      response: { 200: WebhookDeliveryPage, ...problemResponses(400, 404, 500) },
    },
  }, async (request) => {
    const result = await webhooks.listDeliveries(keyOf(request).organizationId, request.params.id, request.query)
    return { data: result.data.map(toWebhookDelivery), nextCursor: result.nextCursor }
  })
}
