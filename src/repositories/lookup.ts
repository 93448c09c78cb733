// Page lookups for browser extensions: the live, public claims that appeared at pages, found by the SHA-256 of the
// canonical URL (or the first 8 hex characters of it, for lookups that do not reveal the page). Lookups are public
// and cached by CDNs, so they never include an organisation's private claims, whoever asks.
import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Db, Drizzle } from '../db/client.ts'
import { preparedRead } from '../db/routing.ts'
import type { PageClaim, PageClaimSummary } from '../domain/types.ts'
import { appearances, claimants, claims, ratingScales, reviews } from '../db/schema.ts'
import { verdictColumns } from './shared.ts'

export type { PageClaim, PageClaimSummary }

export function createLookupRepository (db: Db) {
  const query = (instance: Drizzle) => instance.selectDistinctOn([appearances.urlHash, claims.id], {
    urlHash: sql<string>`${appearances.urlHash}`,
    claim: { id: claims.id, text: claims.text, status: claims.status },
    claimant: { id: claimants.id, slug: claimants.slug, name: claimants.name },
    ...verdictColumns,
  }).from(appearances)
    .innerJoin(claims, eq(claims.id, appearances.claimId))
    .leftJoin(claimants, eq(claimants.id, claims.claimantId))
    .leftJoin(reviews, eq(reviews.id, claims.currentReviewId))
    .leftJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))

  // The hottest query of the service: built and planned once.
  const byHash = preparedRead(db, (instance) => query(instance)
    .where(and(eq(appearances.urlHash, sql.placeholder('hash')), isNull(claims.deletedAt), eq(claims.isPublic, true)))
    .orderBy(appearances.urlHash, claims.id)
    .prepare('lookup_by_url_hash'))
  // Up to 100 pages in one statement, planned once: the hashes go as one array parameter, whatever their number.
  const byHashes = preparedRead(db, (instance) => query(instance)
    .where(and(sql`${appearances.urlHash} = any(${sql.placeholder('hashes')}::text[])`, isNull(claims.deletedAt), eq(claims.isPublic, true)))
    .orderBy(appearances.urlHash, claims.id)
    .prepare('lookup_by_url_hashes'))
  const byPrefix = preparedRead(db, (instance) => query(instance)
    .where(and(sql`left(${appearances.urlHash}, 8) = ${sql.placeholder('prefix')}`, isNull(claims.deletedAt), eq(claims.isPublic, true)))
    .orderBy(appearances.urlHash, claims.id)
    .prepare('lookup_by_url_hash_prefix'))

  // The compact answer's rows: the claim's id and status and its current review's status, with the rating's label and
  // verdict read from the scale's values in the statement, so that no review or scale row leaves Postgres. The values
  // of the scales the found reviews use are expanded once, in a second CTE, and joined by key: a subquery that
  // expanded the scale's values for each row took half the statement's time (pgbench, 100 hashes, 50 cited).
  const summaryByHashes = preparedRead(db, (instance) => {
    const found = instance.$with('found').as(instance.selectDistinctOn([appearances.urlHash, claims.id], {
      urlHash: sql<string>`${appearances.urlHash}`.as('url_hash'),
      id: claims.id,
      status: claims.status,
      reviewStatus: sql<typeof reviews.$inferSelect.status | null>`${reviews.status}`.as('review_status'),
      ratingKey: reviews.ratingKey,
      ratingScaleId: reviews.ratingScaleId,
    }).from(appearances)
      .innerJoin(claims, eq(claims.id, appearances.claimId))
      .leftJoin(reviews, eq(reviews.id, claims.currentReviewId))
      .where(and(sql`${appearances.urlHash} = any(${sql.placeholder('hashes')}::text[])`, isNull(claims.deletedAt), eq(claims.isPublic, true)))
      .orderBy(appearances.urlHash, claims.id))
    // A key listed twice in a scale (the API refuses it; a direct edit could not be) reads as its first value, as the
    // full answer reads it (src/schemas/reviews.ts toRating).
    const values = instance.$with('scale_values').as(instance.selectDistinctOn([ratingScales.id, sql`v.value->>'key'`], {
      scaleId: sql<string>`${ratingScales.id}`.as('scale_id'),
      key: sql<string>`v.value->>'key'`.as('key'),
      label: sql<string>`v.value->>'label'`.as('label'),
      verdict: sql<PageClaimSummary['verdict']>`v.value->>'verdict'`.as('verdict'),
    }).from(sql`${ratingScales} cross join jsonb_array_elements(${ratingScales.values}) with ordinality v(value, position)`)
      .where(sql`${ratingScales.id} in (select ${found.ratingScaleId} from ${found})`)
      .orderBy(ratingScales.id, sql`v.value->>'key'`, sql`v.position`))
    return instance.with(found, values).select({
      urlHash: found.urlHash,
      id: found.id,
      status: found.status,
      reviewStatus: found.reviewStatus,
      ratingKey: found.ratingKey,
      label: values.label,
      verdict: values.verdict,
    }).from(found)
      .leftJoin(values, and(eq(values.scaleId, found.ratingScaleId), eq(values.key, found.ratingKey)))
      .orderBy(found.urlHash, found.id)
      .prepare('lookup_summary_by_url_hashes')
  })

  return {
    async byHash (hash: string): Promise<PageClaim[]> {
      return db.use(undefined, () => byHash().execute({ hash }))
    },

    async byHashes (hashes: string[]): Promise<PageClaim[]> {
      if (hashes.length === 0) return []
      return db.use(undefined, () => byHashes().execute({ hashes }))
    },

    /** The claims at these pages as verdict summaries: what a browser extension badges a page with. */
    async summariesByHashes (hashes: string[]): Promise<PageClaimSummary[]> {
      if (hashes.length === 0) return []
      const rows = await db.use(undefined, () => summaryByHashes().execute({ hashes }))
      return rows.map(({ urlHash, id, status, reviewStatus, ratingKey, label, verdict }) => ({
        urlHash,
        id,
        status,
        // As the full answer's currentVerdict and retraction (src/schemas/reviews.ts toRating): a key the scale lacks
        // reads as itself and `unproven`.
        verdict: reviewStatus === 'published' ? verdict ?? 'unproven' : null,
        label: reviewStatus === 'published' ? label ?? ratingKey : null,
        retracted: reviewStatus === 'retracted',
      }))
    },

    async byHashPrefix (prefix: string): Promise<PageClaim[]> {
      return db.use(undefined, () => byPrefix().execute({ prefix }))
    },
  }
}

export type LookupRepository = ReturnType<typeof createLookupRepository>
