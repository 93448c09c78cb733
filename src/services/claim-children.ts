// Rules for what hangs off a claim: it exists only under a live claim; a claim has at most one first appearance;
// every change is recorded in the history.
import type { Db, Executor } from '../db/client.ts'
import type { AppearanceRow, ClaimRow, EvidenceRow } from '../db/schema.ts'
import { assertOwner, canSee, type Viewer } from '../domain/access.ts'
import { NotFoundError } from '../domain/errors.ts'
import type { Cursors } from '../lib/tokens/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/tokens/etag.ts'
import type { AppearancesRepository, EvidenceRepository } from '../repositories/claim-children.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'
import type { CreateAppearance, CreateEvidence, UpdateAppearance, UpdateEvidence } from '../domain/inputs.ts'
import type { History, WriteContext } from './history.ts'
import type { Page } from './types.ts'

interface Row { id: string, version: number, updatedAt: Date }

interface ChildRepository<R extends Row, Create, Update> {
  lockById(claimId: string, id: string, tx: Executor): Promise<R | undefined>
  findById(claimId: string, id: string, tx?: Executor): Promise<R | undefined>
  list(
    claimId: string,
    page: { limit: number; afterId?: string | undefined },
    tx?: Executor,
  ): Promise<{ rows: R[]; nextAfterId: string | null }>
  insert(values: Create & { claimId: string }, tx?: Executor): Promise<R>
  update(claimId: string, id: string, patch: Update, tx?: Executor): Promise<R | undefined>
  delete(claimId: string, id: string, tx?: Executor): Promise<R | undefined>
}

/** For a read under a claim: 404 unless the claim is live and the caller may see it. */
export async function requireVisibleClaim (
  claims: ClaimsRepository,
  claimId: string,
  viewer: Viewer
): Promise<ClaimRow> {
  const claim = await claims.findById(claimId)
  if (!claim || !canSee(viewer, claim)) throw new NotFoundError('Claim', claimId)
  return claim
}

/**
 * For a write under a claim: the claim must be live and the writer's organisation's (404 or 403, see assertOwner).
 * It is locked too: writes under one claim take turns, so that rules spanning its rows (one first appearance, one
 * current verdict) hold under concurrency, and locks are always taken claim first. Shared by every service of what
 * hangs off a claim.
 */
export async function requireOwnClaim (
  claims: ClaimsRepository,
  claimId: string,
  ctx: WriteContext,
  tx: Executor
): Promise<ClaimRow> {
  const claim = await claims.lockById(claimId, tx)
  if (!claim) throw new NotFoundError('Claim', claimId)
  assertOwner(ctx, claim, () => new NotFoundError('Claim', claimId), `Claim ${claimId}`)
  return claim
}

/**
 * For a change to a row under a claim: the claim as requireOwnClaim wants it, then the row itself locked (404 if it
 * is not under that claim) and its ETag matched against If-Match (412 otherwise).
 */
export async function lockOwnChild<Row> (
  claims: ClaimsRepository,
  child: { noun: string, lockById: (claimId: string, id: string, tx: Executor) => Promise<Row | undefined> },
  etagOf: (row: Row) => string | Promise<string>,
  request: { claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext },
  tx: Executor
): Promise<Row> {
  const { claimId, id, ifMatch, ctx } = request
  await requireOwnClaim(claims, claimId, ctx, tx)
  const current = await child.lockById(claimId, id, tx)
  if (!current) throw new NotFoundError(child.noun, id)
  assertIfMatch(ifMatch, await etagOf(current))
  return current
}

type BeforeWrite<Create, Update> = (
  tx: Executor,
  ctx: WriteContext,
  claimId: string,
  id: string | null,
  values: Create | Update,
) => Promise<void>

