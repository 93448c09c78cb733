// GET /embed.js: the verdict widget (src/embed/embed.js) for partner pages, with the verdict colours of the badges
// put in, so both draw a verdict alike. Public, cacheable, loadable from any site.
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { IfNoneMatchHeaders, NotModified, problemResponses } from '../schemas/common.ts'
import { scriptSafeJson } from '../lib/render/script-safe-json.ts'
import { noVerdictStyle, retractedStyle, verdictStyles } from '../lib/render/verdict-style.ts'

const PLACEHOLDER = '/* verdict styles */ null'

/** The widget as served: the source file with the verdict styles in place of its placeholder. */
export function embedScript (): string {
  const source = readFileSync(new URL('../embed/embed.js', import.meta.url), 'utf8')
  const at = source.indexOf(PLACEHOLDER)
  if (at === -1 || source.indexOf(PLACEHOLDER, at + 1) !== -1) throw new Error(`src/embed/embed.js must hold "${PLACEHOLDER}" exactly once`)
  // Script-safe, so that a page may also inline the widget in a <script> element.
  return source.replace(PLACEHOLDER, () =>
    scriptSafeJson(JSON.stringify({ verdicts: verdictStyles, none: noVerdictStyle, retracted: retractedStyle }))
  )
}

const EmbedScript = z.string().describe('The widget script (`text/javascript`).')

export default async function embedRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const script = embedScript()

  app.get('/embed.js', {
    // Changed only by a new release: cached for 10 minutes, then revalidated by its ETag.
    config: { cache: { scope: 'public', maxAge: 600 } },
    schema: {
      tags: ['Embed'],
      operationId: 'getEmbedScript',
      summary: 'The embeddable verdict widget',
      description: 'Load it from any site as a script element whose `src` is `https://API/embed.js` (with `async`); every `<div data-claimtrack-claim="CLAIM_ID">` and `<div data-claimtrack-url="PAGE_URL">` (empty: the page itself) becomes a verdict card. It reads `GET /v1/claims/{id}` and `GET /v1/lookup` anonymously, from the server it was loaded from.',
      headers: IfNoneMatchHeaders,
      produces: ['text/javascript'],
      response: { 200: EmbedScript, 304: NotModified, ...problemResponses(500) },
    },
  }, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(script))
}
