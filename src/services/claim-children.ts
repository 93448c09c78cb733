// Rules for what hangs off a claim: it exists only under a live claim; a claim has at most one first appearance.
import type { Db, Executor } from '../db/client.ts'
import type { AppearanceRow, EvidenceRow } from '../db/schema.ts'
import { notFound } from '../errors.ts'
import { idCursor } from '../lib/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/etag.ts'
import type { AppearancesRepository, EvidenceRepository } from '../repositories/claim-children.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'
import type { CreateAppearance, UpdateAppearance } from '../schemas/appearances.ts'
import type { CreateEvidence, UpdateEvidence } from '../schemas/evidence.ts'
import type { Page } from './types.ts'

interface ChildRepository<Row, Create, Update> {
  lockById(claimId: string, id: string, tx: Executor): Promise<Row | undefined>
  findById(claimId: string, id: string, tx?: Executor): Promise<Row | undefined>
  list(claimId: string, page: { limit: number, afterId?: string | undefined }, tx?: Executor): Promise<{ rows: Row[], nextAfterId: string | null }>
  insert(values: Create & { claimId: string }, tx?: Executor): Promise<Row>
  update(claimId: string, id: string, patch: Update, tx?: Executor): Promise<Row | undefined>
  delete(claimId: string, id: string, tx?: Executor): Promise<Row | undefined>
}

interface Hooks<Create, Update> {
  /** Runs inside the write's transaction before the row is written. */
  beforeWrite?(tx: Executor, claimId: string, id: string | null, values: Create | Update): Promise<void>
}

function createClaimChildService<Row extends { version: number }, Create, Update> (
  db: Db,
  claims: ClaimsRepository,
  children: ChildRepository<Row, Create, Update>,
  noun: string,
  hooks: Hooks<Create, Update> = {}
) {
  async function requireClaim (claimId: string, tx?: Executor) {
    if (!await claims.findById(claimId, tx)) throw notFound('Claim', claimId)
  }

  async function lockMatching (claimId: string, id: string, ifMatch: EtagCondition | undefined, tx: Executor): Promise<Row> {
    await requireClaim(claimId, tx)
    const current = await children.lockById(claimId, id, tx)
    if (!current) throw notFound(noun, id)
    assertIfMatch(ifMatch, versionEtag(current.version))
    return current
  }

  return {
    async list (claimId: string, request: { limit: number, cursor?: string | undefined }): Promise<Page<Row>> {
      const afterId = idCursor.decode(request.cursor)
      await requireClaim(claimId)
      const { rows, nextAfterId } = await children.list(claimId, { limit: request.limit, afterId })
      return { data: rows, nextCursor: idCursor.encode(nextAfterId) }
    },

    async get (claimId: string, id: string): Promise<Row> {
      await requireClaim(claimId)
      const row = await children.findById(claimId, id)
      if (!row) throw notFound(noun, id)
      return row
    },

    async create (claimId: string, body: Create): Promise<Row> {
      return db.transaction(async (tx) => {
        await requireClaim(claimId, tx)
        await hooks.beforeWrite?.(tx, claimId, null, body)
        return children.insert({ ...body, claimId }, tx)
      })
    },

    async update (claimId: string, id: string, patch: Update, ifMatch: EtagCondition | undefined): Promise<Row> {
      return db.transaction(async (tx) => {
        await lockMatching(claimId, id, ifMatch, tx)
        await hooks.beforeWrite?.(tx, claimId, id, patch)
        const row = await children.update(claimId, id, patch, tx)
        if (!row) throw notFound(noun, id)
        return row
      })
    },

    async delete (claimId: string, id: string, ifMatch: EtagCondition | undefined): Promise<void> {
      await db.transaction(async (tx) => {
        await lockMatching(claimId, id, ifMatch, tx)
        await children.delete(claimId, id, tx)
      })
    },
  }
}

export function createAppearancesService (db: Db, claims: ClaimsRepository, appearances: AppearancesRepository) {
  return createClaimChildService<AppearanceRow, CreateAppearance, UpdateAppearance>(db, claims, appearances, 'Appearance', {
    // Marking an appearance as the first unmarks the previous first, in the same transaction.
    async beforeWrite (tx, claimId, id, values) {
      if (values.isFirstAppearance === true) await appearances.clearFirstAppearance(claimId, id, tx)
    },
  })
}

export function createEvidenceService (db: Db, claims: ClaimsRepository, evidence: EvidenceRepository) {
  return createClaimChildService<EvidenceRow, CreateEvidence, UpdateEvidence>(db, claims, evidence, 'Evidence')
}

export type AppearancesService = ReturnType<typeof createAppearancesService>
export type EvidenceService = ReturnType<typeof createEvidenceService>
