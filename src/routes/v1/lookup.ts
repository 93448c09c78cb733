// /v1/lookup: "is there a fact-check for this page?" for browser extensions: public, cacheable, and readable from
// any origin (the CORS plugin).
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { CANONICALIZATION_RULES } from '../../lib/url-canonical.ts'
import type { PageClaim } from '../../domain/types.ts'
import { ClaimStatus } from '../../schemas/claims.ts'
import { IdSchema, IfNoneMatchHeaders, NotModified, problemResponses } from '../../schemas/common.ts'
import { NormalizedVerdict } from '../../schemas/rating-scales.ts'
import { RetractionSchema, VerdictSchema, toCurrentVerdict, toRetraction } from '../../schemas/reviews.ts'
import type { PageLookup } from '../../services/lookup.ts'
import { withEtag } from '../http.ts'

const LookupClaim = z.object({
  id: IdSchema,
  text: z.string(),
  claimant: z.object({ id: IdSchema, slug: z.string(), name: z.string() }).nullable(),
  status: ClaimStatus,
  currentVerdict: VerdictSchema.nullable(),
  retraction: RetractionSchema.nullable().describe('The withdrawn verdict, with when and why, when the claim\'s verdict was retracted and no other is published.'),
  href: z.string().describe('The claim in this API.'),
}).meta({ id: 'LookupClaim' })

const PageResult = z.object({
  url: z.string().describe('The URL as sent.'),
  canonicalUrl: z.string().describe('The URL after canonicalisation; equal pages give equal canonical URLs.'),
  claims: z.array(LookupClaim).describe('Claims that appeared at the page; empty when there are none.'),
}).meta({ id: 'PageLookup' })

const BatchBody = z.strictObject({
  urls: z.array(z.string().min(1).max(2048)).min(1).max(100).describe('Up to 100 page URLs.'),
}).meta({ id: 'BatchLookup' })

const BatchResult = z.object({
  results: z.record(z.string(), PageResult.omit({ url: true })).describe('One entry per URL, keyed by the URL exactly as sent.'),
}).meta({ id: 'BatchLookupResult' })

const LookupClaimSummary = z.object({
  id: IdSchema,
  href: z.string().describe('The claim in this API, with its text, claimant and full verdict.'),
  status: ClaimStatus,
  verdict: NormalizedVerdict.nullable().describe('The published verdict, normalised across rating scales; null when none is published.'),
  label: z.string().nullable().describe('The published verdict\'s native label, e.g. `Pants on Fire`; null when none is published.'),
  retracted: z.boolean().describe('The claim\'s verdict was retracted and no other is published (the claim shows why).'),
}).meta({ id: 'LookupClaimSummary' })

const BatchSummaryResult = z.object({
  results: z.record(z.string(), z.array(LookupClaimSummary)).describe('The claims at each URL that has any, keyed by the URL exactly as sent; a URL without claims is left out.'),
}).meta({ id: 'BatchLookupSummary' })

const PrefixResult = z.object({
  prefix: z.string(),
  matches: z.array(z.object({
    hash: z.string().describe('The full SHA-256 (hex) of a canonical URL with this prefix.'),
    claims: z.array(LookupClaim),
  })).describe('Every known page whose hash has the prefix; compare your own hash with these, locally.'),
}).meta({ id: 'PrefixLookup' })

const PrefixListResult = z.object({
  bytes: z.number().int().describe('Bytes per prefix.'),
  version: z.string().describe('Names this list; send it back as `since` for only what changed.'),
  count: z.number().int().describe('How many prefixes the current list holds.'),
  full: z.boolean().describe('true: `prefixes` is the whole list. false: `additions` and `removals` are the change since `since`.'),
  encoding: z.literal('delta-varint-base64').describe('Each list: the sorted prefixes as big-endian unsigned integers, the first then each gap to the next as unsigned LEB128 varints, in base64 (`src/lib/prefix-list.ts` decodes it).'),
  prefixes: z.string().optional().describe('The whole list, when `full` is true.'),
  additions: z.string().optional().describe('Prefixes added since `since`, when `full` is false.'),
  removals: z.string().optional().describe('Prefixes removed since `since`, when `full` is false.'),
}).meta({ id: 'PrefixList' })

const rules = CANONICALIZATION_RULES.map((rule, i) => `${i + 1}. ${rule}`).join('\n')
const canonicalNote = `URLs are compared in canonical form. The rules, which \`src/lib/url-canonical.ts\` implements for reuse in extensions:\n\n${rules}`

const toLookupClaim = ({ claim, claimant, review, scale }: PageClaim): z.output<typeof LookupClaim> => ({
  id: claim.id,
  text: claim.text,
  claimant,
  status: claim.status,
  currentVerdict: toCurrentVerdict(review && scale && { review, scale }),
  retraction: toRetraction(review && scale && { review, scale }),
  href: `/v1/claims/${claim.id}`,
})

const toPageResult = (page: PageLookup): z.output<typeof PageResult> => ({
  url: page.url,
  canonicalUrl: page.canonicalUrl,
  claims: page.claims.map(toLookupClaim),
})

