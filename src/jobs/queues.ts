// The job queues, declared in one place: `claimtrack migrate` (and the app's start-up migration) creates them and
// keeps their settings current, so a job can be sent to a queue before any worker for it has started.
import type PgBoss from 'pg-boss'

export interface QueueDefinition {
  name: string
  options: Omit<PgBoss.Queue, 'name'>
}

/** Webhook deliveries: one job per event and webhook; retries are set per job (src/services/webhook-events.ts). */
export const WEBHOOK_QUEUE = 'webhook-delivery'

export const queues: QueueDefinition[] = [
  { name: WEBHOOK_QUEUE, options: {} },
  // Imports sent over HTTP (src/services/import-jobs.ts); a retry runs the import again, which is idempotent.
  { name: 'imports', options: { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 15 * 60 } },
]
