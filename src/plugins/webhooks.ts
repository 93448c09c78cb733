// Webhook deliveries in this process: a worker for the delivery queue (when the process runs jobs, JOBS_WORKER), and
// a count of delivery attempts by outcome for the metrics. The events themselves are queued by the services.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { createAddressPolicy } from '../lib/webhook-address.ts'
import { createWebhooksRepository } from '../repositories/webhooks.ts'
import { createWebhookDelivery } from '../services/webhook-delivery.ts'
import { WEBHOOK_QUEUE } from '../jobs/queues.ts'
import type { DeliveryJob } from '../services/webhook-events.ts'

/** Delivery workers in each process that runs jobs, and deliveries each runs side by side. */
const DELIVERY_WORKERS = 4
const DELIVERIES_AT_ONCE = 5

async function webhooksPlugin (app: FastifyInstance) {
  const attempts = new Counter({
    name: 'claimtrack_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: `failed` is any answer but a 2xx, or none (refused address, connection error, timeout).',
    labelNames: ['outcome'] as const,
    registers: [app.metrics],
  })
  const { allowedHosts, timeoutMs } = app.config.webhooks
  const delivery = createWebhookDelivery({
    webhooks: createWebhooksRepository(app.db),
    policy: createAddressPolicy(allowedHosts),
    timeoutMs,
    onAttempt: (outcome) => attempts.inc({ outcome }),
  })
  // A worker waits for the slowest delivery of its batch (up to the timeout) before it fetches again: several workers,
  // so that one slow endpoint does not hold up the rest.
  await app.jobs.work<DeliveryJob>(WEBHOOK_QUEUE, (job) => delivery.deliver(job), { localConcurrency: DELIVERY_WORKERS, batchSize: DELIVERIES_AT_ONCE })
  // After the jobs plugin's preClose has stopped the workers.
  app.addHook('onClose', async () => { await delivery.close() })
}

export default fp(webhooksPlugin, { name: 'webhooks', dependencies: ['database', 'jobs', 'metrics'] })
