// Claim rules: a claim names a live claimant or none; reads and writes return the claim with its claimant,
// appearances, evidence and current verdict; changes need the ETag of that whole detail (If-Match); a claim can be
// read as it was at any past instant (src/services/claim-as-of.ts).
import type { Db, Executor } from '../db/client.ts'
import type { ClaimantRow, ClaimRow } from '../db/schema.ts'
import { ConflictError, InvalidCursorError, InvalidInputError, NotFoundError, RuleViolationError, ValidationError } from '../domain/errors.ts'
import { listScope, type Cursors } from '../lib/tokens/cursor.ts'
import { assertIfMatch, compositeEtag, type EtagCondition } from '../lib/tokens/etag.ts'
import type { AppearancesRepository, EvidenceRepository } from '../repositories/claim-children.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { ClaimFilters, ClaimSort, SortPosition } from '../repositories/claim-search.ts'
import type { ClaimListItem, ClaimsRepository, ClaimVersions } from '../repositories/claims.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { RevisionsRepository } from '../repositories/revisions.ts'
import type { ClaimDetail, Revision, ReviewWithScale } from '../domain/types.ts'
import type { ReviewsRepository } from '../repositories/reviews.ts'
import type { CreateClaim, UpdateClaim } from '../domain/inputs.ts'
import { z } from 'zod'
import { claimDetailAsOf } from './claim-as-of.ts'
import type { History, WriteContext } from './history.ts'
import { searchQueryOf, withinBudget } from './search.ts'
import { searchByIndex, searchWalk } from './search-index.ts'
import type { MatchIndexService } from './match-index.ts'
import type { Page, ReadBudget } from './types.ts'
import { isUuid } from '../lib/text/ids.ts'
import { assertOwner, canSee, type Viewer } from '../domain/access.ts'

export type { ClaimDetail }

/**
 * A claim's ETag covers what GET /v1/claims/{id} shows: the claim, its claimant, appearances, evidence and verdict.
 * It is made of versions only, so that a conditional GET can compute it from them alone (claimVersionsEtag).
 */
export const claimEtag = (detail: ClaimDetail) => claimVersionsEtag({
  claim: detail.claim,
  claimant: detail.claimant,
  appearances: detail.appearances,
  evidence: detail.evidence,
  review: detail.currentReview?.review ?? null,
  scale: detail.currentReview?.scale ?? null,
})

/** The ETag of a claim from the versions of it and of the rows it embeds; equal to claimEtag of its detail. */
export const claimVersionsEtag = (v: Omit<ClaimVersions, 'claim'> & { claim: { version: number } }) =>
  compositeEtag(v.claim.version, [
    ...(v.claimant ? [v.claimant] : []),
    ...v.appearances,
    ...v.evidence,
    ...(v.review && v.scale ? [v.review, v.scale] : []),
  ])

interface Repositories {
  claims: ClaimsRepository
  claimants: ClaimantsRepository
  appearances: AppearancesRepository
  evidence: EvidenceRepository
  reviews: ReviewsRepository
  ratingScales: RatingScalesRepository
  revisions: RevisionsRepository
}

const SortPositionSchema: z.ZodType<SortPosition> = z.discriminatedUnion('sort', [
  z.object({ sort: z.literal('relevance'), rank: z.number(), id: z.uuid() }),
  z.object({ sort: z.literal('-createdAt'), id: z.uuid() }),
  z.object({ sort: z.enum(['-claimDate', 'claimDate']), date: z.iso.date().nullable(), id: z.uuid() }),
  z.object({ sort: z.literal('-updatedAt'), at: z.iso.datetime(), id: z.uuid() }),
])

/** Where a page ended, to continue after it. */
function positionOf (sort: ClaimSort, { claim, rank }: ClaimListItem): SortPosition {
  switch (sort) {
    case 'relevance': return { sort, rank: rank ?? 0, id: claim.id }
    case '-createdAt': return { sort, id: claim.id }
    case '-claimDate':
    case 'claimDate': return { sort, date: claim.claimDate, id: claim.id }
    case '-updatedAt': return { sort, at: claim.updatedAt.toISOString(), id: claim.id }
  }
}

export type ClaimListRequest = ClaimFilters & {
  sort?: ClaimSort | undefined
  limit: number
  cursor?: string | undefined
}

