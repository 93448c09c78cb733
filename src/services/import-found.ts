// The import's records found again (same external id or review URL as a claim made before): each is compared with
// what is stored, and what differs is changed through the services one by one, every change recorded as the API
// would record it. New records are src/services/import-batch.ts's; the run as a whole is src/services/import.ts.
import type { Db } from '../db/client.ts'
import type { ClaimantRow, ClaimRow } from '../db/schema.ts'
import type { CreateAppearance, CreateClaim, CreateClaimant, CreateReview } from '../domain/inputs.ts'
import { slugify } from '../lib/text/slug.ts'
import type { AppearancesRepository } from '../repositories/claim-children.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { ReviewsRepository } from '../repositories/reviews.ts'
import type { AppearancesService } from './claim-children.ts'
import type { ClaimantsService } from './claimants.ts'
import type { ClaimsService } from './claims.ts'
import type { WriteContext } from './history.ts'
import type { BatchWriter } from './import-batch.ts'
import type { RowResult } from './import.ts'
import type { Prepared } from './import-records.ts'
import type { ReviewsService } from './reviews.ts'

export interface Services {
  claims: ClaimsService
  claimants: ClaimantsService
  appearances: AppearancesService
  reviews: ReviewsService
}

const sameAppearance = (
  a: CreateAppearance,
  row: {
    url: string | null
    title: string | null
    publisher: string | null
    quote: string | null
    publishedAt: Date | null
  }
) =>
  (a.url ?? null) === row.url &&
  (a.title ?? null) === row.title &&
  (a.publisher ?? null) === row.publisher &&
  (a.quote ?? null) === row.quote &&
  (a.publishedAt ? new Date(a.publishedAt).getTime() : null) === (row.publishedAt?.getTime() ?? null)

const sameTopics = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i])

/** Compares the records found again with what is stored, and changes what differs through the services. */
export function recordsFoundAgain (
  db: Db,
  repos: { claimants: ClaimantsRepository, appearances: AppearancesRepository, reviews: ReviewsRepository },
  services: Services,
  writer: BatchWriter
) {
  /** The claimant a record names, matched as claimantsFor does; made (through the service) when there is none. */
  async function claimantIdFor (
    wanted: CreateClaimant | null,
    known: ClaimantRow[],
    ctx: WriteContext
  ): Promise<string | null> {
    if (wanted === null) return null
    const match =
      known.find((c) => c.name.toLowerCase() === wanted.name.toLowerCase()) ??
      known.find((c) => c.slug === slugify(wanted.name))
    if (match) return match.id
    const made = await db.transaction((tx) => writer.claimantsFor([wanted], ctx, tx))
    return made.get(wanted.name.toLowerCase())?.id ?? null
  }

  /** What a batch's records found again are compared with: their claimants, appearances and current reviews. */
  async function currentStateOf (rows: Prepared[], claims: ClaimRow[], organizationId: string) {
    const wanted = rows.flatMap((r) => r.claimant ?? [])
    const ids = claims.map((c) => c.id)
    const [claimants, appearances, reviews] = await Promise.all([
      repos.claimants.findBySlugsOrNames(
        organizationId,
        wanted.map((c) => slugify(c.name)),
        wanted.map((c) => c.name)
      ),
      repos.appearances.listAllOf(ids),
      repos.reviews.listByIds(claims.flatMap((c) => c.currentReviewId ?? [])),
    ])
    return { claimants, appearances, reviews: new Map(reviews.map((r) => [r.review.id, r.review])) }
  }

  /** A record imported before: what differs is changed through the services (each change recorded); else nothing. */
  async function updateExisting (
    row: Prepared,
    claim: ClaimRow,
    state: Awaited<ReturnType<typeof currentStateOf>>,
    ctx: WriteContext
  ): Promise<RowResult> {
    let changed = false
    let undated = false
    const claimantId = await claimantIdFor(row.claimant, state.claimants, ctx)
    const patch: Partial<CreateClaim> = {}
    if (row.claim.text !== claim.text) patch.text = row.claim.text
    if ((row.claim.claimDate ?? null) !== claim.claimDate) patch.claimDate = row.claim.claimDate ?? null
    if (row.claim.language !== claim.language) patch.language = row.claim.language
    if (!sameTopics(row.claim.topics, claim.topics)) patch.topics = row.claim.topics
    if (claimantId !== claim.claimantId) patch.claimantId = claimantId
    if (Object.keys(patch).length > 0) {
      await services.claims.update(claim.id, patch, '*', ctx)
      changed = true
    }
    const appearances = state.appearances.filter((a) => a.claimId === claim.id)
    for (const appearance of row.appearances) {
      if (appearances.some((a) => sameAppearance(appearance, a))) continue
      const first = appearance.isFirstAppearance === true && appearances.some((a) => a.isFirstAppearance)
      await services.appearances.create(claim.id, first ? { ...appearance, isFirstAppearance: false } : appearance, ctx)
      changed = true
    }
    if (row.review) {
      const { datePublished, scale, ...body } = row.review
      const current = claim.currentReviewId ? state.reviews.get(claim.currentReviewId) : undefined
      if (!current) {
        const { review } = await services.reviews.create(claim.id, body, ctx)
        await services.reviews.publish(claim.id, review.id, '*', ctx, datePublished)
        changed = true
        undated = datePublished === null
      } else {
        const reviewPatch: Partial<CreateReview> = {}
        if (current.ratingScaleId !== scale.id || current.ratingKey !== body.rating) {
          Object.assign(reviewPatch, { ratingScale: scale.id, rating: body.rating })
        }
        if ((body.ratingExplanation ?? null) !== current.ratingExplanation) {
          reviewPatch.ratingExplanation = body.ratingExplanation ?? null
        }
        if ((body.headline ?? null) !== current.headline) reviewPatch.headline = body.headline ?? null
        if ((body.url ?? null) !== current.url) reviewPatch.url = body.url ?? null
        if ((body.author?.name ?? null) !== current.authorName || (body.author?.url ?? null) !== current.authorUrl) {
          reviewPatch.author = body.author ?? null
        }
        if (body.inLanguage !== current.inLanguage) reviewPatch.inLanguage = body.inLanguage
        if (Object.keys(reviewPatch).length > 0) {
          await services.reviews.update(claim.id, current.id, reviewPatch, '*', ctx)
          changed = true
        }
      }
    }
    return {
      line: row.line,
      key: row.key,
      outcome: changed ? 'updated' : 'unchanged',
      claimId: claim.id,
      ...(undated ? { undated } : {}),
    }
  }

  return { currentStateOf, updateExisting }
}
