// Security headers for a JSON API: nothing may be framed, sniffed or run as a page; the API reference at /docs,
// the one HTML page, gets a policy that lets its own scripts and styles run. The headers are helmet's own, computed
// once per policy at start-up (helmet builds them again on every request otherwise) and set on every answer, the
// 404s and refusals included.
// @see https://github.com/fastify/fastify-helmet
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's security headers, when they are not the API's (set below, from the route's URL). */
    securityHeaders?: Readonly<Record<string, string>>
  }
}

const apiPolicy: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  // Public data is meant to be read from other sites (browser extensions, partner pages).
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  crossOriginEmbedderPolicy: false,
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
  referrerPolicy: { policy: 'no-referrer' },
}

/** The API reference loads scripts and styles from its own routes. */
const docsPolicy: FastifyHelmetOptions = {
  ...apiPolicy,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], fontSrc: ["'self'", 'data:'], connectSrc: ["'self'"], frameAncestors: ["'none'"] },
  },
}

/** The headers helmet sets with these options: what it answers on a bare instance, less fastify's own. */
export async function helmetHeaders (options: FastifyHelmetOptions): Promise<Readonly<Record<string, string>>> {
  const probe = Fastify()
  await probe.register(helmet, options)
  probe.get('/', async () => '')
  const res = await probe.inject({ method: 'GET', url: '/' })
  await probe.close()
  const ownHeaders = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive'])
  return Object.freeze(Object.fromEntries(Object.entries(res.headers)
    .filter(([name, value]) => !ownHeaders.has(name) && typeof value === 'string') as Array<[string, string]>))
}

async function securityHeadersPlugin (app: FastifyInstance) {
  const apiHeaders = await helmetHeaders(apiPolicy)
  const docsHeaders = await helmetHeaders(docsPolicy)
  // /docs is registered later (the openapi plugin); this hook sees it then.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, securityHeaders: docsHeaders }
  })
  // First of all hooks, so that every answer has them, whatever refuses it later.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.routeOptions.config.securityHeaders ?? apiHeaders)
    done()
  })
}

export default fp(securityHeadersPlugin, { name: 'security-headers' })
