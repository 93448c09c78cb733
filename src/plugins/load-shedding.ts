// Load shedding: while the event loop lags (its mean delay over a second) or the heap nears V8's limit, requests are
// answered 503 problem+json with Retry-After at once, before they queue up and the process drowns; a load balancer
// sends them elsewhere, and /readyz says the same. The liveness probe is exempt: a busy process is not a dead one.
// @see https://github.com/fastify/under-pressure
import { getHeapStatistics } from 'node:v8'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import { problem } from '../errors.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route answers even under pressure (the liveness probe). */
    loadShedding?: boolean
  }
}

/** Seconds a shed client is asked to wait. */
const RETRY_AFTER_SECONDS = 5
/**
 * Nothing is shed this long after the app is ready: start-up (compiling the route schemas, migrating, an embedded
 * database's work) blocks the event loop on purpose, and the sample that saw it is replaced within two intervals.
 */
const STARTUP_GRACE_MS = 2500

async function loadSheddingPlugin (app: FastifyInstance) {
  const { eventLoopDelayMs, heapUsedPercent } = app.config.loadShedding
  if (eventLoopDelayMs === 0 && heapUsedPercent === 0) return
  let readyAt = Number.POSITIVE_INFINITY
  app.addHook('onReady', async () => { readyAt = Date.now() })
  await app.register(underPressure, {
    maxEventLoopDelay: eventLoopDelayMs,
    maxHeapUsedBytes: Math.floor(getHeapStatistics().heap_size_limit * heapUsedPercent / 100),
    sampleInterval: 1000,
    retryAfter: RETRY_AFTER_SECONDS,
    pressureHandler: async (request, _reply, type, value) => {
      if (request.routeOptions.config.loadShedding === false || Date.now() - readyAt < STARTUP_GRACE_MS) return
      request.log.warn({ type, value }, 'under pressure: request shed')
      throw problem('service-unavailable', 'This server is overloaded. Retry the request after Retry-After seconds; another server may take it.', {
        headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      })
    },
  })
}

export default fp(loadSheddingPlugin, { name: 'load-shedding' })
