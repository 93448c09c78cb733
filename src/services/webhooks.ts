// Webhook rules: an organisation's admins register endpoints for events; a URL that points at a private, loopback or
// link-local address is refused (unless the operator allows its host for that organisation); the secret is made here
// and shown once, on create and on rotation, after which the previous one keeps signing for a day; a ping tests an
// endpoint on request.
import type { Db } from '../db/client.ts'
import type { WebhookDeliveryRow, WebhookRow } from '../db/schema.ts'
import { NotFoundError, RuleViolationError } from '../domain/errors.ts'
import type { Cursors } from '../lib/tokens/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/tokens/etag.ts'
import { urlRefusal, type AddressPolicy } from '../lib/webhooks/address.ts'
import { newWebhookSecret } from '../lib/webhooks/signature.ts'
import type { WebhookEventType, WebhooksRepository } from '../repositories/webhooks.ts'
import type { WebhookEvents } from './webhook-events.ts'
import type { Page } from './types.ts'

/** How long deliveries are also signed with the secret a rotation replaced, so that receivers can switch over. */
const PREVIOUS_SECRET_HOURS = 24

export interface WebhookFields {
  url: string
  events: WebhookEventType[]
  description?: string | null | undefined
  enabled?: boolean | undefined
}

/** The organisation a webhook is registered for: its id, and its slug, which allowlist entries name. */
export interface WebhookOwner {
  organizationId: string
  organizationSlug: string
}

export function createWebhooksService (
  db: Db,
  webhooks: WebhooksRepository,
  events: WebhookEvents,
  policy: AddressPolicy,
  cursors: Cursors
) {
  async function assertDeliverable (url: string, organizationSlug: string): Promise<void> {
    const refusal = await urlRefusal(policy, url, organizationSlug)
    if (refusal) {
      throw new RuleViolationError(`Webhooks cannot be delivered to this URL: ${refusal}.`, [
        { path: 'url', message: refusal },
      ])
    }
  }

  async function requireWebhook (organizationId: string, id: string): Promise<WebhookRow> {
    const row = await webhooks.find(organizationId, id)
    if (!row) throw new NotFoundError('Webhook', id)
    return row
  }

  return {
    /** A new webhook, and its secret, which is shown this once. */
    async create (
      { organizationId, organizationSlug }: WebhookOwner,
      body: WebhookFields
    ): Promise<{ row: WebhookRow; secret: string }> {
      await assertDeliverable(body.url, organizationSlug)
      const secret = newWebhookSecret()
      const row = await webhooks.insert({
        organizationId,
        url: body.url,
        events: body.events,
        description: body.description ?? null,
        enabled: body.enabled ?? true,
        secret,
      })
      return { row, secret }
    },

    async list (
      organizationId: string,
      request: { limit: number; cursor?: string | undefined }
    ): Promise<Page<WebhookRow>> {
      const scope = `webhooks:${organizationId}`
      const { rows, nextAfterId } = await webhooks.list(organizationId, {
        limit: request.limit,
        afterId: cursors.id.decode(request.cursor, scope),
      })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, scope) }
    },

    get: requireWebhook,

    /** Turning a webhook back on clears the reason the service turned it off. */
    async update (
      { organizationId, organizationSlug }: WebhookOwner,
      id: string,
      patch: Partial<WebhookFields>,
      ifMatch: EtagCondition | undefined
    ): Promise<WebhookRow> {
      if (patch.url !== undefined) await assertDeliverable(patch.url, organizationSlug)
      return db.transaction(async (tx) => {
        const current = await webhooks.lock(organizationId, id, tx)
        if (!current) throw new NotFoundError('Webhook', id)
        assertIfMatch(ifMatch, versionEtag(current.version))
        const after = await webhooks.update(
          id,
          { ...patch, ...(patch.enabled === true && { disabledReason: null }) },
          tx
        )
        if (!after) throw new NotFoundError('Webhook', id)
        return after
      })
    },

    /** Deletes the webhook and its delivery log; events not yet delivered to it are dropped. */
    async delete (organizationId: string, id: string, ifMatch: EtagCondition | undefined): Promise<void> {
      await db.transaction(async (tx) => {
        const current = await webhooks.lock(organizationId, id, tx)
        if (!current) throw new NotFoundError('Webhook', id)
        assertIfMatch(ifMatch, versionEtag(current.version))
        await webhooks.delete(id, tx)
      })
    },

    /** A new secret, shown this once; deliveries carry a signature with the old one too for the next 24 hours. */
    async rotateSecret (organizationId: string, id: string): Promise<{ row: WebhookRow; secret: string }> {
      return db.transaction(async (tx) => {
        const current = await webhooks.lock(organizationId, id, tx)
        if (!current) throw new NotFoundError('Webhook', id)
        const secret = newWebhookSecret()
        const row = await webhooks.update(
          id,
          {
            secret,
            previousSecret: current.secret,
            previousSecretExpiresAt: new Date(Date.now() + PREVIOUS_SECRET_HOURS * 3600_000),
          },
          tx
        )
        if (!row) throw new NotFoundError('Webhook', id)
        return { row, secret }
      })
    },

    /** Sends a `webhook.ping` event to this webhook (whatever it subscribes to, enabled or not); its event id. */
    async ping (organizationId: string, id: string): Promise<string> {
      return db.transaction(async (tx) => {
        const row = await webhooks.lock(organizationId, id, tx)
        if (!row) throw new NotFoundError('Webhook', id)
        return events.enqueue(tx, [row.id], {
          type: 'webhook.ping',
          timestamp: new Date().toISOString(),
          data: { webhookId: row.id },
        })
      })
    },

    async listDeliveries (
      organizationId: string,
      id: string,
      request: { limit: number; cursor?: string | undefined }
    ): Promise<Page<WebhookDeliveryRow>> {
      const scope = `webhook-deliveries:${id}`
      const afterId = cursors.id.decode(request.cursor, scope)
      await requireWebhook(organizationId, id)
      const { rows, nextAfterId } = await webhooks.listDeliveries(id, { limit: request.limit, afterId })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, scope) }
    },
  }
}

export type WebhooksService = ReturnType<typeof createWebhooksService>
