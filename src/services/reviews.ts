// Review rules: draft -> published -> retracted, nothing else; publishing needs what ClaimReview needs; the claim's
// current verdict (latest published, unretracted review), or else its latest retraction, and its `reviewed` or
// `retracted` status follow in the same transaction.
import type { Db, Executor } from '../db/client.ts'
import type { ClaimRow, RatingScaleRow, ReviewRow } from '../db/schema.ts'
import { ConflictError, NotFoundError, RuleViolationError, type FieldIssue } from '../domain/errors.ts'
import type { Cursors } from '../lib/cursor.ts'
import { assertIfMatch, compositeEtag, type EtagCondition } from '../lib/etag.ts'
import type { ClaimsRepository, VerdictPatch } from '../repositories/claims.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { ReviewPatch, ReviewsRepository } from '../repositories/reviews.ts'
import { valueOf } from '../schemas/rating-scales.ts'
import { toRating, type CreateReview, type ReviewWithScale, type UpdateReview } from '../schemas/reviews.ts'
import { requireOwnClaim, requireVisibleClaim } from './claim-children.ts'
import type { Viewer } from '../lib/access.ts'
import type { History, WriteContext } from './history.ts'
import type { Page } from './types.ts'

interface Repositories {
  claims: ClaimsRepository
  reviews: ReviewsRepository
  ratingScales: RatingScalesRepository
}

/** A review's ETag covers its scale too: the body shows the scale's labels and range, which may change while in use. */
export const reviewEtag = ({ review, scale }: ReviewWithScale) => compositeEtag(review.version, [scale])

/** The columns a review body sets (those it leaves out stay as they are, or at their defaults). */
export function reviewColumns (body: Partial<CreateReview>): ReviewPatch {
  const columns: ReviewPatch = {}
  if (body.rating !== undefined) columns.ratingKey = body.rating
  if (body.ratingExplanation !== undefined) columns.ratingExplanation = body.ratingExplanation
  if (body.headline !== undefined) columns.headline = body.headline
  if (body.url !== undefined) columns.url = body.url
  if (body.inLanguage !== undefined) columns.inLanguage = body.inLanguage
  if (body.author !== undefined) {
    columns.authorName = body.author?.name ?? null
    columns.authorUrl = body.author?.url ?? null
  }
  return columns
}

/** The fields schema.org ClaimReview needs that a draft may still lack. */
export function missingForPublication (review: Pick<ReviewRow, 'url' | 'authorName' | 'ratingExplanation'>): FieldIssue[] {
  const missing: FieldIssue[] = []
  if (!review.url) missing.push({ path: 'url', message: 'the URL of the published fact-check is required to publish' })
  if (!review.authorName) missing.push({ path: 'author', message: 'the author organisation is required to publish' })
  if (!review.ratingExplanation) missing.push({ path: 'ratingExplanation', message: 'a short conclusion is required to publish' })
  return missing
}

/**
 * The claim columns that follow from its latest published review; without one, from its latest retracted review,
 * which the claim goes on showing (as retracted, with its date and reason) so that a retraction is as visible as the
 * verdict was; with neither, from having none.
 */
export function verdictOf (claim: ClaimRow, latest: ReviewWithScale | undefined, retracted?: ReviewRow): VerdictPatch {
  if (latest) return { currentReviewId: latest.review.id, currentVerdict: toRating(latest).verdict, status: 'reviewed', isPublic: true }
  const derived = claim.status === 'reviewed' || claim.status === 'retracted'
  return {
    currentReviewId: retracted?.id ?? null,
    currentVerdict: null,
    // The status says what happened: a verdict withdrawn. An editor's status (archived, researching again) stays.
    status: retracted ? (claim.status === 'reviewed' ? 'retracted' : claim.status) : derived ? 'researching' : claim.status,
    // Published once, public for good: a retraction must be seen by those who saw the verdict.
    isPublic: claim.isPublic,
  }
}

