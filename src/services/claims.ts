// Claim rules: a claim names a live claimant or none; reads and writes return the claim with its claimant,
// appearances and evidence; changes need the ETag of that whole detail (If-Match).
import type { Db, Executor } from '../db/client.ts'
import type { AppearanceRow, ClaimantRow, ClaimRow, EvidenceRow } from '../db/schema.ts'
import { notFound, unprocessable } from '../errors.ts'
import { idCursor } from '../lib/cursor.ts'
import { assertIfMatch, compositeEtag, type EtagCondition } from '../lib/etag.ts'
import type { AppearancesRepository, EvidenceRepository } from '../repositories/claim-children.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { ClaimsRepository, ClaimWithClaimant } from '../repositories/claims.ts'
import type { CreateClaim, UpdateClaim } from '../schemas/claims.ts'
import type { History, WriteContext } from './history.ts'
import type { Page } from './types.ts'

export interface ClaimDetail {
  claim: ClaimRow
  claimant: ClaimantRow | null
  appearances: AppearanceRow[]
  evidence: EvidenceRow[]
}

/** A claim's ETag covers what GET /v1/claims/{id} shows: the claim, its claimant, appearances and evidence. */
export const claimEtag = (detail: ClaimDetail) =>
  compositeEtag(detail.claim.version, [...(detail.claimant ? [detail.claimant] : []), ...detail.appearances, ...detail.evidence])

interface Repositories {
  claims: ClaimsRepository
  claimants: ClaimantsRepository
  appearances: AppearancesRepository
  evidence: EvidenceRepository
}

export function createClaimsService (db: Db, repos: Repositories, history: History) {
  async function requireClaimant (claimantId: string | null | undefined, tx: Executor): Promise<ClaimantRow | null> {
    if (claimantId === undefined || claimantId === null) return null
    const claimant = await repos.claimants.findById(claimantId, tx)
    if (!claimant) {
      throw unprocessable(`Claimant ${claimantId} does not exist.`, [{ field: 'body.claimantId', message: 'no such claimant' }])
    }
    return claimant
  }

  async function detailOf (claim: ClaimRow, tx?: Executor): Promise<ClaimDetail> {
    const [claimant, appearances, evidence] = await Promise.all([
      claim.claimantId ? repos.claimants.findById(claim.claimantId, tx) : undefined,
      repos.appearances.listAll(claim.id, tx),
      repos.evidence.listAll(claim.id, tx),
    ])
    return { claim, claimant: claimant ?? null, appearances, evidence }
  }

  /** Locks the claim for the rest of the transaction and checks the client's If-Match against its current ETag. */
  async function lockMatching (id: string, ifMatch: EtagCondition | undefined, tx: Executor): Promise<ClaimDetail> {
    const claim = await repos.claims.lockById(id, tx)
    if (!claim) throw notFound('Claim', id)
    const current = await detailOf(claim, tx)
    assertIfMatch(ifMatch, claimEtag(current))
    return current
  }

  return {
    async list (request: { limit: number, cursor?: string | undefined }): Promise<Page<ClaimWithClaimant>> {
      const { rows, nextAfterId } = await repos.claims.list({ limit: request.limit, afterId: idCursor.decode(request.cursor) })
      return { data: rows, nextCursor: idCursor.encode(nextAfterId) }
    },

    async get (id: string): Promise<ClaimDetail> {
      const claim = await repos.claims.findById(id)
      if (!claim) throw notFound('Claim', id)
      return detailOf(claim)
    },

    async create (body: CreateClaim, ctx: WriteContext): Promise<ClaimDetail> {
      return db.transaction(async (tx) => {
        const claimant = await requireClaimant(body.claimantId, tx)
        const claim = await repos.claims.insert(body, tx)
        await history.record(tx, ctx, { entityType: 'claim', action: 'create', claimId: claim.id, before: null, after: claim })
        return { claim, claimant, appearances: [], evidence: [] }
      })
    },

    async update (id: string, patch: UpdateClaim, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<ClaimDetail> {
      return db.transaction(async (tx) => {
        const current = await lockMatching(id, ifMatch, tx)
        const claimant = patch.claimantId === undefined ? current.claimant : await requireClaimant(patch.claimantId, tx)
        const claim = await repos.claims.update(id, patch, tx)
        if (!claim) throw notFound('Claim', id)
        await history.record(tx, ctx, { entityType: 'claim', action: 'update', claimId: id, before: current.claim, after: claim })
        return { ...current, claim, claimant }
      })
    },

    async delete (id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void> {
      await db.transaction(async (tx) => {
        const current = await lockMatching(id, ifMatch, tx)
        const claim = await repos.claims.softDelete(id, tx)
        if (!claim) throw notFound('Claim', id)
        await history.record(tx, ctx, { entityType: 'claim', action: 'delete', claimId: id, before: current.claim, after: claim })
      })
    },
  }
}

export type ClaimsService = ReturnType<typeof createClaimsService>
