// What the services are asked to create or change, as checked values: the API's request bodies (src/schemas/) and
// the import's records are read into these (the schemas check at compile time that their output is exactly these).
import type { AppearanceMedium, ClaimantKind, EvidenceStance } from './enums.ts'
import type { RatingScaleValue } from './types.ts'

/** The statuses a client may set; `reviewed` follows from a published verdict. */
export type EditableClaimStatus = 'new' | 'researching' | 'archived'

export interface CreateClaim {
  text: string
  /** A claimant id or slug. */
  claimantId?: string | null | undefined
  claimDate?: string | null | undefined
  language: string
  topics: string[]
  status: EditableClaimStatus
}

export interface UpdateClaim {
  text?: string | undefined
  claimantId?: string | null | undefined
  claimDate?: string | null | undefined
  language?: string | undefined
  topics?: string[] | undefined
  status?: EditableClaimStatus | undefined
}

interface ClaimantFields {
  name: string
  kind: ClaimantKind
  slug: string
  description: string | null
  jobTitle: string | null
  affiliation: string | null
  sameAs: string[]
  aliases: string[]
  /** Claimants (ids or slugs) with the same name that this one is not. */
  distinctFrom: string[] | undefined
}

export type CreateClaimant = Pick<ClaimantFields, 'name' | 'kind'> &
  { [K in Exclude<keyof ClaimantFields, 'name' | 'kind'>]?: ClaimantFields[K] | undefined }

export type UpdateClaimant = { [K in keyof ClaimantFields]?: ClaimantFields[K] | undefined }

export interface CreateAppearance {
  url?: string | null | undefined
  title?: string | null | undefined
  publisher?: string | null | undefined
  medium?: AppearanceMedium | undefined
  publishedAt?: Date | null | undefined
  quote?: string | null | undefined
  isFirstAppearance?: boolean | undefined
}

export type UpdateAppearance = CreateAppearance

export interface CreateEvidence {
  url: string
  title?: string | null | undefined
  publisher?: string | null | undefined
  stance: EvidenceStance
  summary?: string | null | undefined
  archivedUrl?: string | null | undefined
}

export type UpdateEvidence = { [K in keyof CreateEvidence]?: CreateEvidence[K] | undefined }

interface ReviewFields {
  /** The rating scale, by id or slug. */
  ratingScale: string
  /** The key (or an alias) of a value of that scale. */
  rating: string
  ratingExplanation: string | null
  headline: string | null
  url: string | null
  author: { name: string, url?: string | null | undefined } | null
  inLanguage: string
}

export type CreateReview = Pick<ReviewFields, 'ratingScale' | 'rating' | 'inLanguage'> &
  { [K in Exclude<keyof ReviewFields, 'ratingScale' | 'rating' | 'inLanguage'>]?: ReviewFields[K] | undefined }

export type UpdateReview = { [K in keyof ReviewFields]?: ReviewFields[K] | undefined }

interface RatingScaleFields {
  slug: string
  name: string
  description: string | null
  values: Array<Required<RatingScaleValue>>
}

export type CreateRatingScale = Pick<RatingScaleFields, 'slug' | 'name' | 'values'> &
  { description?: string | null | undefined }

export type UpdateRatingScale = { [K in keyof RatingScaleFields]?: RatingScaleFields[K] | undefined }
