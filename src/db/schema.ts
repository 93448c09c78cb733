// Drizzle tables and enums: claimants, claims, and what hangs off a claim (appearances, evidence).
import { sql } from 'drizzle-orm'
import { boolean, check, date, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { v7 as uuidv7 } from 'uuid'

export const claimStatus = pgEnum('claim_status', ['new', 'researching', 'reviewed', 'archived'])
export const appearanceMedium = pgEnum('appearance_medium', ['article', 'broadcast', 'social', 'speech', 'transcript', 'other'])
export const evidenceStance = pgEnum('evidence_stance', ['supports', 'refutes', 'context'])

// Ids are UUIDv7, made by the application: time-ordered, so "newest first" is an index scan on the primary key
// and a cursor on the id never skips or repeats a row while others are inserted.
const id = () => uuid().primaryKey().$defaultFn(() => uuidv7())
const timestamps = () => ({
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
// Every entity carries a version: 1 on create, +1 on each change. It is the basis of ETags and revisions.
const version = () => integer().notNull().default(1)

export const claimants = pgTable('claimants', {
  id: id(),
  slug: text().notNull(),
  name: text().notNull(),
  description: text(),
  jobTitle: text(),
  affiliation: text(),
  sameAs: text().array().notNull().default(sql`'{}'::text[]`),
  version: version(),
  ...timestamps(),
  deletedAt: timestamp({ withTimezone: true }),
}, (t) => [
  // A slug names one live claimant; a deleted claimant frees its slug.
  uniqueIndex('claimants_slug_live_key').on(t.slug).where(sql`${t.deletedAt} is null`),
])

export const claims = pgTable('claims', {
  id: id(),
  text: text().notNull(),
  claimantId: uuid().references(() => claimants.id, { onDelete: 'restrict' }),
  claimDate: date({ mode: 'string' }),
  language: text().notNull().default('en'),
  topics: text().array().notNull().default(sql`'{}'::text[]`),
  status: claimStatus().notNull().default('new'),
  version: version(),
  ...timestamps(),
  deletedAt: timestamp({ withTimezone: true }),
}, (t) => [
  index('claims_claimant_id_idx').on(t.claimantId, t.id),
  check('claims_text_length', sql`char_length(${t.text}) between 1 and 2000`),
])

export const appearances = pgTable('appearances', {
  id: id(),
  claimId: uuid().notNull().references(() => claims.id, { onDelete: 'restrict' }),
  url: text(),
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
  // At most one first appearance per claim.
  uniqueIndex('appearances_first_per_claim_key').on(t.claimId).where(sql`${t.isFirstAppearance}`),
])

export const evidence = pgTable('evidence', {
  id: id(),
  claimId: uuid().notNull().references(() => claims.id, { onDelete: 'restrict' }),
  url: text().notNull(),
  title: text(),
  publisher: text(),
  stance: evidenceStance().notNull(),
  summary: text(),
  archivedUrl: text(),
  version: version(),
  ...timestamps(),
}, (t) => [
  index('evidence_claim_id_idx').on(t.claimId, t.id),
])

export type ClaimantRow = typeof claimants.$inferSelect
export type ClaimRow = typeof claims.$inferSelect
export type AppearanceRow = typeof appearances.$inferSelect
export type EvidenceRow = typeof evidence.$inferSelect
