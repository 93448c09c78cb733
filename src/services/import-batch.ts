// The import's batch writer: new records, hundreds per transaction, each made as the API would make it (a claim, its
// appearances, a review created as a draft and published, the claim's verdict) through the review lifecycle, in
// memory; then each row written once, with every revision the API would have recorded, a few statements per batch.
import { v7 as uuidv7 } from 'uuid'
import type { Db, Executor } from '../db/client.ts'
import type { AppearanceRow, ClaimantRow, ClaimRow, ReviewRow } from '../db/schema.ts'
import { freeSlug, slugify } from '../lib/text/slug.ts'
import type { AppearancesRepository } from '../repositories/claim-children.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'
import type { ReviewsRepository } from '../repositories/reviews.ts'
import type { CreateClaimant } from '../domain/inputs.ts'
import type { Change, History, WriteContext } from './history.ts'
import { undatedOf, type Prepared } from './import-records.ts'
import { draftReview, publishReview, refreshVerdict } from './review-lifecycle.ts'

interface Repositories {
  claims: ClaimsRepository
  claimants: ClaimantsRepository
  appearances: AppearancesRepository
  reviews: ReviewsRepository
}

/** A new record's outcome: the claim made for it. */
export interface Created { line: number, key: string, outcome: 'created', claimId: string, undated?: true }

/** A new claim as POST /v1/claims stores it (status `new`, private, no verdict yet). */
function newClaim (row: Prepared, claimantId: string | null, organizationId: string, now: Date): ClaimRow {
  return {
    id: row.id,
    organizationId,
    isPublic: false,
    text: row.claim.text,
    claimantId,
    claimDate: row.claim.claimDate ?? null,
    language: row.claim.language,
    topics: row.claim.topics,
    status: 'new',
    currentReviewId: null,
    currentVerdict: null,
    externalId: row.externalId,
    version: 1,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  }
}

