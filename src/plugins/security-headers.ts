// Security headers for a JSON API: nothing may be framed, sniffed or run as a page; the API reference at /docs,
// the one HTML page, gets a policy that lets its own scripts and styles run.
// @see https://github.com/fastify/fastify-helmet
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route's own helmet options; helmet reads them from here. */
    helmet?: Omit<FastifyHelmetOptions, 'global'> | { skipRoute: true }
  }
}

async function securityHeadersPlugin (app: FastifyInstance) {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // Public data is meant to be read from other sites (browser extensions, partner pages).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
  })
  // The API reference (registered later by the openapi plugin) loads scripts and styles from its own routes. Set as
  // helmet's own onRoute hook would from `route.helmet`, since that hook has already run for these routes.
  const docsPolicy = {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], fontSrc: ["'self'", 'data:'], connectSrc: ["'self'"], frameAncestors: ["'none'"] },
    },
  }
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, helmet: docsPolicy }
  })
}

export default fp(securityHeadersPlugin, { name: 'security-headers' })
