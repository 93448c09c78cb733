// The closed sets of values the domain knows: the database declares its enums from them (src/db/schema.ts), the API
// contracts validate and document them (src/schemas/), and services branch on them.

/**
 * `reviewed` and `retracted` follow from the claim's reviews (src/services/reviews.ts); the others are set by editors.
 */
export const claimStatuses = ['new', 'researching', 'reviewed', 'archived', 'retracted'] as const
export type ClaimStatus = (typeof claimStatuses)[number]

export const appearanceMedia = ['article', 'broadcast', 'social', 'speech', 'transcript', 'other'] as const
export type AppearanceMedium = (typeof appearanceMedia)[number]

export const evidenceStances = ['supports', 'refutes', 'context'] as const
export type EvidenceStance = (typeof evidenceStances)[number]

export const claimantKinds = ['person', 'organization'] as const
export type ClaimantKind = (typeof claimantKinds)[number]

export const reviewStatuses = ['draft', 'published', 'retracted'] as const
export type ReviewStatus = (typeof reviewStatuses)[number]

/** Verdicts on one shared scale, so that reviews on different native scales can be compared and filtered. */
export const normalizedVerdicts = ['true', 'mostly-true', 'mixed', 'mostly-false', 'false', 'misleading', 'unproven', 'not-checkable'] as const
export type NormalizedVerdict = (typeof normalizedVerdicts)[number]

export const revisionActions = ['create', 'update', 'delete', 'publish', 'retract'] as const
export type RevisionAction = (typeof revisionActions)[number]

/** What the revision history records changes of. */
export const entityTypes = ['claim', 'claimant', 'appearance', 'evidence', 'review', 'rating-scale'] as const
export type EntityType = (typeof entityTypes)[number]

/** What an API key may do; see src/domain/access.ts for the order of the roles. */
export const apiKeyRoles = ['reader', 'editor', 'reviewer', 'admin', 'partner'] as const
export type ApiKeyRole = (typeof apiKeyRoles)[number]

/**
 * `denied`: refused for the key's role or the object's owner (401, 403); `failed`: any other error; `succeeded`: done.
 */
export const auditOutcomes = ['succeeded', 'denied', 'failed'] as const
export type AuditOutcome = (typeof auditOutcomes)[number]

/** What a partner's webhook may subscribe to (src/services/webhook-events.ts says when each is sent). */
export const webhookEventTypes = ['claim.updated', 'review.published', 'review.retracted'] as const
export type WebhookEventType = (typeof webhookEventTypes)[number]

/** One delivery attempt: a 2xx answer, or anything else (another status, a refused address, a timeout). */
export const webhookDeliveryOutcomes = ['succeeded', 'failed'] as const
export type WebhookDeliveryOutcome = (typeof webhookDeliveryOutcomes)[number]

/** Why a delivery attempt got no HTTP answer. */
export const deliveryErrors = ['address-refused', 'dns-failure', 'connection-refused', 'connection-reset', 'timeout', 'tls-error', 'connection-error'] as const
export type DeliveryError = (typeof deliveryErrors)[number]

export const importStatuses = ['queued', 'running', 'succeeded', 'failed'] as const
export type ImportStatus = (typeof importStatuses)[number]
export const importFormats = ['jsonl', 'csv', 'claimreview'] as const
export type ImportFormat = (typeof importFormats)[number]

/** The orders a claim list can be read in. */
export const claimSorts = ['relevance', '-createdAt', '-claimDate', 'claimDate', '-updatedAt'] as const
export type ClaimSort = (typeof claimSorts)[number]
