// Reviews through the API: each change of the review lifecycle (src/services/review-lifecycle.ts: draft -> published
// -> retracted, publishing needs what ClaimReview needs) written in its own transaction, with the claim's current
// verdict (latest published, unretracted review), or else its latest retraction, and its `reviewed` or `retracted`
// status that follow.
import { v7 as uuidv7 } from 'uuid'
import type { Db, Executor } from '../db/client.ts'
import type { RatingScaleRow, ReviewRow } from '../db/schema.ts'
import { NotFoundError, RuleViolationError } from '../domain/errors.ts'
import type { Cursors } from '../lib/tokens/cursor.ts'
import { compositeEtag, type EtagCondition } from '../lib/tokens/etag.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { ReviewPatch, ReviewsRepository } from '../repositories/reviews.ts'
import type { CreateReview, UpdateReview } from '../domain/inputs.ts'
import { valueOf } from '../domain/ratings.ts'
import type { ReviewWithScale } from '../domain/types.ts'
import { lockOwnChild, requireOwnClaim, requireVisibleClaim } from './claim-children.ts'
import type { Viewer } from '../domain/access.ts'
import type { History, WriteContext } from './history.ts'
import type { Page } from './types.ts'
import { draftReview, deleteDraft, publishReview, refreshVerdict, retractReview, reviewColumns, updateReview, type Step } from './review-lifecycle.ts'

interface Repositories {
  claims: ClaimsRepository
  reviews: ReviewsRepository
  ratingScales: RatingScalesRepository
}

