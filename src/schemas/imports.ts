// API contracts for imports sent over HTTP (POST /v1/imports) and their status resource.
import { z } from 'zod'
import { importStatuses } from '../domain/enums.ts'
import type { ImportRecord } from '../domain/types.ts'
import { importFormats } from '../domain/enums.ts'
import { IdSchema, Timestamp, toIso, toIsoOrNull } from './common.ts'

export const CreateImportBody = z.strictObject({
  format: z.enum(importFormats).describe('`jsonl`: one JSON record a line; `csv`: a header row, then records; `claimreview`: ClaimReview JSON-LD (an object, an array, or a page with `@graph`). The fields of a JSON Lines or CSV record are those `claimtrack import --help` lists.'),
  scale: z.string().min(1).max(100).default('truth-o-meter').describe('The rating scale verdict labels are read on (slug or id); a label it lacks rejects the record.'),
  columns: z.record(z.string().min(1).max(200), z.string().min(1).max(100)).refine((m) => Object.keys(m).length <= 100, 'at most 100 columns').optional()
    .describe('CSV header names (or JSON Lines field names) to record fields, e.g. `{"Statement": "text", "Published": "reviewDate"}`; as `claimtrack import --columns`.'),
  map: z.record(z.string().min(1).max(100), z.string().min(1).max(100)).refine((m) => Object.keys(m).length <= 200, 'at most 200 labels').optional()
    .describe('Verdict labels to read as others, ignoring case, e.g. `{"barely-true": "mostly-false"}`; as `claimtrack import --map`.'),
  scaleColumn: z.string().min(1).max(100).optional()
    .describe('The record field naming each record\'s rating scale (slug or id), e.g. one holding `truth-o-meter` or `flip-o-meter`; `scale` when it is empty. As `claimtrack import --scale-column`.'),
  // Bounded by BODY_LIMIT in practice; this is the largest it may be set to.
  data: z.string().min(1).max(64 * 1024 * 1024).describe('The records, as the file would hold them (within the request body limit, `BODY_LIMIT`).'),
}).meta({ id: 'CreateImport' })

const Rejected = z.object({
  line: z.int().describe('The line (JSON Lines), the row (CSV, the header being 1) or the position in the document (ClaimReview).'),
  key: z.string().nullable().describe('The record\'s id or review URL, when it had one.'),
  reason: z.string(),
}).meta({ id: 'ImportRejection' })

export const ImportSchema = z.object({
  id: IdSchema,
  status: z.enum(importStatuses).describe('`queued` -> `running` -> `succeeded` (rejected records included) or `failed` (see `error`).'),
  format: z.enum(importFormats),
  scale: z.string(),
  options: z.object({
    columns: z.record(z.string(), z.string()).optional(),
    map: z.record(z.string(), z.string()).optional(),
    scaleColumn: z.string().optional(),
  }).describe('How the records were read: `columns`, `map` and `scaleColumn` as sent.'),
  created: z.int(),
  updated: z.int(),
  unchanged: z.int(),
  rejected: z.int(),
  undated: z.int().describe('Verdicts written without a review date (`datePublished` null), because their records give none: they are not dated the day of the import.'),
  rejects: z.array(Rejected).describe('Every rejected record, with the reason.'),
  error: z.string().nullable().describe('Why a failed import could not run.'),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
}).meta({ id: 'Import', description: 'An import of claims and published verdicts, run in the background; poll it until it has finished. Running the same import again changes nothing.' })

export const toImport = (row: ImportRecord): z.output<typeof ImportSchema> => ({
  id: row.id,
  status: row.status,
  format: row.format as z.output<typeof ImportSchema>['format'],
  scale: row.scale,
  options: row.options,
  created: row.created,
  updated: row.updated,
  unchanged: row.unchanged,
  rejected: row.rejected,
  undated: row.undated,
  rejects: row.rejects,
  error: row.error,
  createdAt: toIso(row.createdAt),
  startedAt: toIsoOrNull(row.startedAt),
  finishedAt: toIsoOrNull(row.finishedAt),
})
