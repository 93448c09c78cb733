// Partners' webhooks and their delivery attempts.
import { sql } from 'drizzle-orm'
import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { webhookEventType, webhookDeliveryOutcome, id, timestamps, version } from './columns.ts'
import { organizations } from './organizations.ts'

/**
 * An endpoint of an organisation that receives events, signed with its secret (Standard Webhooks). The secret has to
 * be kept as it is to sign with it; it is shown to the organisation once, when it is made or rotated.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: id(),
    organizationId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    url: text().notNull(),
    events: webhookEventType().array().notNull(),
    description: text(),
    /** `whsec_` and the base64 of 32 random bytes. */
    secret: text().notNull(),
    /** The secret before the last rotation: deliveries carry a signature with it too until it expires. */
    previousSecret: text(),
    previousSecretExpiresAt: timestamp({ withTimezone: true }),
    enabled: boolean().notNull().default(true),
    /**
     * Why the service turned the webhook off (the endpoint answered 410 Gone); null when on, or turned off by its
     * owner.
     */
    disabledReason: text(),
    version: version(),
    ...timestamps(),
  },
  (t) => [
    index('webhooks_organization_id_idx').on(t.organizationId, t.id),
    // The check every claim and review change makes: is anyone subscribed to this event? One index probe.
    index('webhooks_events_idx')
      .using('gin', t.events)
      .where(sql`${t.enabled}`),
  ]
)

/** Every attempt to deliver an event to a webhook: its status, duration and error class, never the answer's body. */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: id(),
  webhookId: uuid().notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
  /** The event's id, the same on every attempt and every webhook it went to (the `webhook-id` header). */
  eventId: uuid().notNull(),
  eventType: text().notNull(),
  /** 1 for the first attempt, +1 for each retry. */
  attempt: integer().notNull(),
  outcome: webhookDeliveryOutcome().notNull(),
  /** The endpoint's HTTP status; null when there was no answer (refused address, connection error, timeout). */
  statusCode: integer(),
  /** Why the attempt failed without an answer: a class of src/services/webhook-delivery.ts, never a message. */
  error: text(),
  durationMs: integer().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  index('webhook_deliveries_webhook_id_idx').on(t.webhookId, t.id),
])
