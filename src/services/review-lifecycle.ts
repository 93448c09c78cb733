// The review lifecycle as pure transitions: draft -> published -> retracted (a draft may be edited or deleted, a
// published review edited), and the claim's verdict that follows. Each takes the rows as they are and an action, and
// returns the rows as they become, the columns to write and the revisions that record it, touching no database. The
// reviews service writes them one change at a time; the import's batch writer runs create and publish in memory and
// writes each record's final rows once, with every revision: the API and the import publish through publishReview.
import type { ClaimRow, ReviewRow } from '../db/schema.ts'
import { ConflictError, RuleViolationError, type FieldIssue } from '../domain/errors.ts'
import type { VerdictPatch } from '../repositories/claims.ts'
import type { ReviewPatch } from '../repositories/reviews.ts'
import type { CreateReview } from '../domain/inputs.ts'
import { toRating } from '../domain/ratings.ts'
import type { ReviewWithScale } from '../domain/types.ts'
import type { Change } from './history.ts'

/** One transition: the row as it becomes, the columns that changed (with `updatedAt`), and its revision. */
export interface Step<T extends { id: string, version: number, updatedAt: Date }, P> {
  after: T
  patch: P & { updatedAt: Date }
  change: Change<T>
}

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

/** A row changed at `now`: the next version. */
function next<T extends { id: string, version: number, updatedAt: Date }, P extends object> (
  before: T, patch: P, now: Date, change: Omit<Change<T>, 'before' | 'after'>
): Step<T, P> {
  const after = { ...before, ...patch, updatedAt: now, version: before.version + 1 }
  return { after, patch: { ...patch, updatedAt: now }, change: { ...change, before, after } }
}

/** A new draft review of a claim: the row to insert (`id` chosen by the caller, a UUIDv7) and its `create` revision. */
export function draftReview (input: {
  id: string
  claimId: string
  ratingScaleId: string
  ratingKey: string
  body: Partial<CreateReview>
}, now: Date): { after: ReviewRow, change: Change<ReviewRow> } {
  // The rating is the scale's key for it, resolved by the caller (the body may name an alias).
  const { ratingKey: _alias, ...columns } = reviewColumns(input.body)
  const after: ReviewRow = {
    id: input.id,
    claimId: input.claimId,
    ratingScaleId: input.ratingScaleId,
    ratingKey: input.ratingKey,
    ratingExplanation: null,
    headline: null,
    url: null,
    authorName: null,
    authorUrl: null,
    inLanguage: 'en',
    ...columns,
    status: 'draft',
    datePublished: null,
    retractedAt: null,
    retractionReason: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  }
  return { after, change: { entityType: 'review', action: 'create', claimId: input.claimId, before: null, after } }
}

/** Edits a draft or a published review; a published one must keep what publication requires. */
export function updateReview (before: ReviewRow, columns: ReviewPatch, now: Date): Step<ReviewRow, ReviewPatch> {
  const id = before.id
  if (before.status === 'retracted') throw new ConflictError(`Review ${id} is retracted and can no longer change.`)
  const step = next(before, columns, now, { entityType: 'review', action: 'update', claimId: before.claimId })
  if (step.after.status === 'published') {
    const missing = missingForPublication(step.after)
    if (missing.length > 0) throw new RuleViolationError('A published review must keep the fields ClaimReview requires.', missing)
  }
  return step
}

/**
 * Publishes a draft. `datePublished`: when the fact-check was published elsewhere (an import gives the record's date,
 * or null when it has none); `now` by default.
 */
export function publishReview (
  before: ReviewRow,
  datePublished: Date | null | undefined,
  now: Date
): Step<ReviewRow, ReviewPatch> {
  const id = before.id
  if (before.status !== 'draft') { throw new ConflictError(`Review ${id} is ${before.status}; only a draft can be published.`) }
  const missing = missingForPublication(before)
  if (missing.length > 0) {
    throw new RuleViolationError(
      `The review lacks what publication requires: ${missing.map((e) => e.path).join(', ')}.`,
      missing,
      'review'
    )
  }
  const patch: ReviewPatch = { status: 'published', datePublished: datePublished === undefined ? now : datePublished }
  return next(before, patch, now, { entityType: 'review', action: 'publish', claimId: before.claimId })
}

export function retractReview (before: ReviewRow, reason: string, now: Date): Step<ReviewRow, ReviewPatch> {
  const id = before.id
  if (before.status !== 'published') throw new ConflictError(`Review ${id} is ${before.status}; only a published review can be retracted.`)
  const patch: ReviewPatch = { status: 'retracted', retractedAt: now, retractionReason: reason }
  return next(before, patch, now, { entityType: 'review', action: 'retract', claimId: before.claimId })
}

/** Deletes a draft (kept, with `deletedAt` set). */
export function deleteDraft (before: ReviewRow, now: Date): Step<ReviewRow, { deletedAt: Date }> {
  const id = before.id
  if (before.status !== 'draft') throw new ConflictError(`Review ${id} is ${before.status}; only drafts can be deleted. Retract a published review instead.`)
  return next(before, { deletedAt: now }, now, { entityType: 'review', action: 'delete', claimId: before.claimId })
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

/**
 * The claim pointed at its latest published review (or its latest retraction, or none), `reviewed` or `retracted` to
 * match; undefined when nothing changes. `changedReviewId`: a review whose content just changed; if it is the current
 * verdict, the claim (which shows it) changed too, even when the normalised verdict is the same (`pants-fire` to
 * `false`), and is recorded as updated.
 */
export function refreshVerdict (
  claim: ClaimRow,
  latest: ReviewWithScale | undefined,
  retracted: ReviewRow | undefined,
  now: Date,
  changedReviewId?: string
): Step<ClaimRow, VerdictPatch> | undefined {
  const { currentReviewId, currentVerdict, status, isPublic } = verdictOf(claim, latest, retracted)
  const shownChanged = changedReviewId !== undefined && changedReviewId === currentReviewId
  if (
    !shownChanged &&
    currentReviewId === claim.currentReviewId &&
    currentVerdict === claim.currentVerdict &&
    status === claim.status &&
    isPublic === claim.isPublic
  ) { return undefined }
  return next(claim, { currentReviewId, currentVerdict, status, isPublic }, now, {
    entityType: 'claim',
    action: 'update',
    claimId: claim.id,
  })
}
