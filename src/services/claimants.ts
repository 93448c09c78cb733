// Claimant rules: slugs derived when not given and unique among live claimants; no deleting a claimant in use;
// every change recorded in the history.
import type { Db, Executor } from '../db/client.ts'
import type { ClaimantRow } from '../db/schema.ts'
import { ConflictError, NotFoundError } from '../domain/errors.ts'
import { assertOwner } from '../domain/access.ts'
import type { Cursors } from '../lib/tokens/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/tokens/etag.ts'
import { isUuid } from '../lib/text/ids.ts'
import { freeSlug, slugify } from '../lib/text/slug.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { CreateClaimant, UpdateClaimant } from '../domain/inputs.ts'
import type { History, WriteContext } from './history.ts'
import type { Page } from './types.ts'

export function createClaimantsService (db: Db, claimants: ClaimantsRepository, history: History, cursors: Cursors) {
  async function lockMatching (
    ref: string,
    ifMatch: EtagCondition | undefined,
    ctx: WriteContext,
    tx: Executor
  ): Promise<ClaimantRow> {
    const id = isUuid(ref) ? ref : (await claimants.findBySlug(ref, tx))?.id
    if (id === undefined) throw new NotFoundError('Claimant', ref)
    const current = await claimants.lockById(id, tx)
    if (!current) throw new NotFoundError('Claimant', id)
    // Claimants are public figures, read by everyone: another organisation's is a 403, not a 404.
    assertOwner(
      ctx,
      { organizationId: current.organizationId, isPublic: true },
      () => new NotFoundError('Claimant', id),
      `Claimant ${id}`
    )
    assertIfMatch(ifMatch, versionEtag(current.version))
    return current
  }

  const slugTaken = (slug: string) => new ConflictError(`The slug "${slug}" is already used by another claimant.`)

  /**
   * Refuses a name that a live claimant of the organisation already has (ignoring case and accents), unless the
   * caller says this is another person: the other is listed in `distinctFrom` (by id or slug), or both have `sameAs`
   * URLs and none is shared. Called under the name's slug-base lock, so that two requests cannot both pass.
   */
  async function assertNewName (
    name: string,
    sameAs: string[],
    distinctFrom: string[] | undefined,
    ctx: WriteContext,
    tx: Executor,
    self?: string
  ) {
    const others = (await claimants.findByNameKey(ctx.organizationId, name, tx)).filter((c) => c.id !== self)
    const toldApart = (c: ClaimantRow) =>
      distinctFrom?.some((ref) => ref === c.id || ref === c.slug) === true ||
      (sameAs.length > 0 && c.sameAs.length > 0 && !c.sameAs.some((url) => sameAs.includes(url)))
    const same = others.find((c) => !toldApart(c))
    if (same) {
      throw new ConflictError(
        `Your organisation already has a claimant named "${same.name}" (${same.slug}, id ${same.id}). To use it, name it by its id or slug; if this is another person, send "distinctFrom": ["${same.id}"] or sameAs URLs that tell the two apart.`,
        { existingId: same.id }
      )
    }
  }

  return {
    /** By id or slug. */
    async get (ref: string): Promise<ClaimantRow> {
      const row = isUuid(ref) ? await claimants.findById(ref) : await claimants.findBySlug(ref)
      if (!row) throw new NotFoundError('Claimant', ref)
      return row
    },

    async list (request: {
      limit: number
      cursor?: string | undefined
      q?: string | undefined
    }): Promise<Page<ClaimantRow>> {
      // A cursor is bound to its search: one from another list, or from a list without q, is refused.
      const scope = request.q === undefined ? 'claimants' : `claimants?q=${request.q}`
      const { rows, nextAfterId } = await claimants.list({
        limit: request.limit,
        afterId: cursors.id.decode(request.cursor, scope),
        q: request.q,
      })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, scope) }
    },

    async create (body: CreateClaimant, ctx: WriteContext): Promise<ClaimantRow> {
      const { distinctFrom, ...fields } = body
      return db.transaction(async (tx) => {
        // Names that differ only in case or accents have one slug base, so this lock also covers the name check.
        const base = slugify(fields.name)
        await claimants.lockSlugBase(base, tx)
        await assertNewName(fields.name, fields.sameAs ?? [], distinctFrom, ctx, tx)
        let slug = fields.slug
        if (slug === undefined) {
          slug = freeSlug(base, await claimants.slugsLike(base, tx))
        } else if (await claimants.findBySlug(slug, tx)) {
          throw slugTaken(slug)
        }
        const row = await claimants.insert({ ...fields, slug, organizationId: ctx.organizationId }, tx)
        await history.record(tx, ctx, {
          entityType: 'claimant',
          action: 'create',
          claimId: null,
          before: null,
          after: row,
        })
        return row
      })
    },

    async update (
      ref: string,
      patch: UpdateClaimant,
      ifMatch: EtagCondition | undefined,
      ctx: WriteContext
    ): Promise<ClaimantRow> {
      const { distinctFrom, ...fields } = patch
      return db.transaction(async (tx) => {
        // The name's lock before the row's, in the order create and import take them, so that none waits on another.
        if (fields.name !== undefined) await claimants.lockSlugBase(slugify(fields.name), tx)
        const before = await lockMatching(ref, ifMatch, ctx, tx)
        const id = before.id
        if (fields.name !== undefined && fields.name !== before.name) {
          await assertNewName(fields.name, fields.sameAs ?? before.sameAs, distinctFrom, ctx, tx, id)
        }
        if (fields.slug !== undefined && fields.slug !== before.slug && (await claimants.findBySlug(fields.slug, tx))) {
          throw slugTaken(fields.slug)
        }
        const after = await claimants.update(id, fields, tx)
        if (!after) throw new NotFoundError('Claimant', id)
        await history.record(tx, ctx, { entityType: 'claimant', action: 'update', claimId: null, before, after })
        return after
      })
    },

    async delete (ref: string, ifMatch: EtagCondition | undefined, ctx: WriteContext): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockMatching(ref, ifMatch, ctx, tx)
        const id = before.id
        if (await claimants.hasLiveClaims(id, tx)) { throw new ConflictError(`Claimant ${id} still has claims; move or delete them first.`) }
        const after = await claimants.softDelete(id, tx)
        if (!after) throw new NotFoundError('Claimant', id)
        await history.record(tx, ctx, { entityType: 'claimant', action: 'delete', claimId: null, before, after })
      })
    },
  }
}

export type ClaimantsService = ReturnType<typeof createClaimantsService>
