// API contracts for evidence: sources that support, refute or give context to a claim.
import { z } from 'zod'
import type { CreateEvidence, UpdateEvidence } from '../domain/inputs.ts'
import { evidenceStances } from '../domain/enums.ts'
import type { EvidenceRecord } from '../domain/types.ts'
import { HttpUrl, IdSchema, Text, Timestamp, toIso, type AllTrue, type Same } from './common.ts'

export const Stance = z.enum(evidenceStances)

export const EvidenceSchema = z.object({
  id: IdSchema,
  claimId: IdSchema,
  url: z.string(),
  title: z.string().nullable(),
  publisher: z.string().nullable(),
  stance: Stance.describe('Whether the source `supports` or `refutes` the claim, or gives `context`.'),
  summary: z.string().nullable().describe('What the source shows, in the fact-checker\'s words.'),
  archivedUrl: z.string().nullable().describe('A copy kept by an archive, in case the source changes or disappears.'),
  version: z.int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Evidence' })

const evidenceFields = {
  url: HttpUrl,
  title: Text(500).nullable(),
  publisher: Text(200).nullable(),
  stance: Stance,
  summary: Text(5000).nullable(),
  archivedUrl: HttpUrl.nullable(),
}

export const CreateEvidenceBody = z.strictObject({
  ...evidenceFields,
  title: evidenceFields.title.optional(),
  publisher: evidenceFields.publisher.optional(),
  summary: evidenceFields.summary.optional(),
  archivedUrl: evidenceFields.archivedUrl.optional(),
}).meta({ id: 'CreateEvidence' })

export const UpdateEvidenceBody = z.strictObject(evidenceFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'UpdateEvidence', description: 'Only the fields sent change; `null` clears an optional field.' })

export type { CreateEvidence, UpdateEvidence } from '../domain/inputs.ts'
/**
 * The bodies read into the domain's inputs (src/domain/inputs.ts): a field that changes in one and not the other fails
 * to compile.
 */
export const evidenceBodiesAreInputs: AllTrue<
  [Same<z.output<typeof CreateEvidenceBody>, CreateEvidence>, Same<z.output<typeof UpdateEvidenceBody>, UpdateEvidence>]
> = true

export const toEvidence = (row: EvidenceRecord): z.output<typeof EvidenceSchema> => ({
  id: row.id,
  claimId: row.claimId,
  url: row.url,
  title: row.title,
  publisher: row.publisher,
  stance: row.stance,
  summary: row.summary,
  archivedUrl: row.archivedUrl,
  version: row.version,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
})
