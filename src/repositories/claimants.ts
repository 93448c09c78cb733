// Data access for claimants. Deleted claimants are kept (deletedAt set) and hidden from every read here.
import { and, desc, eq, inArray, isNull, like, lt, or, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { preparedRead } from '../db/routing.ts'
import { claimants, claims, type ClaimantRow } from '../db/schema.ts'
import { escapeLike, freshTimestamps, toPage, type PageRequest, type PageResult } from './shared.ts'

export type NewClaimant = Omit<typeof claimants.$inferInsert, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt'>
export type ClaimantPatch = Partial<NewClaimant>

export function createClaimantsRepository (db: Db) {
  const live = isNull(claimants.deletedAt)
  const byIdQuery = (ex: Executor) => ex.select().from(claimants)
    .where(and(eq(claimants.id, sql.placeholder('id')), live))
  const byId = preparedRead(db, (instance) => byIdQuery(instance).prepare('claimant_by_id'))

  return {
    async findById (id: string, tx?: Executor): Promise<ClaimantRow | undefined> {
      const [row] = await db.use(tx, (ex) => (tx ? byIdQuery(ex).execute({ id }) : byId().execute({ id })))
      return row
    },

    async findBySlug (slug: string, tx?: Executor): Promise<ClaimantRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .select()
          .from(claimants)
          .where(and(eq(claimants.slug, slug), live))
        return row
      })
    },

    /** An organisation's live claimants whose name equals this one, ignoring case, accents and runs of spaces. */
    async findByNameKey (organizationId: string, name: string, tx?: Executor): Promise<ClaimantRow[]> {
      return db.use(tx, async (tx) => {
        return tx
          .select()
          .from(claimants)
          .where(
            and(
              live,
              eq(claimants.organizationId, organizationId),
              sql`claimant_name_key(${claimants.name}) = claimant_name_key(${name})`
            )
          )
          .orderBy(claimants.id)
      })
    },

    /**
     * Reads a live row and locks it until the transaction ends, so that a precondition checked on it holds: `update`
     * to change it, `share` so that it cannot be deleted while a claim is made to name it.
     */
    async lockById (id: string, tx: Executor, strength: 'update' | 'share' = 'update'): Promise<ClaimantRow | undefined> {
      const [row] = await tx
        .select()
        .from(claimants)
        .where(and(eq(claimants.id, id), live))
        .for(strength)
      return row
    },

    /** lockById(…, 'share') for several rows: the live ones among them, share-locked. */
    async lockSharedByIds (ids: string[], tx: Executor): Promise<ClaimantRow[]> {
      if (ids.length === 0) return []
      return tx
        .select()
        .from(claimants)
        .where(and(inArray(claimants.id, ids), live))
        .orderBy(claimants.id)
        .for('share')
    },

    /** Makes transactions choosing a slug from the same base take turns (released at commit). */
    async lockSlugBase (base: string, tx: Executor): Promise<void> {
      await this.lockSlugBases([base], tx)
    },

    /** lockSlugBase for several bases, in one statement and in a fixed order (so that two callers never deadlock). */
    async lockSlugBases (bases: string[], tx: Executor): Promise<void> {
      const keys = [...new Set(bases)].sort().map((base) => `claimant-slug:${base}`)
      if (keys.length === 0) return
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtext(k)) from unnest(${sql`array[${sql.join(
          keys.map((k) => sql`${k}`),
          sql`, `
        )}]::text[]`}) with ordinality as t(k, n) order by n`
      )
    },

    /**
     * An organisation's live claimants whose slug is one of these or whose name is one of these (case-insensitively);
     * `share` locks them as lockById(…, 'share') does.
     */
    async findBySlugsOrNames (
      organizationId: string,
      slugs: string[],
      names: string[],
      tx?: Executor,
      lock?: 'share'
    ): Promise<ClaimantRow[]> {
      return db.use(tx, async (tx) => {
        if (slugs.length === 0 && names.length === 0) return []
        const lowered = names.map((n) => n.toLowerCase())
        const query = tx
          .select()
          .from(claimants)
          .where(
            and(
              live,
              eq(claimants.organizationId, organizationId),
              or(
                slugs.length > 0 ? inArray(claimants.slug, slugs) : undefined,
                lowered.length > 0 ? inArray(sql`lower(${claimants.name})`, lowered) : undefined
              )
            )
          )
        return lock ? query.for(lock) : query
      })
    },

    /** Live slugs equal to one of the bases or made from one (`base-2` ...), to pick free ones. */
    async slugsFrom (bases: string[], tx?: Executor): Promise<string[]> {
      return db.use(tx, async (tx) => {
        if (bases.length === 0) return []
        const rows = await tx
          .select({ slug: claimants.slug })
          .from(claimants)
          .where(and(live, inArray(sql`regexp_replace(${claimants.slug}, '-[0-9]+$', '')`, bases)))
        return rows.map((row) => row.slug)
      })
    },

    /**
     * Newest first; with `q`, only those with a word of the name or an alias starting with it (case and accents
     * ignored).
     */
    async list (
      { limit, afterId, q }: PageRequest & { q?: string | undefined },
      tx?: Executor
    ): Promise<PageResult<ClaimantRow>> {
      return db.use(tx, async (tx) => {
        // The same expression as the trigram index claimants_search_trgm_idx, so that the index serves it.
        const matching =
          q === undefined
            ? undefined
            : sql`claimant_search_text(${claimants.name}, ${claimants.aliases}) like '% ' || claimant_search_fold(${q}) || '%'`
        const rows = await tx
          .select()
          .from(claimants)
          .where(and(live, matching, afterId ? lt(claimants.id, afterId) : undefined))
          .orderBy(desc(claimants.id))
          .limit(planLimit(limit + 1))
        return toPage(rows, limit, (row) => row.id)
      })
    },

    /** Live slugs equal to `base` or starting with `base-`, to pick a free one. */
    async slugsLike (base: string, tx?: Executor): Promise<string[]> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select({ slug: claimants.slug })
          .from(claimants)
          .where(and(live, like(claimants.slug, `${escapeLike(base)}%`)))
        return rows.map((row) => row.slug)
      })
    },

    async insert (values: NewClaimant, tx?: Executor): Promise<ClaimantRow> {
      return db.use(tx, async (tx) => {
        const [row] = await this.insertMany([values], tx)
        if (!row) throw new Error('insert returned no row')
        return row
      })
    },

    /** Inserts the claimants in one statement; the rows come back in the order given. */
    async insertMany (values: NewClaimant[], tx?: Executor): Promise<ClaimantRow[]> {
      return db.use(tx, async (tx) => {
        if (values.length === 0) return []
        const now = freshTimestamps()
        return tx
          .insert(claimants)
          .values(values.map((v) => ({ ...v, ...now })))
          .returning()
      })
    },

    async update (id: string, patch: ClaimantPatch, tx?: Executor): Promise<ClaimantRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .update(claimants)
          .set({ ...patch, version: sql`${claimants.version} + 1`, updatedAt: new Date() })
          .where(and(eq(claimants.id, id), live))
          .returning()
        return row
      })
    },

    async softDelete (id: string, tx?: Executor): Promise<ClaimantRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .update(claimants)
          .set({ deletedAt: new Date(), version: sql`${claimants.version} + 1`, updatedAt: new Date() })
          .where(and(eq(claimants.id, id), live))
          .returning()
        return row
      })
    },

    /** Whether any live claim names this claimant. */
    async hasLiveClaims (id: string, tx?: Executor): Promise<boolean> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select({ id: claims.id })
          .from(claims)
          .where(and(eq(claims.claimantId, id), isNull(claims.deletedAt)))
          .limit(planLimit(1))
        return rows.length > 0
      })
    },
  }
}

export type ClaimantsRepository = ReturnType<typeof createClaimantsRepository>
