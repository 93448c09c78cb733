// The shared state of API processes: the audit of writes, rate-limit counters, idempotency records.
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { apiKeyRole, auditOutcome } from './columns.ts'

/** What API keys did: every write attempt of an organisation, allowed or denied. */
export const auditEvents = pgTable('audit_events', {
  seq: bigserial({ mode: 'number' }).primaryKey(),
  organizationId: uuid().notNull(),
  keyId: uuid().notNull(),
  keyName: text().notNull(),
  role: apiKeyRole().notNull(),
  method: text().notNull(),
  /** The route template (`/v1/claims/:id`) and the path asked for. */
  route: text(),
  path: text().notNull(),
  operationId: text(),
  status: integer().notNull(),
  outcome: auditOutcome().notNull(),
  requestId: text(),
  ip: text(),
  at: timestamp({ withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  index('audit_events_organization_idx').on(t.organizationId, t.seq),
])

/** Rate-limit counters shared by every API process: one row per client and window. */
export const rateLimitCounters = pgTable('rate_limit_counters', {
  key: text().primaryKey(),
  windowStart: timestamp({ withTimezone: true }).notNull(),
  count: integer().notNull(),
})

/** The first response to a write sent with an Idempotency-Key, replayed to retries for 24 hours. */
export const idempotencyKeys = pgTable('idempotency_keys', {
  /** Whose key: the API key's id, or `ip:<address>` for anonymous calls. */
  scope: text().notNull(),
  key: text().notNull(),
  /** SHA-256 of method, path and body: the same key with another request is refused. */
  requestHash: text().notNull(),
  method: text().notNull(),
  path: text().notNull(),
  /** Which attempt runs the request now (a retry that takes a stale record over gets a new one). */
  attempt: text(),
  /** Null while the first request is running. */
  status: integer(),
  headers: jsonb().$type<Record<string, string>>(),
  body: text(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  completedAt: timestamp({ withTimezone: true }),
  /**
   * Written in the transaction of the write itself: the request's change is committed, and these are the revisions
   * it made. A retry that finds this set but no stored response (the process died between the commit and storing
   * the response) answers from the committed change instead of making it again.
   */
  committed: jsonb().$type<Array<{ entityType: string, entityId: string }>>(),
}, (t) => [
  primaryKey({ columns: [t.scope, t.key] }),
  index('idempotency_keys_created_at_idx').on(t.createdAt),
])
