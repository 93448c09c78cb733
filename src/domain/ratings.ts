// A review's rating read on its scale: the value a key or an alias names, the scale's best and worst ratings, and the
// rating a review shows (the API's `Rating`, ClaimReview's `reviewRating`, a claim's current verdict).
import type { NormalizedVerdict } from './enums.ts'
import type { RatingScaleRecord, ReviewRecord, VerdictScale } from './types.ts'

export interface Rating {
  scaleId: string
  /** The slug of the rating scale. */
  scale: string
  key: string
  label: string
  ratingValue: number
  bestRating: number
  worstRating: number
  verdict: NormalizedVerdict
}

/** The value of a scale a key or an alias names. */
export const valueOf = (scale: Pick<RatingScaleRecord, 'values'>, keyOrAlias: string) =>
  scale.values.find((v) => v.key === keyOrAlias) ?? scale.values.find((v) => v.aliases?.includes(keyOrAlias))

export const bestAndWorst = (scale: Pick<RatingScaleRecord, 'values'>) => {
  const ratings = scale.values.map((v) => v.ratingValue)
  return { bestRating: Math.max(...ratings), worstRating: Math.min(...ratings) }
}

export function toRating ({ review, scale }: { review: Pick<ReviewRecord, 'ratingKey'>, scale: VerdictScale }): Rating {
  const value = scale.values.find((v) => v.key === review.ratingKey)
  return {
    scaleId: scale.id,
    scale: scale.slug,
    key: review.ratingKey,
    // A scale in use never loses a value, so the key is always found; the fallback only guards old data.
    label: value?.label ?? review.ratingKey,
    ratingValue: value?.ratingValue ?? 0,
    ...bestAndWorst(scale),
    verdict: value?.verdict ?? 'unproven',
  }
}
