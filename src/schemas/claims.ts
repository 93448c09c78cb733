// API contracts for claims, and the claim detail that embeds its claimant, appearances and evidence.
import { z } from 'zod'
import type { CreateClaim, UpdateClaim } from '../domain/inputs.ts'
import { claimStatuses } from '../domain/enums.ts'
import type { ClaimantRecord, ClaimDetail, ClaimRecord, VerdictPair } from '../domain/types.ts'
import { AppearanceSchema, toAppearance } from './appearances.ts'
import { ClaimantRef, ClaimantSchema, ClaimantSummarySchema, toClaimant } from './claimants.ts'
import { claimSorts } from '../domain/enums.ts'
import { DateOnly, IdSchema, LanguageTag, Text, Timestamp, TimestampInput, page, toIso, type AllTrue, type Same } from './common.ts'
import { NormalizedVerdict } from './rating-scales.ts'
import { EvidenceSchema, toEvidence } from './evidence.ts'
import { RetractionSchema, VerdictSchema, toCurrentVerdict, toRetraction } from './reviews.ts'

export const ClaimStatus = z.enum(claimStatuses)
  .describe('Editorial status: `new`, `researching`, `reviewed` (set when a verdict is published), `archived`, `retracted` (set when the published verdict is retracted and no other is published; see `retraction`).')

/** The statuses a client may set; `reviewed` follows from a published verdict. */
export const EditableClaimStatus = z.enum(['new', 'researching', 'archived'])

const Topic = Text(50).toLowerCase()

export const ClaimSchema = z.object({
  id: IdSchema,
  text: z.string().describe('The claim as said, or faithfully paraphrased.'),
  claimantId: IdSchema.nullable(),
  claimant: ClaimantSummarySchema.nullable(),
  claimDate: DateOnly.nullable().describe('When the claim was made.'),
  language: z.string().describe('BCP 47 language tag of the claim text.'),
  topics: z.array(z.string()),
  status: ClaimStatus,
  currentVerdict: VerdictSchema.nullable().describe('The latest published, unretracted review; `null` until one is published, and after it is retracted (see `retraction`).'),
  retraction: RetractionSchema.nullable().describe('Set when the claim\'s verdict was retracted and no other is published: the withdrawn verdict with the date and reason of its retraction. `null` otherwise.'),
  version: z.int().describe('1 on creation, +1 on every change.'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Claim' })

/** A claim in a list: with a text query, also how well it matched. */
export const ClaimListItemSchema = ClaimSchema.extend({
  search: z.object({
    rank: z.number().describe('Relevance to q; higher is better. Comparable only within one query.'),
    snippet: z.string().describe('The claim text, HTML-escaped, with the matching words in `<mark>` tags.'),
  }).optional().describe('Present when the list was searched with q.'),
}).meta({ id: 'ClaimListItem' })

export const ClaimListQuery = z.object({
  q: z.string().trim().min(1).max(500).optional()
    .describe('Full-text search in claim text, claimant name, topics and appearance titles and quotes. Web-search syntax: `"a phrase"`, `or`, `-word`. Accents and word endings are ignored. A query must hold a word to find (400 for one of only `-word`s, or with an alternative of one: `x or -y`) and at most 64 words and operators (400 otherwise); one of only stop words finds nothing. A search by an anonymous or partner caller may run for SEARCH_STATEMENT_TIMEOUT (503 past it), and one caller may run SEARCH_CONCURRENCY searches at once (429 beyond).'),
  claimant: z.string().min(1).max(100).optional().describe('A claimant id or slug.'),
  status: ClaimStatus.optional(),
  verdict: NormalizedVerdict.optional().describe('The normalised verdict of the current verdict.'),
  topic: z.string().trim().min(1).max(50).optional(),
  language: LanguageTag.optional().describe('A language tag; `en` also matches `en-GB`.'),
  claimedFrom: DateOnly.optional().describe('Claims made on or after this date.'),
  claimedTo: DateOnly.optional().describe('Claims made on or before this date.'),
  updatedSince: TimestampInput.optional().describe('Claims changed at or after this instant.'),
  sort: z.enum(claimSorts).optional()
    .describe('`relevance` (the default with q; needs q), `-createdAt` (newest first, the default without q), `-claimDate`, `claimDate`, `-updatedAt`. Claims without a date sort last.'),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('How many claims to return (1-100).'),
  cursor: z.string().max(1024).optional().describe('The `nextCursor` of the previous page, with the same filters and sort.'),
})

export const ClaimDetailSchema = ClaimSchema.extend({
  claimant: ClaimantSchema.nullable(),
  appearances: z.array(AppearanceSchema).describe('Every appearance of the claim, newest first.'),
  evidence: z.array(EvidenceSchema).describe('Every piece of evidence, newest first.'),
}).meta({ id: 'ClaimDetail' })

export const ClaimPage = page(ClaimListItemSchema).meta({ id: 'ClaimPage' })

const claimFields = {
  text: Text(2000),
  claimantId: ClaimantRef.nullable().describe('The claimant who made the claim, by id or slug, one of your organisation\'s (422 otherwise); `null` when unknown. Claims answer with its id.'),
  claimDate: DateOnly.nullable(),
  language: LanguageTag,
  topics: z.array(Topic).max(20).transform((topics) => [...new Set(topics)])
    .describe('Short tags, stored lower-case and without duplicates.'),
  status: EditableClaimStatus,
}

export const CreateClaimBody = z.strictObject({
  ...claimFields,
  claimantId: claimFields.claimantId.optional(),
  claimDate: claimFields.claimDate.optional(),
  language: claimFields.language.default('en'),
  topics: claimFields.topics.default([]),
  status: claimFields.status.default('new'),
}).meta({ id: 'CreateClaim' })

export const UpdateClaimBody = z.strictObject(claimFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'UpdateClaim', description: 'Only the fields sent change; `null` clears an optional field.' })

export type { CreateClaim, UpdateClaim } from '../domain/inputs.ts'
/**
 * The bodies read into the domain's inputs (src/domain/inputs.ts): a field that changes in one and not the other fails
 * to compile.
 */
export const claimBodiesAreInputs: AllTrue<
  [Same<z.output<typeof CreateClaimBody>, CreateClaim>, Same<z.output<typeof UpdateClaimBody>, UpdateClaim>]
> = true

type ClaimantSummary = Pick<ClaimantRecord, 'id' | 'slug' | 'name'>

export const toClaim = (
  row: ClaimRecord,
  claimant: ClaimantSummary | null,
  currentReview: VerdictPair | null
): z.output<typeof ClaimSchema> => ({
  id: row.id,
  text: row.text,
  claimantId: row.claimantId,
  claimant: claimant && { id: claimant.id, slug: claimant.slug, name: claimant.name },
  claimDate: row.claimDate,
  language: row.language,
  topics: row.topics,
  status: row.status,
  currentVerdict: toCurrentVerdict(currentReview),
  retraction: toRetraction(currentReview),
  version: row.version,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
})

/**
 * A claim as its detail answers show it (the claim routes, and the idempotency plugin
 * rebuilding the answer a retry lost).
 */
export const toClaimDetail = ({
  claim,
  claimant,
  appearances,
  evidence,
  currentReview,
}: ClaimDetail): z.output<typeof ClaimDetailSchema> => ({
  ...toClaim(claim, claimant, currentReview),
  claimant: claimant && toClaimant(claimant),
  appearances: appearances.map(toAppearance),
  evidence: evidence.map(toEvidence),
})
