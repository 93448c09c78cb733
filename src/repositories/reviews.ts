// Data access for reviews (verdicts). Deleted drafts are kept (deletedAt set) and hidden from every read here.
import { and, desc, eq, isNull, lt, ne, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { preparedRead } from '../db/routing.ts'
import { ratingScales, reviews, type RatingScaleRow, type ReviewRow } from '../db/schema.ts'
import { uuidArray } from '../lib/text/ids.ts'
import { insertJsonRows, toPage, type PageRequest, type PageResult } from './shared.ts'

export type NewReview = Omit<typeof reviews.$inferInsert, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt'>
/**
 * The fields to change; `updatedAt` defaults to now, and is given when one transaction changes several rows at one
 * instant.
 */
export type ReviewPatch = Partial<Omit<NewReview, 'claimId'>> & { updatedAt?: Date, deletedAt?: Date }

export function createReviewsRepository (db: Db) {
  // Built and prepared once, with one array parameter, as claims' listByIds (a sync feed page's reviews).
  const withScaleByIds = preparedRead(db, (instance) => instance
    .select({ review: reviews, scale: ratingScales })
    .from(reviews)
    .innerJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))
    .where(sql`${reviews.id} = any(${sql.placeholder('ids')}::uuid[])`)
    .prepare('reviews_by_ids'))
  const live = isNull(reviews.deletedAt)
  const byIdQuery = (ex: Executor) => ex.select().from(reviews)
    .where(and(eq(reviews.id, sql.placeholder('id')), live))
  const byId = preparedRead(db, (instance) => byIdQuery(instance).prepare('review_by_id'))

  return {
    async findById (id: string, tx?: Executor): Promise<ReviewRow | undefined> {
      const [row] = await db.use(tx, (ex) => (tx ? byIdQuery(ex).execute({ id }) : byId().execute({ id })))
      return row
    },

    /** These reviews with their scales, deleted or not. */
    async listByIds (ids: string[]): Promise<Array<{ review: ReviewRow; scale: RatingScaleRow }>> {
      if (ids.length === 0) return []
      return db.use(undefined, () => withScaleByIds().execute({ ids: uuidArray(ids) }))
    },

    async lockById (claimId: string, id: string, tx: Executor): Promise<ReviewRow | undefined> {
      const [row] = await tx
        .select()
        .from(reviews)
        .where(and(eq(reviews.claimId, claimId), eq(reviews.id, id), live))
        .for('update')
      return row
    },

    async list (
      claimId: string,
      { limit, afterId, withDrafts }: PageRequest & { withDrafts: boolean },
      tx?: Executor
    ): Promise<PageResult<ReviewRow>> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select()
          .from(reviews)
          .where(
            and(
              eq(reviews.claimId, claimId),
              live,
              afterId ? lt(reviews.id, afterId) : undefined,
              withDrafts ? undefined : ne(reviews.status, 'draft')
            )
          )
          .orderBy(desc(reviews.id))
          .limit(planLimit(limit + 1))
        return toPage(rows, limit, (row) => row.id)
      })
    },

    /** The claim's latest published (and not retracted) review: its current verdict. */
    async latestPublished (claimId: string, tx?: Executor): Promise<ReviewRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .select()
          .from(reviews)
          .where(and(eq(reviews.claimId, claimId), eq(reviews.status, 'published'), live))
          .orderBy(sql`${reviews.datePublished} desc nulls last`, desc(reviews.id))
          .limit(planLimit(1))
        return row
      })
    },

    /** The claim's latest retracted review: what the claim shows when no published review is left. */
    async latestRetracted (claimId: string, tx?: Executor): Promise<ReviewRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .select()
          .from(reviews)
          .where(and(eq(reviews.claimId, claimId), eq(reviews.status, 'retracted'), live))
          .orderBy(sql`${reviews.retractedAt} desc nulls last`, desc(reviews.id))
          .limit(planLimit(1))
        return row
      })
    },

    /**
     * Inserts rows as the review lifecycle made them (src/services/review-lifecycle.ts: id, version and timestamps
     * included), in one statement.
     */
    async insertRows (rows: ReviewRow[], tx?: Executor): Promise<void> {
      return db.use(tx, async (tx) => {
        await insertJsonRows(tx, reviews, rows)
      })
    },

    async update (id: string, patch: ReviewPatch, tx?: Executor): Promise<ReviewRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .update(reviews)
          .set({ updatedAt: new Date(), ...patch, version: sql`${reviews.version} + 1` })
          .where(and(eq(reviews.id, id), live))
          .returning()
        return row
      })
    },
  }
}

export type ReviewsRepository = ReturnType<typeof createReviewsRepository>
