// Published verdicts for partners: ClaimReview JSON-LD, and search in the shape of Google's Fact Check Tools API.
import { canSee, type Viewer } from '../domain/access.ts'
import { NotFoundError } from '../domain/errors.ts'
import { listScope, type Cursors } from '../lib/tokens/cursor.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'
import type { ClaimFilters } from '../repositories/claim-search.ts'
import type { ClaimSearch, PublishedRepository, PublishedReview } from '../repositories/published.ts'
import { toClaimReview, type ClaimReview } from '../domain/claimreview.ts'
import { z } from 'zod'
import type { ClaimantRow, ClaimRow, RatingScaleRow, ReviewRow } from '../db/schema.ts'
import type { Db } from '../db/client.ts'
import { searchQueryOf, withinBudget } from './search.ts'
import type { Page, ReadBudget } from './types.ts'

export interface SearchHit {
  claim: ClaimRow
  claimant: ClaimantRow | null
  /**
   * `organizationUrl`: the site of the organisation that owns the claim, the publisher when the review names no URL.
   */
  reviews: Array<{ review: ReviewRow; scale: RatingScaleRow; organizationUrl: string | null }>
}

const OffsetToken = z.object({ offset: z.int().min(0) })

export function createPublishedService (
  db: Db,
  claims: ClaimsRepository,
  published: PublishedRepository,
  cursors: Cursors
) {
  async function withAppearances (rows: PublishedReview[]): Promise<ClaimReview[]> {
    const appearances = await published.appearancesOf([...new Set(rows.map((r) => r.claim.id))])
    return rows.map((row) =>
      toClaimReview(
        row,
        appearances.filter((a) => a.claimId === row.claim.id)
      )
    )
  }

  return {
    /** Every published review of a claim as ClaimReview, newest first. */
    async claimReviewsOf (claimId: string, viewer: Viewer): Promise<ClaimReview[]> {
      const claim = await claims.findById(claimId)
      if (!claim || !canSee(viewer, claim)) throw new NotFoundError('Claim', claimId)
      const rows: PublishedReview[] = []
      let afterId: string | undefined
      do {
        const page = await published.listReviews({ claimId, limit: 100, afterId })
        rows.push(...page.rows)
        afterId = page.nextAfterId ?? undefined
      } while (afterId !== undefined)
      return withAppearances(rows)
    },

    /** All published reviews as ClaimReview, newest first, paged. */
    async claimReviews (
      request: ClaimFilters & { limit: number; cursor?: string | undefined },
      budget: ReadBudget = {}
    ): Promise<Page<ClaimReview>> {
      const { limit, cursor, ...filters } = request
      const scope = listScope('claimreview', filters)
      const afterId = cursors.id.decode(cursor, scope)
      const q = filters.q === undefined ? undefined : await searchQueryOf(claims, filters.q, 'q')
      if (q === null) return { data: [], nextCursor: null }
      const listing = { filters: { ...filters, q }, limit, afterId }
      const { rows, nextAfterId } =
        q === undefined
          ? await published.listReviews(listing)
          : await withinBudget(db, budget.statementTimeoutMs, (executor) => published.listReviews(listing, executor))
      return { data: await withAppearances(rows), nextCursor: cursors.id.encode(nextAfterId, scope) }
    },

    /** Claims with published reviews matching the search; a page token carries the offset of the next page. */
    async search (
      request: Omit<ClaimSearch, 'offset' | 'query'> & {
        query?: string | undefined
        pageToken?: string | undefined
        offset?: number | undefined
      },
      budget: ReadBudget = {}
    ): Promise<{ hits: SearchHit[]; nextPageToken: string | null }> {
      const offset =
        request.pageToken !== undefined
          ? cursors.decode(request.pageToken, OffsetToken, 'google-search').offset
          : (request.offset ?? 0)
      const query = request.query === undefined ? undefined : await searchQueryOf(claims, request.query, 'query')
      if (query === null) return { hits: [], nextPageToken: null }
      const search = { ...request, query }
      const found = await withinBudget(db, query === undefined ? undefined : budget.statementTimeoutMs, (executor) =>
        published.searchClaims({ ...search, offset, limit: search.limit + 1 }, executor)
      )
      const page = found.slice(0, search.limit)
      const reviews = await published.reviewsOf(
        page.map((f) => f.claim.id),
        search
      )
      const hits = page.map((f) => ({ ...f, reviews: reviews.filter((r) => r.review.claimId === f.claim.id) }))
      return {
        hits,
        nextPageToken:
          found.length > search.limit ? cursors.encode({ offset: offset + search.limit }, 'google-search') : null,
      }
    },
  }
}

export type PublishedService = ReturnType<typeof createPublishedService>
