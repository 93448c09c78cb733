// The job queues, each declared once, here: `claimtrack migrate` (and the app's start-up migration) creates them and
// keeps their settings current, so a job can be sent to a queue before any worker for it has started. A queue's
// options are the defaults of its jobs; `notify` wakes the workers listening for it when a job is sent.
import type { Queue } from 'pg-boss'

export interface QueueDefinition {
  name: string
  options: Omit<Queue, 'name'>
}

/** Webhook deliveries: one job per event and webhook; retries are set per job (src/services/webhook-events.ts). */
export const WEBHOOK_QUEUE = 'webhook-delivery'

/** Imports sent over HTTP (src/services/import-jobs.ts); a retry runs the import again, which is idempotent. */
export const IMPORT_QUEUE = 'imports'

export const queues: QueueDefinition[] = [
  { name: WEBHOOK_QUEUE, options: { notify: true } },
  {
    name: IMPORT_QUEUE,
    options: { notify: true, retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60 },
  },
]
