// Webhook secrets and signatures, as the Standard Webhooks specification has them (what Svix- and Stripe-style
// receivers verify): `webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, keyed
// with the base64-decoded part of the `whsec_` secret; several signatures, space-separated, while a secret rotates.
// @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const PREFIX = 'whsec_'

/** A new secret: `whsec_` and the base64 of 32 random bytes. */
export const newWebhookSecret = () => `${PREFIX}${randomBytes(32).toString('base64')}`

/** The signature of one delivery with one secret: `v1,<base64>`. */
export function signWebhook (secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** The headers of a delivery: its event id, the time of this attempt (Unix seconds) and one signature per secret. */
export function webhookHeaders (
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, id, timestamp, body)).join(' '),
  }
}

/**
 * What a receiver does: true when one of the signatures was made with `secret` over this id, timestamp and body, and
 * the timestamp is within `toleranceSeconds` of now (an older delivery replayed by someone else is refused).
 */
export function verifyWebhook (
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {}
): boolean {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (
    typeof id !== 'string' ||
    typeof timestamp !== 'string' ||
    typeof signatures !== 'string' ||
    !/^\d+$/.test(timestamp)
  ) { return false }
  const now = options.now ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false
  const expected = Buffer.from(signWebhook(secret, id, Number(timestamp), body))
  return signatures.split(' ').some((given) => {
    const candidate = Buffer.from(given)
    return candidate.length === expected.length && timingSafeEqual(candidate, expected)
  })
}
