// The domain's records as services hand them to the layers above: the API contracts (src/schemas/) map these to
// their public shapes, never the database's rows. The database's row types must stay assignable to them
// (src/db/schema.ts checks it at compile time).
import type { RevisionAction } from './enums.ts'

/** One recorded change: the entity before and after it as stored snapshots, and who made it. */
export interface Revision {
  seq: number
  entityType: string
  entityId: string
  claimId: string | null
  version: number
  action: RevisionAction
  actor: string
  actorKeyId: string | null
  organizationId: string | null
  requestId: string | null
  at: Date
  /** The stored snapshot before the change (the row as JSON); never shown as it is (src/schemas/history.ts). */
  before: Record<string, unknown> | null
  after: Record<string, unknown>
  /** The slug of the organisation it was made for (null before organisations existed). */
  organizationSlug: string | null
}
