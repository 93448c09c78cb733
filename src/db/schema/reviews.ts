// Rating scales, reviews (verdicts), and the revision history of every entity.
import { sql } from 'drizzle-orm'
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import type { RatingScaleValue } from '../../domain/types.ts'
import { reviewStatus, revisionAction, xid8, id, timestamps, version } from './columns.ts'
import { claims } from './claims.ts'
import { organizations } from './organizations.ts'

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
