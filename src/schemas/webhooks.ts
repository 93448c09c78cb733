// API contracts for webhooks (never the secret, save once on create and rotation) and their delivery attempts.
import { z } from 'zod'
import { webhookDeliveryOutcomes } from '../domain/enums.ts'
import type { WebhookDeliveryRecord, WebhookRecord } from '../domain/types.ts'
import { deliveryErrors, webhookEventTypes } from '../domain/enums.ts'
import { IdSchema, Text, Timestamp, toIso } from './common.ts'

export const WebhookEventTypeSchema = z.enum(webhookEventTypes).describe([
  '`claim.updated`: one of your organisation\'s claims changed (text, status, claimant, topics, verdict) or was deleted;',
  '`review.published` / `review.retracted`: any organisation published or retracted a verdict (public news).',
].join(' '))

const WebhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http or https URL' })
  .max(2048)
  .describe('Where events are POSTed. Refused (422) when it is, or resolves to, a private, loopback, link-local or otherwise non-public address, unless the operator allows its host (and port) for your organisation (WEBHOOK_ALLOWED_HOSTS). Redirects are not followed.')

const Events = z.array(WebhookEventTypeSchema).min(1).max(webhookEventTypes.length)
  .refine((events) => new Set(events).size === events.length, 'events must not repeat')
  .describe('The events to receive.')

export const WebhookSchema = z.object({
  id: IdSchema,
  url: z.string(),
  events: z.array(WebhookEventTypeSchema),
  description: z.string().nullable(),
  enabled: z.boolean().describe('Whether events are delivered. Turned off by its owner, or by the service when the endpoint answered 410 Gone.'),
  disabledReason: z.string().nullable().describe('Why the service turned the webhook off; `null` otherwise.'),
  version: z.int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Webhook', description: 'An endpoint of your organisation that receives signed events (Standard Webhooks).' })

export const CreatedWebhookSchema = WebhookSchema.extend({
  signingSecret: z.string().describe('The signing secret, `whsec_<base64>`: shown only in this response; store it now.'),
}).meta({ id: 'CreatedWebhook' })

export const CreateWebhookBody = z.strictObject({
  url: WebhookUrl,
  events: Events,
  description: Text(500).nullable().optional(),
  enabled: z.boolean().optional().describe('`true` by default.'),
}).meta({ id: 'CreateWebhook' })

export const UpdateWebhookBody = z.strictObject({
  url: WebhookUrl,
  events: Events,
  description: Text(500).nullable(),
  enabled: z.boolean().describe('`true` turns the webhook back on (and clears `disabledReason`).'),
}).partial()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'UpdateWebhook', description: 'Only the fields sent change.' })

export const WebhookDeliverySchema = z.object({
  id: IdSchema,
  eventId: IdSchema.describe('The event\'s id, sent as `webhook-id`: the same on every attempt, for deduplication.'),
  eventType: z.string().describe('A subscribed event type, or `webhook.ping`.'),
  attempt: z.int().describe('1 for the first attempt, +1 for each retry.'),
  outcome: z.enum(webhookDeliveryOutcomes).describe('`succeeded` on a 2xx answer; anything else `failed` (and retried, except after 410 Gone).'),
  statusCode: z.int().nullable().describe('The endpoint\'s HTTP status; `null` when it gave none (see `error`).'),
  error: z.enum(deliveryErrors).nullable().describe('Why there was no answer, as a class: `address-refused` (not public, and not allowed for your organisation by the operator), `dns-failure`, `connection-refused`, `connection-reset`, `timeout`, `tls-error` or `connection-error`. `null` when the endpoint answered. The answer\'s body is never kept.'),
  durationMs: z.int(),
  createdAt: Timestamp,
}).meta({ id: 'WebhookDelivery', description: 'One attempt to deliver an event to a webhook.' })

export const PingResultSchema = z.object({
  eventId: IdSchema.describe('The id of the `webhook.ping` event; its attempts show in the deliveries.'),
}).meta({ id: 'WebhookPing' })

export const toWebhook = (row: WebhookRecord): z.output<typeof WebhookSchema> => ({
  id: row.id,
  url: row.url,
  events: row.events,
  description: row.description,
  enabled: row.enabled,
  disabledReason: row.disabledReason,
  version: row.version,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
})

export const toWebhookDelivery = (row: WebhookDeliveryRecord): z.output<typeof WebhookDeliverySchema> => ({
  id: row.id,
  eventId: row.eventId,
  eventType: row.eventType,
  attempt: row.attempt,
  outcome: row.outcome,
  statusCode: row.statusCode,
  error: deliveryErrors.find((e) => e === row.error) ?? (row.error === null ? null : 'connection-error'),
  durationMs: row.durationMs,
  createdAt: toIso(row.createdAt),
})
