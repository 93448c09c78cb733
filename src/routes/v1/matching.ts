// POST /v1/claims/match: which recorded claims is this sentence or post making?
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { fastSerializerCompiler } from '../../lib/fast-serializer.ts'
import { ClaimSchema, toClaim } from '../../schemas/claims.ts'
import { LanguageTag, problemResponses } from '../../schemas/common.ts'
import { readerOf } from '../http.ts'

const MatchBody = z.strictObject({
  text: z.string().trim().min(1).max(5000).describe('A sentence from a speech, a post, a headline: much longer or shorter than the claim is fine.'),
  language: LanguageTag.optional().describe('The language of the text (default `en`); it decides how words are stemmed.'),
  limit: z.int().min(1).max(50).default(10),
  minScore: z.number().min(0).max(1).default(0).describe('Leave out matches scoring lower.'),
}).meta({ id: 'MatchRequest' })

const MatchResult = z.object({
  data: z.array(z.object({
    score: z.number().min(0).max(1).describe('How likely the text makes this claim, 0..1; best first.'),
    claim: ClaimSchema,
  })),
}).meta({ id: 'MatchResult' })

export default async function matchingRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  app.setSerializerCompiler(fastSerializerCompiler)

  app.post('/claims/match', {
    config: { access: 'public', search: true },
    schema: {
      tags: ['Claims'],
      operationId: 'matchClaims',
      summary: 'Find recorded claims that a text makes',
      description: 'Ranks claims by BM25 over their words (rare words weigh most; stop words are ignored) blended with trigram similarity of the texts. Each match carries the claim\'s status and current verdict.',
      body: MatchBody,
      response: { 200: MatchResult, ...problemResponses(400, 413, 415, 500) },
    },
  }, async (request) => {
    const matches = await app.services.matching.match(request.body, readerOf(request))
    return {
      data: matches.map(({ item, score }) => ({
        score: Math.round(score * 10_000) / 10_000,
        claim: toClaim(item.claim, item.claimant, item.review && item.scale && { review: item.review, scale: item.scale }),
      })),
    }
  })
}
