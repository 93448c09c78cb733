// Data access for the revision history: append a revision, list a claim's history, and read entities as of a time.
import { and, desc, eq, inArray, lt, lte, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { organizations, revisions, type RevisionRow } from '../db/schema.ts'
import { toPage, type PageResult } from './shared.ts'

export type NewRevision = Omit<typeof revisions.$inferInsert, 'seq'>
/** A revision with the slug of the organisation it was made for (null before organisations existed). */
export type RevisionWithOrganization = RevisionRow & { organizationSlug: string | null }
export type EntityType = 'claim' | 'claimant' | 'appearance' | 'evidence' | 'review' | 'rating-scale'

export function createRevisionsRepository (db: Db) {
  return {
    async insert (values: NewRevision, tx: Executor): Promise<void> {
      await this.insertMany([values], tx)
    },

    /**
     * Appends revisions in one statement, sent as one JSON parameter: an import appends thousands at a time, and
     * building a statement with a parameter per column and row costs more than Postgres takes to run it.
     */
    async insertMany (values: NewRevision[], tx: Executor): Promise<void> {
      if (values.length === 0) return
      const rows = JSON.stringify(
        values.map((v) => ({
          entity_type: v.entityType,
          entity_id: v.entityId,
          claim_id: v.claimId ?? null,
          version: v.version,
          action: v.action,
          actor: v.actor,
          actor_key_id: v.actorKeyId ?? null,
          organization_id: v.organizationId ?? null,
          request_id: v.requestId ?? null,
          at: v.at,
          before: v.before ?? null,
          after: v.after,
        }))
      )
      await tx.execute(sql`insert into ${revisions} (entity_type, entity_id, claim_id, version, action, actor, actor_key_id, organization_id, request_id, at, before, after)
        select entity_type, entity_id, claim_id, version, action, actor, actor_key_id, organization_id, request_id, at, before, after
        from jsonb_to_recordset(${rows}::jsonb) as r(entity_type text, entity_id uuid, claim_id uuid, version integer, action revision_action,
          actor text, actor_key_id uuid, organization_id uuid, request_id text, at timestamptz, before jsonb, after jsonb)`)
    },

    /** A claim's history (the claim and everything under it), newest first, paged by sequence number. */
    async listByClaim (
      claimId: string,
      { limit, afterSeq, withDrafts }: { limit: number; afterSeq?: number | undefined; withDrafts: boolean },
      tx?: Executor
    ): Promise<PageResult<RevisionWithOrganization>> {
      return db.use(tx, async (tx) => {
        const rows = await tx
          .select({ revision: revisions, organizationSlug: organizations.slug })
          .from(revisions)
          .leftJoin(organizations, eq(organizations.id, revisions.organizationId))
          .where(
            and(
              eq(revisions.claimId, claimId),
              afterSeq === undefined ? undefined : lt(revisions.seq, afterSeq),
              // A review revision that leaves it a draft (creating or editing one) is the newsroom's working copy.
              withDrafts
                ? undefined
                : sql`not (${revisions.entityType} = 'review' and ${revisions.after}->>'status' = 'draft')`
            )
          )
          .orderBy(desc(revisions.seq))
          .limit(planLimit(limit + 1))
        return toPage(
          rows.map(({ revision, organizationSlug }) => ({ ...revision, organizationSlug })),
          limit,
          (row) => String(row.seq)
        )
      })
    },

    /** The last revision of one entity at or before `at`. */
    async latestOf (
      entityType: EntityType,
      entityId: string,
      at: Date,
      tx?: Executor
    ): Promise<RevisionRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .select()
          .from(revisions)
          .where(and(eq(revisions.entityType, entityType), eq(revisions.entityId, entityId), lte(revisions.at, at)))
          .orderBy(desc(revisions.version))
          .limit(planLimit(1))
        return row
      })
    },

    /** The last revision at or before `at` of each entity of these types that belongs to the claim. */
    async latestUnderClaim (
      claimId: string,
      entityTypes: EntityType[],
      at: Date,
      tx?: Executor
    ): Promise<RevisionRow[]> {
      return db.use(tx, async (tx) => {
        return tx
          .selectDistinctOn([revisions.entityId])
          .from(revisions)
          .where(and(eq(revisions.claimId, claimId), inArray(revisions.entityType, entityTypes), lte(revisions.at, at)))
          .orderBy(revisions.entityId, desc(revisions.version))
      })
    },
  }
}

export type RevisionsRepository = ReturnType<typeof createRevisionsRepository>
