// Importing claims from data sets: each record becomes a claim (with its claimant, first appearance and published
// verdict) exactly as the API would make it, history included. New records are written in batches, a few statements
// per hundreds of rows (src/services/import-batch.ts); a record seen before (same external id or review URL) is
// compared and, when it changed, updated through the services one by one (src/services/import-found.ts); a record
// that cannot be imported is rejected with the reason (src/services/import-records.ts), and the import goes on. The
// CLI and the HTTP import job both run importRecords.
import type { Db } from '../db/client.ts'
import type { RatingScaleRow } from '../db/schema.ts'
import { DomainError } from '../domain/errors.ts'
import type { AppearancesRepository } from '../repositories/claim-children.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { ReviewsRepository } from '../repositories/reviews.ts'
import type { WriteContext } from './history.ts'
import type { BatchWriter } from './import-batch.ts'
import { recordsFoundAgain, type Services } from './import-found.ts'
import { ImportError, type SourceItem } from './import-formats.ts'
import { keyOf, prepare, Rejected, type Prepared, type RecordChecks } from './import-records.ts'

export { ImportError }

export type ImportOutcome = 'created' | 'updated' | 'unchanged' | 'rejected'

export interface RowResult {
  /** The line of the file (JSON Lines, CSV) or the position in the document (ClaimReview). */
  line: number
  /** The record's id or review URL, when it had one. */
  key: string | null
  outcome: ImportOutcome
  claimId?: string
  reason?: string
  /** A rejected record as it was read, to fix and import again. */
  record?: unknown
  /** The record's verdict has no review date: it was stored without one (`datePublished` null), not dated today. */
  undated?: boolean
}

/** `undated`: verdicts written without a review date, the record having none. */
export interface ImportSummary {
  created: number
  updated: number
  unchanged: number
  rejected: number
  undated: number
}

export interface ImportOptions {
  organizationId: string
  /** The rating scale verdict labels are read on, by slug or id (unless `scaleColumn` names another for a record). */
  scale: string
  /** Verdict labels to read as others, e.g. `{ 'barely-true': 'mostly-false' }` (compared ignoring case). */
  map?: Record<string, string>
  /** A record field naming the rating scale of that record's verdict (slug or id); `scale` when it is empty. */
  scaleColumn?: string
  /** Who the revisions name; `import` by default. */
  actor?: string
  /** The API key that asked for the import over HTTP, if one did. */
  actorKeyId?: string | null
  requestId?: string | null
  /** New records written per transaction. */
  batchSize?: number
  /** Batches written at once, each on its own connection (1 on the embedded database, which has one). */
  concurrency?: number
}

interface Repositories {
  claims: ClaimsRepository
  claimants: ClaimantsRepository
  appearances: AppearancesRepository
  reviews: ReviewsRepository
  ratingScales: RatingScalesRepository
}

