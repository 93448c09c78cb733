// Writing the revision history: every change of an entity is recorded, with who made it and the row before and
// after, in the transaction that makes the change.
import type { Executor } from '../db/client.ts'
import type { EntityType, RevisionsRepository } from '../repositories/revisions.ts'

/** Who is making a change, for which organisation, and in which request; recorded on every revision. */
export interface WriteContext {
  /** The API key's name, or `system` for changes made by the service itself (the demo data, imports). */
  actor: string
  actorKeyId: string | null
  /** The organisation the change is made for: it owns what is created, and only it may change what it owns. */
  organizationId: string
  requestId: string | null
  /**
   * Called in the transaction of every change recorded, with what changed: the idempotency plugin marks the
   * request's record committed with it, so that the mark and the change commit together or not at all.
   */
  onCommit?: ((tx: Executor, change: { entityType: EntityType, entityId: string }) => Promise<void>) | undefined
}

/** Changes the service makes by itself for an organisation (the demo data, imports). */
export const systemContext = (organizationId: string): WriteContext => ({ actor: 'system', actorKeyId: null, organizationId, requestId: null })

type Action = 'create' | 'update' | 'delete' | 'publish' | 'retract'

interface Versioned { id: string, version: number, updatedAt: Date }

/** One change of one entity: `after` is the row as it now is. */
export interface Change<T extends Versioned> {
  entityType: EntityType
  action: Action
  claimId: string | null
  before: T | null
  after: T
}

/** Told of every batch of changes recorded, in its transaction (the webhook events, src/services/webhook-events.ts). */
export type ChangeListener = (
  tx: Executor,
  organizationId: string,
  changes: ReadonlyArray<{ entityType: EntityType; action: Action; claimId: string | null; after: Versioned }>,
) => Promise<void>

export function createHistory (revisions: RevisionsRepository, onChange?: ChangeListener) {
  /** Records one change; `after` is the row as it now is. */
  async function record<T extends Versioned> (tx: Executor, ctx: WriteContext, change: Change<T>): Promise<void> {
    await recordMany(tx, ctx, [change])
  }

  /** Records several changes made in one transaction, in one statement (imports write thousands at a time). */
  async function recordMany<T extends Versioned> (
    tx: Executor,
    ctx: WriteContext,
    changes: Array<Change<T>>
  ): Promise<void> {
    await revisions.insertMany(
      changes.map((change) => ({
        entityType: change.entityType,
        entityId: change.after.id,
        claimId: change.claimId,
        version: change.after.version,
        action: change.action,
        actor: ctx.actor,
        actorKeyId: ctx.actorKeyId,
        organizationId: ctx.organizationId,
        requestId: ctx.requestId,
        at: change.after.updatedAt,
        // The rows as they are: turned into JSON (dates as ISO strings) once, with the rest of the batch, by
        // insertMany.
        before: change.before as Record<string, unknown> | null,
        after: change.after as unknown as Record<string, unknown>,
      })),
      tx
    )
    await onChange?.(tx, ctx.organizationId, changes)
    for (const change of changes) await ctx.onCommit?.(tx, { entityType: change.entityType, entityId: change.after.id })
  }

  /** Records that a row was removed from its table: its last revision keeps it, marked with when it went. */
  async function recordRemoval<T extends Versioned> (tx: Executor, ctx: WriteContext, change: {
    entityType: EntityType
    claimId: string | null
    before: T
  }): Promise<void> {
    const now = new Date()
    const after = { ...change.before, version: change.before.version + 1, updatedAt: now, deletedAt: now }
    await record(tx, ctx, { ...change, action: 'delete', after })
  }

  return { record, recordMany, recordRemoval }
}

export type History = ReturnType<typeof createHistory>
