// Data access for webhooks and their delivery attempts.
import { and, desc, eq, lt, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { organizations, webhookDeliveries, webhooks, type WebhookDeliveryRow, type WebhookRow } from '../db/schema.ts'
import { freshTimestamps, toPage, type PageRequest, type PageResult } from './shared.ts'

export type WebhookEventType = WebhookRow['events'][number]
export type NewWebhook = Pick<typeof webhooks.$inferInsert, 'organizationId' | 'url' | 'events' | 'description' | 'secret' | 'enabled'>
export type WebhookPatch = Partial<Pick<typeof webhooks.$inferInsert, 'url' | 'events' | 'description' | 'enabled' | 'disabledReason' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>>
export type NewWebhookDelivery = Omit<typeof webhookDeliveries.$inferInsert, 'id' | 'createdAt'>

export function createWebhooksRepository (db: Db) {
  return {
    async insert (values: NewWebhook, tx?: Executor): Promise<WebhookRow> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .insert(webhooks)
          .values({ ...values, ...freshTimestamps() })
          .returning()
        if (!row) throw new Error('insert returned no row')
        return row
      })
    },

    async list (
      organizationId: string,
      { limit, afterId }: PageRequest,
      tx?: Executor
    ): Promise<PageResult<WebhookRow>> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select()
          .from(webhooks)
          .where(
            and(
              eq(webhooks.organizationId, organizationId),
              afterId === undefined ? undefined : lt(webhooks.id, afterId)
            )
          )
          .orderBy(desc(webhooks.id))
          .limit(planLimit(limit + 1))
        return toPage(rows, limit, (row) => row.id)
      })
    },

    /** An organisation's webhook; another organisation's is not found. */
    async find (organizationId: string, id: string, tx?: Executor): Promise<WebhookRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .select()
          .from(webhooks)
          .where(and(eq(webhooks.organizationId, organizationId), eq(webhooks.id, id)))
        return row
      })
    },

    /** For deliveries, which act for whoever owns the webhook: the webhook and its organisation's slug. */
    async findForDelivery (
      id: string,
      tx?: Executor
    ): Promise<{ webhook: WebhookRow; organizationSlug: string } | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .select({ webhook: webhooks, organizationSlug: organizations.slug })
          .from(webhooks)
          .innerJoin(organizations, eq(organizations.id, webhooks.organizationId))
          .where(eq(webhooks.id, id))
        return row
      })
    },

    async lock (organizationId: string, id: string, tx: Executor): Promise<WebhookRow | undefined> {
      const [row] = await tx
        .select()
        .from(webhooks)
        .where(and(eq(webhooks.organizationId, organizationId), eq(webhooks.id, id)))
        .for('update')
      return row
    },

    async update (id: string, patch: WebhookPatch, tx?: Executor): Promise<WebhookRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .update(webhooks)
          .set({ ...patch, updatedAt: new Date(), version: sql`${webhooks.version} + 1` })
          .where(eq(webhooks.id, id))
          .returning()
        return row
      })
    },

    async delete (id: string, tx?: Executor): Promise<void> {
      return db.use(tx, async (tx) => {
        await tx.delete(webhooks).where(eq(webhooks.id, id))
      })
    },

    /**
     * The enabled webhooks subscribed to an event: of one organisation, or of all (`null`). One probe of the GIN index
     * on `events`; when nobody is subscribed, that is all a change pays.
     */
    async subscribers (event: WebhookEventType, organizationId: string | null, tx: Executor): Promise<string[]> {
      const rows = await tx
        .select({ id: webhooks.id })
        .from(webhooks)
        .where(
          and(
            sql`${webhooks.events} @> array[${event}]::webhook_event_type[]`,
            eq(webhooks.enabled, true),
            organizationId === null ? undefined : eq(webhooks.organizationId, organizationId)
          )
        )
      return rows.map((row) => row.id)
    },

    async insertDelivery (values: NewWebhookDelivery, tx?: Executor): Promise<void> {
      return db.use(tx, async (tx) => {
        await tx.insert(webhookDeliveries).values(values)
      })
    },

    async listDeliveries (
      webhookId: string,
      { limit, afterId }: PageRequest,
      tx?: Executor
    ): Promise<PageResult<WebhookDeliveryRow>> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select()
          .from(webhookDeliveries)
          .where(
            and(
              eq(webhookDeliveries.webhookId, webhookId),
              afterId === undefined ? undefined : lt(webhookDeliveries.id, afterId)
            )
          )
          .orderBy(desc(webhookDeliveries.id))
          .limit(planLimit(limit + 1))
        return toPage(rows, limit, (row) => row.id)
      })
    },
  }
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>
