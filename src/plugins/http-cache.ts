// HTTP caching of GET answers (RFC 9111): strong ETags and 304s, and Cache-Control fit for a CDN on public answers,
// `private, no-store` on answers that may hold an organisation's private data. A route opts in with `config.cache`;
// every other answer to a GET or HEAD is `private, no-store` unless its route sets its own Cache-Control.
// @see https://www.rfc-editor.org/rfc/rfc9111
import { hash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { viewerOf } from '../domain/access.ts'
import { isNotModified, parseEtagHeader } from '../lib/tokens/etag.ts'

/** Seconds a shared cache may serve a public answer, and serve it stale while it revalidates, unless a route says. */
const PUBLIC_MAX_AGE = 60

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `public`: the answer is the same whoever asks (lookups, the ClaimReview feed). `viewer`: it may include the
     * caller's organisation's private data, so it is private for a key that sees such data, and public otherwise
     * with `Vary: Authorization`.
     */
    cache?: { scope: 'public' | 'viewer', maxAge?: number }
  }
}

/** Adds a header value to a comma-separated list (Vary), once. */
export function appendVary (current: unknown, name: string): string {
  const values = String(current ?? '').split(',').map((v) => v.trim()).filter(Boolean)
  return values.some((v) => v.toLowerCase() === name.toLowerCase() || v === '*') ? values.join(', ') : [...values, name].join(', ')
}

/** Whether this request's answer may hold private data: a key whose role reads its organisation's private data. */
const isPrivate = (request: FastifyRequest, scope: 'public' | 'viewer') =>
  scope === 'viewer' && request.principal?.kind === 'key' && viewerOf(request.principal).organizationId !== null

/** The Cache-Control and Vary of a cacheable route's answer. */
function setCacheHeaders (request: FastifyRequest, reply: FastifyReply) {
  const cache = request.routeOptions.config.cache
  if (cache === undefined) return
  if (cache.scope === 'viewer') reply.header('vary', appendVary(reply.getHeader('vary'), 'Authorization'))
  if (isPrivate(request, cache.scope)) {
    reply.header('cache-control', 'private, no-store')
    return
  }
  const maxAge = cache.maxAge ?? PUBLIC_MAX_AGE
  reply.header('cache-control', `public, max-age=${maxAge}, stale-while-revalidate=${maxAge}`)
}

/** A strong ETag of a serialized body: equal bodies, equal tags. */
const bodyEtag = (payload: string | Buffer) => `"${hash('sha256', payload, 'base64url').slice(0, 27)}"`

/** A 304 has no body, and so no Content-Type or Content-Length (RFC 9110 §15.4.5): without one, fastify sends none. */
function notModified (reply: FastifyReply): null {
  reply.removeHeader('content-type')
  return null
}

/**
 * On every answer to GET or HEAD, a Cache-Control. For a route that declares `config.cache`: on a 200 or 304, the
 * cache headers; on a 200 without an ETag of its own, one from the body, and a 304 when the client's If-None-Match
 * has it. Routes whose ETag is a version (a claim) set it and answer 304 before building the body.
 */
async function httpCachePlugin (app: FastifyInstance) {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return done(null, payload)
    const status = reply.statusCode
    // Any other answer to a read (a route that declares no cache, an error, a refusal) may depend on who asks: no
    // cache keeps it, unless the route said otherwise.
    const cacheable = request.routeOptions.config.cache !== undefined && (status === 200 || status === 304)
    if (!cacheable) {
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-store')
      return done(null, status === 304 ? notModified(reply) : payload)
    }
    setCacheHeaders(request, reply)
    if (status === 304) return done(null, notModified(reply))
    if (reply.hasHeader('etag') || !(typeof payload === 'string' || Buffer.isBuffer(payload))) return done(null, payload)
    const etag = bodyEtag(payload)
    reply.header('etag', etag)
    if (!isNotModified(parseEtagHeader(request.headers['if-none-match']), etag)) return done(null, payload)
    reply.code(304)
    done(null, notModified(reply))
  })
}

export default fp(httpCachePlugin, { name: 'http-cache' })
