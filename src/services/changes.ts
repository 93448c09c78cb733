// The partner sync feed: every change of a claim or a published review, in commit order, with the entity as it is
// now (or a tombstone when it is gone).
import { z } from 'zod'
import { canSee, type Viewer } from '../domain/access.ts'
import type { Cursors } from '../lib/tokens/cursor.ts'
import type { ChangesRepository, FeedRevision } from '../repositories/changes.ts'
import type { ClaimListItem, ClaimsRepository } from '../repositories/claims.ts'
import type { ReviewsRepository } from '../repositories/reviews.ts'
import type { ReviewWithScale } from '../domain/types.ts'

export type Change =
  | { revision: FeedRevision, type: 'claim', current: ClaimListItem | null }
  | { revision: FeedRevision, type: 'review', current: ReviewWithScale | null }

const Position = z.object({ tx: z.string().regex(/^\d+$/), seq: z.int().min(0) })
const SCOPE = 'changes'

export function createChangesService (
  changes: ChangesRepository,
  claims: ClaimsRepository,
  reviews: ReviewsRepository,
  cursors: Cursors
) {
  return {
    /** Changes after the cursor; the next cursor is always given, since the feed never ends. */
    async page (
      request: { after?: string | undefined; limit: number },
      viewer: Viewer
    ): Promise<{ data: Change[]; nextCursor: string }> {
      const after = request.after === undefined ? undefined : cursors.decode(request.after, Position, SCOPE)
      const rows = await changes.after(after, request.limit)
      const claimIds = [...new Set(rows.filter((r) => r.entityType === 'claim').map((r) => r.entityId))]
      const reviewIds = [...new Set(rows.filter((r) => r.entityType === 'review').map((r) => r.entityId))]
      const [claimRows, reviewRows] = await Promise.all([claims.listByIds(claimIds), reviews.listByIds(reviewIds)])
      const claimById = new Map(claimRows.map((c) => [c.claim.id, c]))
      const reviewById = new Map(reviewRows.map((r) => [r.review.id, r]))

      const data: Change[] = []
      for (const revision of rows) {
        if (revision.entityType === 'claim') {
          const current = claimById.get(revision.entityId)
          // A claim not yet published is its organisation's business, even once deleted.
          if (!current || !canSee(viewer, current.claim)) continue
          data.push({ revision, type: 'claim', current: current && current.claim.deletedAt === null ? current : null })
        } else {
          const current = reviewById.get(revision.entityId)
          // Drafts are private working copies: partners see a review once it is published.
          if (!current || current.review.status === 'draft') continue
          data.push({ revision, type: 'review', current: current.review.deletedAt === null ? current : null })
        }
      }
      const last = rows[rows.length - 1]
      const nextCursor = last
        ? cursors.encode({ tx: last.txId, seq: last.seq }, SCOPE)
        : (request.after ?? cursors.encode({ tx: '0', seq: 0 }, SCOPE))
      return { data, nextCursor }
    },
  }
}

export type ChangesService = ReturnType<typeof createChangesService>
