// Data access for claimants. Deleted claimants are kept (deletedAt set) and hidden from every read here.
import { and, desc, eq, isNull, like, lt, sql } from 'drizzle-orm'
import type { Db, Executor } from '../db/client.ts'
import { claimants, claims, type ClaimantRow } from '../db/schema.ts'
import { escapeLike, freshTimestamps, toPage, type PageRequest, type PageResult } from './shared.ts'

export type NewClaimant = Omit<typeof claimants.$inferInsert, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt'>
export type ClaimantPatch = Partial<NewClaimant>

export function createClaimantsRepository (db: Db) {
  const live = isNull(claimants.deletedAt)
  const byIdQuery = (ex: Executor) => ex.select().from(claimants)
    .where(and(eq(claimants.id, sql.placeholder('id')), live))
  const byId = byIdQuery(db).prepare('claimant_by_id')

  return {
    async findById (id: string, tx?: Executor): Promise<ClaimantRow | undefined> {
      const [row] = tx ? await byIdQuery(tx).execute({ id }) : await byId.execute({ id })
      return row
    },

    async findBySlug (slug: string, tx: Executor = db): Promise<ClaimantRow | undefined> {
      const [row] = await tx.select().from(claimants).where(and(eq(claimants.slug, slug), live))
      return row
    },

    /** Reads a live row and locks it until the transaction ends, so that a precondition checked on it holds. */
    async lockById (id: string, tx: Executor): Promise<ClaimantRow | undefined> {
      const [row] = await tx.select().from(claimants).where(and(eq(claimants.id, id), live)).for('update')
      return row
    },

    /** Reads a live row and share-locks it, so that it cannot be deleted while a claim is made to name it. */
    async lockSharedById (id: string, tx: Executor): Promise<ClaimantRow | undefined> {
      const [row] = await tx.select().from(claimants).where(and(eq(claimants.id, id), live)).for('share')
      return row
    },

    /** Makes transactions choosing a slug from the same base take turns (released at commit). */
    async lockSlugBase (base: string, tx: Executor): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`claimant-slug:${base}`}))`)
    },

    async list ({ limit, afterId }: PageRequest, tx: Executor = db): Promise<PageResult<ClaimantRow>> {
      const rows = await tx.select().from(claimants)
        .where(and(live, afterId ? lt(claimants.id, afterId) : undefined))
        .orderBy(desc(claimants.id))
        .limit(limit + 1)
      return toPage(rows, limit, (row) => row.id)
    },

    /** Live slugs equal to `base` or starting with `base-`, to pick a free one. */
    async slugsLike (base: string, tx: Executor = db): Promise<string[]> {
      const rows = await tx.select({ slug: claimants.slug }).from(claimants)
        .where(and(live, like(claimants.slug, `${escapeLike(base)}%`)))
      return rows.map((row) => row.slug)
    },

    async insert (values: NewClaimant, tx: Executor = db): Promise<ClaimantRow> {
      const [row] = await tx.insert(claimants).values({ ...values, ...freshTimestamps() }).returning()
      if (!row) throw new Error('insert returned no row')
      return row
    },

    async update (id: string, patch: ClaimantPatch, tx: Executor = db): Promise<ClaimantRow | undefined> {
      const [row] = await tx.update(claimants)
        .set({ ...patch, version: sql`${claimants.version} + 1`, updatedAt: new Date() })
        .where(and(eq(claimants.id, id), live))
        .returning()
      return row
    },

    async softDelete (id: string, tx: Executor = db): Promise<ClaimantRow | undefined> {
      const [row] = await tx.update(claimants)
        .set({ deletedAt: new Date(), version: sql`${claimants.version} + 1`, updatedAt: new Date() })
        .where(and(eq(claimants.id, id), live))
        .returning()
      return row
    },

    /** Whether any live claim names this claimant. */
    async hasLiveClaims (id: string, tx: Executor = db): Promise<boolean> {
      const rows = await tx.select({ id: claims.id }).from(claims)
        .where(and(eq(claims.claimantId, id), isNull(claims.deletedAt)))
        .limit(1)
      return rows.length > 0
    },
  }
}

export type ClaimantsRepository = ReturnType<typeof createClaimantsRepository>
