// buildApp(config): the whole service as a fastify instance, ready to inject or listen. It never listens itself.
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'
import { validatorCompiler } from '@fastify/type-provider-zod'
import type { Config } from './config.ts'
import type { Database } from './db/client.ts'
import { problem } from './errors.ts'
import { fastSerializerCompiler } from './lib/http/fast-serializer.ts'
import { redactUrl } from './lib/http/log-redaction.ts'
import authPlugin from './plugins/auth.ts'
import compressionPlugin from './plugins/compression.ts'
import corsPlugin from './plugins/cors.ts'
import databasePlugin from './plugins/database.ts'
import httpCachePlugin from './plugins/http-cache.ts'
import jobsPlugin from './plugins/jobs.ts'
import idempotencyPlugin from './plugins/idempotency.ts'
import jsonBodyPlugin from './plugins/json-body.ts'
import loadSheddingPlugin from './plugins/load-shedding.ts'
import metricsPlugin from './plugins/metrics.ts'
import openapiPlugin from './plugins/openapi.ts'
import problemDetailsPlugin, { clientErrorHandler, frameworkErrors } from './plugins/problem-details.ts'
import rateLimitPlugin from './plugins/rate-limit.ts'
import readRoutingPlugin from './plugins/read-routing.ts'
import securityHeadersPlugin from './plugins/security-headers.ts'
import { strictQuerystring } from './plugins/strict-query.ts'
import servicesPlugin from './plugins/services.ts'
import embedRoutes from './routes/embed.ts'
import googleFactCheckRoutes from './routes/google-factcheck.ts'
import healthRoutes from './routes/health.ts'
import appearancesRoutes from './routes/v1/appearances.ts'
import badgesRoutes from './routes/v1/badges.ts'
import claimantsRoutes from './routes/v1/claimants.ts'
import claimReviewRoutes from './routes/v1/claimreview.ts'
import claimsRoutes from './routes/v1/claims.ts'
import evidenceRoutes from './routes/v1/evidence.ts'
import changesRoutes from './routes/v1/changes.ts'
import historyRoutes from './routes/v1/history.ts'
import lookupRoutes from './routes/v1/lookup.ts'
import matchingRoutes from './routes/v1/matching.ts'
import organizationsRoutes from './routes/v1/organizations.ts'
import importsRoutes from './routes/v1/imports.ts'
import ratingScalesRoutes from './routes/v1/rating-scales.ts'
import reviewsRoutes from './routes/v1/reviews.ts'
import webhooksRoutes from './routes/v1/webhooks.ts'
import { seedDemoIfWanted } from './seed/demo.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface BuildOptions {
  /** An already opened database; by default one is opened from the configuration. */
  database?: Database
  /** Where the log goes instead of stdout (tests read it to prove that secrets are never logged). */
  loggerStream?: NodeJS.WritableStream
}

const REQUEST_ID = /^[\w.:-]{1,128}$/

export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      // fastify's own request serializer, with the URL redacted: a key sent in the query string is never logged.
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: redactUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort,
        }),
      },
      ...(options.loggerStream && { stream: options.loggerStream }),
    },
    bodyLimit: config.bodyLimit,
    // X-Forwarded-For is believed only from the proxies named in TRUST_PROXY: a client cannot choose its own IP.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    // A request that takes longer to arrive (headers and body) is answered 408 and its connection closed; so is one
    // whose headers take longer than HEADERS_TIMEOUT. Node checks for both every `connectionsCheckingInterval` (by
    // default 30 s, which let a trickled body run to twice REQUEST_TIMEOUT); here often enough to keep to them.
    requestTimeout: config.requestTimeout,
    http: {
      headersTimeout: config.headersTimeout,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.headersTimeout / 4))),
    },
    // Node's own refusals (malformed request, headers too large, too slow) in the API's error language.
    clientErrorHandler,
    // A caller's X-Request-Id is kept when it is sane, so a request can be followed across services.
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    routerOptions: { ignoreTrailingSlash: true },
    // A URL the router cannot decode is answered as problem+json too, not as fastify's own JSON.
    frameworkErrors,
    // The database plugin migrates before the app is ready; a fresh embedded database on a busy machine needs more
    // than fastify's default 10 s.
    pluginTimeout: 120_000,
    // Answered below as problem+json instead of fastify's own body.
    return503OnClosing: false,
  })
  app.decorate('config', config)
  // Slow or idle connections cannot pile up past this: more are closed as they arrive.
  app.server.maxConnections = config.maxConnections
  app.setValidatorCompiler(validatorCompiler)
  // Answers are serialized by fast-json-stringify compiled from each route's zod response schema, on every route.
  app.setSerializerCompiler(fastSerializerCompiler)
  app.addHook('onRoute', strictQuerystring)
  // Shutting down (SIGTERM): requests already running finish; a new one arriving on a kept-alive connection is
  // refused at once, with `Connection: close` (set by fastify), so the load balancer sends it to another process.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    if (closing) {
      done(problem('service-unavailable', 'This server is shutting down. Retry the request; another server will take it.', { headers: { 'retry-after': '1' } }))
      return
    }
    done()
  })
  // A request that was running when shutdown began is answered; its connection, idle after that, is closed rather
  // than kept alive (it would hold the process open until its keep-alive timeout). A connection that has another
  // request waiting is not idle: that request gets the 503 above, with `Connection: close`.
  app.addHook('onResponse', (_request, _reply, done) => {
    if (closing) setImmediate(() => app.server.closeIdleConnections())
    done()
  })

  await app.register(problemDetailsPlugin)
  await app.register(loadSheddingPlugin)
  await app.register(compressionPlugin)
  await app.register(securityHeadersPlugin)
  await app.register(corsPlugin)
  await app.register(httpCachePlugin)
  await app.register(jsonBodyPlugin)
  await app.register(databasePlugin, { config, database: options.database })
  await app.register(jobsPlugin)
  await app.register(metricsPlugin)
  await app.register(servicesPlugin)
  await app.register(authPlugin)
  await app.register(readRoutingPlugin)
  await app.register(rateLimitPlugin)
  await app.register(idempotencyPlugin)
  await app.register(openapiPlugin)

  await app.register(healthRoutes)
  await app.register(embedRoutes)
  await app.register(async (v1) => {
    await v1.register(claimantsRoutes)
    await v1.register(claimsRoutes)
    await v1.register(badgesRoutes)
    await v1.register(matchingRoutes)
    await v1.register(appearancesRoutes)
    await v1.register(evidenceRoutes)
    await v1.register(reviewsRoutes)
    await v1.register(historyRoutes)
    await v1.register(ratingScalesRoutes)
    await v1.register(claimReviewRoutes)
    await v1.register(lookupRoutes)
    await v1.register(changesRoutes)
    await v1.register(organizationsRoutes)
    await v1.register(webhooksRoutes)
    await v1.register(importsRoutes)
  }, { prefix: '/v1' })
  await app.register(googleFactCheckRoutes, { prefix: '/v1alpha1' })

  try {
    await seedDemoIfWanted(app, config)
  } catch (error) {
    await app.close()
    throw error
  }
  return app
}
