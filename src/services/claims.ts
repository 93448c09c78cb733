// Claim rules: a claim names a live claimant or none; reads embed the claimant, appearances and evidence.
import type { Db, Executor } from '../db/client.ts'
import type { AppearanceRow, ClaimantRow, ClaimRow, EvidenceRow } from '../db/schema.ts'
import { notFound, unprocessable } from '../errors.ts'
import { idCursor } from '../lib/cursor.ts'
import type { AppearancesRepository, EvidenceRepository } from '../repositories/claim-children.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { ClaimsRepository, ClaimWithClaimant } from '../repositories/claims.ts'
import type { CreateClaim, UpdateClaim } from '../schemas/claims.ts'
import type { Page } from './types.ts'

export interface ClaimDetail {
  claim: ClaimRow
  claimant: ClaimantRow | null
  appearances: AppearanceRow[]
  evidence: EvidenceRow[]
}

interface Repositories {
  claims: ClaimsRepository
  claimants: ClaimantsRepository
  appearances: AppearancesRepository
  evidence: EvidenceRepository
}

export function createClaimsService (db: Db, repos: Repositories) {
  async function requireClaimant (claimantId: string | null | undefined, tx: Executor): Promise<ClaimantRow | null> {
    if (claimantId === undefined || claimantId === null) return null
    const claimant = await repos.claimants.findById(claimantId, tx)
    if (!claimant) {
      throw unprocessable(`Claimant ${claimantId} does not exist.`, [{ field: 'body.claimantId', message: 'no such claimant' }])
    }
    return claimant
  }

  const withClaimant = (claim: ClaimRow, claimant: ClaimantRow | null): ClaimWithClaimant => ({ claim, claimant })

  return {
    async list (request: { limit: number, cursor?: string | undefined }): Promise<Page<ClaimWithClaimant>> {
      const { rows, nextAfterId } = await repos.claims.list({ limit: request.limit, afterId: idCursor.decode(request.cursor) })
      return { data: rows, nextCursor: idCursor.encode(nextAfterId) }
    },

    async getDetail (id: string): Promise<ClaimDetail> {
      const claim = await repos.claims.findById(id)
      if (!claim) throw notFound('Claim', id)
      const [claimant, appearances, evidence] = await Promise.all([
        claim.claimantId ? repos.claimants.findById(claim.claimantId) : undefined,
        repos.appearances.listAll(id),
        repos.evidence.listAll(id),
      ])
      return { claim, claimant: claimant ?? null, appearances, evidence }
    },

    async create (body: CreateClaim): Promise<ClaimWithClaimant> {
      return db.transaction(async (tx) => {
        const claimant = await requireClaimant(body.claimantId, tx)
        const claim = await repos.claims.insert(body, tx)
        return withClaimant(claim, claimant)
      })
    },

    async update (id: string, patch: UpdateClaim): Promise<ClaimWithClaimant> {
      return db.transaction(async (tx) => {
        const current = await repos.claims.findById(id, tx)
        if (!current) throw notFound('Claim', id)
        const claimantId = patch.claimantId === undefined ? current.claimantId : patch.claimantId
        const claimant = await requireClaimant(claimantId, tx)
        const claim = await repos.claims.update(id, patch, tx)
        if (!claim) throw notFound('Claim', id)
        return withClaimant(claim, claimant)
      })
    },

    async delete (id: string): Promise<void> {
      const row = await db.transaction((tx) => repos.claims.softDelete(id, tx))
      if (!row) throw notFound('Claim', id)
    },
  }
}

export type ClaimsService = ReturnType<typeof createClaimsService>
