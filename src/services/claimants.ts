// Claimant rules: slugs derived when not given and unique among live claimants; no deleting a claimant in use;
// every change recorded in the history.
import type { Db, Executor } from '../db/client.ts'
import type { ClaimantRow } from '../db/schema.ts'
import { conflict, notFound } from '../errors.ts'
import { assertOwner } from '../lib/access.ts'
import type { Cursors } from '../lib/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/etag.ts'
import { freeSlug, slugify } from '../lib/slug.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { CreateClaimant, UpdateClaimant } from '../schemas/claimants.ts'
import type { History, WriteContext } from './history.ts'
import type { Page } from './types.ts'

export function createClaimantsService (db: Db, claimants: ClaimantsRepository, history: History, cursors: Cursors) {
  async function lockMatching (id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext, tx: Executor): Promise<ClaimantRow> {
    const current = await claimants.lockById(id, tx)
    if (!current) throw notFound('Claimant', id)
    // Claimants are public figures, read by everyone: another organisation's is a 403, not a 404.
    assertOwner(ctx, { organizationId: current.organizationId, isPublic: true }, () => notFound('Claimant', id), `Claimant ${id}`)
    assertIfMatch(ifMatch, versionEtag(current.version))
    return current
  }

  const slugTaken = (slug: string) => conflict(`The slug "${slug}" is already used by another claimant.`)

  return {
    async get (id: string): Promise<ClaimantRow> {
      const row = await claimants.findById(id)
      if (!row) throw notFound('Claimant', id)
      return row
    },

    async list (request: { limit: number, cursor?: string | undefined }): Promise<Page<ClaimantRow>> {
      const { rows, nextAfterId } = await claimants.list({ limit: request.limit, afterId: cursors.id.decode(request.cursor, 'claimants') })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, 'claimants') }
    },

    async create (body: CreateClaimant, ctx: WriteContext): Promise<ClaimantRow> {
      return db.transaction(async (tx) => {
        let slug = body.slug
        if (slug === undefined) {
          const base = slugify(body.name)
          await claimants.lockSlugBase(base, tx)
          slug = freeSlug(base, await claimants.slugsLike(base, tx))
        } else if (await claimants.findBySlug(slug, tx)) {
          throw slugTaken(slug)
        }
        const row = await claimants.insert({ ...body, slug, organizationId: ctx.organizationId }, tx)
        await history.record(tx, ctx, { entityType: 'claimant', action: 'create', claimId: null, before: null, after: row })
        return row
      })
    },

    async update (id: string, patch: UpdateClaimant, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<ClaimantRow> {
      return db.transaction(async (tx) => {
        const before = await lockMatching(id, ifMatch, ctx, tx)
        if (patch.slug !== undefined && patch.slug !== before.slug && await claimants.findBySlug(patch.slug, tx)) {
          throw slugTaken(patch.slug)
        }
        const after = await claimants.update(id, patch, tx)
        if (!after) throw notFound('Claimant', id)
        await history.record(tx, ctx, { entityType: 'claimant', action: 'update', claimId: null, before, after })
        return after
      })
    },

    async delete (id: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockMatching(id, ifMatch, ctx, tx)
        if (await claimants.hasLiveClaims(id, tx)) throw conflict(`Claimant ${id} still has claims; move or delete them first.`)
        const after = await claimants.softDelete(id, tx)
        if (!after) throw notFound('Claimant', id)
        await history.record(tx, ctx, { entityType: 'claimant', action: 'delete', claimId: null, before, after })
      })
    },
  }
}

export type ClaimantsService = ReturnType<typeof createClaimantsService>
