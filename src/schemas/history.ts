// The public shape of the revision history: each entity kind's documented, versioned shape in `before`/`after`,
// built from the stored snapshots by one mapper (toHistoryEntity), so that a table's columns can change without
// changing the API. docs/api-guide.md#history-shapes documents the shapes; a new shape is a new `schemaVersion`.
import { z } from 'zod'
import {
  appearanceMedia, claimantKinds, claimStatuses, entityTypes, evidenceStances, normalizedVerdicts, reviewStatuses,
  revisionActions, type EntityType,
} from '../domain/enums.ts'
import type { Revision } from '../domain/types.ts'
import { IdSchema, Timestamp, toIso } from './common.ts'

/** The version of the shapes below; raised when one changes in a way a client could notice. */
export const HISTORY_SCHEMA_VERSION = 1

const Nullable = z.string().nullable()
const lifecycle = {
  schemaVersion: z.literal(HISTORY_SCHEMA_VERSION).describe('The version of this shape; a shape a client could notice changing gets a new one (see the changelog).'),
  id: IdSchema,
  version: z.int().describe('The version of the entity this snapshot is of.'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Timestamp.nullable().describe('When the entity was deleted; set in the `after` of a `delete`, else null.'),
}

const ClaimHistory = z.object({
  ...lifecycle,
  text: z.string(),
  claimantId: IdSchema.nullable(),
  claimDate: Nullable,
  language: z.string(),
  topics: z.array(z.string()),
  status: z.enum(claimStatuses),
  currentVerdict: z.enum(normalizedVerdicts).nullable().describe('The verdict of its current review on the shared scale, as `currentVerdict.verdict` of a Claim.'),
}).meta({ id: 'ClaimHistory', description: 'A claim in its history: the fields of a Claim, with its verdict as a value, without what is embedded.' })

const ClaimantHistory = z.object({
  ...lifecycle,
  slug: z.string(),
  name: z.string(),
  kind: z.enum(claimantKinds),
  description: Nullable,
  jobTitle: Nullable,
  affiliation: Nullable,
  sameAs: z.array(z.string()),
  aliases: z.array(z.string()),
}).meta({ id: 'ClaimantHistory', description: 'A claimant in its history: the fields of a Claimant.' })

const AppearanceHistory = z.object({
  ...lifecycle,
  claimId: IdSchema,
  url: Nullable,
  title: Nullable,
  publisher: Nullable,
  medium: z.enum(appearanceMedia),
  publishedAt: Timestamp.nullable(),
  quote: Nullable,
  isFirstAppearance: z.boolean(),
}).meta({ id: 'AppearanceHistory', description: 'An appearance in its history: the fields of an Appearance.' })

const EvidenceHistory = z.object({
  ...lifecycle,
  claimId: IdSchema,
  url: z.string(),
  title: Nullable,
  publisher: Nullable,
  stance: z.enum(evidenceStances),
  summary: Nullable,
  archivedUrl: Nullable,
}).meta({ id: 'EvidenceHistory', description: 'A piece of evidence in its history: the fields of an Evidence.' })

const ReviewHistory = z.object({
  ...lifecycle,
  claimId: IdSchema,
  status: z.enum(reviewStatuses),
  ratingScale: IdSchema.describe('The id of the rating scale the rating is on.'),
  rating: z.string().describe('The key of the rating on that scale, as a review is written with it.'),
  ratingExplanation: Nullable,
  headline: Nullable,
  url: Nullable,
  author: z.object({ name: z.string(), url: Nullable }).nullable(),
  inLanguage: z.string(),
  datePublished: Timestamp.nullable(),
  retractedAt: Timestamp.nullable(),
  retractionReason: Nullable,
}).meta({ id: 'ReviewHistory', description: 'A review in its history: as it is written (`ratingScale` and `rating` by id and key).' })

const RatingScaleHistory = z.object({
  ...lifecycle,
  slug: z.string(),
  name: z.string(),
  description: Nullable,
  builtIn: z.boolean(),
  values: z.array(z.object({
    key: z.string(),
    label: z.string(),
    description: Nullable,
    ratingValue: z.number(),
    verdict: z.enum(normalizedVerdicts),
    aliases: z.array(z.string()),
  })),
}).meta({ id: 'RatingScaleHistory', description: 'A rating scale in its history: its fields and values.' })

type Snapshot = Record<string, unknown>
/** A field of a stored snapshot; one recorded before the field existed has `fallback`. */
const field = (s: Snapshot, key: string, fallback: unknown = null): unknown => s[key] === undefined ? fallback : s[key]
const lifecycleOf = (s: Snapshot) => ({
  schemaVersion: HISTORY_SCHEMA_VERSION,
  id: s.id,
  version: s.version,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
  deletedAt: field(s, 'deletedAt'),
})
const pick = (s: Snapshot, keys: Array<string | [string, unknown]>) =>
  Object.fromEntries(keys.map((k) => typeof k === 'string' ? [k, field(s, k)] : [k[0], field(s, k[0], k[1])]))

/** The one mapper from a stored snapshot (the row as it was written) to the entity kind's public history shape. */
const historyShapes = {
  claim: (s: Snapshot) => ClaimHistory.parse({
    ...lifecycleOf(s), ...pick(s, ['text', 'claimantId', 'claimDate', ['language', 'en'], ['topics', []], 'status', 'currentVerdict']),
  }),
  claimant: (s: Snapshot) => ClaimantHistory.parse({
    ...lifecycleOf(s),
    ...pick(s, ['slug', 'name', ['kind', 'person'], 'description', 'jobTitle', 'affiliation', ['sameAs', []], ['aliases', []]]),
  }),
  appearance: (s: Snapshot) => AppearanceHistory.parse({
    ...lifecycleOf(s),
    ...pick(s, ['claimId', 'url', 'title', 'publisher', ['medium', 'other'], 'publishedAt', 'quote', ['isFirstAppearance', false]]),
  }),
  evidence: (s: Snapshot) => EvidenceHistory.parse({
    ...lifecycleOf(s), ...pick(s, ['claimId', 'url', 'title', 'publisher', 'stance', 'summary', 'archivedUrl']),
  }),
  review: (s: Snapshot) => ReviewHistory.parse({
    ...lifecycleOf(s),
    ...pick(s, ['claimId', 'status', 'ratingExplanation', 'headline', 'url', ['inLanguage', 'en'], 'datePublished', 'retractedAt', 'retractionReason']),
    ratingScale: s.ratingScaleId,
    rating: s.ratingKey,
    author: typeof s.authorName === 'string' ? { name: s.authorName, url: field(s, 'authorUrl') } : null,
  }),
  'rating-scale': (s: Snapshot) => RatingScaleHistory.parse({
    ...lifecycleOf(s),
    ...pick(s, ['slug', 'name', 'description', ['builtIn', false]]),
    values: (Array.isArray(s.values) ? s.values as Snapshot[] : []).map((v) => ({ ...pick(v, ['key', 'label', 'description', 'ratingValue', 'verdict']), aliases: field(v, 'aliases', []) })),
  }),
} satisfies Record<EntityType, (s: Snapshot) => unknown>

const revisionFields = {
  seq: z.int().describe('Position in the history; later changes have higher numbers.'),
  entityId: IdSchema,
  version: z.int().describe('The version of the entity this change produced.'),
  action: z.enum(revisionActions),
  actor: z.string().describe('Who made the change: for members of the organisation it was made for, the name of the API key, or `system` (demo data, imports); for everyone else, that organisation\'s slug.'),
  actorKeyId: IdSchema.nullable().describe('The API key that made the change; `null` for `system`, and for callers outside the organisation.'),
  organizationId: IdSchema.nullable().describe('The organisation the change was made for; `null` for changes made before organisations existed.'),
  requestId: z.string().nullable().describe('The request that made it (its `X-Request-Id`); `null` for callers outside the organisation.'),
  at: Timestamp,
}

const revisionOf = <K extends EntityType, S extends z.ZodType>(entityType: K, shape: S) => z.object({
  ...revisionFields,
  entityType: z.literal(entityType),
  before: shape.nullable().describe('The entity before the change; `null` for a create.'),
  after: shape.describe('The entity after the change; after a delete, `deletedAt` is set.'),
})

export const RevisionSchema = z.discriminatedUnion('entityType', [
  revisionOf('claim', ClaimHistory),
  revisionOf('claimant', ClaimantHistory),
  revisionOf('appearance', AppearanceHistory),
  revisionOf('evidence', EvidenceHistory),
  revisionOf('review', ReviewHistory),
  revisionOf('rating-scale', RatingScaleHistory),
]).meta({ id: 'Revision', description: 'One change of one entity; `before` and `after` have the documented shape of its `entityType`.' })

const isEntityType = (value: string): value is EntityType => (entityTypes as readonly string[]).includes(value)

/** A revision as the API shows it: `before`/`after` in their entity's public shape, never the stored columns. */
export function toRevision (row: Revision): z.output<typeof RevisionSchema> {
  if (!isEntityType(row.entityType)) throw new Error(`revision ${row.seq} is of an unknown entity type ${row.entityType}`)
  const shape = historyShapes[row.entityType]
  return {
    seq: row.seq,
    entityType: row.entityType,
    entityId: row.entityId,
    version: row.version,
    action: row.action,
    actor: row.actor,
    actorKeyId: row.actorKeyId,
    organizationId: row.organizationId,
    requestId: row.requestId,
    at: toIso(row.at),
    before: row.before && shape(row.before),
    after: shape(row.after),
  } as z.output<typeof RevisionSchema>
}
