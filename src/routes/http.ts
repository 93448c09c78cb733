// What routes read from and write to HTTP: conditional requests (ETag, If-Match, If-None-Match), who is reading and
// who is writing.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isNotModified, parseEtagHeader, type EtagCondition } from '../lib/tokens/etag.ts'
import { viewerOf, type KeyPrincipal, type Viewer } from '../domain/access.ts'
import type { WriteContext } from '../services/history.ts'
import type { ReadBudget } from '../services/types.ts'

export const ifMatchOf = (request: FastifyRequest): EtagCondition | undefined => parseEtagHeader(request.headers['if-match'])

/** Sets the ETag and tells whether the client's If-None-Match makes this a 304. */
export function withEtag (request: FastifyRequest, reply: FastifyReply, etag: string): { notModified: boolean } {
  reply.header('etag', etag)
  return { notModified: isNotModified(parseEtagHeader(request.headers['if-none-match']), etag) }
}

/** The caller's API key, on a route that needs a role: the auth plugin has refused the request without one. */
export function keyOf (request: FastifyRequest): KeyPrincipal {
  const { principal } = request
  if (principal.kind !== 'key') throw new Error(`${request.method} ${request.url} needs a role but reached its handler without an API key`)
  return principal
}

/** The key, organisation and request recorded on the revisions a write makes. */
export function writeContextOf (request: FastifyRequest): WriteContext {
  const principal = keyOf(request)
  return {
    actor: principal.keyName,
    actorKeyId: principal.keyId,
    organizationId: principal.organizationId,
    requestId: request.id,
    onCommit: request.idempotentCommit,
  }
}

/** Whose private data this request may read. */
export const readerOf = (request: FastifyRequest): Viewer => viewerOf(request.principal)

/**
 * What a search may spend: SEARCH_STATEMENT_TIMEOUT per statement for anonymous and partner callers; newsroom keys the
 * server's own.
 */
export function readBudgetOf (request: FastifyRequest): ReadBudget {
  const { principal } = request
  const newsroom = principal.kind === 'key' && principal.role !== 'partner'
  return newsroom ? {} : { statementTimeoutMs: request.server.config.search.statementTimeoutMs }
}

/** A route's `search` config: its requests that carry this query parameter are searches (see the rate-limit plugin). */
export const withQuery = (parameter: string) => (request: FastifyRequest): boolean => {
  const value = (request.query as Record<string, unknown> | undefined)?.[parameter]
  return typeof value === 'string' && value.trim() !== ''
}
