// HTTP conditional requests for the routes: ETag on reads and writes, 304 for If-None-Match, If-Match for writes.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isNotModified, parseEtagHeader, type EtagCondition } from '../lib/etag.ts'

export const ifMatchOf = (request: FastifyRequest): EtagCondition | undefined => parseEtagHeader(request.headers['if-match'])

/** Sets the ETag and tells whether the client's If-None-Match makes this a 304. */
export function withEtag (request: FastifyRequest, reply: FastifyReply, etag: string): { notModified: boolean } {
  reply.header('etag', etag)
  return { notModified: isNotModified(parseEtagHeader(request.headers['if-none-match']), etag) }
}