function createClaimChildService<R extends Row, Create, Update> (options: {
  db: Db
  claims: ClaimsRepository
  children: ChildRepository<R, Create, Update>
  history: History
  entityType: 'appearance' | 'evidence'
  noun: string
  cursors: Cursors
  /** Runs inside the write's transaction before the row is written. */
  beforeWrite?: BeforeWrite<Create, Update>
}) {
  const { db, claims, children, history, entityType, noun, beforeWrite, cursors } = options

  async function lockMatching (
    claimId: string,
    id: string,
    ifMatch: EtagCondition | undefined,
    ctx: WriteContext,
    tx: Executor
  ): Promise<R> {
    const child = { noun, lockById: children.lockById }
    return lockOwnChild(claims, child, (row) => versionEtag(row.version), { claimId, id, ifMatch, ctx }, tx)
  }

  return {
    async list (
      claimId: string,
      viewer: Viewer,
      request: { limit: number; cursor?: string | undefined }
    ): Promise<Page<R>> {
      const afterId = cursors.id.decode(request.cursor, `${entityType}:${claimId}`)
      await requireVisibleClaim(claims, claimId, viewer)
      const { rows, nextAfterId } = await children.list(claimId, { limit: request.limit, afterId })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, `${entityType}:${claimId}`) }
    },

    async get (claimId: string, id: string, viewer: Viewer): Promise<R> {
      await requireVisibleClaim(claims, claimId, viewer)
      const row = await children.findById(claimId, id)
      if (!row) throw new NotFoundError(noun, id)
      return row
    },

    async create (claimId: string, body: Create, ctx: WriteContext): Promise<R> {
      return db.transaction(async (tx) => {
        await requireOwnClaim(claims, claimId, ctx, tx)
        await beforeWrite?.(tx, ctx, claimId, null, body)
        const after = await children.insert({ ...body, claimId }, tx)
        await history.record(tx, ctx, { entityType, action: 'create', claimId, before: null, after })
        return after
      })
    },

    async update (
      claimId: string,
      id: string,
      patch: Update,
      ifMatch: EtagCondition | undefined,
      ctx: WriteContext
    ): Promise<R> {
      return db.transaction(async (tx) => {
        const before = await lockMatching(claimId, id, ifMatch, ctx, tx)
        await beforeWrite?.(tx, ctx, claimId, id, patch)
        const after = await children.update(claimId, id, patch, tx)
        if (!after) throw new NotFoundError(noun, id)
        await history.record(tx, ctx, { entityType, action: 'update', claimId, before, after })
        return after
      })
    },

    async delete (claimId: string, id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockMatching(claimId, id, ifMatch, ctx, tx)
        await children.delete(claimId, id, tx)
        await history.recordRemoval(tx, ctx, { entityType, claimId, before })
      })
    },
  }
}

export function createAppearancesService (
  db: Db,
  claims: ClaimsRepository,
  appearances: AppearancesRepository,
  history: History,
  cursors: Cursors
) {
  return createClaimChildService<AppearanceRow, CreateAppearance, UpdateAppearance>({
    db,
    claims,
    children: appearances,
    history,
    entityType: 'appearance',
    noun: 'Appearance',
    cursors,
    // Marking an appearance as the first unmarks the previous first, in the same transaction and on the record.
    async beforeWrite (tx, ctx, claimId, id, values) {
      if (values.isFirstAppearance !== true) return
      const previous = await appearances.lockFirstAppearance(claimId, tx)
      if (!previous || previous.id === id) return
      const after = await appearances.update(claimId, previous.id, { isFirstAppearance: false }, tx)
      if (after) { await history.record(tx, ctx, { entityType: 'appearance', action: 'update', claimId, before: previous, after }) }
    },
  })
}

export function createEvidenceService (
  db: Db,
  claims: ClaimsRepository,
  evidence: EvidenceRepository,
  history: History,
  cursors: Cursors
) {
  return createClaimChildService<EvidenceRow, CreateEvidence, UpdateEvidence>({
    db,
    claims,
    children: evidence,
    history,
    entityType: 'evidence',
    noun: 'Evidence',
    cursors,
  })
}

export type AppearancesService = ReturnType<typeof createAppearancesService>
export type EvidenceService = ReturnType<typeof createEvidenceService>
