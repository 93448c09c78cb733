// API contracts for reviews (verdicts) and the verdict summary embedded in claims; aligned with schema.org ClaimReview.
import { z } from 'zod'
import type { CreateReview, UpdateReview } from '../domain/inputs.ts'
import { reviewStatuses } from '../domain/enums.ts'
import { toRating, type Rating } from '../domain/ratings.ts'
import type { ReviewRecord, ReviewWithScale, VerdictPair } from '../domain/types.ts'

export type { ReviewWithScale }
export { toRating }
import { HttpUrl, IdSchema, LanguageTag, Text, Timestamp, toIso, toIsoOrNull, type AllTrue, type Same } from './common.ts'
import { NormalizedVerdict } from './rating-scales.ts'

export const ReviewStatus = z.enum(reviewStatuses)
  .describe('`draft` (private working copy) -> `published` -> `retracted` (kept visible, with the reason).')

export const RatingSchema = z.object({
  scaleId: IdSchema,
  scale: z.string().describe('The slug of the rating scale.'),
  key: z.string(),
  label: z.string().describe('The native label, e.g. `Pants on Fire` (ClaimReview `alternateName`).'),
  ratingValue: z.number(),
  bestRating: z.number(),
  worstRating: z.number(),
  verdict: NormalizedVerdict,
}).meta({ id: 'Rating' })

/**
 * The contract is the domain's rating (src/domain/ratings.ts), which ClaimReview and the verdicts are made from too.
 */
export const ratingIsDomainRating: Same<z.output<typeof RatingSchema>, Rating> = true

const Author = z.object({
  name: z.string(),
  url: z.string().nullable(),
}).meta({ id: 'ReviewAuthor', description: 'The organisation that wrote the review (ClaimReview `author`).' })

export const ReviewSchema = z.object({
  id: IdSchema,
  claimId: IdSchema,
  status: ReviewStatus,
  rating: RatingSchema,
  ratingExplanation: z.string().nullable().describe('The conclusion in a sentence or two.'),
  headline: z.string().nullable(),
  url: z.string().nullable().describe('The published fact-check article.'),
  author: Author.nullable(),
  inLanguage: z.string(),
  datePublished: Timestamp.nullable(),
  retractedAt: Timestamp.nullable(),
  retractionReason: z.string().nullable(),
  version: z.int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Review' })

export const VerdictSchema = z.object({
  reviewId: IdSchema,
  rating: RatingSchema,
  ratingExplanation: z.string().nullable(),
  headline: z.string().nullable(),
  url: z.string().nullable(),
  author: Author.nullable(),
  datePublished: Timestamp.nullable(),
}).meta({ id: 'Verdict', description: 'The claim\'s current verdict: its latest published, unretracted review.' })

export const RetractionSchema = z.object({
  reviewId: IdSchema,
  retractedAt: Timestamp,
  reason: z.string().describe('Why the verdict was withdrawn, as the reviewer gave it.'),
  withdrawnVerdict: VerdictSchema.describe('The verdict that was published and then withdrawn, as readers saw it.'),
}).meta({
  id: 'Retraction',
  description: 'The claim\'s verdict was retracted and no other is published: shown in place of the verdict, so that readers who saw it learn it was withdrawn, when and why.',
})

const AuthorBody = z.strictObject({ name: Text(200), url: HttpUrl.nullable().optional() })

const reviewFields = {
  ratingScale: z.string().min(1).max(100).describe('The rating scale, by id or slug (e.g. `truth-o-meter`): a built-in one or one of your organisation\'s (422 otherwise).'),
  rating: z.string().min(1).max(100).describe('The `key` of a value of that scale, e.g. `pants-fire`.'),
  ratingExplanation: Text(2000).nullable(),
  headline: Text(300).nullable(),
  url: HttpUrl.nullable().describe('The published fact-check article; required to publish.'),
  author: AuthorBody.nullable().describe('The organisation that wrote the review; required to publish.'),
  inLanguage: LanguageTag,
}

export const CreateReviewBody = z.strictObject({
  ...reviewFields,
  ratingExplanation: reviewFields.ratingExplanation.optional(),
  headline: reviewFields.headline.optional(),
  url: reviewFields.url.optional(),
  author: reviewFields.author.optional(),
  inLanguage: reviewFields.inLanguage.default('en'),
}).meta({ id: 'CreateReview', description: 'A new review is a draft; publish it with the publish operation.' })

export const UpdateReviewBody = z.strictObject(reviewFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'UpdateReview', description: 'Only the fields sent change. A retracted review cannot change.' })

export const RetractReviewBody = z.strictObject({
  reason: Text(2000).describe('Why the review is retracted; shown with it.'),
}).meta({ id: 'RetractReview' })

export type { CreateReview, UpdateReview } from '../domain/inputs.ts'
/**
 * The bodies read into the domain's inputs (src/domain/inputs.ts): a field that changes in one and not the other fails
 * to compile.
 */
export const reviewBodiesAreInputs: AllTrue<
  [Same<z.output<typeof CreateReviewBody>, CreateReview>, Same<z.output<typeof UpdateReviewBody>, UpdateReview>]
> = true

const authorOf = (review: Pick<ReviewRecord, 'authorName' | 'authorUrl'>) =>
  review.authorName === null ? null : { name: review.authorName, url: review.authorUrl }

export const toReview = (pair: ReviewWithScale): z.output<typeof ReviewSchema> => ({
  id: pair.review.id,
  claimId: pair.review.claimId,
  status: pair.review.status,
  rating: toRating(pair),
  ratingExplanation: pair.review.ratingExplanation,
  headline: pair.review.headline,
  url: pair.review.url,
  author: authorOf(pair.review),
  inLanguage: pair.review.inLanguage,
  datePublished: toIsoOrNull(pair.review.datePublished),
  retractedAt: toIsoOrNull(pair.review.retractedAt),
  retractionReason: pair.review.retractionReason,
  version: pair.review.version,
  createdAt: toIso(pair.review.createdAt),
  updatedAt: toIso(pair.review.updatedAt),
})

/** The retraction a claim shows: its current review when that review is retracted, else null. */
export const toRetraction = (pair: VerdictPair | null): z.output<typeof RetractionSchema> | null =>
  pair === null || pair.review.status !== 'retracted'
    ? null
    : {
        reviewId: pair.review.id,
        retractedAt: toIso(pair.review.retractedAt ?? pair.review.updatedAt),
        reason: pair.review.retractionReason ?? '',
        withdrawnVerdict: toVerdict(pair),
      }

/** The verdict a claim shows: its current review while it is published, else null. */
export const toCurrentVerdict = (pair: VerdictPair | null): z.output<typeof VerdictSchema> | null =>
  pair === null || pair.review.status !== 'published' ? null : toVerdict(pair)

export const toVerdict = (pair: VerdictPair): z.output<typeof VerdictSchema> => ({
  reviewId: pair.review.id,
  rating: toRating(pair),
  ratingExplanation: pair.review.ratingExplanation,
  headline: pair.review.headline,
  url: pair.review.url,
  author: authorOf(pair.review),
  datePublished: toIsoOrNull(pair.review.datePublished),
})
