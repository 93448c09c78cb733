// The events webhooks receive, enqueued in the transaction of the change that causes them (so a rolled-back change
// sends nothing, and a committed one is never lost): one delivery job per subscribed webhook, all carrying the
// event's id. When nobody is subscribed, a change costs one index probe and enqueues nothing.
//
// Who receives what:
// - `claim.updated`: a claim changed (its text, status, claimant, topics, its verdict through a review being
//   published or retracted) or was deleted; only to the webhooks of the organisation that owns the claim, since it
//   may still be private. Creating a claim is not an event.
// - `review.published`, `review.retracted`: a verdict went public or was withdrawn. Public news: to the subscribed
//   webhooks of every organisation (partner sites follow every newsroom's verdicts).
import { v7 as uuidv7 } from 'uuid'
import type { Executor } from '../db/client.ts'
import { WEBHOOK_QUEUE } from '../jobs/queues.ts'
import type { ClaimRow, ReviewRow } from '../db/schema.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { EntityType } from '../repositories/revisions.ts'
import { webhookEventTypes } from '../domain/enums.ts'
import type { ReviewWithScale } from '../domain/types.ts'
import type { WebhookEventType, WebhooksRepository } from '../repositories/webhooks.ts'

/** What a webhook may subscribe to; `webhook.ping` is sent on request only, to the one webhook asked. */
export { webhookEventTypes }
export type DeliveredEventType = WebhookEventType | 'webhook.ping'

/** The body of every delivery: `{ type, timestamp, data }`, as Standard Webhooks suggests. */
export interface WebhookEvent {
  type: DeliveredEventType
  /** When the event happened (ISO 8601); `webhook-timestamp` is when this attempt was made. */
  timestamp: string
  data: Record<string, unknown>
}

/** A delivery job: the body is kept as the exact bytes that every attempt sends and signs. */
export interface DeliveryJob {
  webhookId: string
  eventId: string
  type: DeliveredEventType
  body: string
}

/** What enqueuing needs of the job engine. */
export interface JobSender {
  send (queue: string, data: object, options?: {
    tx?: Executor
    retryLimit?: number
    retryDelay?: number
    retryBackoff?: boolean
    expireInSeconds?: number
  }): Promise<string | null>
}

/** At least this long between an event's first attempt and its last. */
const RETRY_SPAN_SECONDS = 24 * 3600

/**
 * The retry options of a delivery job. pg-boss (12) waits `retryDelay × 2^(n-1)` seconds before retry n, plus as
 * much again at most as jitter, and has no cap; the limit is the fewest retries whose waits (without jitter) add up
 * to 24 hours. With the default delay of 30 s: retries after 30 s, 1, 2, 4, 8, 16, 32 min, 1.1, 2.1, 4.3, 8.5 and
 * 17 h (each up to twice that), so the 12th and last comes 34 to 68 hours after the first attempt.
 */
export function retrySchedule (retryDelay: number) {
  let retryLimit = 0
  while (retryDelay * (2 ** retryLimit - 1) < RETRY_SPAN_SECONDS) retryLimit++
  return { retryLimit, retryDelay, retryBackoff: true }
}

interface Change { entityType: EntityType, action: string, claimId: string | null, after: { id: string } }

export function createWebhookEvents (options: {
  webhooks: WebhooksRepository
  ratingScales: RatingScalesRepository
  jobs: JobSender
  /** Seconds before the first retry (WEBHOOK_RETRY_DELAY); the rest follow from it. */
  retryDelaySeconds: number
  /** A job running longer than this is taken to have died with its worker, and is retried. */
  timeoutMs: number
  /** The review as the API shows it (src/schemas/reviews.ts), handed in by the root: review events carry it. */
  toReview: (pair: ReviewWithScale) => object
}) {
  const { webhooks, ratingScales, jobs, toReview } = options
  const retries = retrySchedule(options.retryDelaySeconds)
  // A delivery waits for the endpoint at most timeoutMs; a job still active well after that belongs to a dead worker.
  const expireInSeconds = Math.ceil(options.timeoutMs / 1000) + 5

  /** Enqueues one delivery job per webhook, in `tx`; returns the event's id. */
  async function enqueue (tx: Executor, webhookIds: readonly string[], event: WebhookEvent): Promise<string> {
    const eventId = uuidv7()
    const body = JSON.stringify(event)
    for (const webhookId of webhookIds) {
      const job: DeliveryJob = { webhookId, eventId, type: event.type, body }
      await jobs.send(WEBHOOK_QUEUE, job, { tx, ...retries, expireInSeconds })
    }
    return eventId
  }

  /**
   * The event goes to every subscribed webhook (of `organizationId` only, when given); `data` is built only then.
   * Subscribers are looked up once per event type and organisation for a batch of changes (an import records
   * thousands in one transaction).
   */
  async function publish (
    tx: Executor,
    lookups: Map<string, Promise<string[]>>,
    type: WebhookEventType,
    organizationId: string | null,
    data: () => Promise<Record<string, unknown>>
  ) {
    const key = `${type} ${organizationId ?? ''}`
    let lookup = lookups.get(key)
    if (lookup === undefined) {
      lookup = webhooks.subscribers(type, organizationId, tx)
      lookups.set(key, lookup)
    }
    const subscribers = await lookup
    if (subscribers.length === 0) return
    await enqueue(tx, subscribers, { type, timestamp: new Date().toISOString(), data: await data() })
  }

  async function onChange (
    tx: Executor,
    lookups: Map<string, Promise<string[]>>,
    organizationId: string,
    change: Change
  ): Promise<void> {
    if (change.entityType === 'claim' && (change.action === 'update' || change.action === 'delete')) {
      const claim = change.after as ClaimRow
      await publish(tx, lookups, 'claim.updated', organizationId, async () => ({
        claimId: claim.id,
        action: change.action,
        version: claim.version,
        status: claim.status,
        isPublic: claim.isPublic,
        currentVerdict: claim.currentVerdict,
        currentReviewId: claim.currentReviewId,
        deleted: claim.deletedAt !== null,
        updatedAt: claim.updatedAt.toISOString(),
      }))
    } else if (change.entityType === 'review' && (change.action === 'publish' || change.action === 'retract')) {
      const review = change.after as ReviewRow
      await publish(
        tx,
        lookups,
        change.action === 'publish' ? 'review.published' : 'review.retracted',
        null,
        async () => {
          const scale = await ratingScales.findById(review.ratingScaleId, tx)
          if (!scale) throw new Error(`review ${review.id} names missing scale ${review.ratingScaleId}`)
          return { claimId: review.claimId, review: toReview({ review, scale }) }
        }
      )
    }
  }

  return {
    enqueue,

    /** Called in the transaction of every batch of changes the history records (src/services/history.ts). */
    async onChanges (tx: Executor, organizationId: string, changes: readonly Change[]): Promise<void> {
      const lookups = new Map<string, Promise<string[]>>()
      for (const change of changes) await onChange(tx, lookups, organizationId, change)
    },
  }
}

export type WebhookEvents = ReturnType<typeof createWebhookEvents>
