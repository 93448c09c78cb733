// Writing claims out for `claimtrack export`, page by page: JSON Lines and CSV of flat records (what import reads),
// or ClaimReview JSON-LD of the claims with a published verdict. Importing an export into an empty database and
// exporting again gives the same bytes.
import { stringify } from 'csv-stringify/sync'
import type { ExportedClaim, ExportFilters, ExportRepository } from '../repositories/export.ts'
import { scriptSafeJson } from '../lib/render/script-safe-json.ts'
import { toClaimReview } from '../domain/claimreview.ts'
import { flatColumns, TOPIC_SEPARATOR, type ImportFormat } from './import-formats.ts'

type FlatRow = Record<(typeof flatColumns)[number], string | string[] | null>

/** A claim as a flat record: the first appearance gives the context; the current verdict, the review fields. */
export function toFlatRecord ({ claim, claimant, review, appearances }: ExportedClaim): FlatRow {
  return {
    // A claim made in this database has no external id: its own id serves, so that re-importing finds it.
    id: claim.externalId ?? claim.id,
    text: claim.text,
    claimant: claimant?.name ?? null,
    claimDate: claim.claimDate,
    context: appearances.find((a) => a.isFirstAppearance)?.title ?? null,
    verdictLabel: review?.ratingKey ?? null,
    reviewUrl: review?.url ?? null,
    reviewer: review?.authorName ?? null,
    topics: claim.topics.length > 0 ? claim.topics : null,
    language: claim.language,
    headline: review?.headline ?? null,
    ratingExplanation: review?.ratingExplanation ?? null,
    reviewDate: review?.datePublished?.toISOString() ?? null,
    reviewerUrl: review?.authorUrl ?? null,
  }
}

/**
 * A claim's current verdict as ClaimReview, without `dateModified` (the time of this database's last change, which an
 * import cannot carry).
 */
function toExportedClaimReview (row: ExportedClaim) {
  if (!row.review || !row.scale) return null
  const { dateModified: _modified, ...claimReview } = toClaimReview(
    { ...row, review: row.review, scale: row.scale },
    row.appearances
  )
  return claimReview
}

/** The export, as chunks of text to write in order; reads `pageSize` claims at a time. */
export async function * exportClaims (
  repo: ExportRepository,
  filters: ExportFilters,
  format: ImportFormat,
  pageSize = 1000
): AsyncGenerator<string> {
  if (format === 'csv') yield stringify([[...flatColumns]])
  if (format === 'claimreview') yield '['
  let afterId: string | undefined
  let first = true
  for (;;) {
    const rows = await repo.page(filters, afterId, pageSize)
    if (rows.length === 0) break
    afterId = rows[rows.length - 1]?.claim.id
    if (format === 'jsonl') {
      yield rows.map((row) => `${JSON.stringify(toFlatRecord(row))}\n`).join('')
    } else if (format === 'csv') {
      yield stringify(
        rows.map((row) => {
          const flat = toFlatRecord(row)
          return flatColumns.map((column) => {
            const value = flat[column]
            return Array.isArray(value) ? value.join(TOPIC_SEPARATOR) : value
          })
        })
      )
    } else {
      const items = rows
        .flatMap((row) => toExportedClaimReview(row) ?? [])
        .map((item) => scriptSafeJson(JSON.stringify(item)))
      if (items.length === 0) continue
      yield `${first ? '\n' : ',\n'}${items.join(',\n')}`
      first = false
    }
  }
  if (format === 'claimreview') yield '\n]\n'
}
