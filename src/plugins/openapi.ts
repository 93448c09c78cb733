// The OpenAPI 3.1 document generated from the routes' zod schemas, served at /openapi.json and browsable at /docs.
// @see https://github.com/fastify/fastify-swagger
// @see https://github.com/scalar/scalar/tree/main/integrations/fastify
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import apiReference from '@scalar/fastify-api-reference'
import { jsonSchemaTransform, jsonSchemaTransformObject } from '@fastify/type-provider-zod'
import { problemTypes } from '../errors.ts'
import type { Access } from '../domain/access.ts'
import { completeDocument } from './openapi-document.ts'
import { problemTypeUri } from './problem-details.ts'

const problemTable = Object.entries(problemTypes)
  .map(([code, { status, title }]) => `| \`${problemTypeUri(code as keyof typeof problemTypes)}\` | ${status} | ${title} |`)
  .join('\n')

const description = `Claimtrack tracks claims made by public figures, where they appeared, the evidence for and against
them, and fact-check verdicts.

## Conventions
- JSON bodies in camelCase; timestamps are ISO 8601 in UTC; ids are UUIDs.
- Lists return \`{ data, nextCursor }\`, newest first. Pass \`nextCursor\` back as \`cursor\` for the next page;
  paging neither skips nor repeats an item while others are added.
- \`PATCH\` changes only the fields sent; \`null\` clears an optional field. Request bodies reject unknown fields.
- Every error is \`application/problem+json\` (RFC 9457) with \`type\`, \`title\`, \`status\`, \`detail\`, \`instance\`,
  the \`requestId\` and, for validation failures, \`errors[]\` naming each field.

## Problem types
| type | status | title |
| --- | --- | --- |
${problemTable}
`

async function openapiPlugin (app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Claimtrack API',
        version: '1.0.0',
        description,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        contact: { name: 'The newsroom that runs this Claimtrack server' },
      },
      // Relative: the server this document is served from (/docs resolves it to its own origin in code samples).
      servers: [{ url: '/', description: 'This server: the one that serves this document' }],
      tags: [
        { name: 'Claims', description: 'What public figures claimed, with the claimant, appearances and evidence.' },
        { name: 'Claimants', description: 'The people and organisations who make claims.' },
        { name: 'Appearances', description: 'Where a claim was made or reported.' },
        { name: 'Evidence', description: 'Sources that support, refute or give context to a claim.' },
        {
          name: 'Reviews',
          description: "Verdicts on a claim: drafted, published (the claim's current verdict) and retracted.",
        },
        {
          name: 'Rating scales',
          description: 'The scales verdicts are given on, each value mapped to a normalised verdict.',
        },
        {
          name: 'ClaimReview',
          description: 'Published verdicts as schema.org ClaimReview (JSON-LD), for search engines and partners.',
        },
        {
          name: 'Google Fact Check Tools',
          description: "A drop-in for Google's `claims:search`: same parameters, same response shape.",
        },
        {
          name: 'Lookup',
          description: 'For browser extensions: is there a fact-check for this page? Public, CORS-enabled, cacheable.',
        },
        {
          name: 'Embed',
          description:
            'For partner sites: the verdict widget script and SVG verdict badges. Public, cacheable, embeddable anywhere.',
        },
        { name: 'Sync', description: 'For partners: an incremental feed of every change, in commit order.' },
        { name: 'Organizations', description: 'The newsrooms and fact-checking outlets that own claims and reviews.' },
        {
          name: 'API keys',
          description: 'Keys of your organisation, each with one role, and the audit log of what they did.',
        },
        {
          name: 'Webhooks',
          description: 'Endpoints of your organisation that receive signed events when claims and verdicts change.',
        },
        {
          name: 'Imports',
          description: 'Bulk imports of claims, claimants and published verdicts, run as background jobs.',
        },
        { name: 'Operations', description: 'Liveness and readiness probes.' },
      ],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key of an organisation, `ct_<random>_<checksum>`, as `Authorization: Bearer <key>`.',
          },
        },
      },
    },
    // The paths are the routes' own: the server URL is relative, not a base path to strip from them.
    stripBasePath: false,
    // Who may call each operation, from the route's `config.access` (what the auth plugin enforces).
    transform: (input) => {
      const result = jsonSchemaTransform(input)
      const access: Access = input.route.config?.access ?? 'public'
      // A probe answers whatever credentials come with it: it has no security at all.
      const security: Array<Record<string, string[]>> =
        input.route.config?.probe === true ? [] : access === 'public' ? [{}, { apiKey: [] }] : [{ apiKey: [] }]
      return { ...result, schema: { ...requireIfMatch(result.schema), security, 'x-required-role': access } }
    },
    transformObject: (documentObject) =>
      completeDocument(jsonSchemaTransformObject(documentObject)),
  })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  await app.register(apiReference, {
    routePrefix: '/docs',
    logLevel: 'warn',
    // The page and its script are the same for every caller until the next release: cacheable by browsers and CDNs.
    hooks: {
      onRequest: async (request, reply) => {
        reply.header('cache-control', request.url.startsWith('/docs/js/') ? 'public, max-age=86400' : 'public, max-age=300')
      },
    },
    configuration: {
      pageTitle: 'Claimtrack API',
      title: 'Claimtrack API',
      url: '/openapi.json',
      // Only what this server serves: no hosted services (the API client app, Ask AI, MCP, the developer toolbar with
      // Deploy and Share), no telemetry, and the system fonts instead of fonts from Scalar's CDN, which the page's
      // Content-Security-Policy would block anyway.
      hideClientButton: true,
      showDeveloperTools: 'never',
      agent: { disabled: true },
      mcp: { disabled: true },
      telemetry: false,
      withDefaultFonts: false,
    },
  })
}

/**
 * Where the server answers 428 without `If-Match`, the document says the header is required, so that generated
 * clients require it. The request schema keeps it optional: without it the answer must be that 428 (which tells
 * where to get the ETag), not a 400 from validation.
 */
function requireIfMatch<T extends { headers?: unknown, response?: unknown }> (schema: T): T {
  const responses = (schema.response ?? {}) as Record<string, unknown>
  const headers = schema.headers as { properties?: Record<string, unknown>, required?: string[] } | undefined
  if (!('428' in responses) || headers?.properties?.['if-match'] === undefined) return schema
  return { ...schema, headers: { ...headers, required: [...new Set([...(headers.required ?? []), 'if-match'])] } }
}

export default fp(openapiPlugin, { name: 'openapi' })
