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
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from './problem-details.ts'

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

type Document = ReturnType<typeof jsonSchemaTransformObject>
interface Response { description?: string, content?: Record<string, unknown>, headers?: Record<string, unknown> }
interface Operation {
  summary?: string
  description?: string
  parameters?: Array<{ in: string, name: string }>
  responses?: Record<string, Response>
  security?: Array<Record<string, string[]>>
  'x-required-role'?: Access
}

const header = (description: string) => ({ description, schema: { type: 'string' } })
const headers = {
  requestId: header('The request id: the `X-Request-Id` the client sent, or one generated for it.'),
  etag: header('The strong entity tag of the resource as returned; send it as `If-Match` to change it.'),
  location: header('The URL of the created resource.'),
  retryAfter: header('Seconds to wait before retrying.'),
}

const idempotencyKey = {
  in: 'header',
  name: 'Idempotency-Key',
  required: false,
  description: 'Makes a retry safe: the first response to this key (status, body, `Location`, `ETag`) is stored for 24 hours, per API key (per client IP without one), and replayed with `Idempotent-Replayed: true` instead of running the request again. A 5xx is not stored. Use a new key, such as a UUID, for each new request.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
}

/** POST and PATCH take an `Idempotency-Key` (the idempotency plugin): the header, and the 409 and 422 it can cause. */
function describeIdempotency (operation: Operation, problem: Response) {
  // A route's own 409 or 422 keeps its meaning (fastify-swagger calls an undescribed one "Default Response").
  const also = (code: number, usual: string, text: string): Response => {
    const given = operation.responses?.[code]
    if (!given) return { ...problem, description: `${text[0]?.toUpperCase()}${text.slice(1)}.` }
    const own = given.description && given.description !== 'Default Response' ? given.description.replace(/\.$/, '') : usual
    return { ...given, description: `${own}; or ${text}.` }
  }
  operation.parameters = [...(operation.parameters ?? []), idempotencyKey]
  operation.responses = {
    ...operation.responses,
    409: {
      ...also(409, 'The change conflicts with the current state of a resource', 'a request with this `Idempotency-Key` is still running: retry after `Retry-After` seconds'),
      headers: { ...operation.responses?.[409]?.headers, 'Retry-After': headers.retryAfter },
    },
    422: also(422, 'The request breaks a rule of the data model', 'this `Idempotency-Key` was used for a different request in the last 24 hours'),
  }
}

const roleSentence: Record<Access, string> = {
  public: 'Anyone may call it, with or without an API key; a key shows its organisation\'s private data too.',
  reader: 'Needs an API key with the role `reader` or higher.',
  editor: 'Needs an API key with the role `editor` or higher.',
  reviewer: 'Needs an API key with the role `reviewer` or higher.',
  admin: 'Needs an API key with the role `admin`.',
  partner: 'Needs a partner API key.',
}

/** Every operation has a description (a route without one of its own gets its summary and who may call it). */
function describeOperations (document: Document): Document {
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item ?? {}) as Operation[]) {
      if (typeof operation !== 'object' || operation === null || operation.description !== undefined) continue
      const access = operation['x-required-role'] ?? 'public'
      const probe = operation.security?.length === 0
      operation.description = `${operation.summary ?? ''}. ${probe ? 'A probe: it reads no API key and counts against no rate limit.' : roleSentence[access] ?? ''}`.trim()
    }
  }
  return document
}

/**
 * Integers get the format their range fits (int32 or int64), as code generators want; and components that no
 * operation refers to (the type provider registers an input and an output variant of every named schema, and request
 * bodies are inlined) are dropped, so the document holds what the API uses and nothing twice.
 */
