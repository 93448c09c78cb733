// GET /v1/claims/{id}/badge.svg: a claim's published verdict as an SVG badge ("fact-check | False") for any page.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { publicViewer } from '../../domain/access.ts'
import { renderBadge } from '../../lib/render/badge.ts'
import { noVerdictStyle, retractedStyle, verdictStyles } from '../../lib/render/verdict-style.ts'
import { IdParams, IfNoneMatchHeaders, NotModified, problemResponses } from '../../schemas/common.ts'
import { toRating, toRetraction } from '../../schemas/reviews.ts'

const BadgeSvg = z.string().describe('An SVG image (`image/svg+xml`) with the verdict in its `<title>`.')

export default async function badgesRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { claims } = app.services

  app.get('/claims/:id/badge.svg', {
    // The same for every caller: only public claims are drawn, whoever asks.
    config: { cache: { scope: 'public' } },
    schema: {
      tags: ['Embed'],
      operationId: 'getClaimBadge',
      summary: 'A claim\'s verdict as an SVG badge',
      description: 'The native label of the claim\'s current verdict (e.g. `fact-check | Pants on Fire`), coloured by its normalised verdict; `No verdict`, in grey, while none is published; `Retracted YYYY-MM-DD`, near black, once the verdict was retracted and no other is published, with the withdrawn verdict and the reason in its `<title>` and `aria-label`. Only public claims: a claim that is unknown or not public is a 404, whatever key is sent. Public, cacheable, embeddable from any site (`<img src=…>`).',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      produces: ['image/svg+xml'],
      response: { 200: BadgeSvg, 304: NotModified, ...problemResponses(400, 404, 500) },
    },
  }, async (request, reply) => {
    const { currentReview } = await claims.get(request.params.id, publicViewer)
    const rating = currentReview && toRating(currentReview)
    const retraction = toRetraction(currentReview)
    const style = retraction ? retractedStyle : rating ? verdictStyles[rating.verdict] : noVerdictStyle
    const svg = retraction
      ? renderBadge({
        label: 'fact-check',
        message: `${style.name} ${retraction.retractedAt.slice(0, 10)}`,
        colour: style.colour,
        detail: `was ${retraction.withdrawnVerdict.rating.label}: ${retraction.reason}`,
      })
      : renderBadge({ label: 'fact-check', message: rating?.label ?? style.name, colour: style.colour })
    return reply.type('image/svg+xml; charset=utf-8').send(svg)
  })
}
