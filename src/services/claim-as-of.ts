// A claim as it was at a past instant (GET /v1/claims/{id}?asOf=…): its detail rebuilt from the revisions recorded
// of it and of what it embeds, rather than read from the tables, which hold only the present.
import type { AppearanceRow, ClaimantRow, ClaimRow, EvidenceRow, RatingScaleRow, RevisionRow, ReviewRow } from '../db/schema.ts'
import { NotFoundError } from '../domain/errors.ts'
import type { ClaimDetail, ReviewWithScale } from '../domain/types.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { RevisionsRepository } from '../repositories/revisions.ts'

// Snapshot fields that hold timestamps; everything else in a snapshot is already in its row form.
const TIMESTAMP_FIELDS = new Set(['createdAt', 'updatedAt', 'deletedAt', 'publishedAt', 'datePublished', 'retractedAt'])

/** A row rebuilt from a revision snapshot. */
function revive<T> (snapshot: Record<string, unknown>): T {
  const row: Record<string, unknown> = { ...snapshot }
  for (const [key, value] of Object.entries(row)) {
    if (TIMESTAMP_FIELDS.has(key) && typeof value === 'string') row[key] = new Date(value)
  }
  return row as T
}

const isRemoved = (revision: RevisionRow) => revision.after.deletedAt !== null && revision.after.deletedAt !== undefined

/** The claim and what it embedded at instant `at`, rebuilt from the revision history. */
export async function claimDetailAsOf (
  repos: { revisions: RevisionsRepository, ratingScales: RatingScalesRepository },
  id: string,
  at: Date
): Promise<ClaimDetail> {
  const claimRevision = await repos.revisions.latestOf('claim', id, at)
  if (!claimRevision || isRemoved(claimRevision)) throw new NotFoundError('Claim', `${id} at ${at.toISOString()}`)
  const claim = revive<ClaimRow>(claimRevision.after)
  const [children, claimantRevision] = await Promise.all([
    repos.revisions.latestUnderClaim(id, ['appearance', 'evidence', 'review'], at),
    claim.claimantId ? repos.revisions.latestOf('claimant', claim.claimantId, at) : undefined,
  ])
  const live = children.filter((r) => !isRemoved(r))
  const ofType = <T>(type: string) => live.filter((r) => r.entityType === type).map((r) => revive<T>(r.after))
    .sort((a, b) => ((b as { id: string }).id.localeCompare((a as { id: string }).id)))
  const review = ofType<ReviewRow>('review').find((r) => r.id === claim.currentReviewId)
  let currentReview: ReviewWithScale | null = null
  if (review) {
    const scaleRevision = await repos.revisions.latestOf('rating-scale', review.ratingScaleId, at)
    const scale = scaleRevision
      ? revive<RatingScaleRow>(scaleRevision.after)
      : await repos.ratingScales.findById(review.ratingScaleId)
    if (scale) currentReview = { review, scale }
  }
  return {
    claim,
    claimant: claimantRevision ? revive<ClaimantRow>(claimantRevision.after) : null,
    appearances: ofType<AppearanceRow>('appearance'),
    evidence: ofType<EvidenceRow>('evidence'),
    currentReview,
  }
}