/** A review's ETag covers its scale too: the body shows the scale's labels and range, which may change while in use. */
export const reviewEtag = ({ review, scale }: ReviewWithScale) => compositeEtag(review.version, [scale])

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
  async function resolveRating (
    scaleRef: string,
    ratingKey: string,
    organizationId: string | null,
    tx: Executor
  ): Promise<{ scale: RatingScaleRow; key: string }> {
    const found = await repos.ratingScales.findByRef(scaleRef, tx, 'share')
    const scale =
      found && (organizationId === null || found.builtIn || found.organizationId === organizationId) ? found : undefined
    if (!scale) {
      throw new RuleViolationError(`Rating scale ${scaleRef} is neither built in nor one of your organisation's.`, [
        { path: 'ratingScale', message: 'no such rating scale' },
      ])
    }
    const value = valueOf(scale, ratingKey)
    if (!value) {
      const keys = scale.values.map((v) => v.key).join(', ')
      throw new RuleViolationError(`"${ratingKey}" is not a value of the scale ${scale.slug} (${keys}).`, [
        { path: 'rating', message: `must be one of ${keys}` },
      ])
    }
    return { scale, key: value.key }
  }

  async function lockMatching (
    claimId: string,
    id: string,
    ifMatch: EtagCondition | undefined,
    ctx: WriteContext,
    tx: Executor
  ): Promise<ReviewRow> {
    const child = { noun: 'Review', lockById: repos.reviews.lockById }
    const etagOf = async (row: ReviewRow) => reviewEtag(await withScale(row, tx))
    return lockOwnChild(repos.claims, child, etagOf, { claimId, id, ifMatch, ctx }, tx)
  }

  /** Points the claim at its latest published review (or its latest retraction, or none); recorded if it changes. */
  async function refreshCurrentVerdict (
    claimId: string,
    tx: Executor,
    ctx: WriteContext,
    now: Date,
    changedReviewId?: string
  ): Promise<void> {
    const claim = await repos.claims.lockById(claimId, tx)
    if (!claim) throw new NotFoundError('Claim', claimId)
    const latest = await repos.reviews.latestPublished(claimId, tx)
    const retracted = latest ? undefined : await repos.reviews.latestRetracted(claimId, tx)
    const step = refreshVerdict(claim, latest && (await withScale(latest, tx)), retracted, now, changedReviewId)
    if (!step) return
    const after = await repos.claims.update(claimId, step.patch, tx)
    if (after) await history.record(tx, ctx, { ...step.change, after })
  }

  /** Writes one step of the lifecycle on a locked review, its revision, and the claim's verdict that follows. */
  async function transition (
    claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext,
    change: (current: ReviewRow, now: Date) => Step<ReviewRow, ReviewPatch>
  ): Promise<ReviewWithScale> {
    return db.transaction(async (tx) => {
      const before = await lockMatching(claimId, id, ifMatch, ctx, tx)
      // One instant for the review and the claim it changes, so that an as-of read never sees half of it.
      const now = new Date()
      const step = change(before, now)
      const after = await repos.reviews.update(id, step.patch, tx)
      if (!after) throw new NotFoundError('Review', id)
      await history.record(tx, ctx, { ...step.change, after })
      await refreshCurrentVerdict(claimId, tx, ctx, now)
      return withScale(after, tx)
    })
  }

  return {
    /** A claim's reviews; drafts only for its own organisation. */
    async list (
      claimId: string,
      viewer: Viewer,
      request: { limit: number; cursor?: string | undefined }
    ): Promise<Page<ReviewWithScale>> {
      const afterId = cursors.id.decode(request.cursor, `reviews:${claimId}`)
      const claim = await requireVisibleClaim(repos.claims, claimId, viewer)
      const withDrafts = claim.organizationId === viewer.organizationId
      const { rows, nextAfterId } = await repos.reviews.list(claimId, { limit: request.limit, afterId, withDrafts })
      // One query for the page's scales, not one per review.
      const scales = new Map(
        (await repos.ratingScales.findByIds(rows.map((row) => row.ratingScaleId))).map((s) => [s.id, s])
      )
      const data = rows.map((review) => {
        const scale = scales.get(review.ratingScaleId)
        if (!scale) throw new Error(`review ${review.id} names missing scale ${review.ratingScaleId}`)
        return { review, scale }
      })
      return { data, nextCursor: cursors.id.encode(nextAfterId, `reviews:${claimId}`) }
    },

    async get (claimId: string, id: string, viewer: Viewer): Promise<ReviewWithScale> {
      const claim = await requireVisibleClaim(repos.claims, claimId, viewer)
      const review = await repos.reviews.findById(id)
      if (!review || review.claimId !== claimId) throw new NotFoundError('Review', id)
      if (review.status === 'draft' && claim.organizationId !== viewer.organizationId) { throw new NotFoundError('Review', id) }
      return withScale(review)
    },

    async create (claimId: string, body: CreateReview, ctx: WriteContext): Promise<ReviewWithScale> {
      return db.transaction(async (tx) => {
        await requireOwnClaim(repos.claims, claimId, ctx, tx)
        const { scale, key } = await resolveRating(body.ratingScale, body.rating, ctx.organizationId, tx)
        const draft = draftReview({ id: uuidv7(), claimId, ratingScaleId: scale.id, ratingKey: key, body }, new Date())
        await repos.reviews.insertRows([draft.after], tx)
        await history.record(tx, ctx, draft.change)
        return { review: draft.after, scale }
      })
    },

    async update (
      claimId: string,
      id: string,
      patch: UpdateReview,
      ifMatch: EtagCondition | undefined,
      ctx: WriteContext
    ): Promise<ReviewWithScale> {
      return db.transaction(async (tx) => {
        const before = await lockMatching(claimId, id, ifMatch, ctx, tx)
        const columns = reviewColumns(patch)
        if (before.status !== 'retracted' && (patch.ratingScale !== undefined || patch.rating !== undefined)) {
          const { scale, key } = await resolveRating(
            patch.ratingScale ?? before.ratingScaleId,
            patch.rating ?? before.ratingKey,
            patch.ratingScale === undefined ? null : ctx.organizationId,
            tx
          )
          columns.ratingScaleId = scale.id
          columns.ratingKey = key
        }
        const now = new Date()
        const step = updateReview(before, columns, now)
        const after = await repos.reviews.update(id, step.patch, tx)
        if (!after) throw new NotFoundError('Review', id)
        await history.record(tx, ctx, { ...step.change, after })
        // A new rating on the current verdict changes the claim's verdict too.
        if (after.status === 'published') await refreshCurrentVerdict(claimId, tx, ctx, now, after.id)
        return withScale(after, tx)
      })
    },

    async delete (claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockMatching(claimId, id, ifMatch, ctx, tx)
        const step = deleteDraft(before, new Date())
        const after = await repos.reviews.update(id, step.patch, tx)
        if (!after) throw new NotFoundError('Review', id)
        await history.record(tx, ctx, { ...step.change, after })
      })
    },

    /**
     * `datePublished`: when the fact-check was published elsewhere (an import gives the record's date, or null when it
     * has none); now by default.
     */
    publish (
      claimId: string,
      id: string,
      ifMatch: EtagCondition | undefined,
      ctx: WriteContext,
      datePublished?: Date | null
    ): Promise<ReviewWithScale> {
      return transition(claimId, id, ifMatch, ctx, (current, now) => publishReview(current, datePublished, now))
    },

    retract (
      claimId: string,
      id: string,
      reason: string,
      ifMatch: EtagCondition | undefined,
      ctx: WriteContext
    ): Promise<ReviewWithScale> {
      return transition(claimId, id, ifMatch, ctx, (current, now) => retractReview(current, reason, now))
    },
  }
}

export type ReviewsService = ReturnType<typeof createReviewsService>
