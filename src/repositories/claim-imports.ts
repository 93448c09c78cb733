// The claims repository's part for the import (src/services/import.ts and import-batch.ts): finding the claims a
// data set made before, and writing a batch's claims in one statement. Spread into createClaimsRepository.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { Db, Executor } from '../db/client.ts'
import { claimColumns, claims, reviews, type ClaimRow } from '../db/schema.ts'
import { insertJsonRows } from './shared.ts'

export function claimImportQueries (db: Db) {
  const live = isNull(claims.deletedAt)
  return {
    /**
     * Inserts claims as they were made in memory (the import's batch writer: id, version, timestamps and verdict
     * included), in one statement; their search documents are computed by the insert (its trigger).
     */
    async insertRows (rows: ClaimRow[], tx: Executor): Promise<void> {
      await insertJsonRows(tx, claims, rows)
    },

    /**
     * Until the transaction commits, appearances and reviews may name claims not yet inserted (migrations/0024): a
     * batch writes its claims after them, once.
     */
    async deferChildLinks (tx: Executor): Promise<void> {
      await tx.execute(sql`set constraints appearances_claim_id_claims_id_fk, reviews_claim_id_claims_id_fk deferred`)
    },

    /**
     * The claims of an organisation with these external ids (deleted ones too: the id stays taken), or the live ones
     * whose reviews have these URLs.
     */
    async findImported (
      organizationId: string,
      keys: { externalIds: string[]; reviewUrls: string[] },
      tx?: Executor
    ): Promise<Array<{ claim: ClaimRow; reviewUrl: string | null }>> {
      return db.use(tx, async (tx) => {
        const byExternalId =
          keys.externalIds.length === 0
            ? []
            : await tx
              .select({ claim: claimColumns, reviewUrl: sql<string | null>`null` })
              .from(claims)
              .where(and(eq(claims.organizationId, organizationId), inArray(claims.externalId, keys.externalIds)))
        const byReviewUrl =
          keys.reviewUrls.length === 0
            ? []
            : await tx
              .select({ claim: claimColumns, reviewUrl: reviews.url })
              .from(reviews)
              .innerJoin(claims, eq(claims.id, reviews.claimId))
              .where(
                and(
                  eq(claims.organizationId, organizationId),
                  inArray(reviews.url, keys.reviewUrls),
                  isNull(reviews.deletedAt),
                  live
                )
              )
        return [...byExternalId, ...byReviewUrl]
      })
    },
  }
}
