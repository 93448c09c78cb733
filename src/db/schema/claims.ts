// Claimants, claims and what hangs off a claim (appearances, evidence), and the prefix list of looked-up pages.
import { sql } from 'drizzle-orm'
import { bigserial, boolean, check, date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core'
import { claimStatus, appearanceMedium, evidenceStance, claimantKind, normalizedVerdict, tsvector, xid8, id, timestamps, version } from './columns.ts'
import { organizations } from './organizations.ts'
import { reviews } from './reviews.ts'

export const claimants = pgTable(
  'claimants',
  {
    id: id(),
    /** The organisation that recorded the claimant: only it may change or delete it. Everyone may read it. */
    organizationId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    slug: text().notNull(),
    name: text().notNull(),
    kind: claimantKind().notNull().default('person'),
    description: text(),
    jobTitle: text(),
    affiliation: text(),
    sameAs: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Other names the claimant is known by; searched with the name (GET /v1/claimants?q=). */
    aliases: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    version: version(),
    ...timestamps(),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    // A slug names one live claimant; a deleted claimant frees its slug.
    uniqueIndex('claimants_slug_live_key')
      .on(t.slug)
      .where(sql`${t.deletedAt} is null`),
    // An organisation's live claimants by name, ignoring case and accents (claimant_name_key, migrations/0017): a
    // second claimant of the same name is refused unless the caller says it is another person.
    index('claimants_organization_name_key_idx')
      .on(t.organizationId, sql`claimant_name_key(${t.name})`)
      .where(sql`${t.deletedAt} is null`),
    // Search by the start of any word of the name or an alias, ignoring case and accents (claimant_search_text,
    // migrations/0018).
    index('claimants_search_trgm_idx')
      .using('gin', sql`claimant_search_text(${t.name}, ${t.aliases}) gin_trgm_ops`)
      .where(sql`${t.deletedAt} is null`),
  ]
)

export const claims = pgTable(
  'claims',
  {
    id: id(),
    /** The organisation that owns the claim and everything under it. */
    organizationId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    /**
     * Public once a review of it has been published, and from then on (a retraction must stay visible). Until then
     * only its organisation sees the claim. Kept by the reviews service.
     */
    isPublic: boolean().notNull().default(false),
    text: text().notNull(),
    claimantId: uuid().references(() => claimants.id, { onDelete: 'restrict' }),
    claimDate: date({ mode: 'string' }),
    language: text().notNull().default('en'),
    topics: text()
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    status: claimStatus().notNull().default('new'),
    /**
     * The review the claim shows: its latest published review, or when none is left, its latest retracted one (shown as
     * retracted, so that readers of the verdict learn it was withdrawn). Kept by the reviews service in the same
     * transaction as the review.
     */
    currentReviewId: uuid().references((): AnyPgColumn => reviews.id, { onDelete: 'set null' }),
    /**
     * The normalised verdict of the current review while it is published (null once retracted), so that claims can be
     * filtered by verdict.
     */
    currentVerdict: normalizedVerdict(),
    /** Claim text (A), claimant name and topics (B), appearance titles and quotes (C); unaccented, per language. */
    searchVector: tsvector(),
    /**
     * The id the claim has in the data set it was imported from (`claimtrack import`), unique within its organisation.
     */
    externalId: text(),
    version: version(),
    ...timestamps(),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index('claims_claimant_id_idx').on(t.claimantId, t.id),
    // A claimant's claims by date, newest first, without sorting a prolific claimant's whole history.
    index('claims_claimant_claim_date_idx').on(t.claimantId, t.claimDate.desc().nullsLast(), t.id.desc().nullsFirst()),
    index('claims_search_vector_idx').using('gin', t.searchVector),
    // Anonymous searches (the browser extensions' traffic) see public live claims only: this index holds just those,
    // so a search reads and ranks none of the private claims that hold its words (src/repositories/claims.ts).
    index('claims_public_search_vector_idx').using('gin', t.searchVector).where(sql`${t.isPublic} and ${t.deletedAt} is null`),
    index('claims_topics_idx').using('gin', t.topics),
    index('claims_status_idx').on(t.status, t.id),
    index('claims_current_verdict_idx').on(t.currentVerdict, t.id),
    index('claims_claim_date_idx').on(t.claimDate, t.id),
    index('claims_updated_at_idx').on(t.updatedAt, t.id),
    index('claims_organization_id_idx').on(t.organizationId, t.id),
    // Re-running an import finds the claims it made by their external id.
    uniqueIndex('claims_organization_external_id_key')
      .on(t.organizationId, t.externalId)
      .where(sql`${t.externalId} is not null`),
    check('claims_text_length', sql`char_length(${t.text}) between 1 and 2000`),
  ]
)

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
