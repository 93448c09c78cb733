// Reading claims out in bulk for `claimtrack export`: keyset pages in id order, so that memory stays the same whatever
// the size of the database, on Postgres and on the embedded database alike.
import { and, asc, eq, gt, inArray, isNotNull, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db } from '../db/client.ts'
import { appearances, claimColumns, claimants, claims, ratingScales, reviews, type AppearanceRow } from '../db/schema.ts'
import { claimConditions, type ClaimFilters } from './claim-search.ts'
import type { PublishedReview } from './published.ts'

export interface ExportFilters extends Pick<ClaimFilters, 'claimant' | 'updatedSince' | 'verdict' | 'topic'> {
  /** Only the claims of this organisation. */
  organizationId?: string | undefined
  /** Only claims with a current, published verdict. */
  publishedOnly?: boolean | undefined
}

/** A claim with its claimant, current verdict (when it has one) and appearances. */
export type ExportedClaim = Omit<PublishedReview, 'review' | 'scale'> & Partial<Pick<PublishedReview, 'review' | 'scale'>> & { appearances: AppearanceRow[] }

export function createExportRepository (db: Db) {
  return {
    /** The next `limit` live claims after `afterId` in id order (the order they were made in). */
    async page (filters: ExportFilters, afterId: string | undefined, limit: number): Promise<ExportedClaim[]> {
      return db.use(undefined, async (db) => {
        const rows = await db
          .select({ claim: claimColumns, claimant: claimants, review: reviews, scale: ratingScales })
          .from(claims)
          .leftJoin(claimants, eq(claimants.id, claims.claimantId))
          .leftJoin(reviews, eq(reviews.id, claims.currentReviewId))
          .leftJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))
          .where(
            and(
              ...claimConditions(filters),
              filters.organizationId ? eq(claims.organizationId, filters.organizationId) : undefined,
              filters.publishedOnly ? isNotNull(claims.currentVerdict) : undefined,
              afterId ? gt(claims.id, afterId) : undefined
            )
          )
          .orderBy(asc(claims.id))
          .limit(planLimit(limit))
        if (rows.length === 0) return []
        // Oldest publication first, as ClaimReview lists them; then in the order they were recorded.
        const children = await db.select().from(appearances)
          .where(inArray(appearances.claimId, rows.map((r) => r.claim.id)))
          .orderBy(sql`${appearances.publishedAt} asc nulls last`, appearances.id)
        const byClaim = new Map<string, AppearanceRow[]>()
        for (const appearance of children) {
          byClaim.set(appearance.claimId, [...(byClaim.get(appearance.claimId) ?? []), appearance])
        }
        return rows.map((row) => ({
          claim: row.claim,
          claimant: row.claimant,
          // A retracted verdict is not exported as one: importing the export would publish it again.
          ...(row.review && row.scale && row.review.status === 'published' ? { review: row.review, scale: row.scale } : {}),
          appearances: byClaim.get(row.claim.id) ?? [],
        }))
      })
    },
  }
}

export type ExportRepository = ReturnType<typeof createExportRepository>
