// Organisations and their API keys.
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { apiKeyRole, id, timestamps, version } from './columns.ts'

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
