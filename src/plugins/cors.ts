// CORS: browsers on any site may read public data anonymously (lookups, published claims, ClaimReview, feeds); only
// the origins in CORS_ORIGINS (the newsroom's own tools) may send an API key, and so write or read private data.
// @see https://github.com/fastify/fastify-cors
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import cors, { type FastifyCorsOptions } from '@fastify/cors'
import { appendVary } from './http-cache.ts'

/** Headers a browser script may read from any answer. */
const exposedHeaders = ['ETag', 'Location', 'X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Idempotent-Replayed']

/** Any origin: no Authorization header, so anonymous and read-only (a write without a key is a 401). */
const publicPolicy: FastifyCorsOptions = {
  origin: '*',
  methods: ['GET', 'HEAD', 'POST'],
  allowedHeaders: ['Content-Type', 'If-None-Match', 'X-Request-Id'],
  exposedHeaders,
  credentials: false,
  maxAge: 86_400,
}

/** A configured origin: everything, with an API key. */
const trustedPolicy: FastifyCorsOptions = {
  origin: true,
  methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
  allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id'],
  exposedHeaders,
  credentials: false,
  maxAge: 86_400,
}

async function corsPlugin (app: FastifyInstance) {
  const trusted = new Set(app.config.corsOrigins)
  // One policy for every origin: fixed options, which @fastify/cors prepares once instead of on every request.
  if (trusted.size === 0) {
    await app.register(cors, publicPolicy)
    return
  }
  await app.register(
    cors,
    () => (request: FastifyRequest, callback: (error: Error | null, options?: FastifyCorsOptions) => void) => {
      const origin = request.headers.origin
      callback(null, origin !== undefined && trusted.has(origin) ? trustedPolicy : publicPolicy)
    }
  )
  // The answer depends on the Origin when some origins are trusted: caches must keep them apart.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('vary', appendVary(reply.getHeader('vary'), 'Origin'))
    return payload
  })
}

export default fp(corsPlugin, { name: 'cors' })
