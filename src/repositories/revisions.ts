// Data access for the revision history: append a revision, list a claim's history, and read entities as of a time.
import { and, desc, eq, inArray, lt, lte, sql } from 'drizzle-orm'
import type { Db, Executor } from '../db/client.ts'
import { revisions, type RevisionRow } from '../db/schema.ts'
import { toPage, type PageResult } from './shared.ts'

export type NewRevision = Omit<typeof revisions.$inferInsert, 'seq'>
export type EntityType = 'claim' | 'claimant' | 'appearance' | 'evidence' | 'review' | 'rating-scale'

export function createRevisionsRepository (db: Db) {
  return {
    async insert (values: NewRevision, tx: Executor): Promise<void> {
      await tx.insert(revisions).values(values)
    },

    /** A claim's history (the claim and everything under it), newest first, paged by sequence number. */
    async listByClaim (claimId: string, { limit, afterSeq, withDrafts }: { limit: number, afterSeq?: number | undefined, withDrafts: boolean }, tx: Executor = db): Promise<PageResult<RevisionRow>> {
      const rows = await tx.select().from(revisions)
        .where(and(
          eq(revisions.claimId, claimId),
          afterSeq === undefined ? undefined : lt(revisions.seq, afterSeq),
          // A review revision that leaves it a draft (creating or editing one) is the newsroom's working copy.
          withDrafts ? undefined : sql`not (${revisions.entityType} = 'review' and ${revisions.after}->>'status' = 'draft')`
        ))
        .orderBy(desc(revisions.seq))
        .limit(limit + 1)
      return toPage(rows, limit, (row) => String(row.seq))
    },

    /** The last revision of one entity at or before `at`. */
    async latestOf (entityType: EntityType, entityId: string, at: Date, tx: Executor = db): Promise<RevisionRow | undefined> {
      const [row] = await tx.select().from(revisions)
        .where(and(eq(revisions.entityType, entityType), eq(revisions.entityId, entityId), lte(revisions.at, at)))
        .orderBy(desc(revisions.version))
        .limit(1)
      return row
    },

    /** The last revision at or before `at` of each entity of these types that belongs to the claim. */
    async latestUnderClaim (claimId: string, entityTypes: EntityType[], at: Date, tx: Executor = db): Promise<RevisionRow[]> {
      return tx.selectDistinctOn([revisions.entityId]).from(revisions)
        .where(and(eq(revisions.claimId, claimId), inArray(revisions.entityType, entityTypes), lte(revisions.at, at)))
        .orderBy(revisions.entityId, desc(revisions.version))
    },
  }
}

export type RevisionsRepository = ReturnType<typeof createRevisionsRepository>