export function createBatchWriter (db: Db, repos: Repositories, history: History) {
  /**
   * Live claimants for these names: matched by name (ignoring case) or by the slug of the name; the missing ones made.
   */
  async function claimantsFor (
    wanted: CreateClaimant[],
    ctx: WriteContext,
    tx: Executor
  ): Promise<Map<string, ClaimantRow>> {
    const byName = new Map<string, ClaimantRow>()
    if (wanted.length === 0) return byName
    const bases = wanted.map((c) => slugify(c.name))
    await repos.claimants.lockSlugBases(bases, tx)
    // Only the organisation's own claimants: it may not attach its claims to another's (docs/access.md, References).
    const found = await repos.claimants.findBySlugsOrNames(
      ctx.organizationId,
      bases,
      wanted.map((c) => c.name),
      tx,
      'share'
    )
    const match = (name: string) =>
      found.find((c) => c.name.toLowerCase() === name.toLowerCase()) ?? found.find((c) => c.slug === slugify(name))
    const taken = new Set(await repos.claimants.slugsFrom(bases, tx))
    const creating: CreateClaimant[] = []
    for (const claimant of wanted) {
      const key = claimant.name.toLowerCase()
      if (byName.has(key) || creating.some((c) => c.name.toLowerCase() === key)) continue
      const existing = match(claimant.name)
      if (existing) {
        byName.set(key, existing)
        continue
      }
      const slug = freeSlug(slugify(claimant.name), taken)
      taken.add(slug)
      creating.push({ ...claimant, slug })
    }
    const made = await repos.claimants.insertMany(
      creating.map((c) => ({ ...c, slug: c.slug ?? slugify(c.name), organizationId: ctx.organizationId })),
      tx
    )
    await history.recordMany(
      tx,
      ctx,
      made.map((after) => ({
        entityType: 'claimant' as const,
        action: 'create' as const,
        claimId: null,
        before: null,
        after,
      }))
    )
    for (const row of made) byName.set(row.name.toLowerCase(), row)
    return byName
  }

  /**
   * The claimants found or made for a batch, share-locked in the batch's transaction so that none is deleted before
   * its claims commit (share locks of concurrent batches do not conflict). One deleted in between is found or made
   * again, here.
   */
  async function keepClaimants (
    resolved: Map<string, ClaimantRow>,
    wanted: CreateClaimant[],
    ctx: WriteContext,
    tx: Executor
  ): Promise<Map<string, ClaimantRow>> {
    const ids = [...new Set([...resolved.values()].map((c) => c.id))]
    const live = new Set((await repos.claimants.lockSharedByIds(ids, tx)).map((c) => c.id))
    const gone = wanted.filter((c) => !live.has(resolved.get(c.name.toLowerCase())?.id ?? ''))
    if (gone.length === 0) return resolved
    return new Map([...resolved, ...(await claimantsFor(gone, ctx, tx))])
  }

  /**
   * New records, in one transaction (their claimants before it, in another). The revisions are those the API would
   * write, in its order: claims created, appearances created, reviews created as drafts then published, the claims
   * updated with their verdicts.
   */
  async function createBatch (rows: Prepared[], ctx: WriteContext): Promise<Created[]> {
    // The claimants first, found or made in a short transaction of their own: its slug locks are held for
    // milliseconds, not for the whole batch, so that concurrent batches naming the same claimants never wait on each
    // other for long (they did, past DATABASE_STATEMENT_TIMEOUT, on a busy machine).
    const wanted = rows.flatMap((r) => r.claimant ?? [])
    const resolved =
      wanted.length > 0 ? await db.transaction((tx) => claimantsFor(wanted, ctx, tx)) : new Map<string, ClaimantRow>()
    return db.transaction(async (tx) => {
      const claimants = await keepClaimants(resolved, wanted, ctx, tx)
      // Published as the publish operation does, on the fact-check's own date; without one, undated (never the day
      // of the import, which would show years-old fact-checks as new).
      const now = new Date()
      const created: ClaimRow[] = []
      const drafts: Array<Change<ReviewRow>> = []
      const published: Array<Change<ReviewRow>> = []
      const verdicts: Array<Change<ClaimRow>> = []
      const stored: ClaimRow[] = []
      for (const row of rows) {
        const claimantId = row.claimant ? (claimants.get(row.claimant.name.toLowerCase())?.id ?? null) : null
        const claim = newClaim(row, claimantId, ctx.organizationId, now)
        created.push(claim)
        if (!row.review) {
          stored.push(claim)
          continue
        }
        const { datePublished, scale, ...body } = row.review
        const draft = draftReview(
          { id: uuidv7(), claimId: claim.id, ratingScaleId: scale.id, ratingKey: body.rating, body },
          now
        )
        const publish = publishReview(draft.after, datePublished, now)
        const verdict = refreshVerdict(claim, { review: publish.after, scale }, undefined, now)
        drafts.push(draft.change)
        published.push(publish.change)
        if (verdict) verdicts.push(verdict.change)
        stored.push(verdict?.after ?? claim)
      }
      // Each row once, in its final state. The appearances and reviews go first (their links to the claims are
      // checked at commit), so that each claim's insert computes its search document with its appearances.
      await repos.claims.deferChildLinks(tx)
      const appearances = await repos.appearances.insertMany(
        rows.flatMap((r) => r.appearances.map((a) => ({ ...a, claimId: r.id }))),
        tx
      )
      await repos.reviews.insertRows(
        published.map((p) => p.after),
        tx
      )
      await repos.claims.insertRows(stored, tx)
      const changes: Array<Change<ClaimRow | AppearanceRow | ReviewRow>> = [
        ...created.map((after) => ({
          entityType: 'claim' as const,
          action: 'create' as const,
          claimId: after.id,
          before: null,
          after,
        })),
        ...appearances.map((after) => ({
          entityType: 'appearance' as const,
          action: 'create' as const,
          claimId: after.claimId,
          before: null,
          after,
        })),
        ...drafts,
        ...published,
        ...verdicts,
      ]
      await history.recordMany(tx, ctx, changes)
      return rows.map((r) => ({
        line: r.line,
        key: r.key,
        outcome: 'created' as const,
        claimId: r.id,
        ...undatedOf(r),
      }))
    })
  }

  return { claimantsFor, createBatch }
}

export type BatchWriter = ReturnType<typeof createBatchWriter>
