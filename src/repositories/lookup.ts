// Page lookups for browser extensions: the live, public claims that appeared at pages, found by the SHA-256 of the
// canonical URL (or the first 8 hex characters of it, for lookups that do not reveal the page). Lookups are public
// and cached by CDNs, so they never include an organisation's private claims, whoever asks.
import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import { preparedRead } from '../db/routing.ts'
import type { PageClaim } from '../domain/types.ts'
import { appearances, claimants, claims, ratingScales, reviews } from '../db/schema.ts'

export type { PageClaim }

export function createLookupRepository (db: Db) {
  const query = (instance: Db) => instance.selectDistinctOn([appearances.urlHash, claims.id], {
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

  return {
    async byHash (hash: string): Promise<PageClaim[]> {
      return byHash().execute({ hash })
    },

    async byHashes (hashes: string[]): Promise<PageClaim[]> {
      if (hashes.length === 0) return []
      return byHashes().execute({ hashes })
    },

    async byHashPrefix (prefix: string): Promise<PageClaim[]> {
      return byPrefix().execute({ prefix })
    },
  }
}

export type LookupRepository = ReturnType<typeof createLookupRepository>