export function createReviewsService (db: Db, repos: Repositories, history: History, cursors: Cursors) {
  async function withScale (review: ReviewRow, tx?: Executor): Promise<ReviewWithScale> {
    const scale = await repos.ratingScales.findById(review.ratingScaleId, tx)
    if (!scale) throw new Error(`review ${review.id} names missing scale ${review.ratingScaleId}`)
    return { review, scale }
  }

  /**
   * Resolves a scale reference and the rating, a key or an alias of one of its values, to that value's key. A scale
   * newly named by a review of `organizationId` must be a built-in one or that organisation's own: another
   * organisation's custom scale, which it could then neither change nor delete, is refused as if it did not exist.
   * (A review keeps the scale it has.)
   */
  async function resolveRating (scaleRef: string, ratingKey: string, organizationId: string | null, tx: Executor): Promise<{ scale: RatingScaleRow, key: string }> {
    const found = await repos.ratingScales.findByRef(scaleRef, tx, 'share')
    const scale = found && (organizationId === null || found.builtIn || found.organizationId === organizationId) ? found : undefined
    if (!scale) throw new RuleViolationError(`Rating scale ${scaleRef} is neither built in nor one of your organisation's.`, [{ path: 'ratingScale', message: 'no such rating scale' }])
    const value = valueOf(scale, ratingKey)
    if (!value) {
      const keys = scale.values.map((v) => v.key).join(', ')
      throw new RuleViolationError(`"${ratingKey}" is not a value of the scale ${scale.slug} (${keys}).`, [{ path: 'rating', message: `must be one of ${keys}` }])
    }
    return { scale, key: value.key }
  }

  async function lockMatching (claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext, tx: Executor): Promise<ReviewRow> {
    await requireOwnClaim(repos.claims, claimId, ctx, tx)
    const current = await repos.reviews.lockById(claimId, id, tx)
    if (!current) throw new NotFoundError('Review', id)
    assertIfMatch(ifMatch, reviewEtag(await withScale(current, tx)))
    return current
  }

  /**
   * Points the claim at its latest published review (or its latest retraction, or none) and sets `reviewed` or
   * `retracted` to match; recorded if it changes.
   * `changedReviewId`: a review whose content just changed; if it is the current verdict, the claim (which shows it)
   * changed too, even when the normalised verdict is the same (`pants-fire` to `false`), and is recorded as updated.
   */
  async function refreshCurrentVerdict (claimId: string, tx: Executor, ctx: WriteContext, now: Date, changedReviewId?: string): Promise<void> {
    const claim = await repos.claims.lockById(claimId, tx)
    if (!claim) throw new NotFoundError('Claim', claimId)
    const latest = await repos.reviews.latestPublished(claimId, tx)
    const retracted = latest ? undefined : await repos.reviews.latestRetracted(claimId, tx)
    const { currentReviewId, currentVerdict, status, isPublic } = verdictOf(claim, latest && await withScale(latest, tx), retracted)
    const shownChanged = changedReviewId !== undefined && changedReviewId === currentReviewId
    if (!shownChanged && currentReviewId === claim.currentReviewId && currentVerdict === claim.currentVerdict && status === claim.status && isPublic === claim.isPublic) return
    const after = await repos.claims.update(claimId, { currentReviewId, currentVerdict, status, isPublic, updatedAt: now }, tx)
    if (after) await history.record(tx, ctx, { entityType: 'claim', action: 'update', claimId, before: claim, after })
  }

  async function transition (
    claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext,
    change: (current: ReviewRow, now: Date) => { action: 'publish' | 'retract', patch: ReviewPatch }
  ): Promise<ReviewWithScale> {
    return db.transaction(async (tx) => {
      const before = await lockMatching(claimId, id, ifMatch, ctx, tx)
      // One instant for the review and the claim it changes, so that an as-of read never sees half of it.
      const now = new Date()
      const { action, patch } = change(before, now)
      const after = await repos.reviews.update(id, { ...patch, updatedAt: now }, tx)
      if (!after) throw new NotFoundError('Review', id)
      await history.record(tx, ctx, { entityType: 'review', action, claimId, before, after })
      await refreshCurrentVerdict(claimId, tx, ctx, now)
      return withScale(after, tx)
    })
  }

  return {
    /** A claim's reviews; drafts only for its own organisation. */
    async list (claimId: string, viewer: Viewer, request: { limit: number, cursor?: string | undefined }): Promise<Page<ReviewWithScale>> {
      const afterId = cursors.id.decode(request.cursor, `reviews:${claimId}`)
      const claim = await requireVisibleClaim(repos.claims, claimId, viewer)
      const withDrafts = claim.organizationId === viewer.organizationId
      const { rows, nextAfterId } = await repos.reviews.list(claimId, { limit: request.limit, afterId, withDrafts })
      return { data: await Promise.all(rows.map((row) => withScale(row))), nextCursor: cursors.id.encode(nextAfterId, `reviews:${claimId}`) }
    },

    async get (claimId: string, id: string, viewer: Viewer): Promise<ReviewWithScale> {
      const claim = await requireVisibleClaim(repos.claims, claimId, viewer)
      const review = await repos.reviews.findById(id)
      if (!review || review.claimId !== claimId) throw new NotFoundError('Review', id)
      if (review.status === 'draft' && claim.organizationId !== viewer.organizationId) throw new NotFoundError('Review', id)
      return withScale(review)
    },

    async create (claimId: string, body: CreateReview, ctx: WriteContext): Promise<ReviewWithScale> {
      return db.transaction(async (tx) => {
        await requireOwnClaim(repos.claims, claimId, ctx, tx)
        const { scale, key } = await resolveRating(body.ratingScale, body.rating, ctx.organizationId, tx)
        const after = await repos.reviews.insert({
          authorName: null,
          authorUrl: null,
          ...reviewColumns(body),
          claimId,
          ratingScaleId: scale.id,
          ratingKey: key,
          status: 'draft',
        }, tx)
        await history.record(tx, ctx, { entityType: 'review', action: 'create', claimId, before: null, after })
        return { review: after, scale }
      })
    },

    async update (claimId: string, id: string, patch: UpdateReview, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<ReviewWithScale> {
      return db.transaction(async (tx) => {
        const before = await lockMatching(claimId, id, ifMatch, ctx, tx)
        if (before.status === 'retracted') throw new ConflictError(`Review ${id} is retracted and can no longer change.`)
        const columns = reviewColumns(patch)
        if (patch.ratingScale !== undefined || patch.rating !== undefined) {
          const { scale, key } = await resolveRating(patch.ratingScale ?? before.ratingScaleId, patch.rating ?? before.ratingKey, patch.ratingScale === undefined ? null : ctx.organizationId, tx)
          columns.ratingScaleId = scale.id
          columns.ratingKey = key
        }
        const now = new Date()
        const after = await repos.reviews.update(id, { ...columns, updatedAt: now }, tx)
        if (!after) throw new NotFoundError('Review', id)
        if (after.status === 'published') {
          const missing = missingForPublication(after)
          if (missing.length > 0) throw new RuleViolationError('A published review must keep the fields ClaimReview requires.', missing)
        }
        await history.record(tx, ctx, { entityType: 'review', action: 'update', claimId, before, after })
        // A new rating on the current verdict changes the claim's verdict too.
        if (after.status === 'published') await refreshCurrentVerdict(claimId, tx, ctx, now, after.id)
        return withScale(after, tx)
      })
    },

    async delete (claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockMatching(claimId, id, ifMatch, ctx, tx)
        if (before.status !== 'draft') throw new ConflictError(`Review ${id} is ${before.status}; only drafts can be deleted. Retract a published review instead.`)
        const after = await repos.reviews.softDelete(id, tx)
        if (!after) throw new NotFoundError('Review', id)
        await history.record(tx, ctx, { entityType: 'review', action: 'delete', claimId, before, after })
      })
    },

    /**
     * `datePublished`: when the fact-check was published elsewhere (an import gives the record's date, or null when it
     * has none); now by default.
     */
    publish (claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext, datePublished?: Date | null): Promise<ReviewWithScale> {
      return transition(claimId, id, ifMatch, ctx, (current, now) => {
        if (current.status !== 'draft') throw new ConflictError(`Review ${id} is ${current.status}; only a draft can be published.`)
        const missing = missingForPublication(current)
        if (missing.length > 0) {
          throw new RuleViolationError(`The review lacks what publication requires: ${missing.map((e) => e.path).join(', ')}.`, missing, 'review')
        }
        return { action: 'publish', patch: { status: 'published', datePublished: datePublished === undefined ? now : datePublished } }
      })
    },

    retract (claimId: string, id: string, reason: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<ReviewWithScale> {
      return transition(claimId, id, ifMatch, ctx, (current, now) => {
        if (current.status !== 'published') throw new ConflictError(`Review ${id} is ${current.status}; only a published review can be retracted.`)
        return { action: 'retract', patch: { status: 'retracted', retractedAt: now, retractionReason: reason } }
      })
    },
  }
}

export type ReviewsService = ReturnType<typeof createReviewsService>
