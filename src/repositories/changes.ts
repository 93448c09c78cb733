// The change feed's source: revisions of claims and reviews in commit order. Revisions carry the id of the
// transaction that wrote them; only transactions older than every one still running are read, so a transaction
// that commits late can never fall behind a cursor that has already passed it.
import { and, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db } from '../db/client.ts'
import { revisions, type RevisionRow } from '../db/schema.ts'

export interface FeedPosition { tx: string, seq: number }

export function createChangesRepository (db: Db) {
  return {
    /**
     * Claim and review revisions after a position (the condition is written as the partial index revisions_feed_idx).
     */
    async after (position: FeedPosition | undefined, limit: number): Promise<RevisionRow[]> {
      return db.use(undefined, async (db) => {
        return db
          .select()
          .from(revisions)
          .where(
            and(
              sql`${revisions.entityType} in ('claim', 'review')`,
              position
                ? sql`(${revisions.txId}, ${revisions.seq}) > (${position.tx}::xid8, ${position.seq}::bigint)`
                : undefined,
              sql`${revisions.txId} < pg_snapshot_xmin(pg_current_snapshot())`
            )
          )
          .orderBy(revisions.txId, revisions.seq)
          .limit(planLimit(limit))
      })
    },
  }
}

export type ChangesRepository = ReturnType<typeof createChangesRepository>
