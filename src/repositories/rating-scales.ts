// Data access for rating scales (the built-in ones and those a newsroom defines).
import { desc, eq, inArray, lt, or, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { preparedRead } from '../db/routing.ts'
import { ratingScales, reviews, type RatingScaleRow } from '../db/schema.ts'
import { freshTimestamps, toPage, type PageRequest, type PageResult } from './shared.ts'
import { isUuid } from '../lib/text/ids.ts'

export type NewRatingScale = Pick<typeof ratingScales.$inferInsert, 'slug' | 'name' | 'description' | 'values' | 'organizationId'>
export type RatingScalePatch = Partial<NewRatingScale>

export function createRatingScalesRepository (db: Db) {
  const byIdQuery = (ex: Executor) => ex.select().from(ratingScales).where(eq(ratingScales.id, sql.placeholder('id')))
  const byId = preparedRead(db, (instance) => byIdQuery(instance).prepare('rating_scale_by_id'))

  return {
    async findById (id: string, tx?: Executor): Promise<RatingScaleRow | undefined> {
      const [row] = await db.use(tx, (ex) => (tx ? byIdQuery(ex).execute({ id }) : byId().execute({ id })))
      return row
    },

    /** The scales with these ids, in one query (a page of reviews names a handful of scales). */
    async findByIds (ids: readonly string[], tx?: Executor): Promise<RatingScaleRow[]> {
      return db.use(tx, async (tx) => {
        if (ids.length === 0) return []
        return tx.select().from(ratingScales).where(inArray(ratingScales.id, [...new Set(ids)]))
      })
    },

    /** A scale by its id or its slug; `share` locks it, so that it cannot change while a review is made to use it. */
    async findByRef (ref: string, tx?: Executor, lock?: 'share'): Promise<RatingScaleRow | undefined> {
      return db.use(tx, async (tx) => {
        const query = tx.select().from(ratingScales)
          .where(isUuid(ref) ? or(eq(ratingScales.id, ref), eq(ratingScales.slug, ref)) : eq(ratingScales.slug, ref))
        const [row] = lock ? await query.for(lock) : await query
        return row
      })
    },

    async lockById (id: string, tx: Executor): Promise<RatingScaleRow | undefined> {
      const [row] = await tx.select().from(ratingScales).where(eq(ratingScales.id, id)).for('update')
      return row
    },

    async list ({ limit, afterId }: PageRequest, tx?: Executor): Promise<PageResult<RatingScaleRow>> {
      return db.use(tx, async (tx) => {
        const rows = await tx.select().from(ratingScales)
          .where(afterId ? lt(ratingScales.id, afterId) : undefined)
          .orderBy(desc(ratingScales.id))
          .limit(planLimit(limit + 1))
        return toPage(rows, limit, (row) => row.id)
      })
    },

    async insert (values: NewRatingScale, tx?: Executor): Promise<RatingScaleRow> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.insert(ratingScales).values({ ...values, ...freshTimestamps() }).returning()
        if (!row) throw new Error('insert returned no row')
        return row
      })
    },

    async update (id: string, patch: RatingScalePatch, tx?: Executor): Promise<RatingScaleRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.update(ratingScales)
          .set({ ...patch, version: sql`${ratingScales.version} + 1`, updatedAt: new Date() })
          .where(eq(ratingScales.id, id))
          .returning()
        return row
      })
    },

    async delete (id: string, tx?: Executor): Promise<RatingScaleRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.delete(ratingScales).where(eq(ratingScales.id, id)).returning()
        return row
      })
    },

    /** Whether any review uses the scale, in any state, deleted drafts included (their history names it). */
    async isInUse (id: string, tx?: Executor): Promise<boolean> {
      return db.use(tx, async (tx) => {
        const rows = await tx.select({ id: reviews.id }).from(reviews)
          .where(eq(reviews.ratingScaleId, id))
          .limit(planLimit(1))
        return rows.length > 0
      })
    },
  }
}

export type RatingScalesRepository = ReturnType<typeof createRatingScalesRepository>
