// Delivering one event to one webhook: a signed POST (Standard Webhooks headers) through an HTTP client that connects
// only to addresses the SSRF policy allows, follows no redirects and gives up after the timeout. Every attempt is
// recorded; a 2xx is success; 410 Gone turns the webhook off; anything else fails the job, which the job engine retries
// with backoff (src/services/webhook-events.ts has the schedule).
// @see https://undici.nodejs.org/#/docs/api/Agent
import { Agent, request } from 'undici'
import { guardedLookup, urlRefusal, type AddressPolicy } from '../lib/webhook-address.ts'
import { webhookHeaders } from '../lib/webhook-signature.ts'
import type { WebhookRow } from '../db/schema.ts'
import type { WebhooksRepository } from '../repositories/webhooks.ts'
import type { DeliveryJob } from './webhook-events.ts'

/** How much of an endpoint's answer is kept with the attempt. */
const RESPONSE_SNIPPET_BYTES = 1024

type Answer = { statusCode: number, body: string, error: null } | { statusCode: null, body: null, error: string }

/** Thrown to have the job engine retry the delivery later. */
export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError'
}

/** The first bytes of an answer's body; the rest is not read (the connection is dropped instead). */
async function snippetOf (body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= RESPONSE_SNIPPET_BYTES) break
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8')
}

const describe = (err: unknown): string => {
  const error = err as { code?: string, message?: string, cause?: { code?: string, message?: string } }
  const cause = error.cause?.message ?? error.message ?? String(err)
  const code = error.cause?.code ?? error.code
  return (code ? `${code}: ${cause}` : cause).slice(0, 500)
}

export function createWebhookDelivery (options: {
  webhooks: WebhooksRepository
  policy: AddressPolicy
  timeoutMs: number
  /** Told of every attempt (for the metrics). */
  onAttempt?: (outcome: 'succeeded' | 'failed') => void
}) {
  const { webhooks, policy, timeoutMs } = options
  const agent = new Agent({
    connect: { lookup: guardedLookup(policy), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  })

  /** The secrets to sign with: the current one, and the one it replaced while that is still honoured. */
  const secretsOf = (webhook: WebhookRow) => webhook.previousSecret !== null && webhook.previousSecretExpiresAt !== null && webhook.previousSecretExpiresAt.getTime() > Date.now()
    ? [webhook.secret, webhook.previousSecret]
    : [webhook.secret]

  async function post (webhook: WebhookRow, job: DeliveryJob): Promise<Answer> {
    // IP literals never reach the lookup, so they are checked here; host names are checked again by the lookup.
    const refusal = await urlRefusal(policy, webhook.url)
    if (refusal) return { statusCode: null, body: null, error: `refused: ${refusal}` }
    const timestamp = Math.floor(Date.now() / 1000)
    try {
      const res = await request(webhook.url, {
        method: 'POST',
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
        headers: { 'content-type': 'application/json', 'user-agent': 'Claimtrack-Webhooks/1', ...webhookHeaders(secretsOf(webhook), job.eventId, timestamp, job.body) },
        body: job.body,
      })
      return { statusCode: res.statusCode, body: await snippetOf(res.body), error: null }
    } catch (err) {
      return { statusCode: null, body: null, error: describe(err) }
    }
  }

  return {
    /** Runs one attempt of a delivery job; throws (so that the job is retried) unless it is done with. */
    async deliver (job: { data: DeliveryJob, retryCount: number }): Promise<void> {
      const { data } = job
      const webhook = await webhooks.findById(data.webhookId)
      // Deleted, or turned off (a ping goes through regardless): the event is dropped for this webhook.
      if (!webhook || (!webhook.enabled && data.type !== 'webhook.ping')) return
      const started = performance.now()
      const answer = await post(webhook, data)
      const succeeded = answer.statusCode !== null && answer.statusCode >= 200 && answer.statusCode < 300
      await webhooks.insertDelivery({
        webhookId: webhook.id,
        eventId: data.eventId,
        eventType: data.type,
        attempt: job.retryCount + 1,
        outcome: succeeded ? 'succeeded' : 'failed',
        statusCode: answer.statusCode,
        error: answer.error,
        durationMs: Math.round(performance.now() - started),
        responseBody: answer.body,
      })
      options.onAttempt?.(succeeded ? 'succeeded' : 'failed')
      if (succeeded) return
      if (answer.statusCode === 410) {
        await webhooks.update(webhook.id, { enabled: false, disabledReason: `The endpoint answered 410 Gone on ${new Date().toISOString()}; turn the webhook back on to resume deliveries.` })
        return
      }
      throw new DeliveryFailedError(`delivery of event ${data.eventId} to webhook ${webhook.id} failed: ${answer.statusCode ?? answer.error}`)
    },

    async close (): Promise<void> {
      await agent.close()
    },
  }
}

export type WebhookDelivery = ReturnType<typeof createWebhookDelivery>