export function createImportService (
  db: Db,
  repos: Repositories,
  services: Services,
  writer: BatchWriter,
  checks: RecordChecks
) {
  const foundAgain = recordsFoundAgain(db, repos, services, writer)

  async function processBatch (rows: Prepared[], ctx: WriteContext): Promise<RowResult[]> {
    const found = await repos.claims.findImported(ctx.organizationId, {
      externalIds: rows.flatMap((r) => r.externalId ?? []),
      reviewUrls: rows.flatMap((r) => (r.externalId === null && r.review?.url ? [r.review.url] : [])),
    })
    const byExternalId = new Map(
      found.flatMap((f) => (f.claim.externalId === null ? [] : [[f.claim.externalId, f.claim] as const]))
    )
    const byReviewUrl = new Map(found.flatMap((f) => (f.reviewUrl === null ? [] : [[f.reviewUrl, f.claim] as const])))
    const existing = (r: Prepared) =>
      r.externalId !== null ? byExternalId.get(r.externalId) : byReviewUrl.get(r.review?.url ?? '')
    const fresh = rows.filter((r) => !existing(r))
    const results: RowResult[] = fresh.length > 0 ? await writer.createBatch(fresh, ctx) : []
    const again = rows.flatMap((row) => {
      const claim = existing(row)
      return claim ? [{ row, claim }] : []
    })
    const state =
      again.length > 0
        ? await foundAgain.currentStateOf(
          again.map((a) => a.row),
          again.map((a) => a.claim),
          ctx.organizationId
        )
        : undefined
    for (const { row, claim } of again) {
      if (claim.deletedAt !== null) {
        results.push({
          line: row.line,
          key: row.key,
          outcome: 'rejected',
          reason: `the claim imported from this record (${claim.id}) has been deleted`,
          record: row.record,
        })
        continue
      }
      try {
        results.push(await foundAgain.updateExisting(row, claim, state as NonNullable<typeof state>, ctx))
      } catch (error) {
        // A change the API would refuse (a claim archived or deleted meanwhile, a retracted verdict) is this row's
        // problem.
        if (!(error instanceof DomainError)) throw error
        results.push({ line: row.line, key: row.key, outcome: 'rejected', reason: error.message, record: row.record })
      }
    }
    return results.sort((a, b) => a.line - b.line)
  }

  return {
    /**
     * Imports the records for an organisation, yielding each record's result as its batch is written (rejections
     * at once); returns the summary. Throws only when the import as a whole cannot go on (no such scale, database
     * gone).
     */
    async * importRecords (
      source: AsyncIterable<SourceItem>,
      options: ImportOptions
    ): AsyncGenerator<RowResult, ImportSummary> {
      const found = await repos.ratingScales.findByRef(options.scale)
      // A built-in scale or the organisation's own; another organisation's custom scale is as if it did not exist.
      const scale = found && (found.builtIn || found.organizationId === options.organizationId) ? found : undefined
      if (!scale) throw new ImportError(`no rating scale "${options.scale}"`)
      const map = new Map(Object.entries(options.map ?? {}).map(([from, to]) => [from.trim().toLowerCase(), to]))
      // The scales records name in `scaleColumn`, looked up once each.
      const scales = new Map<string, RatingScaleRow | undefined>([[options.scale, scale]])
      const scaleOf = async (input: unknown): Promise<RatingScaleRow> => {
        if (options.scaleColumn === undefined || typeof input !== 'object' || input === null) return scale
        const named = (input as Record<string, unknown>)[options.scaleColumn]
        if (named === undefined || named === null || String(named).trim() === '') return scale
        const ref = String(named).trim()
        if (!scales.has(ref)) scales.set(ref, await repos.ratingScales.findByRef(ref))
        const found = scales.get(ref)
        if (!found) throw new Rejected(`${options.scaleColumn}: no rating scale "${ref}"`)
        return found
      }
      const ctx: WriteContext = {
        actor: options.actor ?? 'import',
        actorKeyId: options.actorKeyId ?? null,
        organizationId: options.organizationId,
        requestId: options.requestId ?? null,
      }
      const batchSize = options.batchSize ?? 1000
      const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, rejected: 0, undated: 0 }
      let batch: Prepared[] = []
      // The keys in the batch: a record whose key is already there waits for the batch to be written, then compares.
      const keys = new Set<string>()
      // Batches are written while the next ones are read and checked, up to `concurrency` at once (each in its own
      // transaction). A batch holding a record that one being written also holds waits for it, so that the record
      // is found, not made twice; claimants made by two batches at once take turns through their slug locks.
      const concurrency = options.concurrency ?? 1
      const writing: Array<{ keys: Set<string>; done: Promise<RowResult[]> }> = []
      const written = async function * () {
        const first = writing.shift()
        for (const result of first ? await first.done : []) {
          summary[result.outcome]++
          if (result.undated === true) summary.undated++
          yield result
        }
      }
      const flush = async function * () {
        const rows = batch
        const batchKeys = new Set(keys)
        batch = []
        keys.clear()
        while (writing.some((w) => rows.some((r) => w.keys.has(r.key)))) yield * written()
        while (writing.length >= concurrency) yield * written()
        const done = processBatch(rows, ctx)
        // Awaited by a later flush; until then, a failure must not count as unhandled.
        done.catch(() => {})
        writing.push({ keys: batchKeys, done })
      }
      for await (const item of source) {
        let row: Prepared
        try {
          if ('error' in item) throw new Rejected(item.error)
          row = prepare(item.line, item.record, await scaleOf(item.record), map, checks)
        } catch (error) {
          if (!(error instanceof Rejected)) throw error
          summary.rejected++
          yield {
            line: item.line,
            key: 'record' in item ? keyOf(item.record) : null,
            outcome: 'rejected',
            reason: error.message,
            ...('record' in item ? { record: item.record } : {}),
          }
          continue
        }
        if (keys.has(row.key)) yield * flush()
        batch.push(row)
        keys.add(row.key)
        if (batch.length >= batchSize) yield * flush()
      }
      if (batch.length > 0) yield * flush()
      while (writing.length > 0) yield * written()
      return summary
    },
  }
}

export type ImportService = ReturnType<typeof createImportService>
