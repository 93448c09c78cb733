// Delivering one event to one webhook: a signed POST (Standard Webhooks headers) through an HTTP client that connects
// only to addresses the SSRF policy allows, follows no redirects and gives up after the timeout. Every attempt is
// recorded with its status, duration and an error class, never the answer's body; a 2xx is success; 410 Gone turns
// the webhook off; anything else fails the job, which the job engine retries with backoff
// (src/services/webhook-events.ts has the schedule).
// @see https://undici.nodejs.org/#/docs/api/Agent
import { Agent, request } from 'undici'
import { guardedLookup, urlRefusal, type AddressPolicy } from '../lib/webhooks/address.ts'
import { webhookHeaders } from '../lib/webhooks/signature.ts'
import type { WebhookRow } from '../db/schema.ts'
import { deliveryErrors, type DeliveryError } from '../domain/enums.ts'
import type { WebhooksRepository } from '../repositories/webhooks.ts'
import type { DeliveryJob } from './webhook-events.ts'

/**
 * Why an attempt got no answer, as a class: never the endpoint's body, an address or a port. A partner's admin may
 * point a webhook at an operator-allowed internal host; what it reads back must not tell it more than "it answered".
 */
export { deliveryErrors, type DeliveryError }

type Answer = { statusCode: number, error: null } | { statusCode: null, error: DeliveryError, detail: string }

/** Thrown to have the job engine retry the delivery later. */
export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError'
}

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'TimeoutError', 'AbortError'])
const DNS_FAILURES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME'])
const RESETS = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

/** The class of a failed request, from its error codes (undici wraps the socket's error as `cause`). */
function classify (err: unknown): DeliveryError {
  const error = err as { code?: string, name?: string, cause?: { code?: string, name?: string } }
  const codes = [error.code, error.cause?.code, error.name, error.cause?.name].filter((c): c is string => typeof c === 'string')
  const any = (set: Set<string>) => codes.some((code) => set.has(code))
  if (codes.includes('EWEBHOOKADDRESS')) return 'address-refused'
  if (any(DNS_FAILURES)) return 'dns-failure'
  if (codes.includes('ECONNREFUSED')) return 'connection-refused'
  if (any(TIMEOUTS)) return 'timeout'
  if (any(RESETS)) return 'connection-reset'
  if (codes.some((code) => /^(ERR_TLS|ERR_SSL)|CERT|SELF_SIGNED/.test(code))) return 'tls-error'
  return 'connection-error'
}

/** What went wrong in full, for the job engine's record (which only the operator reads). */
const describe = (err: unknown): string => {
  const error = err as { code?: string, message?: string, cause?: { code?: string, message?: string } }
  const cause = error.cause?.message ?? error.message ?? String(err)
  const code = error.cause?.code ?? error.code
  return (code ? `${code}: ${cause}` : cause).slice(0, 500)
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

export function createWebhookDelivery (options: {
  webhooks: WebhooksRepository
  policy: AddressPolicy
  timeoutMs: number
  /** Told of every attempt (for the metrics). */
  onAttempt?: (outcome: 'succeeded' | 'failed') => void
}) {
  const { webhooks, policy, timeoutMs } = options
  // One client per organisation and port: the lookup that checks each address it connects to knows whose webhook it
  // serves (allowlist entries may be one organisation's), and no connection is shared with another organisation.
  const agents = new Map<string, Agent>()
  const agentFor = (organization: string, port: number) => {
    const key = `${organization} ${port}`
    let agent = agents.get(key)
    if (agent === undefined) {
      agent = new Agent({
        connect: { lookup: guardedLookup(policy, { organization, port }), timeout: timeoutMs },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      agents.set(key, agent)
    }
    return agent
  }

  /** The secrets to sign with: the current one, and the one it replaced while that is still honoured. */
  const secretsOf = (webhook: WebhookRow) =>
    webhook.previousSecret !== null &&
    webhook.previousSecretExpiresAt !== null &&
    webhook.previousSecretExpiresAt.getTime() > Date.now()
      ? [webhook.secret, webhook.previousSecret]
      : [webhook.secret]

  async function post (webhook: WebhookRow, organization: string, job: DeliveryJob): Promise<Answer> {
    // IP literals never reach the lookup, so they are checked here; host names are checked again by the lookup.
    const refusal = await urlRefusal(policy, webhook.url, organization)
    if (refusal) return { statusCode: null, error: 'address-refused', detail: refusal }
    const url = new URL(webhook.url)
    const timestamp = Math.floor(Date.now() / 1000)
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agentFor(organization, url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port)),
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Claimtrack-Webhooks/1',
          ...webhookHeaders(secretsOf(webhook), job.eventId, timestamp, job.body),
        },
        body: job.body,
      })
      // The answer's body is neither kept nor shown: it is read (a little) and dropped, so the connection can be
      // reused.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {})
      return { statusCode: res.statusCode, error: null }
    } catch (err) {
      return { statusCode: null, error: classify(err), detail: describe(err) }
    }
  }

  return {
    /** Runs one attempt of a delivery job; throws (so that the job is retried) unless it is done with. */
    async deliver (job: { data: DeliveryJob, retryCount: number }): Promise<void> {
      const { data } = job
      const found = await webhooks.findForDelivery(data.webhookId)
      // Deleted, or turned off (a ping goes through regardless): the event is dropped for this webhook.
      if (!found || (!found.webhook.enabled && data.type !== 'webhook.ping')) return
      const { webhook, organizationSlug } = found
      const started = performance.now()
      const answer = await post(webhook, organizationSlug, data)
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
      })
      options.onAttempt?.(succeeded ? 'succeeded' : 'failed')
      if (succeeded) return
      if (answer.statusCode === 410) {
        await webhooks.update(webhook.id, { enabled: false, disabledReason: `The endpoint answered 410 Gone on ${new Date().toISOString()}; turn the webhook back on to resume deliveries.` })
        return
      }
      throw new DeliveryFailedError(`delivery of event ${data.eventId} to webhook ${webhook.id} failed: ${answer.statusCode ?? `${answer.error} (${answer.detail})`}`)
    },

    async close (): Promise<void> {
      await Promise.all([...agents.values()].map((agent) => agent.close()))
    },
  }
}

export type WebhookDelivery = ReturnType<typeof createWebhookDelivery>
