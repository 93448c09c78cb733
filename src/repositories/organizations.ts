// Data access for organisations, their API keys and their audit log.
import { and, desc, eq, isNull, lt, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { apiKeys, auditEvents, organizations, type ApiKeyRow, type AuditEventRow, type OrganizationRow } from '../db/schema.ts'
import { toPage, type PageRequest, type PageResult } from './shared.ts'

export type NewOrganization = Pick<typeof organizations.$inferInsert, 'slug' | 'name' | 'url'>
export type NewApiKey = Pick<typeof apiKeys.$inferInsert, 'organizationId' | 'name' | 'role' | 'prefix' | 'keyHash' | 'createdByKeyId'>
export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, 'seq' | 'at'>

/** A key found by its hash, with its organisation's slug: what authenticating a request needs. */
export interface KeyWithOrganization { key: ApiKeyRow, organizationSlug: string }

/** A key's last use is written at most this often, so that authenticating a request is (almost always) a read. */
const LAST_USED_GRANULARITY_SECONDS = 60

export function createOrganizationsRepository (db: Db) {
  const byKeyHash = db.drizzle.select({ key: apiKeys, organizationSlug: organizations.slug }).from(apiKeys)
    .innerJoin(organizations, eq(organizations.id, apiKeys.organizationId))
    .where(eq(apiKeys.keyHash, sql.placeholder('hash')))
    .prepare('api_key_by_hash')
  const touchKey = db.drizzle.update(apiKeys).set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiKeys.id, sql.placeholder('id')), sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - interval '${sql.raw(String(LAST_USED_GRANULARITY_SECONDS))} seconds')`))
    .prepare('api_key_touch')
  // The insert position, not the flush position: it is past the commit of every write this key has made.
  const noteWriteQuery = db.drizzle.update(apiKeys).set({ lastWriteLsn: sql`pg_current_wal_insert_lsn()::text` })
    .where(eq(apiKeys.id, sql.placeholder('id')))
    .prepare('api_key_note_write')

  return {
    async noteWrite (id: string): Promise<void> {
      await db.use(undefined, () => noteWriteQuery.execute({ id }))
    },

    async findBySlug (slug: string, tx?: Executor): Promise<OrganizationRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.select().from(organizations).where(eq(organizations.slug, slug))
        return row
      })
    },

    async list ({ limit, afterId }: PageRequest, tx?: Executor): Promise<PageResult<OrganizationRow>> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select()
          .from(organizations)
          .where(afterId === undefined ? undefined : lt(organizations.id, afterId))
          .orderBy(desc(organizations.id))
          .limit(planLimit(limit + 1))
        return toPage(rows, limit, (row) => row.id)
      })
    },

    /** Inserts the organisation unless its slug is taken (by a concurrent caller too): the row, or undefined. */
    async insertIfAbsent (values: NewOrganization, tx?: Executor): Promise<OrganizationRow | undefined> {
      return db.use(tx, async (tx) => {
        const now = new Date()
        const [row] = await tx
          .insert(organizations)
          .values({ ...values, createdAt: now, updatedAt: now })
          .onConflictDoNothing({ target: organizations.slug })
          .returning()
        return row
      })
    },

    /** Reads the row and locks it until the transaction ends, so that a precondition checked on it holds. */
    async lockBySlug (slug: string, tx: Executor): Promise<OrganizationRow | undefined> {
      const [row] = await tx.select().from(organizations).where(eq(organizations.slug, slug)).for('update')
      return row
    },

    async update (
      id: string,
      patch: Partial<NewOrganization>,
      tx?: Executor
    ): Promise<OrganizationRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .update(organizations)
          .set({ ...patch, updatedAt: new Date(), version: sql`${organizations.version} + 1` })
          .where(eq(organizations.id, id))
          .returning()
        return row
      })
    },

    async findKeyByHash (hash: string): Promise<KeyWithOrganization | undefined> {
      const [row] = await db.use(undefined, () => byKeyHash.execute({ hash }))
      return row
    },

    /** Notes that a key was used: written only when the last note is older than the granularity. */
    async noteUse (key: ApiKeyRow): Promise<void> {
      if (key.lastUsedAt !== null && Date.now() - key.lastUsedAt.getTime() < LAST_USED_GRANULARITY_SECONDS * 1000) {
        return
      }
      await db.use(undefined, () => touchKey.execute({ id: key.id }))
    },

    async insertKey (values: NewApiKey, tx?: Executor): Promise<ApiKeyRow> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.insert(apiKeys).values(values).returning()
        if (!row) throw new Error('insert returned no row')
        return row
      })
    },

    async listKeys (
      organizationId: string,
      { limit, afterId }: PageRequest,
      tx?: Executor
    ): Promise<PageResult<ApiKeyRow>> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select()
          .from(apiKeys)
          .where(
            and(eq(apiKeys.organizationId, organizationId), afterId === undefined ? undefined : lt(apiKeys.id, afterId))
          )
          .orderBy(desc(apiKeys.id))
          .limit(planLimit(limit + 1))
        return toPage(rows, limit, (row) => row.id)
      })
    },

    async findKey (organizationId: string, id: string, tx?: Executor): Promise<ApiKeyRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .select()
          .from(apiKeys)
          .where(and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.id, id)))
        return row
      })
    },

    /** Revokes a live key; undefined when there is none (already revoked keys stay as they were). */
    async revokeKey (organizationId: string, id: string, tx?: Executor): Promise<ApiKeyRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .update(apiKeys)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
          .returning()
        return row
      })
    },

    async insertAuditEvent (values: NewAuditEvent, tx?: Executor): Promise<void> {
      return db.use(tx, async (tx) => {
        await tx.insert(auditEvents).values(values)
      })
    },

    async listAuditEvents (
      organizationId: string,
      { limit, afterSeq }: { limit: number; afterSeq?: number | undefined },
      tx?: Executor
    ): Promise<PageResult<AuditEventRow>> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select()
          .from(auditEvents)
          .where(
            and(
              eq(auditEvents.organizationId, organizationId),
              afterSeq === undefined ? undefined : lt(auditEvents.seq, afterSeq)
            )
          )
          .orderBy(desc(auditEvents.seq))
          .limit(planLimit(limit + 1))
        return toPage(rows, limit, (row) => String(row.seq))
      })
    },
  }
}

export type OrganizationsRepository = ReturnType<typeof createOrganizationsRepository>
