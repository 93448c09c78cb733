// Rating scale rules: built-in scales are fixed; a scale in use may gain values but not lose, reorder or re-rate them.
import type { Db, Executor } from '../db/client.ts'
import type { RatingScaleRow, RatingScaleValue } from '../db/schema.ts'
import { ConflictError, NotFoundError, RuleViolationError } from '../domain/errors.ts'
import { assertOwner } from '../domain/access.ts'
import type { Cursors } from '../lib/tokens/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/tokens/etag.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { CreateRatingScale, UpdateRatingScale } from '../domain/inputs.ts'
import type { History, WriteContext } from './history.ts'
import type { Page } from './types.ts'

/** Why `next` may not replace `current` on a scale that reviews use, or null when it may. */
export function valuesChangeProblem (current: RatingScaleValue[], next: RatingScaleValue[]): string | null {
  const nextKeys = next.map((v) => v.key)
  const missing = current.filter((v) => !nextKeys.includes(v.key)).map((v) => v.key)
  if (missing.length > 0) return `Values in use cannot be removed: ${missing.join(', ')}.`
  const kept = nextKeys.filter((key) => current.some((v) => v.key === key))
  if (kept.some((key, i) => key !== current[i]?.key)) return 'Values in use cannot be reordered; new values may be added anywhere.'
  const rerated = current.filter((v) => {
    const n = next.find((x) => x.key === v.key)
    return n && (n.ratingValue !== v.ratingValue || n.verdict !== v.verdict)
  }).map((v) => v.key)
  if (rerated.length > 0) return `The rating value and verdict of values in use cannot change: ${rerated.join(', ')}.`
  return null
}

export function createRatingScalesService (db: Db, scales: RatingScalesRepository, history: History, cursors: Cursors) {
  async function lockEditable (
    id: string,
    ifMatch: EtagCondition | undefined,
    ctx: WriteContext,
    tx: Executor
  ): Promise<RatingScaleRow> {
    const current = await scales.lockById(id, tx)
    if (!current) throw new NotFoundError('Rating scale', id)
    if (current.builtIn) { throw new ConflictError(`The built-in scale "${current.slug}" cannot be changed; create a scale of your own.`) }
    // Scales are public (published verdicts refer to them), so another organisation's is a 403, not a 404.
    assertOwner(
      ctx,
      { organizationId: current.organizationId, isPublic: true },
      () => new NotFoundError('Rating scale', id),
      `Rating scale ${current.slug}`
    )
    assertIfMatch(ifMatch, versionEtag(current.version))
    return current
  }

  const slugTaken = (slug: string) => new ConflictError(`The slug "${slug}" is already used by another rating scale.`)

  return {
    async get (id: string): Promise<RatingScaleRow> {
      const row = await scales.findById(id)
      if (!row) throw new NotFoundError('Rating scale', id)
      return row
    },

    async list (request: { limit: number; cursor?: string | undefined }): Promise<Page<RatingScaleRow>> {
      const { rows, nextAfterId } = await scales.list({
        limit: request.limit,
        afterId: cursors.id.decode(request.cursor, 'rating-scales'),
      })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, 'rating-scales') }
    },

    async create (body: CreateRatingScale, ctx: WriteContext): Promise<RatingScaleRow> {
      return db.transaction(async (tx) => {
        if (await scales.findByRef(body.slug, tx)) throw slugTaken(body.slug)
        const after = await scales.insert(
          { ...body, description: body.description ?? null, organizationId: ctx.organizationId },
          tx
        )
        await history.record(tx, ctx, {
          entityType: 'rating-scale',
          action: 'create',
          claimId: null,
          before: null,
          after,
        })
        return after
      })
    },

    async update (
      id: string,
      patch: UpdateRatingScale,
      ifMatch: EtagCondition | undefined,
      ctx: WriteContext
    ): Promise<RatingScaleRow> {
      return db.transaction(async (tx) => {
        const before = await lockEditable(id, ifMatch, ctx, tx)
        if (patch.slug !== undefined && patch.slug !== before.slug && (await scales.findByRef(patch.slug, tx))) {
          throw slugTaken(patch.slug)
        }
        if (patch.values && (await scales.isInUse(id, tx))) {
          const reason = valuesChangeProblem(before.values, patch.values)
          if (reason) throw new RuleViolationError(reason, [{ path: 'values', message: reason }])
        }
        const after = await scales.update(id, patch, tx)
        if (!after) throw new NotFoundError('Rating scale', id)
        await history.record(tx, ctx, { entityType: 'rating-scale', action: 'update', claimId: null, before, after })
        return after
      })
    },

    async delete (id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockEditable(id, ifMatch, ctx, tx)
        if (await scales.isInUse(id, tx)) { throw new ConflictError(`Rating scale ${id} is used by reviews and cannot be deleted.`) }
        await scales.delete(id, tx)
        await history.recordRemoval(tx, ctx, { entityType: 'rating-scale', claimId: null, before })
      })
    },
  }
}

export type RatingScalesService = ReturnType<typeof createRatingScalesService>
