// API contracts for appearances: where a claim was made or reported.
import { z } from 'zod'
import type { CreateAppearance, UpdateAppearance } from '../domain/inputs.ts'
import { appearanceMedia } from '../domain/enums.ts'
import type { AppearanceRecord } from '../domain/types.ts'
import { HttpUrl, IdSchema, Text, Timestamp, TimestampInput, toIso, toIsoOrNull, type AllTrue, type Same } from './common.ts'

export const Medium = z.enum(appearanceMedia)

export const AppearanceSchema = z.object({
  id: IdSchema,
  claimId: IdSchema,
  url: z.string().nullable().describe('Where the appearance can be seen; `null` for a broadcast or speech with no page.'),
  title: z.string().nullable(),
  publisher: z.string().nullable().describe('The outlet or channel, e.g. `CNN`.'),
  medium: Medium,
  publishedAt: Timestamp.nullable(),
  quote: z.string().nullable().describe('The words as said or written there.'),
  isFirstAppearance: z.boolean().describe('At most one appearance of a claim is its first; marking another clears it.'),
  version: z.int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Appearance' })

const appearanceFields = {
  url: HttpUrl.nullable(),
  title: Text(500).nullable(),
  publisher: Text(200).nullable(),
  medium: Medium,
  publishedAt: TimestampInput.nullable(),
  quote: Text(5000).nullable(),
  isFirstAppearance: z.boolean(),
}

export const CreateAppearanceBody = z.strictObject(appearanceFields)
  .partial()
  .meta({ id: 'CreateAppearance', description: '`medium` defaults to `other`.' })

export const UpdateAppearanceBody = z.strictObject(appearanceFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'UpdateAppearance', description: 'Only the fields sent change; `null` clears an optional field.' })

export type { CreateAppearance, UpdateAppearance } from '../domain/inputs.ts'
/**
 * The bodies read into the domain's inputs (src/domain/inputs.ts): a field that changes in one and not the other fails
 * to compile.
 */
export const appearanceBodiesAreInputs: AllTrue<
  [
    Same<z.output<typeof CreateAppearanceBody>, CreateAppearance>,
    Same<z.output<typeof UpdateAppearanceBody>, UpdateAppearance>
  ]
> = true

export const toAppearance = (row: AppearanceRecord): z.output<typeof AppearanceSchema> => ({
  id: row.id,
  claimId: row.claimId,
  url: row.url,
  title: row.title,
  publisher: row.publisher,
  medium: row.medium,
  publishedAt: toIsoOrNull(row.publishedAt),
  quote: row.quote,
  isFirstAppearance: row.isFirstAppearance,
  version: row.version,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
})
