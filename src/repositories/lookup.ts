// Page lookups for browser extensions: the live, public claims that appeared at pages, found by the SHA-256 of the
// canonical URL (or the first 8 hex characters of it, for lookups that do not reveal the page). Lookups are public
// and cached by CDNs, so they never include an organisation's private claims, whoever asks.
import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { appearances, claimants, claims, ratingScales, reviews, type ClaimRow, type RatingScaleRow, type ReviewRow } from '../db/schema.ts'

export interface PageClaim {
  urlHash: string
  /** Only what a lookup shows of the claim: rows stay narrow, as a batch reads up to hundreds of them. */
  claim: Pick<ClaimRow, 'id' | 'text' | 'status'>
  claimant: { id: string, slug: string, name: string } | null
  review: ReviewRow | null
  scale: RatingScaleRow | null
}

export function createLookupRepository (db: Db) {
  const query = () => db.selectDistinctOn([appearances.urlHash, claims.id], {
    urlHash: sql<string>`${appearances.urlHash}`,
    claim: { id: claims.id, text: claims.text, status: claims.status },
    claimant: { id: claimants.id, slug: claimants.slug, name: claimants.name },
    review: reviews,
    scale: ratingScales,
  }).from(appearances)
    .innerJoin(claims, eq(claims.id, appearances.claimId))
    .leftJoin(claimants, eq(claimants.id, claims.claimantId))
    .leftJoin(reviews, eq(reviews.id, claims.currentReviewId))
    .leftJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))

  // The hottest query of the service: built and planned once.
  const byHash = query()
    .where(and(eq(appearances.urlHash, sql.placeholder('hash')), isNull(claims.deletedAt), eq(claims.isPublic, true)))
    .orderBy(appearances.urlHash, claims.id)
    .prepare('lookup_by_url_hash')
  // Up to 100 pages in one statement, planned once: the hashes go as one array parameter, whatever their number.
  const byHashes = query()
    .where(and(sql`${appearances.urlHash} = any(${sql.placeholder('hashes')}::text[])`, isNull(claims.deletedAt), eq(claims.isPublic, true)))
    .orderBy(appearances.urlHash, claims.id)
    .prepare('lookup_by_url_hashes')
  const byPrefix = query()
    .where(and(sql`left(${appearances.urlHash}, 8) = ${sql.placeholder('prefix')}`, isNull(claims.deletedAt), eq(claims.isPublic, true)))
    .orderBy(appearances.urlHash, claims.id)
    .prepare('lookup_by_url_hash_prefix')
  // Same visibility as the lookups above, so the list names exactly the pages a prefix lookup can find.
  const prefixes = db.selectDistinct({ prefix: sql<string>`left(${appearances.urlHash}, ${sql.placeholder('hexChars')}::int)`.as('prefix') })
    .from(appearances)
    .innerJoin(claims, eq(claims.id, appearances.claimId))
    .where(and(isNull(claims.deletedAt), eq(claims.isPublic, true)))
    .orderBy(sql`1`)
    .prepare('lookup_hash_prefixes')

  return {
    async byHash (hash: string): Promise<PageClaim[]> {
      return byHash.execute({ hash })
    },

    async byHashes (hashes: string[]): Promise<PageClaim[]> {
      if (hashes.length === 0) return []
      return byHashes.execute({ hashes })
    },

    async byHashPrefix (prefix: string): Promise<PageClaim[]> {
      return byPrefix.execute({ prefix })
    },

    /** The distinct first `hexChars` hex characters of every public page hash, sorted (the prefix list). */
    async hashPrefixes (hexChars: number): Promise<string[]> {
      const rows = await prefixes.execute({ hexChars })
      return rows.map((row) => row.prefix)
    },
  }
}

export type LookupRepository = ReturnType<typeof createLookupRepository>
