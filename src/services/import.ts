// Importing claims from data sets: each record becomes a claim (with its claimant, first appearance and published
// verdict) exactly as the API would make it, history included. New records are written in batches, a few statements
// per hundreds of rows (src/services/import-batch.ts); a record seen before (same external id or review URL) is
// compared and, when it changed, updated through the services one by one; a record that cannot be imported is
// rejected with the reason (src/services/import-records.ts), and the import goes on. The CLI and the HTTP import job
// both run importRecords.
import type { Db } from '../db/client.ts'
import type { ClaimantRow, ClaimRow, RatingScaleRow } from '../db/schema.ts'
import { DomainError } from '../domain/errors.ts'
import { slugify } from '../lib/text/slug.ts'
import type { AppearancesRepository } from '../repositories/claim-children.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { ReviewsRepository } from '../repositories/reviews.ts'
import type { CreateAppearance, CreateClaim, CreateClaimant, CreateReview } from '../domain/inputs.ts'
import type { AppearancesService } from './claim-children.ts'
import type { ClaimantsService } from './claimants.ts'
import type { ClaimsService } from './claims.ts'
import type { WriteContext } from './history.ts'
import type { BatchWriter } from './import-batch.ts'
import { ImportError, type SourceItem } from './import-formats.ts'
import { keyOf, prepare, Rejected, type Prepared, type RecordChecks } from './import-records.ts'
import type { ReviewsService } from './reviews.ts'

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

interface Services {
  claims: ClaimsService
  claimants: ClaimantsService
  appearances: AppearancesService
  reviews: ReviewsService
}

const sameAppearance = (
  a: CreateAppearance,
  row: {
    url: string | null
    title: string | null
    publisher: string | null
    quote: string | null
    publishedAt: Date | null
  }
) =>
  (a.url ?? null) === row.url &&
  (a.title ?? null) === row.title &&
  (a.publisher ?? null) === row.publisher &&
  (a.quote ?? null) === row.quote &&
  (a.publishedAt ? new Date(a.publishedAt).getTime() : null) === (row.publishedAt?.getTime() ?? null)

const sameTopics = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i])

export function createImportService (
  db: Db,
  repos: Repositories,
  services: Services,
  writer: BatchWriter,
  checks: RecordChecks
) {
  /** The claimant a record names, matched as claimantsFor does; made (through the service) when there is none. */
  async function claimantIdFor (
    wanted: CreateClaimant | null,
    known: ClaimantRow[],
    ctx: WriteContext
  ): Promise<string | null> {
    if (wanted === null) return null
    const match =
      known.find((c) => c.name.toLowerCase() === wanted.name.toLowerCase()) ??
      known.find((c) => c.slug === slugify(wanted.name))
    if (match) return match.id
    const made = await db.transaction((tx) => writer.claimantsFor([wanted], ctx, tx))
    return made.get(wanted.name.toLowerCase())?.id ?? null
  }

  /** What a batch's records found again are compared with: their claimants, appearances and current reviews. */
  async function currentStateOf (rows: Prepared[], claims: ClaimRow[], organizationId: string) {
    const wanted = rows.flatMap((r) => r.claimant ?? [])
    const ids = claims.map((c) => c.id)
    const [claimants, appearances, reviews] = await Promise.all([
      repos.claimants.findBySlugsOrNames(
        organizationId,
        wanted.map((c) => slugify(c.name)),
        wanted.map((c) => c.name)
      ),
      repos.appearances.listAllOf(ids),
      repos.reviews.listByIds(claims.flatMap((c) => c.currentReviewId ?? [])),
    ])
    return { claimants, appearances, reviews: new Map(reviews.map((r) => [r.review.id, r.review])) }
  }

  /** A record imported before: what differs is changed through the services (each change recorded); else nothing. */
  async function updateExisting (
    row: Prepared,
    claim: ClaimRow,
    state: Awaited<ReturnType<typeof currentStateOf>>,
    ctx: WriteContext
  ): Promise<RowResult> {
    let changed = false
    let undated = false
    const claimantId = await claimantIdFor(row.claimant, state.claimants, ctx)
    const patch: Partial<CreateClaim> = {}
    if (row.claim.text !== claim.text) patch.text = row.claim.text
    if ((row.claim.claimDate ?? null) !== claim.claimDate) patch.claimDate = row.claim.claimDate ?? null
    if (row.claim.language !== claim.language) patch.language = row.claim.language
    if (!sameTopics(row.claim.topics, claim.topics)) patch.topics = row.claim.topics
    if (claimantId !== claim.claimantId) patch.claimantId = claimantId
    if (Object.keys(patch).length > 0) {
      await services.claims.update(claim.id, patch, '*', ctx)
      changed = true
    }
    const appearances = state.appearances.filter((a) => a.claimId === claim.id)
    for (const appearance of row.appearances) {
      if (appearances.some((a) => sameAppearance(appearance, a))) continue
      const first = appearance.isFirstAppearance === true && appearances.some((a) => a.isFirstAppearance)
      await services.appearances.create(claim.id, first ? { ...appearance, isFirstAppearance: false } : appearance, ctx)
      changed = true
    }
    if (row.review) {
      const { datePublished, scale, ...body } = row.review
      const current = claim.currentReviewId ? state.reviews.get(claim.currentReviewId) : undefined
      if (!current) {
        const { review } = await services.reviews.create(claim.id, body, ctx)
        await services.reviews.publish(claim.id, review.id, '*', ctx, datePublished)
        changed = true
        undated = datePublished === null
      } else {
        const reviewPatch: Partial<CreateReview> = {}
        if (current.ratingScaleId !== scale.id || current.ratingKey !== body.rating) {
          Object.assign(reviewPatch, { ratingScale: scale.id, rating: body.rating })
        }
        if ((body.ratingExplanation ?? null) !== current.ratingExplanation) {
          reviewPatch.ratingExplanation = body.ratingExplanation ?? null
        }
        if ((body.headline ?? null) !== current.headline) reviewPatch.headline = body.headline ?? null
        if ((body.url ?? null) !== current.url) reviewPatch.url = body.url ?? null
        if ((body.author?.name ?? null) !== current.authorName || (body.author?.url ?? null) !== current.authorUrl) {
          reviewPatch.author = body.author ?? null
        }
        if (body.inLanguage !== current.inLanguage) reviewPatch.inLanguage = body.inLanguage
        if (Object.keys(reviewPatch).length > 0) {
          await services.reviews.update(claim.id, current.id, reviewPatch, '*', ctx)
          changed = true
        }
      }
    }
    return {
      line: row.line,
      key: row.key,
      outcome: changed ? 'updated' : 'unchanged',
      claimId: claim.id,
      ...(undated ? { undated } : {}),
    }
  }

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
        ? await currentStateOf(
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
        results.push(await updateExisting(row, claim, state as NonNullable<typeof state>, ctx))
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