export default async function lookupRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const { lookup, prefixList } = app.services
  const tags = ['Lookup']
  // Public whoever asks (lookups never include private claims): cached for LOOKUP_MAX_AGE, ETag from the body.
  const cache = { scope: 'public' as const, maxAge: app.config.lookupMaxAge }

  await app.register(async (scope) => {
    const app = scope.withTypeProvider<ZodTypeProvider>()
    app.get('', {
      config: { cache },
      schema: {
        tags,
        operationId: 'lookupPage',
        summary: 'The claims that appeared at a page',
        description: `An unknown page gives an empty list, not a 404. Public, CORS-enabled (\`*\`) and cacheable.\n\n${canonicalNote}`,
        querystring: z.object({ url: z.string().min(1).max(2048).describe('The page URL, in any form.') }),
        headers: IfNoneMatchHeaders,
        response: { 200: PageResult, 304: NotModified, ...problemResponses(400, 500) },
      },
    }, async (request) => toPageResult(await lookup.page(request.query.url)))

    app.post('', {
      config: { access: 'public' },
      schema: {
        tags,
        operationId: 'lookupPages',
        summary: 'The claims that appeared at up to 100 pages',
        description: 'Results are keyed by each URL exactly as sent. Public and CORS-enabled; not cached (use the GET form for that).',
        body: BatchBody,
        response: { 200: BatchResult, ...problemResponses(400, 413, 415, 500) },
      },
    }, async (request) => {
      const pages = await lookup.pages(request.body.urls)
      return {
        results: Object.fromEntries(
          pages.map((page) => [page.url, { canonicalUrl: page.canonicalUrl, claims: page.claims.map(toLookupClaim) }])
        ),
      }
    })
  }, { prefix: '/lookup' })

  await app.register(async (scope) => {
    const app = scope.withTypeProvider<ZodTypeProvider>()
    app.post('', {
      config: { access: 'public' },
      schema: {
        tags,
        operationId: 'lookupPageVerdicts',
        summary: 'The verdicts at up to 100 pages, compactly',
        description: 'What a browser extension badges pages with: for each URL that has claims, each claim\'s id, link, status and verdict in a word, without texts, claimants or reviews (follow `href` for those, or send the same body to `POST /v1/lookup` for them all). URLs without claims are left out. Public and CORS-enabled; not cached.',
        body: BatchBody,
        response: { 200: BatchSummaryResult, ...problemResponses(400, 413, 415, 500) },
      },
    }, async (request) => {
      const found = await lookup.summaries(request.body.urls)
      const results: Record<string, Array<z.output<typeof LookupClaimSummary>>> = {}
      for (const [url, claims] of found) {
        results[url] = claims.map(({ id, status, verdict, label, retracted }) => ({ id, href: `/v1/claims/${id}`, status, verdict, label, retracted }))
      }
      return { results }
    })
  }, { prefix: '/lookup/verdicts' })

  await app.register(async (scope) => {
    const app = scope.withTypeProvider<ZodTypeProvider>()
    app.get('', {
      config: { cache },
      schema: {
        tags,
        operationId: 'lookupHashPrefix',
        summary: 'Privacy-preserving lookup by hash prefix',
        description: 'Send the first 8 hex characters of the SHA-256 of the canonical URL; the answer lists every known page with that prefix, so the server never learns which page you are on. Public, CORS-enabled and cacheable.',
        params: z.object({ prefix: z.string().length(8, 'must be 8 hexadecimal characters').regex(/^[0-9a-fA-F]{8}$/, 'must be 8 hexadecimal characters') }),
        headers: IfNoneMatchHeaders,
        response: { 200: PrefixResult, 304: NotModified, ...problemResponses(400, 500) },
      },
    }, async (request) => {
      const matches = await lookup.prefix(request.params.prefix)
      return {
        prefix: request.params.prefix.toLowerCase(),
        matches: [...matches].map(([hash, claims]) => ({ hash, claims: claims.map(toLookupClaim) })),
      }
    })
  }, { prefix: '/lookup/prefixes/:prefix' })

  await app.register(async (scope) => {
    const app = scope.withTypeProvider<ZodTypeProvider>()
    app.get('', {
      config: { cache },
      schema: {
        tags,
        operationId: 'lookupPrefixList',
        summary: 'The hash prefixes of every known page, for checks that reveal nothing',
        description: 'The sorted first bytes of the SHA-256 of every canonical URL a lookup can find. A client holds this list and asks `/v1/lookup/prefixes/{prefix}` only when its own hash starts with one of them, so pages without a fact-check never leave the browser. With `since` (a `version` this endpoint returned, from any process of the deployment: versions are stored in the database) the answer is only the prefixes added and removed; a version no longer kept (kept: 7 days, at most 500 versions), unknown, or whose change would be larger than the list gets the full list with `full: true`. The version stays the same while the list does. Public, CORS-enabled, cacheable by CDNs; the ETag names the version.',
        querystring: z.strictObject({
          bytes: z.coerce.number().int().min(1).max(6).optional().describe(`Bytes per prefix (default PREFIX_LIST_BYTES, ${app.config.prefixListBytes}).`),
          since: z.string().length(16, 'must be a version this endpoint returned').regex(/^[0-9a-f]{16}$/, 'must be a version this endpoint returned').optional().describe('A version you hold.'),
        }),
        headers: IfNoneMatchHeaders,
        response: { 200: PrefixListResult, 304: NotModified, ...problemResponses(400, 500) },
      },
    }, async (request, reply) => {
      const { since } = request.query
      const list = await prefixList.get(request.query.bytes ?? app.config.prefixListBytes, since)
      // The version names the body (and `since` the delta), so the ETag needs no hash of a list of megabytes.
      if (withEtag(request, reply, `"${list.full ? list.version : `${since ?? ''}.${list.version}`}"`).notModified) {
        return reply.code(304).send(null)
      }
      return { ...list, encoding: 'delta-varint-base64' as const }
    })
  }, { prefix: '/lookup/prefix-list' })
}
