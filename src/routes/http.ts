// What routes read from and write to HTTP: conditional requests (ETag, If-Match, If-None-Match) and who is writing.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isNotModified, parseEtagHeader, type EtagCondition } from '../lib/etag.ts'
import type { WriteContext } from '../services/history.ts'

export const ifMatchOf = (request: FastifyRequest): EtagCondition | undefined => parseEtagHeader(request.headers['if-match'])

/** Sets the ETag and tells whether the client's If-None-Match makes this a 304. */
export function withEtag (request: FastifyRequest, reply: FastifyReply, etag: string): { notModified: boolean } {
  reply.header('etag', etag)
  return { notModified: isNotModified(parseEtagHeader(request.headers['if-none-match']), etag) }
}

/** The actor and request recorded on the revisions a write makes. */
export const writeContextOf = (request: FastifyRequest): WriteContext => ({ actor: 'anonymous', requestId: request.id })
