// Claimant rules: slugs derived when not given and unique among live claimants; no deleting a claimant in use.
import type { Db, Executor } from '../db/client.ts'
import type { ClaimantRow } from '../db/schema.ts'
import { conflict, notFound } from '../errors.ts'
import { idCursor } from '../lib/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/etag.ts'
import { freeSlug, slugify } from '../lib/slug.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { CreateClaimant, UpdateClaimant } from '../schemas/claimants.ts'
import type { Page } from './types.ts'

export function createClaimantsService (db: Db, claimants: ClaimantsRepository) {
  async function lockMatching (id: string, ifMatch: EtagCondition | undefined, tx: Executor): Promise<ClaimantRow> {
    const current = await claimants.lockById(id, tx)
    if (!current) throw notFound('Claimant', id)
    assertIfMatch(ifMatch, versionEtag(current.version))
    return current
  }

  async function get (id: string): Promise<ClaimantRow> {
    const row = await claimants.findById(id)
    if (!row) throw notFound('Claimant', id)
    return row
  }

  return {
    get,

    async list (request: { limit: number, cursor?: string | undefined }): Promise<Page<ClaimantRow>> {
      const { rows, nextAfterId } = await claimants.list({ limit: request.limit, afterId: idCursor.decode(request.cursor) })
      return { data: rows, nextCursor: idCursor.encode(nextAfterId) }
    },

    async create (body: CreateClaimant): Promise<ClaimantRow> {
      return db.transaction(async (tx) => {
        let slug = body.slug
        if (slug === undefined) {
          const base = slugify(body.name)
          slug = freeSlug(base, await claimants.slugsLike(base, tx))
        } else if (await claimants.findBySlug(slug, tx)) {
          throw conflict(`The slug "${slug}" is already used by another claimant.`)
        }
        return claimants.insert({ ...body, slug }, tx)
      })
    },

    async update (id: string, patch: UpdateClaimant, ifMatch: EtagCondition | undefined): Promise<ClaimantRow> {
      return db.transaction(async (tx) => {
        await lockMatching(id, ifMatch, tx)
        if (patch.slug !== undefined) {
          const holder = await claimants.findBySlug(patch.slug, tx)
          if (holder && holder.id !== id) throw conflict(`The slug "${patch.slug}" is already used by another claimant.`)
        }
        const row = await claimants.update(id, patch, tx)
        if (!row) throw notFound('Claimant', id)
        return row
      })
    },

    async delete (id: string, ifMatch: EtagCondition | undefined): Promise<void> {
      await db.transaction(async (tx) => {
        await lockMatching(id, ifMatch, tx)
        if (await claimants.hasLiveClaims(id, tx)) throw conflict(`Claimant ${id} still has claims; move or delete them first.`)
        await claimants.softDelete(id, tx)
      })
    },
  }
}

export type ClaimantsService = ReturnType<typeof createClaimantsService>
