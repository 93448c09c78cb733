// GET /v1alpha1/claims:search in the request and response shape of Google's Fact Check Tools API, so that an
// existing client of that API works against Claimtrack by changing its base URL.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { problem } from '../errors.ts'
import { fastSerializerCompiler } from '../lib/http/fast-serializer.ts'
import { scriptSafeSerializerCompiler } from '../lib/render/script-safe-json.ts'
import { IfNoneMatchHeaders, LanguageTag, NotModified, problemResponses, withoutEmpty } from '../schemas/common.ts'
import { toRating } from '../schemas/reviews.ts'
import type { SearchHit } from '../services/published.ts'
import { readBudgetOf, withQuery } from './http.ts'

// Google's clients send the system parameters of every Google API (the API key above all); they are accepted and
// ignored here, and any other unknown parameter is refused as on every route.
const googleSystemParameter = (what: string) => z.string().max(2048).optional().describe(`${what} Accepted for compatibility with Google's clients, and ignored.`)
const googleSystemParameters = {
  key: googleSystemParameter('Google API key.'),
  access_token: googleSystemParameter('OAuth access token.'),
  oauth_token: googleSystemParameter('OAuth token.'),
  alt: googleSystemParameter('Response format.'),
  callback: googleSystemParameter('JSONP callback.'),
  fields: googleSystemParameter('Partial response selector.'),
  prettyPrint: googleSystemParameter('Pretty-printed response.'),
  quotaUser: googleSystemParameter('Quota user.'),
  userIp: googleSystemParameter('End user IP address.'),
  uploadType: googleSystemParameter('Upload protocol.'),
  upload_protocol: googleSystemParameter('Upload protocol.'),
  '$.xgafv': googleSystemParameter('Error format.'),
}

const SearchQuery = z.strictObject({
  ...googleSystemParameters,
  query: z.string().max(500).optional().describe('Text to search for in claims, in the web-search syntax of `q` on `GET /v1/claims` and with its limits (400 for a query of only `-word`s). Required unless `reviewPublisherSiteFilter` is given.'),
  languageCode: LanguageTag.optional().describe('BCP 47 language code of the reviews, e.g. `en` or `en-US`; `en` also matches `en-US`.'),
  // No `i` flag: the OpenAPI pattern carries no flags, so the class itself must admit upper case.
  reviewPublisherSiteFilter: z.string().max(253).regex(/^[a-zA-Z0-9.-]+$/, 'must be a host name, e.g. politifact.com').optional()
    .describe('Only reviews published by this site, e.g. `politifact.com`.'),
  maxAgeDays: z.coerce.number().int().min(1).max(36500).optional().describe('Only reviews published in the last N days.'),
  pageSize: z.coerce.number().int().min(1).max(100).default(10),
  pageToken: z.string().max(512).optional().describe('The `nextPageToken` of the previous page.'),
  offset: z.coerce.number().int().min(0).max(10000).optional().describe('An integer offset, when not using `pageToken`.'),
})

const GoogleClaimReview = z.object({
  publisher: z.object({ name: z.string().optional(), site: z.string().optional() }),
  url: z.string().optional(),
  title: z.string().optional(),
  reviewDate: z.string().optional(),
  textualRating: z.string(),
  languageCode: z.string(),
})

const SearchResponse = z.object({
  claims: z.array(z.object({
    text: z.string(),
    claimant: z.string().optional(),
    claimDate: z.string().optional(),
    claimReview: z.array(GoogleClaimReview),
  })).optional(),
  nextPageToken: z.string().optional(),
}).meta({ id: 'GoogleFactCheckSearchResponse', description: 'The `ClaimSearchResponse` of Google\'s Fact Check Tools API v1alpha1.' })

const hostOf = (url: string | null) => {
  if (!url) return undefined
  try {
    return new URL(url).hostname.replace(/^www\./, '')
  } catch {
    return undefined
  }
}

// Google's API leaves out fields that have no value rather than sending null.
const present = withoutEmpty

function toGoogleClaim ({ claim, claimant, reviews }: SearchHit) {
  return present({
    text: claim.text,
    claimant: claimant?.name,
    claimDate: claim.claimDate ? `${claim.claimDate}T00:00:00Z` : undefined,
    claimReview: reviews.map((pair) =>
      present({
        // The review's author URL, else the site of the organisation that published it.
        publisher: present({
          name: pair.review.authorName ?? undefined,
          site: hostOf(pair.review.authorUrl) ?? hostOf(pair.organizationUrl),
        }),
        url: pair.review.url ?? undefined,
        title: pair.review.headline ?? undefined,
        reviewDate: pair.review.datePublished?.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        textualRating: toRating(pair).label,
        languageCode: pair.review.inLanguage,
      })
    ),
  })
}

export default async function googleFactCheckRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  // A fact-check feed that pages may inline, as they do ClaimReview: script-safe like it.
  app.setSerializerCompiler(scriptSafeSerializerCompiler(fastSerializerCompiler))

  // `::` escapes the colon, which the router would otherwise read as the start of a parameter.
  app.get('/claims::search', {
    // Published reviews of public claims: the same for everyone, so cacheable by browsers and CDNs (with an ETag).
    config: { search: withQuery('query'), cache: { scope: 'public' } },
    schema: {
      tags: ['Google Fact Check Tools'],
      operationId: 'googleClaimsSearch',
      summary: 'Search published fact-checks, answering like Google\'s Fact Check Tools API',
      description: 'Accepts the parameters of `GET https://factchecktools.googleapis.com/v1alpha1/claims:search` and answers in its response shape. Only claims with a published review are found. `publisher.site` is the host of the review\'s author URL, else of its organisation\'s `url`. Public and cacheable (`Cache-Control: public`, an ETag).',
      headers: IfNoneMatchHeaders,
      querystring: SearchQuery,
      response: { 200: SearchResponse, 304: NotModified, ...problemResponses(400, 500) },
    },
  }, async (request) => {
    const q = request.query
    if (!q.query && !q.reviewPublisherSiteFilter) {
      throw problem('validation-failed', 'Either query or reviewPublisherSiteFilter is required.', { errors: [{ field: 'query.query', message: 'required unless reviewPublisherSiteFilter is given' }] })
    }
    const { hits, nextPageToken } = await app.services.published.search({
      query: q.query || undefined,
      language: q.languageCode,
      site: q.reviewPublisherSiteFilter?.toLowerCase().replace(/^www\./, ''),
      publishedSince: q.maxAgeDays ? new Date(Date.now() - q.maxAgeDays * 86_400_000) : undefined,
      limit: q.pageSize,
      pageToken: q.pageToken,
      offset: q.offset,
    }, readBudgetOf(request))
    return present({
      claims: hits.length > 0 ? hits.map(toGoogleClaim) : undefined,
      nextPageToken: nextPageToken ?? undefined,
    })
  })
}