export function createClaimsService (
  db: Db,
  repos: Repositories,
  history: History,
  cursors: Cursors,
  /** Relevance searches found through the candidate index (src/services/search-index.ts) rather than ranked whole. */
  search?: { index: MatchIndexService, log: { warn(obj: object, msg: string): void } }
) {
  /**
   * The claimant a claim of this organisation names, by id or slug: one of the organisation's own, share-locked so that
   * it cannot be deleted before the claim commits. Another organisation's claimant, which it could neither change nor
   * delete while this claim names it, is refused as if it did not exist.
   */
  async function requireClaimant (
    claimantId: string | null | undefined,
    organizationId: string,
    tx: Executor
  ): Promise<ClaimantRow | null> {
    if (claimantId === undefined || claimantId === null) return null
    const id = isUuid(claimantId) ? claimantId : (await repos.claimants.findBySlug(claimantId, tx))?.id
    const claimant = id === undefined ? undefined : await repos.claimants.lockById(id, tx, 'share')
    if (!claimant || claimant.organizationId !== organizationId) {
      throw new RuleViolationError(`Claimant ${claimantId} is not a claimant of your organisation.`, [
        { path: 'claimantId', message: 'no such claimant in your organisation' },
      ])
    }
    return claimant
  }

  async function reviewWithScale (reviewId: string | null, tx?: Executor): Promise<ReviewWithScale | null> {
    if (reviewId === null) return null
    const review = await repos.reviews.findById(reviewId, tx)
    const scale = review && await repos.ratingScales.findById(review.ratingScaleId, tx)
    return review && scale ? { review, scale } : null
  }

  async function detailOf (claim: ClaimRow, tx?: Executor): Promise<ClaimDetail> {
    const [claimant, appearances, evidence, currentReview] = await Promise.all([
      claim.claimantId ? repos.claimants.findById(claim.claimantId, tx) : undefined,
      repos.appearances.listAll(claim.id, tx),
      repos.evidence.listAll(claim.id, tx),
      reviewWithScale(claim.currentReviewId, tx),
    ])
    return { claim, claimant: claimant ?? null, appearances, evidence, currentReview }
  }

  /** Locks the claim for the rest of the transaction and checks the client's If-Match against its current ETag. */
  async function lockMatching (
    id: string,
    ifMatch: EtagCondition | undefined,
    ctx: WriteContext,
    tx: Executor
  ): Promise<ClaimDetail> {
    const claim = await repos.claims.lockById(id, tx)
    if (!claim) throw new NotFoundError('Claim', id)
    assertOwner(ctx, claim, () => new NotFoundError('Claim', id), `Claim ${id}`)
    const current = await detailOf(claim, tx)
    assertIfMatch(ifMatch, claimEtag(current))
    return current
  }

  return {
    /** A page of claims matching the filters, in the requested order (relevance when searching, else newest). */
    async list (request: ClaimListRequest, viewer: Viewer, budget: ReadBudget = {}): Promise<Page<ClaimListItem>> {
      const { limit, cursor, sort: requested, ...filters } = request
      const sort = requested ?? (filters.q ? 'relevance' : '-createdAt')
      if (sort === 'relevance' && !filters.q) {
        throw new ValidationError('sort=relevance needs a text query (q).', [
          { path: 'sort', message: 'relevance needs q' },
        ])
      }
      // A cursor is only good for the list it came from: same sort, same filters.
      const scope = listScope(`claims:${sort}`, filters)
      const after = cursor === undefined ? undefined : cursors.decode(cursor, SortPositionSchema, scope)
      if (after && after.sort !== sort) throw new InvalidCursorError('The cursor belongs to another sort order.')
      // A slug is resolved first, so that the planner sees which claimant it is (a prolific one is planned apart).
      let claimantId = filters.claimant
      if (claimantId !== undefined && !isUuid(claimantId)) {
        claimantId = (await repos.claimants.findBySlug(claimantId))?.id
        if (claimantId === undefined) return { data: [], nextCursor: null }
      }
      const q = filters.q === undefined ? undefined : await searchQueryOf(repos.claims, filters.q, 'q')
      if (q === null) return { data: [], nextCursor: null }
      const query = {
        filters: { ...filters, q, claimant: claimantId },
        visibleTo: viewer,
        sort,
        after,
        limit: limit + 1,
      }
      const relevance = q !== undefined && query.sort === 'relevance'
        ? { ...query, sort: 'relevance' as const, filters: { ...query.filters, q } }
        : undefined
      // The index's candidates are found before the search's transaction, which holds a place at the database gate.
      const walk = search && relevance ? await searchWalk(search.index, relevance) : null
      const rows =
        q === undefined
          ? await repos.claims.list(query)
          : await withinBudget(db, budget.statementTimeoutMs, async (executor) => {
            const found = walk && search && relevance
              ? await searchByIndex(walk, repos.claims, relevance, executor, search.log)
              : null
            return found ?? repos.claims.list(query, executor)
          })
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      const nextCursor = rows.length > limit && last ? cursors.encode(positionOf(sort, last), scope) : null
      return { data: page, nextCursor }
    },

    /** The claim now, or as it was at `asOf`; its past is visible to whoever may see it now. */
    async get (id: string, viewer: Viewer, asOf?: Date): Promise<ClaimDetail> {
      if (asOf) {
        if (asOf.getTime() > Date.now()) { throw new InvalidInputError('asOf is in the future; omit it to read the claim as it is now.') }
        const now = await repos.claims.findByIdEvenDeleted(id)
        if (!now || !canSee(viewer, now)) throw new NotFoundError('Claim', `${id} at ${asOf.toISOString()}`)
        return claimDetailAsOf(repos, id, asOf)
      }
      const row = await repos.claims.findDetailById(id)
      if (!row || !canSee(viewer, row.claim)) throw new NotFoundError('Claim', id)
      const { review, scale, ...detail } = row
      return { ...detail, currentReview: review && scale ? { review, scale } : null }
    },

    /**
     * The current ETag of a claim the viewer may see, from the versions alone (no detail query): what a conditional
     * GET compares with If-None-Match. 404 as `get` would.
     */
    async currentEtag (id: string, viewer: Viewer): Promise<string> {
      const versions = await repos.claims.findVersionsById(id)
      if (!versions || !canSee(viewer, versions.claim)) throw new NotFoundError('Claim', id)
      return claimVersionsEtag(versions)
    },

    /**
     * The claim's revisions and those of everything under it, newest first. Outside its organisation, drafts of
     * reviews are left out: they were never published.
     */
    async history (
      id: string,
      viewer: Viewer,
      request: { limit: number; cursor?: string | undefined }
    ): Promise<Page<Revision>> {
      const afterSeq = cursors.seq.decode(request.cursor, `history:${id}`)
      // A deleted claim keeps its history: 404 only for a claim that never existed, or that the caller may not see.
      const claim = await repos.claims.findByIdEvenDeleted(id)
      if (!claim || !canSee(viewer, claim)) throw new NotFoundError('Claim', id)
      const withDrafts = claim.organizationId === viewer.organizationId
      const { rows, nextAfterId } = await repos.revisions.listByClaim(id, {
        limit: request.limit,
        afterSeq,
        withDrafts,
      })
      // Who made a change inside an organisation (its key's name and id, the request) is that organisation's own
      // business: everyone else sees the organisation only.
      const member = (row: Revision) =>
        viewer.organizationId !== null && viewer.organizationId === (row.organizationId ?? claim.organizationId)
      const data = rows.map((row) =>
        member(row) ? row : { ...row, actor: row.organizationSlug ?? 'unknown', actorKeyId: null, requestId: null }
      )
      return { data, nextCursor: cursors.seq.encode(nextAfterId, `history:${id}`) }
    },

    async create (body: CreateClaim, ctx: WriteContext): Promise<ClaimDetail> {
      return db.transaction(async (tx) => {
        const claimant = await requireClaimant(body.claimantId, ctx.organizationId, tx)
        const claim = await repos.claims.insert(
          { ...body, claimantId: claimant?.id ?? null, organizationId: ctx.organizationId },
          tx
        )
        await history.record(tx, ctx, {
          entityType: 'claim',
          action: 'create',
          claimId: claim.id,
          before: null,
          after: claim,
        })
        return { claim, claimant, appearances: [], evidence: [], currentReview: null }
      })
    },

    async update (
      id: string,
      patch: UpdateClaim,
      ifMatch: EtagCondition | undefined,
      ctx: WriteContext
    ): Promise<ClaimDetail> {
      return db.transaction(async (tx) => {
        // The claimant is locked before the claim, in the order a claimant rename takes them (its search trigger
        // updates the claimant's claims), so that the two never wait on each other.
        const newClaimant =
          patch.claimantId === undefined ? undefined : await requireClaimant(patch.claimantId, ctx.organizationId, tx)
        const current = await lockMatching(id, ifMatch, ctx, tx)
        if (current.claim.currentVerdict !== null && (patch.status === 'new' || patch.status === 'researching')) {
          throw new ConflictError(
            `Claim ${id} has a published verdict, so its status is \`reviewed\`; retract the verdict first, or archive the claim.`
          )
        }
        const claimant = newClaimant === undefined ? current.claimant : newClaimant
        const claim = await repos.claims.update(
          id,
          newClaimant === undefined ? patch : { ...patch, claimantId: newClaimant?.id ?? null },
          tx
        )
        if (!claim) throw new NotFoundError('Claim', id)
        await history.record(tx, ctx, {
          entityType: 'claim',
          action: 'update',
          claimId: id,
          before: current.claim,
          after: claim,
        })
        return { ...current, claim, claimant }
      })
    },

    async delete (id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void> {
      await db.transaction(async (tx) => {
        const current = await lockMatching(id, ifMatch, ctx, tx)
        const claim = await repos.claims.softDelete(id, tx)
        if (!claim) throw new NotFoundError('Claim', id)
        await history.record(tx, ctx, {
          entityType: 'claim',
          action: 'delete',
          claimId: id,
          before: current.claim,
          after: claim,
        })
      })
    },
  }
}

export type ClaimsService = ReturnType<typeof createClaimsService>
