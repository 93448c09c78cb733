// schema.org ClaimReview (JSON-LD) for published reviews, as search engines and partners consume it.
import { z } from 'zod'
import { toClaimReview, type ClaimReview } from '../domain/claimreview.ts'
import type { Same } from './common.ts'

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

export type { ClaimReview }
export { toClaimReview }

/** The contract is the domain's ClaimReview (src/domain/claimreview.ts), which the services make. */
export const claimReviewIsDomain: Same<z.output<typeof ClaimReviewSchema>, ClaimReview> = true
