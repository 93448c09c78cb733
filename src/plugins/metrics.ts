// Prometheus metrics of this process: requests by route and status (count and latency), the database pool, the job
// queues' depth (webhook delivery attempts are counted by the delivery: src/container.ts), and the process (memory,
// CPU, event-loop lag). Kept in a registry of the app's own; src/server.ts serves it on
// METRICS_PORT, away from the public port (with several workers, the cluster's primary serves them all, added up).
// @see https://github.com/siimon/prom-client
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { queues } from '../jobs/queues.ts'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry
  }
}

async function metricsPlugin (app: FastifyInstance) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const labelNames = ['method', 'route', 'status'] as const
  const requests = new Counter({ name: 'claimtrack_http_requests_total', help: 'HTTP requests answered, by route and status.', labelNames, registers: [registry] })
  const duration = new Histogram({
    name: 'claimtrack_http_request_duration_seconds',
    help: 'Time from the first byte of a request to its answer, by route and status.',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const { database } = app
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'claimtrack_db_pool_connections',
    help: 'Places at the primary\'s pool in use (a statement takes one, a transaction DATABASE_PIPELINE_DEPTH), units of work waiting for one (a steady queue means the pool or the database is saturated), and the places in all.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect () {
      const stats = database.poolStats()
      this.set({ state: 'in_use' }, stats.inUse)
      this.set({ state: 'waiting' }, stats.waiting)
      this.set({ state: 'size' }, stats.size)
    },
  })

  const { jobs } = app
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'claimtrack_job_queue_depth',
    help: 'Jobs waiting or running, by queue (webhook deliveries among them): a growing figure means the workers fall behind, or an endpoint keeps failing.',
    labelNames: ['queue'] as const,
    registers: [registry],
    // Every process reads the same figure from the database: with several workers, the cluster shows one of them.
    aggregator: 'max',
    async collect () {
      const sizes = await Promise.all(
        queues.map(async (queue) => [queue.name, await jobs.queueSize(queue.name)] as const)
      )
      for (const [queue, size] of sizes) this.set({ queue }, size)
    },
  })

  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, not the URL: ids would make a series per claim. Unknown paths share one label.
    // A route's `::` is an escaped colon (`/v1alpha1/claims::search`): the label is the path as clients send it.
    const labels = { method: request.method, route: request.routeOptions.url?.replaceAll('::', ':') ?? 'unknown', status: String(reply.statusCode) }
    requests.inc(labels)
    duration.observe(labels, reply.elapsedTime / 1000)
  })
  app.decorate('metrics', registry)
}

export default fp(metricsPlugin, { name: 'metrics', dependencies: ['database', 'jobs'] })
