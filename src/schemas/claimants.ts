// API contracts for claimants: the people and organisations who make claims.
import { z } from 'zod'
import type { CreateClaimant, UpdateClaimant } from '../domain/inputs.ts'
import { claimantKinds } from '../domain/enums.ts'
import type { ClaimantRecord } from '../domain/types.ts'
import { isUuid } from '../lib/text/ids.ts'
import { HttpUrl, IdSchema, PageQuery, Text, Timestamp, toIso, type AllTrue, type Same } from './common.ts'

export const Slug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single hyphens, e.g. `donald-trump`')

/** Where a claimant is named in a request: its id or its slug. */
export const ClaimantRef = z.string().max(100)
  .refine((value) => isUuid(value) || Slug.safeParse(value).success, 'must be a claimant id (UUID) or slug, e.g. `donald-trump`')
  .describe('A claimant id (UUID) or slug, e.g. `donald-trump`.')

export const ClaimantKind = z.enum(claimantKinds)
  .describe('A `person` or an `organization` (a government, a party, a company); ClaimReview names it so.')

export const ClaimantSchema = z.object({
  id: IdSchema,
  slug: Slug.describe('Unique among live claimants; a deleted claimant frees its slug.'),
  name: z.string(),
  kind: ClaimantKind,
  description: z.string().nullable(),
  jobTitle: z.string().nullable().describe('Role at the time of the claims, e.g. `US President`.'),
  affiliation: z.string().nullable().describe('Party, government or organisation.'),
  sameAs: z.array(z.string()).describe('URLs that identify the claimant elsewhere, e.g. a Wikidata page.'),
  aliases: z.array(z.string()).describe('Other names the claimant is known by (`Trump`, `POTUS 45`); searched with the name.'),
  version: z.int().describe('1 on creation, +1 on every change.'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Claimant' })

export const ClaimantSummarySchema = z.object({
  id: IdSchema,
  slug: z.string(),
  name: z.string(),
}).meta({ id: 'ClaimantSummary' })

const claimantFields = {
  name: Text(200),
  kind: ClaimantKind,
  slug: Slug.describe('Derived from the name when omitted.'),
  description: Text(5000).nullable(),
  jobTitle: Text(200).nullable(),
  affiliation: Text(200).nullable(),
  sameAs: z.array(HttpUrl).max(20).transform((urls) => [...new Set(urls)]),
  aliases: z.array(Text(200)).max(20).transform((names) => [...new Set(names)]),
}

const distinctFrom = z.array(ClaimantRef).max(20).optional()
  .describe('Claimants of your organisation with the same name (ignoring case and accents) that this one is not: without it such a name is refused with 409, whose `Location` and `existingId` name the claimant already there. Not stored.')

export const CreateClaimantBody = z.strictObject({
  ...claimantFields,
  distinctFrom,
  slug: claimantFields.slug.optional(),
  kind: claimantFields.kind.default('person'),
  description: claimantFields.description.optional(),
  jobTitle: claimantFields.jobTitle.optional(),
  affiliation: claimantFields.affiliation.optional(),
  sameAs: claimantFields.sameAs.optional(),
  aliases: claimantFields.aliases.optional(),
}).meta({ id: 'CreateClaimant' })

export const UpdateClaimantBody = z.strictObject({ ...claimantFields, distinctFrom })
  .partial()
  .refine((body) => Object.keys(body).some((key) => key !== 'distinctFrom'), 'must change at least one field')
  .meta({ id: 'UpdateClaimant', description: 'Only the fields sent change; `null` clears an optional field.' })

export type { CreateClaimant, UpdateClaimant } from '../domain/inputs.ts'
/**
 * The bodies read into the domain's inputs (src/domain/inputs.ts): a field that changes in one and not the other fails
 * to compile.
 */
export const claimantBodiesAreInputs: AllTrue<
  [Same<z.output<typeof CreateClaimantBody>, CreateClaimant>, Same<z.output<typeof UpdateClaimantBody>, UpdateClaimant>]
> = true

export const toClaimant = (row: ClaimantRecord): z.output<typeof ClaimantSchema> => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  kind: row.kind,
  description: row.description,
  jobTitle: row.jobTitle,
  affiliation: row.affiliation,
  sameAs: row.sameAs,
  aliases: row.aliases,
  version: row.version,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
})

export const ClaimantParams = z.object({ id: ClaimantRef })

export const ClaimantListQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional()
    .describe('Only claimants with a word of the name or of an alias starting with this, ignoring case and accents: `trump`, `don tru`, `zelensk`.'),
  ...PageQuery.shape,
})
