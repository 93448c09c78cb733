// The domain's records as services hand them to the layers above: the API contracts (src/schemas/) map these to
// their public shapes, never the database's rows. The database's row types must stay assignable to them
// (src/db/schema.ts checks it at compile time).

/** One value of a rating scale, e.g. PolitiFact's `pants-fire`. Stored in order, best first. */
export interface RatingScaleValue {
  key: string
  label: string
  description: string | null
  ratingValue: number
  verdict: NormalizedVerdict
  /**
   * Other names of the value (a former label, e.g. `barely-true` for `mostly-false`): imports and reviews map them to
   * `key`.
   */
  aliases?: string[]
}

import type {
  ApiKeyRole,
  AppearanceMedium,
  AuditOutcome,
  ClaimantKind,
  ClaimStatus,
  EvidenceStance,
  ImportStatus,
  NormalizedVerdict,
  ReviewStatus,
  RevisionAction,
  WebhookDeliveryOutcome,
  WebhookEventType,
} from './enums.ts'

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

export interface AppearanceRecord {
  id: string
  url: string | null
  version: number
  createdAt: Date
  updatedAt: Date
  claimId: string
  urlCanonical: string | null
  urlHash: string | null
  title: string | null
  publisher: string | null
  medium: AppearanceMedium
  publishedAt: Date | null
  quote: string | null
  isFirstAppearance: boolean
}

export interface ClaimantRecord {
  name: string
  id: string
  slug: string
  version: number
  createdAt: Date
  updatedAt: Date
  organizationId: string
  kind: ClaimantKind
  description: string | null
  jobTitle: string | null
  affiliation: string | null
  sameAs: string[]
  aliases: string[]
  deletedAt: Date | null
}

export interface ClaimRecord {
  id: string
  version: number
  createdAt: Date
  updatedAt: Date
  organizationId: string
  isPublic: boolean
  text: string
  deletedAt: Date | null
  claimantId: string | null
  claimDate: string | null
  language: string
  topics: string[]
  status: ClaimStatus
  currentReviewId: string | null
  currentVerdict: NormalizedVerdict | null
  externalId: string | null
}

export interface EvidenceRecord {
  id: string
  url: string
  version: number
  createdAt: Date
  updatedAt: Date
  claimId: string
  urlCanonical: string | null
  urlHash: string | null
  title: string | null
  publisher: string | null
  stance: EvidenceStance
  summary: string | null
  archivedUrl: string | null
}

export interface ImportRecord {
  id: string
  createdAt: Date
  organizationId: string
  status: ImportStatus
  format: string
  scale: string
  input: string
  keyId: string | null
  created: number
  updated: number
  unchanged: number
  rejected: number
  undated: number
  rejects: Array<{ line: number; key: string | null; reason: string }>
  options: {
    columns?: Record<string, string> | undefined
    map?: Record<string, string> | undefined
    scaleColumn?: string | undefined
  }
  error: string | null
  startedAt: Date | null
  finishedAt: Date | null
}

export interface OrganizationRecord {
  name: string
  id: string
  slug: string
  url: string | null
  version: number
  createdAt: Date
  updatedAt: Date
}

export interface RatingScaleRecord {
  name: string
  id: string
  slug: string
  version: number
  createdAt: Date
  updatedAt: Date
  organizationId: string | null
  description: string | null
  builtIn: boolean
  values: RatingScaleValue[]
}

export interface ReviewRecord {
  id: string
  url: string | null
  version: number
  createdAt: Date
  updatedAt: Date
  deletedAt: Date | null
  status: ReviewStatus
  claimId: string
  ratingScaleId: string
  ratingKey: string
  ratingExplanation: string | null
  headline: string | null
  authorName: string | null
  authorUrl: string | null
  inLanguage: string
  datePublished: Date | null
  retractedAt: Date | null
  retractionReason: string | null
}

export interface WebhookDeliveryRecord {
  id: string
  createdAt: Date
  error: string | null
  webhookId: string
  eventId: string
  eventType: string
  attempt: number
  outcome: WebhookDeliveryOutcome
  statusCode: number | null
  durationMs: number
}

export interface WebhookRecord {
  id: string
  url: string
  version: number
  createdAt: Date
  updatedAt: Date
  organizationId: string
  description: string | null
  events: WebhookEventType[]
  secret: string
  previousSecret: string | null
  previousSecretExpiresAt: Date | null
  enabled: boolean
  disabledReason: string | null
}

export interface ApiKeyRecord {
  name: string
  id: string
  createdAt: Date
  organizationId: string
  role: ApiKeyRole
  prefix: string
  keyHash: string
  createdByKeyId: string | null
  lastUsedAt: Date | null
  revokedAt: Date | null
  lastWriteLsn: string | null
}

export interface AuditEventRecord {
  organizationId: string
  status: number
  keyId: string
  outcome: AuditOutcome
  role: ApiKeyRole
  seq: number
  keyName: string
  method: string
  route: string | null
  path: string
  operationId: string | null
  requestId: string | null
  ip: string | null
  at: Date
}

/** A review with the scale its rating is on: what a review's representation and ETag are made from. */
export interface ReviewWithScale { review: ReviewRecord, scale: RatingScaleRecord }

/**
 * What a claim's current verdict, or its retraction, shows of the review (src/schemas/reviews.ts toCurrentVerdict),
 * and its version, of which a claim's ETag is made.
 */
export type VerdictReview = Pick<ReviewRecord, 'id' | 'version' | 'status' | 'ratingKey' | 'ratingExplanation' | 'headline' |
  'url' | 'authorName' | 'authorUrl' | 'datePublished' | 'retractedAt' | 'retractionReason' | 'updatedAt'>
/** What a rating needs of its scale (src/domain/ratings.ts toRating), and its version. */
export type VerdictScale = Pick<RatingScaleRecord, 'id' | 'version' | 'slug' | 'values'>
/**
 * A claim's current review as lists, lookups and the sync feed read it: only the columns the verdict shows, as these
 * read up to hundreds of rows a request. A full ReviewWithScale is one too.
 */
export interface VerdictPair { review: VerdictReview, scale: VerdictScale }

/** A claim with its claimant, appearances, evidence and current verdict: what a claim's detail answer shows. */
export interface ClaimDetail {
  claim: ClaimRecord
  claimant: ClaimantRecord | null
  appearances: AppearanceRecord[]
  evidence: EvidenceRecord[]
  currentReview: VerdictPair | null
}

/** A published review with its claim and claimant: a ClaimReview is made from it. */
export interface PublishedReview extends ReviewWithScale {
  claim: ClaimRecord
  claimant: ClaimantRecord | null
}

/** A claim that appeared on a page, found by the page's URL hash, with its claimant and current verdict. */
export interface PageClaim {
  urlHash: string
  /** Only what a lookup shows of the claim: rows stay narrow, as a batch reads up to hundreds of them. */
  claim: Pick<ClaimRecord, 'id' | 'text' | 'status'>
  claimant: { id: string, slug: string, name: string } | null
  review: VerdictReview | null
  scale: VerdictScale | null
}

/** A claim at a page in the compact batch answer: its current verdict in a word and the native label, no more. */
export interface PageClaimSummary {
  urlHash: string
  id: string
  status: ClaimRecord['status']
  /** The published verdict, normalised; null when none is published. */
  verdict: NormalizedVerdict | null
  label: string | null
  /** The claim's verdict was retracted and no other is published. */
  retracted: boolean
}
