// API contracts for rating scales: an ordered list of verdict values, each mapped to a normalised verdict.
import { z } from 'zod'
import type { CreateRatingScale, UpdateRatingScale } from '../domain/inputs.ts'
import { normalizedVerdicts } from '../domain/enums.ts'
import { bestAndWorst } from '../domain/ratings.ts'
import type { RatingScaleRecord } from '../domain/types.ts'
import { IdSchema, Text, Timestamp, toIso, type AllTrue, type Same } from './common.ts'
import { Slug } from './claimants.ts'

export const NormalizedVerdict = z.enum(normalizedVerdicts).describe(
  'The verdict on Claimtrack\'s shared scale: `true`, `mostly-true`, `mixed`, `mostly-false`, `false` (ordinal, 5..1), ' +
  'or the non-ordinal `misleading`, `unproven`, `not-checkable`.'
)

export const RatingScaleValueSchema = z.strictObject({
  key: Slug.describe('Identifies the value within its scale, e.g. `pants-fire`; reviews name their rating by it.'),
  label: Text(100).describe('The native label, e.g. `Pants on Fire`.'),
  description: Text(1000).nullable().default(null),
  ratingValue: z.number().int().min(-1000).max(1000).describe('The numeric rating (ClaimReview `ratingValue`).'),
  verdict: NormalizedVerdict,
  aliases: z.array(Slug).max(10).default([])
    .describe('Other names of the value, e.g. a former label (`barely-true` for `mostly-false` on the Truth-O-Meter): a review or an import that names an alias gets the value\'s `key`.'),
}).meta({ id: 'RatingScaleValue' })

export const RatingScaleSchema = z.object({
  id: IdSchema,
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  builtIn: z.boolean().describe('Shipped with Claimtrack; cannot be changed or deleted.'),
  values: z.array(RatingScaleValueSchema).describe('The values, best first.'),
  bestRating: z.number().describe('The highest `ratingValue` of the scale.'),
  worstRating: z.number().describe('The lowest `ratingValue` of the scale.'),
  version: z.int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'RatingScale' })

const Values = z.array(RatingScaleValueSchema).min(2).max(20)
  .refine((values) => new Set(values.flatMap((v) => [v.key, ...v.aliases])).size === values.reduce((n, v) => n + 1 + v.aliases.length, 0), 'value keys and aliases must be unique')
  .describe('The values, best first. Once a review uses the scale, values can be added but not removed or reordered.')

export const CreateRatingScaleBody = z.strictObject({
  slug: Slug,
  name: Text(200),
  description: Text(2000).nullable().optional(),
  values: Values,
}).meta({ id: 'CreateRatingScale' })

export const UpdateRatingScaleBody = z.strictObject({
  slug: Slug,
  name: Text(200),
  description: Text(2000).nullable(),
  values: Values,
}).partial()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'UpdateRatingScale', description: 'Only the fields sent change.' })

export type { CreateRatingScale, UpdateRatingScale } from '../domain/inputs.ts'
/**
 * The bodies read into the domain's inputs (src/domain/inputs.ts): a field that changes in one and not the other fails
 * to compile.
 */
export const ratingScaleBodiesAreInputs: AllTrue<
  [
    Same<z.output<typeof CreateRatingScaleBody>, CreateRatingScale>,
    Same<z.output<typeof UpdateRatingScaleBody>, UpdateRatingScale>
  ]
> = true

export const toRatingScale = (row: RatingScaleRecord): z.output<typeof RatingScaleSchema> => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  description: row.description,
  builtIn: row.builtIn,
  values: row.values.map((v) => ({ ...v, aliases: v.aliases ?? [] })),
  ...bestAndWorst(row),
  version: row.version,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
})
