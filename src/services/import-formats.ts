// The formats `claimtrack import` reads and `claimtrack export` writes: JSON Lines and CSV of flat claim records
// (the shape of ../shared/datasets/politifact-claims.jsonl), and schema.org ClaimReview JSON-LD. Each is read into
// the same flat record, which the import service validates.
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import { z } from 'zod'
import { importFormats, type ImportFormat } from '../domain/enums.ts'

export { importFormats, type ImportFormat }

/** The import as a whole cannot run (no such rating scale, a document that is not JSON). */
export class ImportError extends Error {}

const optionalText = z.string().nullish()

/**
 * One claim with its claimant, where it appeared and its verdict, as a data set gives it; checked further on import.
 */
export const FlatRecordSchema = z.object({
  id: z.union([z.string(), z.number().transform(String)]).nullish().describe('The record\'s id in its data set: re-importing finds the claim by it.'),
  text: z.string({ error: 'text is missing' }),
  claimant: optionalText.describe('The claimant\'s name; matched to an existing claimant by name or slug, else created.'),
  claimantKind: z.enum(['person', 'organization']).nullish(),
  claimantJobTitle: optionalText,
  claimantSameAs: z.array(z.string()).nullish(),
  claimDate: optionalText.describe('YYYY-MM-DD'),
  context: optionalText.describe('Where the claim was made ("a campaign mailer"): its first appearance.'),
  appearances: z.array(z.object({
    url: optionalText,
    title: optionalText,
    publisher: optionalText,
    publishedAt: optionalText,
    quote: optionalText,
    isFirstAppearance: z.boolean().optional(),
  })).nullish(),
  topics: z.union([z.array(z.string()), z.string()]).nullish(),
  language: optionalText,
  verdictLabel: optionalText.describe('A key or label of the chosen rating scale.'),
  reviewUrl: optionalText,
  reviewer: optionalText,
  reviewerUrl: optionalText,
  headline: optionalText,
  ratingExplanation: optionalText,
  reviewDate: optionalText.describe('When the fact-check was published (ISO 8601).'),
})
export type FlatRecord = z.input<typeof FlatRecordSchema>

/** What a source yields for each record: the record, or why it could not even be read. */
export type SourceItem = { line: number, record: unknown } | { line: number, error: string }

/** The CSV and JSON Lines columns, in the order export writes them. */
export const flatColumns = ['id', 'text', 'claimant', 'claimDate', 'context', 'verdictLabel', 'reviewUrl', 'reviewer', 'topics', 'language', 'headline', 'ratingExplanation', 'reviewDate', 'reviewerUrl'] as const
/** Topics in one CSV cell. */
export const TOPIC_SEPARATOR = ';'

/** A record with its fields renamed by `columns` (`{ published: 'reviewDate' }`); other values stay as they are. */
function renamed (record: unknown, columns: Record<string, string>): unknown {
  if (Object.keys(columns).length === 0 || typeof record !== 'object' || record === null || Array.isArray(record)) return record
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [columns[key] ?? key, value]))
}

/** JSON Lines; `columns` renames fields, as it renames CSV headers. */
async function * jsonLines (input: Readable, columns: Record<string, string>): AsyncGenerator<SourceItem> {
  let line = 0
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++
    if (text.trim() === '') continue
    let record: unknown
    try {
      record = JSON.parse(text)
    } catch (error) {
      yield { line, error: `not valid JSON: ${(error as Error).message}` }
      continue
    }
    yield { line, record: renamed(record, columns) }
  }
}

/**
 * CSV with a header row. Columns are the flat record's fields, by name; `columns` maps other header names onto them
 * (`{ Statement: 'text', Speaker: 'claimant' }`). Empty cells are absent values; topics are separated by `;`.
 */
async function * csvRows (input: Readable, columns: Record<string, string>): AsyncGenerator<SourceItem> {
  const parser = input.pipe(parse({
    columns: (header: string[]) => header.map((name) => columns[name] ?? name),
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }))
  // The header is row 1; a cell may span lines, so rows are counted rather than lines.
  let line = 1
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    line++
    const record: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(row)) {
      if (value === '') continue
      record[key] = key === 'topics' ? value.split(TOPIC_SEPARATOR).map((t) => t.trim()).filter(Boolean) : value
    }
    yield { line, record }
  }
}

