// Drizzle tables and enums: organisations and their API keys, claimants, claims and what hangs off a claim, reviews,
// the revision history, and the shared state of API processes (audit, rate-limit counters, idempotency records).
import { getTableColumns, sql } from 'drizzle-orm'
import { bigserial, boolean, check, customType, date, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core'
import { v7 as uuidv7 } from 'uuid'
import {
  apiKeyRoles, appearanceMedia, auditOutcomes, claimantKinds, claimStatuses, evidenceStances, importStatuses,
  normalizedVerdicts, reviewStatuses, revisionActions, webhookDeliveryOutcomes, webhookEventTypes,
} from '../domain/enums.ts'
import type * as domain from '../domain/types.ts'
import type { RatingScaleValue } from '../domain/types.ts'

/** `reviewed` and `retracted` follow from the claim's reviews (src/services/reviews.ts); the others are set by editors. */
export const claimStatus = pgEnum('claim_status', claimStatuses)
export const appearanceMedium = pgEnum('appearance_medium', appearanceMedia)
export const evidenceStance = pgEnum('evidence_stance', evidenceStances)
export const claimantKind = pgEnum('claimant_kind', claimantKinds)
export const reviewStatus = pgEnum('review_status', reviewStatuses)
/** Verdicts on one shared scale, so that reviews on different native scales can be compared and filtered. */
export const normalizedVerdict = pgEnum('normalized_verdict', normalizedVerdicts)
export const revisionAction = pgEnum('revision_action', revisionActions)
/** What an API key may do; see src/domain/access.ts for the order of the roles. */
export const apiKeyRole = pgEnum('api_key_role', apiKeyRoles)
/** `denied`: refused for the key's role or the object's owner (401, 403); `failed`: any other error; `succeeded`: done. */
export const auditOutcome = pgEnum('audit_outcome', auditOutcomes)
/** What a partner's webhook may subscribe to (src/services/webhook-events.ts says when each is sent). */
export const webhookEventType = pgEnum('webhook_event_type', webhookEventTypes)
/** One delivery attempt: a 2xx answer, or anything else (another status, a refused address, a timeout). */
export const webhookDeliveryOutcome = pgEnum('webhook_delivery_outcome', webhookDeliveryOutcomes)

/** A full-text search document, maintained by triggers (migrations/0004); never written by the application. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })
/** A transaction id; revisions carry the one that wrote them, so that the change feed can follow commit order. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' })

// Ids are UUIDv7, made by the application: time-ordered, so "newest first" is an index scan on the primary key
// and a cursor on the id never skips or repeats a row while others are inserted.
const id = () => uuid().primaryKey().$defaultFn(() => uuidv7())
const timestamps = () => ({
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
// Every entity carries a version: 1 on create, +1 on each change. It is the basis of ETags and revisions.
const version = () => integer().notNull().default(1)

/** A newsroom or fact-checking outlet: it owns claims, reviews and API keys, and is the author of its ClaimReviews. */
export const organizations = pgTable('organizations', {
  id: id(),
  slug: text().notNull().unique(),
  name: text().notNull(),
  /** The outlet's site: ClaimReview `author.url` and Google's `publisher.site`. */
  url: text(),
  version: version(),
  ...timestamps(),
})

/** A credential of an organisation with one role. Only a SHA-256 hash of the key is kept; the key is shown once. */
export const apiKeys = pgTable('api_keys', {
  id: id(),
  organizationId: uuid().notNull().references(() => organizations.id, { onDelete: 'restrict' }),
  name: text().notNull(),
  role: apiKeyRole().notNull(),
  /** The start of the key (`ct_` and 8 characters), so that people can tell their keys apart. */
  prefix: text().notNull(),
  keyHash: text().notNull().unique(),
  createdByKeyId: uuid(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp({ withTimezone: true }),
  revokedAt: timestamp({ withTimezone: true }),
  /**
   * The primary's WAL position after this key's last write (only kept when a read replica is configured): the key's
   * reads go to the replica once it has replayed that far, and to the primary until then (read-your-writes).
   */
  lastWriteLsn: text(),
}, (t) => [
  index('api_keys_organization_id_idx').on(t.organizationId, t.id),
])

export const claimants = pgTable('claimants', {
  id: id(),
  /** The organisation that recorded the claimant: only it may change or delete it. Everyone may read it. */
  organizationId: uuid().notNull().references(() => organizations.id, { onDelete: 'restrict' }),
  slug: text().notNull(),
  name: text().notNull(),
  kind: claimantKind().notNull().default('person'),
  description: text(),
  jobTitle: text(),
  affiliation: text(),
  sameAs: text().array().notNull().default(sql`'{}'::text[]`),
  /** Other names the claimant is known by; searched with the name (GET /v1/claimants?q=). */
  aliases: text().array().notNull().default(sql`'{}'::text[]`),
  version: version(),
  ...timestamps(),
  deletedAt: timestamp({ withTimezone: true }),
}, (t) => [
  // A slug names one live claimant; a deleted claimant frees its slug.
  uniqueIndex('claimants_slug_live_key').on(t.slug).where(sql`${t.deletedAt} is null`),
  // An organisation's live claimants by name, ignoring case and accents (claimant_name_key, migrations/0017): a
  // second claimant of the same name is refused unless the caller says it is another person.
  index('claimants_organization_name_key_idx').on(t.organizationId, sql`claimant_name_key(${t.name})`).where(sql`${t.deletedAt} is null`),
  // Search by the start of any word of the name or an alias, ignoring case and accents (claimant_search_text, migrations/0018).
  index('claimants_search_trgm_idx').using('gin', sql`claimant_search_text(${t.name}, ${t.aliases}) gin_trgm_ops`).where(sql`${t.deletedAt} is null`),
])

export const claims = pgTable('claims', {
  id: id(),
  /** The organisation that owns the claim and everything under it. */
  organizationId: uuid().notNull().references(() => organizations.id, { onDelete: 'restrict' }),
  /**
   * Public once a review of it has been published, and from then on (a retraction must stay visible). Until then
   * only its organisation sees the claim. Kept by the reviews service.
   */
  isPublic: boolean().notNull().default(false),
  text: text().notNull(),
  claimantId: uuid().references(() => claimants.id, { onDelete: 'restrict' }),
  claimDate: date({ mode: 'string' }),
  language: text().notNull().default('en'),
  topics: text().array().notNull().default(sql`'{}'::text[]`),
  status: claimStatus().notNull().default('new'),
  /**
   * The review the claim shows: its latest published review, or when none is left, its latest retracted one (shown as
   * retracted, so that readers of the verdict learn it was withdrawn). Kept by the reviews service in the same
   * transaction as the review.
   */
  currentReviewId: uuid().references((): AnyPgColumn => reviews.id, { onDelete: 'set null' }),
  /** The normalised verdict of the current review while it is published (null once retracted), so that claims can be filtered by verdict. */
  currentVerdict: normalizedVerdict(),
  /** Claim text (A), claimant name and topics (B), appearance titles and quotes (C); unaccented, per language. */
  searchVector: tsvector(),
  /** The id the claim has in the data set it was imported from (`claimtrack import`), unique within its organisation. */
  externalId: text(),
  version: version(),
  ...timestamps(),
  deletedAt: timestamp({ withTimezone: true }),
}, (t) => [
  index('claims_claimant_id_idx').on(t.claimantId, t.id),
  // A claimant's claims by date, newest first, without sorting a prolific claimant's whole history.
  index('claims_claimant_claim_date_idx').on(t.claimantId, t.claimDate.desc().nullsLast(), t.id.desc().nullsFirst()),
  index('claims_search_vector_idx').using('gin', t.searchVector),
  index('claims_topics_idx').using('gin', t.topics),
  index('claims_status_idx').on(t.status, t.id),
  index('claims_current_verdict_idx').on(t.currentVerdict, t.id),
  index('claims_claim_date_idx').on(t.claimDate, t.id),
  index('claims_updated_at_idx').on(t.updatedAt, t.id),
  index('claims_organization_id_idx').on(t.organizationId, t.id),
  // Re-running an import finds the claims it made by their external id.
  uniqueIndex('claims_organization_external_id_key').on(t.organizationId, t.externalId).where(sql`${t.externalId} is not null`),
  check('claims_text_length', sql`char_length(${t.text}) between 1 and 2000`),
])

export const appearances = pgTable('appearances', {
  id: id(),
  claimId: uuid().notNull().references(() => claims.id, { onDelete: 'restrict' }),
  url: text(),
  /** The URL in canonical form (src/lib/url-canonical.ts) and its SHA-256, for page lookups. */
  urlCanonical: text(),
  urlHash: text(),
  title: text(),
  publisher: text(),
  medium: appearanceMedium().notNull().default('other'),
  publishedAt: timestamp({ withTimezone: true }),
  quote: text(),
  isFirstAppearance: boolean().notNull().default(false),
  version: version(),
  ...timestamps(),
}, (t) => [
  index('appearances_claim_id_idx').on(t.claimId, t.id),
  index('appearances_url_hash_idx').on(t.urlHash),
  index('appearances_url_hash_prefix_idx').on(sql`left(${t.urlHash}, 8)`),
  // At most one first appearance per claim.
  uniqueIndex('appearances_first_per_claim_key').on(t.claimId).where(sql`${t.isFirstAppearance}`),
])

/**
 * The transactions that changed which pages a lookup finds (a public claim's appearance, a claim's visibility), one
 * row each, written by triggers (migrations/0024): a prefix list built on a snapshot stays current until a row
 * appears that the snapshot does not see. Rows older than a day are deleted when a new list version is stored.
 */
export const prefixListChanges = pgTable('prefix_list_changes', {
  txId: xid8().primaryKey().default(sql`pg_current_xact_id()`),
  at: timestamp({ withTimezone: true }).notNull().default(sql`clock_timestamp()`),
})

/**
 * The versions of GET /v1/lookup/prefix-list, shared by every API process: each as the prefixes added and removed
 * since the one before of the same width; the newest of each width also holds the whole list.
 */
export const prefixListVersions = pgTable('prefix_list_versions', {
  seq: bigserial({ mode: 'number' }).primaryKey(),
  bytes: integer().notNull(),
  /** The first 16 hex characters of the SHA-256 of `${bytes}:${encoded list}`: equal lists, equal versions. */
  version: text().notNull(),
  count: integer().notNull(),
  additions: text().notNull(),
  removals: text().notNull(),
  prefixes: text(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  index('prefix_list_versions_bytes_seq_idx').on(t.bytes, t.seq),
  index('prefix_list_versions_version_idx').on(t.version, t.seq),
])

export const evidence = pgTable('evidence', {
  id: id(),
  claimId: uuid().notNull().references(() => claims.id, { onDelete: 'restrict' }),
  url: text().notNull(),
  urlCanonical: text(),
  urlHash: text(),
  title: text(),
  publisher: text(),
  stance: evidenceStance().notNull(),
  summary: text(),
  archivedUrl: text(),
  version: version(),
  ...timestamps(),
}, (t) => [
  index('evidence_claim_id_idx').on(t.claimId, t.id),
  index('evidence_url_hash_idx').on(t.urlHash),
  index('evidence_url_hash_prefix_idx').on(sql`left(${t.urlHash}, 8)`),
])

export type { RatingScaleValue }

export const ratingScales = pgTable('rating_scales', {
  id: id(),
  /** The organisation that made a custom scale and alone may change it; null for the built-in scales. */
  organizationId: uuid().references(() => organizations.id, { onDelete: 'restrict' }),
  slug: text().notNull().unique(),
  name: text().notNull(),
  description: text(),
  /** Shipped with Claimtrack; cannot be changed through the API. */
  builtIn: boolean().notNull().default(false),
  values: jsonb().$type<RatingScaleValue[]>().notNull(),
  version: version(),
  ...timestamps(),
})

export const reviews = pgTable('reviews', {
  id: id(),
  claimId: uuid().notNull().references(() => claims.id, { onDelete: 'restrict' }),
  ratingScaleId: uuid().notNull().references(() => ratingScales.id, { onDelete: 'restrict' }),
  /** The `key` of a value of the rating scale. */
  ratingKey: text().notNull(),
  ratingExplanation: text(),
  headline: text(),
  url: text(),
  authorName: text(),
  authorUrl: text(),
  inLanguage: text().notNull().default('en'),
  status: reviewStatus().notNull().default('draft'),
  datePublished: timestamp({ withTimezone: true }),
  retractedAt: timestamp({ withTimezone: true }),
  retractionReason: text(),
  version: version(),
  ...timestamps(),
  deletedAt: timestamp({ withTimezone: true }),
}, (t) => [
  index('reviews_claim_id_idx').on(t.claimId, t.id),
  index('reviews_rating_scale_id_idx').on(t.ratingScaleId),
  // Re-running an import finds the reviews it made by the fact-check's URL.
  index('reviews_url_idx').on(t.url),
])

/**
 * The history of every entity: one row per create, update, delete, publish and retract, written in the same
 * transaction as the change. Append-only: a trigger refuses updates and deletes.
 */
export const revisions = pgTable('revisions', {
  seq: bigserial({ mode: 'number' }).primaryKey(),
  entityType: text().notNull(),
  entityId: uuid().notNull(),
  /** The claim the entity belongs to (the claim itself, or the claim of an appearance, evidence or review). */
  claimId: uuid(),
  version: integer().notNull(),
  action: revisionAction().notNull(),
  /** Who made the change: the API key's name, or `system`. */
  actor: text().notNull(),
  actorKeyId: uuid(),
  organizationId: uuid(),
  requestId: text(),
  at: timestamp({ withTimezone: true }).notNull(),
  before: jsonb().$type<Record<string, unknown>>(),
  after: jsonb().$type<Record<string, unknown>>().notNull(),
  txId: xid8().notNull().default(sql`pg_current_xact_id()`),
}, (t) => [
  index('revisions_tx_id_idx').on(t.txId, t.seq),
  // The change feed reads only claims and reviews; this index skips the rest.
  index('revisions_feed_idx').on(t.txId, t.seq).where(sql`${t.entityType} in ('claim', 'review')`),
  uniqueIndex('revisions_entity_version_key').on(t.entityType, t.entityId, t.version),
  index('revisions_claim_id_idx').on(t.claimId, t.seq),
  index('revisions_entity_at_idx').on(t.entityId, t.at),
])

export const importStatus = pgEnum('import_status', importStatuses)

/** An import sent over HTTP (POST /v1/imports): the records as sent, run by a job, and how it went. */
export const imports = pgTable('imports', {
  id: id(),
  organizationId: uuid().notNull().references(() => organizations.id, { onDelete: 'restrict' }),
  status: importStatus().notNull().default('queued'),
  format: text().notNull(),
  scale: text().notNull(),
  /** The records as sent; the job reads them from here. */
  input: text().notNull(),
  /** The key that asked for it. */
  keyId: uuid(),
  created: integer().notNull().default(0),
  updated: integer().notNull().default(0),
  unchanged: integer().notNull().default(0),
  rejected: integer().notNull().default(0),
  /** Verdicts written without a review date, their records having none. */
  undated: integer().notNull().default(0),
  rejects: jsonb().$type<Array<{ line: number, key: string | null, reason: string }>>().notNull().default(sql`'[]'::jsonb`),
  /** How records are read: header or field renames, label mappings, the field naming each record's scale. */
  options: jsonb().$type<{ columns?: Record<string, string>, map?: Record<string, string>, scaleColumn?: string }>().notNull().default(sql`'{}'::jsonb`),
  /** Why a failed import stopped. */
  error: text(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  startedAt: timestamp({ withTimezone: true }),
  finishedAt: timestamp({ withTimezone: true }),
}, (t) => [
  index('imports_organization_id_idx').on(t.organizationId, t.id),
])

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

/**
 * An endpoint of an organisation that receives events, signed with its secret (Standard Webhooks). The secret has to
 * be kept as it is to sign with it; it is shown to the organisation once, when it is made or rotated.
 */
export const webhooks = pgTable('webhooks', {
  id: id(),
  organizationId: uuid().notNull().references(() => organizations.id, { onDelete: 'restrict' }),
  url: text().notNull(),
  events: webhookEventType().array().notNull(),
  description: text(),
  /** `whsec_` and the base64 of 32 random bytes. */
  secret: text().notNull(),
  /** The secret before the last rotation: deliveries carry a signature with it too until it expires. */
  previousSecret: text(),
  previousSecretExpiresAt: timestamp({ withTimezone: true }),
  enabled: boolean().notNull().default(true),
  /** Why the service turned the webhook off (the endpoint answered 410 Gone); null when on, or turned off by its owner. */
  disabledReason: text(),
  version: version(),
  ...timestamps(),
}, (t) => [
  index('webhooks_organization_id_idx').on(t.organizationId, t.id),
  // The check every claim and review change makes: is anyone subscribed to this event? One index probe.
  index('webhooks_events_idx').using('gin', t.events).where(sql`${t.enabled}`),
])

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

export type OrganizationRow = typeof organizations.$inferSelect
export type ApiKeyRow = typeof apiKeys.$inferSelect
export type AuditEventRow = typeof auditEvents.$inferSelect
export type ClaimantRow = typeof claimants.$inferSelect
/** Every claim column but the search document, which is the database's business alone. */
export const { searchVector: _searchVector, ...claimColumns } = getTableColumns(claims)
export type ClaimRow = Omit<typeof claims.$inferSelect, 'searchVector'>
export type AppearanceRow = typeof appearances.$inferSelect
export type EvidenceRow = typeof evidence.$inferSelect
export type RatingScaleRow = typeof ratingScales.$inferSelect
export type ReviewRow = typeof reviews.$inferSelect
export type RevisionRow = typeof revisions.$inferSelect
export type WebhookRow = typeof webhooks.$inferSelect
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect
export type ImportRow = typeof imports.$inferSelect

// The rows are the domain's records (src/domain/types.ts), which the layers above read: a column that changes here
// and not there fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type AllTrue<T extends boolean[]> = T[number] extends true ? true : never
export const rowsAreRecords: AllTrue<[
  Same<OrganizationRow, domain.OrganizationRecord>, Same<ApiKeyRow, domain.ApiKeyRecord>,
  Same<AuditEventRow, domain.AuditEventRecord>, Same<ClaimantRow, domain.ClaimantRecord>, Same<ClaimRow, domain.ClaimRecord>,
  Same<AppearanceRow, domain.AppearanceRecord>, Same<EvidenceRow, domain.EvidenceRecord>,
  Same<RatingScaleRow, domain.RatingScaleRecord>, Same<ReviewRow, domain.ReviewRecord>, Same<WebhookRow, domain.WebhookRecord>,
  Same<WebhookDeliveryRow, domain.WebhookDeliveryRecord>, Same<ImportRow, domain.ImportRecord>
]> = true
