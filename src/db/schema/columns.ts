// The enums of the schema and the column helpers every table uses: UUIDv7 ids, timestamps, versions.
import { customType, integer, pgEnum, timestamp, uuid } from 'drizzle-orm/pg-core'
import { v7 as uuidv7 } from 'uuid'
import { apiKeyRoles, appearanceMedia, auditOutcomes, claimantKinds, claimStatuses, evidenceStances, normalizedVerdicts, reviewStatuses, revisionActions, webhookDeliveryOutcomes, webhookEventTypes } from '../../domain/enums.ts'

/**
 * `reviewed` and `retracted` follow from the claim's reviews (src/services/reviews.ts); the others are set by editors.
 */
export const claimStatus = pgEnum('claim_status', claimStatuses)
export const appearanceMedium = pgEnum('appearance_medium', appearanceMedia)
export const evidenceStance = pgEnum('evidence_stance', evidenceStances)
export const claimantKind = pgEnum('claimant_kind', claimantKinds)
export const reviewStatus = pgEnum('review_status', reviewStatuses)
/** Verdicts on one shared scale, so that reviews on different native scales can be compared and filtered. */
export const normalizedVerdict = pgEnum('normalized_verdict', normalizedVerdicts)
export const revisionAction = pgEnum('revision_action', revisionActions)
/** What an API key may do; see src/domain/access.ts for the order of the roles. */
export const apiKeyRole = pgEnum('api_key_role', apiKeyRoles)
/**
 * `denied`: refused for the key's role or the object's owner (401, 403); `failed`: any other error; `succeeded`: done.
 */
export const auditOutcome = pgEnum('audit_outcome', auditOutcomes)
/** What a partner's webhook may subscribe to (src/services/webhook-events.ts says when each is sent). */
export const webhookEventType = pgEnum('webhook_event_type', webhookEventTypes)
/** One delivery attempt: a 2xx answer, or anything else (another status, a refused address, a timeout). */
export const webhookDeliveryOutcome = pgEnum('webhook_delivery_outcome', webhookDeliveryOutcomes)

/** A full-text search document, maintained by triggers (migrations/0004); never written by the application. */
export const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })
/** A transaction id; revisions carry the one that wrote them, so that the change feed can follow commit order. */
export const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' })

// Ids are UUIDv7, made by the application: time-ordered, so "newest first" is an index scan on the primary key
// and a cursor on the id never skips or repeats a row while others are inserted.
export const id = () => uuid().primaryKey().$defaultFn(() => uuidv7())
export const timestamps = () => ({
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
})
// Every entity carries a version: 1 on create, +1 on each change. It is the basis of ETags and revisions.
export const version = () => integer().notNull().default(1)