const ClaimReviewIn = z.looseObject({
  '@type': z.union([z.string(), z.array(z.string())]).optional(),
  '@id': z.string().optional(),
  url: z.string().optional(),
  claimReviewed: z.string().optional(),
  datePublished: z.string().optional(),
  inLanguage: z.string().optional(),
  headline: z.string().optional(),
  author: z.looseObject({ name: z.string().optional(), url: z.string().optional() }).optional(),
  reviewRating: z
    .looseObject({
      alternateName: z.string().optional(),
      name: z.string().optional(),
      ratingExplanation: z.string().optional(),
    })
    .optional(),
  itemReviewed: z
    .looseObject({
      author: z
        .looseObject({
          '@type': z.string().optional(),
          name: z.string().optional(),
          jobTitle: z.string().optional(),
          sameAs: z.union([z.string(), z.array(z.string())]).optional(),
        })
        .optional(),
      datePublished: z.string().optional(),
      appearance: z.union([z.array(z.unknown()), z.unknown()]).optional(),
      firstAppearance: z.unknown().optional(),
    })
    .optional(),
})

const CreativeWorkIn = z.looseObject({
  url: z.string().optional(),
  headline: z.string().optional(),
  name: z.string().optional(),
  datePublished: z.string().optional(),
  publisher: z.looseObject({ name: z.string().optional() }).optional(),
  text: z.string().optional(),
})

const isClaimReview = (node: unknown) => {
  const type = (node as { '@type'?: unknown } | null)?.['@type']
  return type === 'ClaimReview' || (Array.isArray(type) && type.includes('ClaimReview'))
}

/** A ClaimReview as a flat record: the claim reviewed, its author and appearances, and the rating's label. */
export function fromClaimReview (node: unknown): FlatRecord {
  const review = ClaimReviewIn.parse(node)
  const item = review.itemReviewed
  const works = [item?.appearance ?? []]
    .flat()
    .map((w) => CreativeWorkIn.safeParse(w))
    .flatMap((w) => (w.success ? [w.data] : []))
  const first = item?.firstAppearance === undefined ? undefined : JSON.stringify(item.firstAppearance)
  const claimant = item?.author
  return {
    id: review['@id'] ?? null,
    text: review.claimReviewed ?? '',
    claimant: claimant?.name ?? null,
    claimantKind: claimant?.['@type'] === 'Organization' ? 'organization' : claimant ? 'person' : null,
    claimantJobTitle: claimant?.jobTitle ?? null,
    claimantSameAs: claimant?.sameAs === undefined ? null : [claimant.sameAs].flat(),
    claimDate: item?.datePublished ?? null,
    appearances: works.map((w, i) => ({
      url: w.url ?? null,
      title: w.headline ?? w.name ?? null,
      publisher: w.publisher?.name ?? null,
      publishedAt: w.datePublished ?? null,
      quote: w.text ?? null,
      isFirstAppearance: first !== undefined && JSON.stringify([item?.appearance ?? []].flat()[i]) === first,
    })),
    language: review.inLanguage ?? null,
    verdictLabel: review.reviewRating?.alternateName ?? review.reviewRating?.name ?? null,
    ratingExplanation: review.reviewRating?.ratingExplanation ?? null,
    reviewUrl: review.url ?? null,
    reviewer: review.author?.name ?? null,
    reviewerUrl: review.author?.url ?? null,
    headline: review.headline ?? null,
    reviewDate: review.datePublished ?? null,
  }
}

/** ClaimReview JSON-LD: one object, an array of them, or a page's `@graph` (nodes of other types are skipped). */
async function * claimReviews (input: Readable): AsyncGenerator<SourceItem> {
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer)
  let document: unknown
  try {
    document = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (error) {
    throw new ImportError(`the ClaimReview document is not valid JSON: ${(error as Error).message}`)
  }
  const graph = (document as { '@graph'?: unknown } | null)?.['@graph']
  const nodes = Array.isArray(document) ? document : Array.isArray(graph) ? graph : [document]
  let index = 0
  for (const node of nodes) {
    index++
    if (!isClaimReview(node)) continue
    try {
      yield { line: index, record: fromClaimReview(node) }
    } catch (error) {
      const issue = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (error as Error).message
      yield { line: index, error: `not a usable ClaimReview: ${issue}` }
    }
  }
}

/**
 * The records of a file or stream in a format; `line` is the line (JSON Lines), the row (CSV, the header being 1) or
 * the position in the document (ClaimReview).
 */
export function readRecords (
  input: Readable,
  format: ImportFormat,
  options: { columns?: Record<string, string> } = {}
): AsyncIterable<SourceItem> {
  switch (format) {
    case 'jsonl':
      return jsonLines(input, options.columns ?? {})
    case 'csv':
      return csvRows(input, options.columns ?? {})
    case 'claimreview':
      return claimReviews(input)
  }
}