function tidySchemas (document: Document): Document {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { for (const child of node) visit(child); return }
    if (typeof node !== 'object' || node === null) return
    const schema = node as Record<string, unknown>
    if (schema.type === 'integer' && schema.format === undefined) {
      const fits32 = typeof schema.minimum === 'number' && typeof schema.maximum === 'number' && schema.minimum >= -(2 ** 31) && schema.maximum <= 2 ** 31 - 1
      schema.format = fits32 ? 'int32' : 'int64'
    }
    for (const child of Object.values(schema)) visit(child)
  }
  visit(document)

  const { components } = document as { components?: Record<string, unknown> & { schemas?: Record<string, unknown> } }
  const schemas = components?.schemas ?? {}
  const used = new Set<string>()
  const follow = (node: unknown): void => {
    if (Array.isArray(node)) { for (const child of node) follow(child); return }
    if (typeof node !== 'object' || node === null) return
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length)
        if (!used.has(name)) {
          used.add(name)
          follow(schemas[name])
        }
      } else {
        follow(value)
      }
    }
  }
  follow(document.paths)
  follow({ ...components, schemas: undefined })
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name]
  // A request body's schema keeps its own name (`CreateClaim`, not `CreateClaimInput`) unless an output schema of
  // that name differs from it.
  const renamed = new Map<string, string>()
  for (const name of Object.keys(schemas)) {
    const base = name.replace(/Input$/, '')
    if (base !== name && !(base in schemas)) renamed.set(`#/components/schemas/${name}`, `#/components/schemas/${base}`)
  }
  if (renamed.size === 0) return document
  const text = JSON.stringify(document, (key, value: unknown) => key === '$ref' && typeof value === 'string' ? renamed.get(value) ?? value : value)
  const result = JSON.parse(text) as Document & { components?: { schemas?: Record<string, unknown> } }
  const renamedSchemas = result.components?.schemas ?? {}
  for (const [from, to] of renamed) {
    const [fromName, toName] = [from.split('/').pop() ?? '', to.split('/').pop() ?? '']
    renamedSchemas[toName] = renamedSchemas[fromName]
    delete renamedSchemas[fromName]
  }
  return result
}

/**
 * What the route schemas cannot say: errors are application/problem+json (see the problem-details plugin), and
 * the headers responses carry (request id everywhere, ETag on single resources, Location on creation).
 */
function describeResponses (document: Document): Document {
  const problem = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } }
  for (const item of Object.values(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {}) as Array<[string, Operation]>) {
      if (method === 'post' || method === 'patch') describeIdempotency(operation, problem)
      // Any request may carry a bad key (401) or exceed its rate limit (429); one that needs a role may lack it (403).
      // Probes (no security) read no key and count against no limit.
      const access = operation['x-required-role'] ?? 'public'
      if (operation.security?.length !== 0) {
        operation.responses = {
          ...operation.responses,
          401: { description: 'The API key is missing (where a role is needed), malformed, unknown or revoked.', ...problem },
          ...(access !== 'public' && { 403: { description: `The API key's role is below \`${access}\`, or the object belongs to another organisation.`, ...problem } }),
          429: { description: 'Too many requests: wait for `Retry-After` seconds.', ...problem },
        }
      }
      operation.responses = {
        ...operation.responses,
        // Any request may meet a database that is down or saturated, or a server that is shutting down.
        503: { description: 'The database is unreachable or too busy, or this server is shutting down: retry after `Retry-After` seconds.', ...problem },
      }
      // Fastify reads a body sent with any method but GET and HEAD, even where none is expected, and refuses one that
      // is too large or not JSON: an operation without a request body may answer so too.
      if (method !== 'get' && method !== 'head') {
        operation.responses = {
          413: { description: 'The request body is larger than the server accepts.', ...problem },
          415: { description: 'The request body is not JSON (`application/json`).', ...problem },
          ...operation.responses,
        }
      }
      const conditional = (operation.parameters ?? []).some((p) => p.in === 'header' && (p.name === 'if-match' || p.name === 'if-none-match'))
      for (const [code, response] of Object.entries(operation.responses ?? {})) {
        const status = Number(code)
        const schema = Object.values(response.content ?? {})[0]
        if (status >= 400 && schema) response.content = { [PROBLEM_CONTENT_TYPE]: schema }
        response.headers = { 'X-Request-Id': headers.requestId, ...response.headers }
        if (status === 201) Object.assign(response.headers, { Location: headers.location, ETag: headers.etag })
        if ((status === 200 || status === 304 || status === 412) && conditional) {
          Object.assign(response.headers, { ETag: headers.etag })
        }
        if (status === 503 || status === 429) Object.assign(response.headers, { 'Retry-After': headers.retryAfter })
        if (status === 401) Object.assign(response.headers, { 'WWW-Authenticate': header('`Bearer realm="claimtrack"`.') })
      }
    }
  }
  return document
}

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
      tidySchemas(describeOperations(describeResponses(jsonSchemaTransformObject(documentObject)))),
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
