// POST /v1/claims/match: which recorded claims is this sentence or post making?
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { ClaimSchema, toClaim } from '../../schemas/claims.ts'
import { LanguageTag, problemResponses } from '../../schemas/common.ts'
import { readerOf } from '../http.ts'

const MatchBody = z.strictObject({
  text: z.string().trim().min(1).max(5000).describe('A sentence from a speech, a post, a headline: much longer or shorter than the claim is fine.'),
  language: LanguageTag.optional().describe('The language of the text; it decides how words are stemmed and which are stop words (`en`, `es`, `de`, `fr` have their own; others are matched word for word). Detected from the text among those four when absent (`en` when unclear).'),
  limit: z.int().min(1).max(50).default(10),
  minScore: z.number().min(0).max(1).default(0).describe('Leave out matches scoring lower.'),
}).meta({ id: 'MatchRequest' })

const MatchResult = z.object({
  data: z.array(z.object({
    score: z.number().min(0).max(1).describe('How likely the text makes this claim, 0..1; best first. The sum of `explanation.words` and `explanation.similarity` (rounded).'),
    explanation: z.object({
      matchedTerms: z.array(z.string()).describe('The words of the text found in the claim (lower-cased, as written in the text; a word matches its other forms, e.g. "taxes" matches "tax"), the rarest, most telling ones first.'),
      words: z.number().min(0).describe('The part of the score from shared words: BM25 of the claim for the text, relative to the most the text could reach, squashed to 0..1 and weighted.'),
      similarity: z.number().min(0).describe('The part of the score from how alike the texts are as strings (trigram word similarity, 0..1, weighted).'),
      bm25: z.number().min(0).describe('The raw BM25 score of the claim text for the text, before weighting.'),
    }).describe('Why the claim matched, for showing the link to a reader.'),
    claim: ClaimSchema,
  })),
}).meta({ id: 'MatchResult' })

export default async function matchingRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()

  app.post('/claims/match', {
    config: { access: 'public', search: true },
    schema: {
      tags: ['Claims'],
      operationId: 'matchClaims',
      summary: 'Find recorded claims that a text makes',
      description: 'Ranks the claims the caller may see by BM25 over their words (rare words weigh most; stop words are ignored) blended with trigram similarity of the texts. A claim is matchable, with current word statistics, as soon as its write commits. Each match carries why it matched and the claim\'s status and current verdict.',
      body: MatchBody,
      response: { 200: MatchResult, ...problemResponses(400, 413, 415, 500) },
    },
  }, async (request) => {
    const matches = await app.services.matching.match(request.body, readerOf(request))
    return {
      data: matches.map(({ item, score, explanation }) => ({
        score: Math.round(score * 10_000) / 10_000,
        explanation: {
          matchedTerms: explanation.matchedTerms,
          words: Math.round(explanation.words * 10_000) / 10_000,
          similarity: Math.round(explanation.similarity * 10_000) / 10_000,
          bm25: Math.round(explanation.bm25 * 10_000) / 10_000,
        },
        claim: toClaim(
          item.claim,
          item.claimant,
          item.review && item.scale && { review: item.review, scale: item.scale }
        ),
      })),
    }
  })
}
