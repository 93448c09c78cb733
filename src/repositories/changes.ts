// The change feed's source: revisions of claims and reviews in commit order. Revisions carry the id of the
// transaction that wrote them; only transactions older than every one still running are read, so a transaction
// that commits late can never fall behind a cursor that has already passed it.
import { and, sql } from 'drizzle-orm'
import { planLimit, PREPARED_PAGE_LIMITS } from '../db/limit.ts'
import type { Db } from '../db/client.ts'
import { revisions, type RevisionRow } from '../db/schema.ts'

export interface FeedPosition { tx: string, seq: number }

/** What the feed tells of a revision: which entity changed, how, and where the change stands in commit order. */
export type FeedRevision = Pick<RevisionRow, 'seq' | 'txId' | 'entityType' | 'entityId' | 'version' | 'action' | 'at'>

export function createChangesRepository (db: Db) {
  // Not the revisions' snapshots (`before`, `after`: about a kilobyte a row), which the feed does not show: a page of
  // 100 read them only to parse and drop them.
  const columns = {
    seq: revisions.seq,
    txId: revisions.txId,
    entityType: revisions.entityType,
    entityId: revisions.entityId,
    version: revisions.version,
    action: revisions.action,
    at: revisions.at,
  }
  return {
    /**
     * Claim and review revisions after a position (the condition is written as the partial index revisions_feed_idx).
     */
    async after (position: FeedPosition | undefined, limit: number): Promise<FeedRevision[]> {
      return db.use(undefined, async (db) => {
        const page = db
          .select(columns)
          .from(revisions)
          .where(
            and(
              sql`${revisions.entityType} in ('claim', 'review')`,
              position
                ? sql`(${revisions.txId}, ${revisions.seq}) > (${sql.placeholder('tx')}::xid8, ${sql.placeholder('seq')}::bigint)`
                : undefined,
              sql`${revisions.txId} < pg_snapshot_xmin(pg_current_snapshot())`
            )
          )
          .orderBy(revisions.txId, revisions.seq)
          .limit(planLimit(limit))
        // Prepared for the common page sizes (one plan, a walk of revisions_feed_idx whatever the position): a partner
        // polling the feed sends the same statement every time.
        const values = position ? { tx: position.tx, seq: position.seq } : {}
        return PREPARED_PAGE_LIMITS.has(limit)
          ? page.prepare(position ? 'changes_after' : 'changes_first').execute(values)
          : page.execute(values)
      })
    },
  }
}

export type ChangesRepository = ReturnType<typeof createChangesRepository>
