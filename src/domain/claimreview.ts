// schema.org ClaimReview (JSON-LD) for published reviews, as search engines and partners consume it and the export
// writes it; src/schemas/claimreview.ts is its API contract.
import { toRating } from './ratings.ts'
import type { AppearanceRecord, PublishedReview } from './types.ts'

interface Organization { '@type': 'Organization', name: string, url?: string | undefined }

interface CreativeWork {
  '@type': 'CreativeWork'
  url?: string | undefined
  headline?: string | undefined
  datePublished?: string | undefined
  publisher?: Organization | undefined
  /** The quote as it appeared. */
  text?: string | undefined
}

export interface ClaimReview {
  '@context': 'https://schema.org'
  '@type': 'ClaimReview'
  '@id'?: string | undefined
  url: string
  claimReviewed: string
  reviewRating: {
    '@type': 'Rating'
    alternateName: string
    ratingValue: number
    bestRating: number
    worstRating: number
    ratingExplanation?: string | undefined
  }
  author: Organization
  /** Left out when unknown (an imported record without a date). */
  datePublished?: string | undefined
  dateModified: string
  /** Present when the review was retracted: that it was, and why. */
  correction?: { '@type': 'CorrectionComment', text: string, datePublished: string } | undefined
  inLanguage: string
  headline?: string | undefined
  itemReviewed: {
    '@type': 'Claim'
    author?: {
      '@type': 'Person' | 'Organization'
      name: string
      sameAs?: string[] | undefined
      jobTitle?: string | undefined
    } | undefined
    datePublished?: string | undefined
    appearance: CreativeWork[]
    firstAppearance?: CreativeWork | undefined
  }
}

/** The object without its null and undefined fields: JSON-LD leaves absent values out. */
const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T

function toCreativeWork (appearance: AppearanceRecord): CreativeWork {
  return defined({
    '@type': 'CreativeWork' as const,
    url: appearance.url ?? undefined,
    headline: appearance.title ?? undefined,
    datePublished: appearance.publishedAt?.toISOString(),
    publisher: appearance.publisher ? { '@type': 'Organization' as const, name: appearance.publisher } : undefined,
    text: appearance.quote ?? undefined,
  })
}

/** The ClaimReview of a published or retracted review (with its `correction`); `appearances` are its claim's. */
export function toClaimReview (
  { review, scale, claim, claimant }: PublishedReview,
  appearances: AppearanceRecord[]
): ClaimReview {
  const rating = toRating({ review, scale })
  const first = appearances.find((a) => a.isFirstAppearance)
  return {
    '@context': 'https://schema.org',
    '@type': 'ClaimReview',
    url: review.url ?? '',
    claimReviewed: claim.text,
    reviewRating: defined({
      '@type': 'Rating' as const,
      alternateName: rating.label,
      ratingValue: rating.ratingValue,
      bestRating: rating.bestRating,
      worstRating: rating.worstRating,
      ratingExplanation: review.ratingExplanation ?? undefined,
    }),
    author: defined({
      '@type': 'Organization' as const,
      name: review.authorName ?? '',
      url: review.authorUrl ?? undefined,
    }),
    ...defined({ datePublished: review.datePublished?.toISOString() }),
    dateModified: review.updatedAt.toISOString(),
    ...(review.status === 'retracted'
      ? {
          correction: {
            '@type': 'CorrectionComment' as const,
            text: `This fact-check was retracted: ${review.retractionReason ?? 'no reason given'}`,
            datePublished: (review.retractedAt ?? review.updatedAt).toISOString(),
          },
        }
      : {}),
    inLanguage: review.inLanguage,
    ...defined({ headline: review.headline ?? undefined }),
    itemReviewed: defined({
      '@type': 'Claim' as const,
      author: claimant
        ? defined({
          '@type': claimant.kind === 'organization' ? ('Organization' as const) : ('Person' as const),
          name: claimant.name,
          sameAs: claimant.sameAs.length > 0 ? claimant.sameAs : undefined,
          jobTitle: claimant.jobTitle ?? undefined,
        })
        : undefined,
      datePublished: claim.claimDate ?? undefined,
      appearance: appearances.map(toCreativeWork),
      firstAppearance: first && toCreativeWork(first),
    }),
  }
}
