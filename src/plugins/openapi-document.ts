// What the OpenAPI document says beyond the routes' own schemas, written into it once fastify-swagger has made it:
// every operation described (with who may call it), the responses every route can give (401, 403, 429, 503 …) with
// their headers and problem+json bodies, the Idempotency-Key header on writes, and the schemas tidied. The plugin
// that serves the document is src/plugins/openapi.ts.
import type { jsonSchemaTransformObject } from '@fastify/type-provider-zod'
import type { Access } from '../domain/access.ts'
import { PROBLEM_CONTENT_TYPE } from './problem-details.ts'

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

/** The document as the routes made it, completed: responses, then operations described, then schemas tidied. */
export function completeDocument (document: Document): Document {
  return tidySchemas(describeOperations(describeResponses(document)))
}
