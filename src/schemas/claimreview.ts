// schema.org ClaimReview (JSON-LD) for published reviews, as search engines and partners consume it.
import { z } from 'zod'
import type { AppearanceRecord } from '../domain/types.ts'
import type { PublishedReview } from '../domain/types.ts'
import { withoutEmpty } from './common.ts'
import { toRating } from './reviews.ts'

const Organization = z.object({ '@type': z.literal('Organization'), name: z.string(), url: z.string().optional() })

const CreativeWork = z.object({
  '@type': z.literal('CreativeWork'),
  url: z.string().optional(),
  headline: z.string().optional(),
  datePublished: z.string().optional(),
  publisher: Organization.optional(),
  text: z.string().optional().describe('The quote as it appeared.'),
}).meta({ id: 'ClaimReviewAppearance' })

const Correction = z.object({
  '@type': z.literal('CorrectionComment'),
  text: z.string().describe('That the review was retracted, and why.'),
  datePublished: z.string().describe('When it was retracted.'),
}).meta({ id: 'ClaimReviewCorrection', description: 'schema.org `correction`: present when the review was retracted.' })

export const ClaimReviewSchema = z.object({
  '@context': z.literal('https://schema.org'),
  '@type': z.literal('ClaimReview'),
  '@id': z.string().optional(),
  url: z.string(),
  claimReviewed: z.string(),
  reviewRating: z.object({
    '@type': z.literal('Rating'),
    alternateName: z.string(),
    ratingValue: z.number(),
    bestRating: z.number(),
    worstRating: z.number(),
    ratingExplanation: z.string().optional(),
  }),
  author: Organization,
  datePublished: z.string().optional().describe('When the review was published; left out when unknown (an imported record without a date).'),
  dateModified: z.string(),
  correction: Correction.optional(),
  inLanguage: z.string(),
  headline: z.string().optional(),
  itemReviewed: z.object({
    '@type': z.literal('Claim'),
    author: z.object({
      '@type': z.enum(['Person', 'Organization']),
      name: z.string(),
      sameAs: z.array(z.string()).optional(),
      jobTitle: z.string().optional(),
    }).optional(),
    datePublished: z.string().optional(),
    appearance: z.array(CreativeWork),
    firstAppearance: CreativeWork.optional(),
  }),
}).meta({ id: 'ClaimReview', description: 'A schema.org ClaimReview in JSON-LD.' })

export type ClaimReview = z.output<typeof ClaimReviewSchema>

const defined = withoutEmpty

function toCreativeWork (appearance: AppearanceRecord): z.output<typeof CreativeWork> {
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
export function toClaimReview ({ review, scale, claim, claimant }: PublishedReview, appearances: AppearanceRecord[]): ClaimReview {
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
    author: defined({ '@type': 'Organization' as const, name: review.authorName ?? '', url: review.authorUrl ?? undefined }),
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
          '@type': claimant.kind === 'organization' ? 'Organization' as const : 'Person' as const,
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
