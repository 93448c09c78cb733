// Read models over published verdicts, for partners: ClaimReview feeds and the Google Fact Check Tools search.
import { and, desc, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { PublishedReview } from '../domain/types.ts'
import type { Db, Executor } from '../db/client.ts'
import { appearances, claimColumns, claimants, claims, organizations, ratingScales, reviews, type AppearanceRow, type ClaimantRow, type ClaimRow, type RatingScaleRow, type ReviewRow } from '../db/schema.ts'
import { claimConditions, languageMatches, textMatch, type ParsedFilters, type SearchQuery } from './claim-search.ts'
import { escapeLike, toPage, type PageResult } from './shared.ts'

export type { PublishedReview }

export interface ClaimSearch {
  /** Parsed (see parseSearch). */
  query?: SearchQuery | undefined
  /** Only reviews in this language (prefix match: `en` matches `en-US`). */
  language?: string | undefined
  /** Only reviews whose author's site is this host or under it. */
  site?: string | undefined
  publishedSince?: Date | undefined
  limit: number
  offset: number
}

export function createPublishedRepository (db: Db) {
  const published = and(eq(reviews.status, 'published'), isNull(reviews.deletedAt), isNull(claims.deletedAt))
  // ClaimReview keeps a retracted review, with its correction, so that whoever took the verdict learns it was
  // withdrawn.
  const publishedOrRetracted = and(
    inArray(reviews.status, ['published', 'retracted']),
    isNull(reviews.deletedAt),
    isNull(claims.deletedAt)
  )

  function reviewFilters (search: Omit<ClaimSearch, 'query' | 'limit' | 'offset'>): SQL[] {
    const filters: SQL[] = []
    if (search.language) filters.push(languageMatches(reviews.inLanguage, search.language))
    if (search.site) {
      // The host of the author URL (else of the organisation's site, which the search shows as publisher.site), without
      // a leading www.
      const host = sql`regexp_replace(lower(substring(coalesce(${reviews.authorUrl}, ${organizations.url}) from '^[a-z]+://([^/:?#]+)')), '^www\\.', '')`
      filters.push(sql`(${host} = ${search.site} or ${host} like ${`%.${escapeLike(search.site)}`})`)
    }
    if (search.publishedSince) filters.push(gte(reviews.datePublished, search.publishedSince))
    return filters
  }

  return {
    /** Published and retracted reviews, newest first, with their claim, claimant and scale. */
    async listReviews (
      options: { claimId?: string | undefined; filters?: ParsedFilters; limit: number; afterId?: string | undefined },
      executor?: Executor
    ): Promise<PageResult<PublishedReview>> {
      return db.use(executor, async (executor) => {
        const rows = await executor
          .select({ review: reviews, scale: ratingScales, claim: claimColumns, claimant: claimants })
          .from(reviews)
          .innerJoin(claims, eq(claims.id, reviews.claimId))
          .innerJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))
          .leftJoin(claimants, eq(claimants.id, claims.claimantId))
          .where(
            and(
              publishedOrRetracted,
              ...claimConditions(options.filters ?? {}),
              options.claimId ? eq(reviews.claimId, options.claimId) : undefined,
              options.afterId ? lt(reviews.id, options.afterId) : undefined
            )
          )
          .orderBy(desc(reviews.id))
          .limit(planLimit(options.limit + 1))
        return toPage(rows, options.limit, (row) => row.review.id)
      })
    },

    /** The appearances of these claims, oldest publication first. */
    async appearancesOf (claimIds: string[]): Promise<AppearanceRow[]> {
      return db.use(undefined, async (db) => {
        if (claimIds.length === 0) return []
        return db
          .select()
          .from(appearances)
          .where(inArray(appearances.claimId, claimIds))
          .orderBy(sql`${appearances.publishedAt} asc nulls last`, appearances.id)
      })
    },

    /** Claims that have a published review matching the filters, most recently reviewed first. */
    async searchClaims (
      search: ClaimSearch,
      executor?: Executor
    ): Promise<Array<{ claim: ClaimRow; claimant: ClaimantRow | null }>> {
      return db.use(executor, async (executor) => {
        const text = search.query ? textMatch(search.query) : undefined
        const latest = sql<Date | null>`max(${reviews.datePublished})`
        const rows = await executor
          .select({ id: claims.id, latest })
          .from(claims)
          .innerJoin(reviews, eq(reviews.claimId, claims.id))
          .innerJoin(organizations, eq(organizations.id, claims.organizationId))
          .where(and(published, text, ...reviewFilters(search)))
          .groupBy(claims.id)
          .orderBy(sql`${latest} desc nulls last`, desc(claims.id))
          .limit(planLimit(search.limit))
          .offset(search.offset)
        if (rows.length === 0) return []
        const found = await executor
          .select({ claim: claimColumns, claimant: claimants })
          .from(claims)
          .leftJoin(claimants, eq(claimants.id, claims.claimantId))
          .where(
            inArray(
              claims.id,
              rows.map((r) => r.id)
            )
          )
        const order = new Map(rows.map((r, i) => [r.id, i]))
        return found.sort((a, b) => (order.get(a.claim.id) ?? 0) - (order.get(b.claim.id) ?? 0))
      })
    },

    /** The published reviews of these claims that match the filters, newest first, with their organisation's site. */
    async reviewsOf (
      claimIds: string[],
      search: Omit<ClaimSearch, 'query' | 'limit' | 'offset'>
    ): Promise<Array<{ review: ReviewRow; scale: RatingScaleRow; organizationUrl: string | null }>> {
      return db.use(undefined, async (db) => {
        if (claimIds.length === 0) return []
        return db
          .select({ review: reviews, scale: ratingScales, organizationUrl: organizations.url })
          .from(reviews)
          .innerJoin(claims, eq(claims.id, reviews.claimId))
          .innerJoin(organizations, eq(organizations.id, claims.organizationId))
          .innerJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))
          .where(and(published, inArray(reviews.claimId, claimIds), ...reviewFilters(search)))
          .orderBy(sql`${reviews.datePublished} desc nulls last`, desc(reviews.id))
      })
    },
  }
}

export type PublishedRepository = ReturnType<typeof createPublishedRepository>
