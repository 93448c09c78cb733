// Importing claims from data sets: each record becomes a claim (with its claimant, first appearance and published
// verdict) exactly as the API would make it, history included. New records are written in batches, a few statements
// per hundreds of rows; a record seen before (same external id or review URL) is compared and, when it changed,
// updated through the services one by one; a record that cannot be imported is rejected with the reason, and the
// import goes on. The CLI and the HTTP import job both run importRecords.
import { v7 as uuidv7 } from 'uuid'
import type { z } from 'zod'
import type { Db, Executor } from '../db/client.ts'
import type { AppearanceRow, ClaimantRow, ClaimRow, RatingScaleRow, ReviewRow } from '../db/schema.ts'
import { DomainError } from '../domain/errors.ts'
import { freeSlug, slugify } from '../lib/slug.ts'
import type { AppearancesRepository } from '../repositories/claim-children.ts'
import type { ClaimantsRepository } from '../repositories/claimants.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'
import type { RatingScalesRepository } from '../repositories/rating-scales.ts'
import type { ReviewsRepository } from '../repositories/reviews.ts'
import { CreateAppearanceBody, type CreateAppearance } from '../schemas/appearances.ts'
import { CreateClaimantBody, type CreateClaimant } from '../schemas/claimants.ts'
import { CreateClaimBody, type CreateClaim } from '../schemas/claims.ts'
import { CreateReviewBody, type CreateReview } from '../schemas/reviews.ts'
import { TimestampInput } from '../schemas/common.ts'
import type { AppearancesService } from './claim-children.ts'
import type { ClaimantsService } from './claimants.ts'
import type { ClaimsService } from './claims.ts'
import type { Change, History, WriteContext } from './history.ts'
import { FlatRecordSchema, ImportError, type SourceItem } from './import-formats.ts'

export { ImportError }
import { missingForPublication, reviewColumns, verdictOf, type ReviewsService } from './reviews.ts'

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
export interface ImportSummary { created: number, updated: number, unchanged: number, rejected: number, undated: number }

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

/** A record checked and turned into what the API would have been sent. */
interface Prepared {
  /** The id of the claim, if it is new: made in the order of the records, so that ids (and exports) keep that order. */
  id: string
  line: number
  record: unknown
  key: string
  externalId: string | null
  claimant: CreateClaimant | null
  claim: Omit<CreateClaim, 'claimantId' | 'status'>
  appearances: CreateAppearance[]
  review: (CreateReview & { datePublished: Date | null, scale: RatingScaleRow }) | null
}

class Rejected extends Error {}

const issues = (error: z.ZodError, prefix: string) => error.issues.map((i) => `${[prefix, ...i.path].filter((p) => p !== '').join('.')}: ${i.message}`).join('; ')

function checked<T extends z.ZodType> (schema: T, value: unknown, prefix: string): z.output<T> {
  const result = schema.safeParse(value)
  if (!result.success) throw new Rejected(issues(result.error, prefix))
  return result.data
}

/** The value of the scale a label names: by key, by label (ignoring case), by the slug of the label, or by an alias. */
function ratingKeyOf (scale: RatingScaleRow, label: string): string {
  const wanted = label.trim().toLowerCase()
  const value = scale.values.find((v) => v.key === wanted || v.label.toLowerCase() === wanted || slugify(v.label) === slugify(label)) ??
    scale.values.find((v) => v.aliases?.some((alias) => alias === wanted || alias === slugify(label)))
  if (!value) throw new Rejected(`verdictLabel: "${label}" is not a value of the rating scale ${scale.slug} (${scale.values.map((v) => v.key).join(', ')})`)
  return value.key
}

/** A claim as POST /v1/claims takes it; the claimant is matched by name and the status follows from the verdict. */
const ImportedClaim = CreateClaimBody.omit({ claimantId: true, status: true })

/** Checks a record with the API's own schemas; throws Rejected with the reason. */
function prepare (line: number, input: unknown, scale: RatingScaleRow, map: Map<string, string>): Prepared {
  const record = checked(FlatRecordSchema, input, '')
  const externalId = record.id?.trim() || null
  const reviewUrl = record.reviewUrl?.trim() || null
  const language = record.language ?? 'en'
  const topics = typeof record.topics === 'string' ? record.topics.split(';').map((t) => t.trim()).filter(Boolean) : record.topics ?? []
  const claim = checked(ImportedClaim, {
    text: record.text,
    claimDate: record.claimDate ?? null,
    language,
    topics,
  }, '')
  const claimant = record.claimant?.trim()
    ? checked(CreateClaimantBody, {
      name: record.claimant,
      kind: record.claimantKind ?? 'person',
      ...(record.claimantJobTitle ? { jobTitle: record.claimantJobTitle } : {}),
      ...(record.claimantSameAs ? { sameAs: record.claimantSameAs } : {}),
    }, 'claimant')
    : null
  const appearanceInputs = record.appearances ?? (record.context?.trim() ? [{ title: record.context, isFirstAppearance: true }] : [])
  const appearances = appearanceInputs.map((a, i) => checked(CreateAppearanceBody, Object.fromEntries(Object.entries(a).filter(([, v]) => v !== null && v !== undefined)), `appearances.${i}`))
  if (appearances.filter((a) => a.isFirstAppearance).length > 1) throw new Rejected('appearances: at most one may be the first appearance')
  let review: Prepared['review'] = null
  if (record.verdictLabel?.trim()) {
    const rating = ratingKeyOf(scale, map.get(record.verdictLabel.trim().toLowerCase()) ?? record.verdictLabel)
    const label = scale.values.find((v) => v.key === rating)?.label ?? rating
    const body = checked(CreateReviewBody, {
      ratingScale: scale.slug,
      rating,
      url: reviewUrl,
      author: record.reviewer ? { name: record.reviewer, ...(record.reviewerUrl ? { url: record.reviewerUrl } : {}) } : null,
      // Publication needs a conclusion; a data set that gives only the label has this one, which says no more.
      ratingExplanation: record.ratingExplanation ?? (record.reviewer ? `${record.reviewer.trim()} rated this claim ${label}.` : null),
      ...(record.headline ? { headline: record.headline } : {}),
      inLanguage: language,
    }, 'review')
    const missing = missingForPublication({ url: body.url ?? null, authorName: body.author?.name ?? null, ratingExplanation: body.ratingExplanation ?? null })
    if (missing.length > 0) throw new Rejected(`a verdict is imported as published, which needs ${missing.map((m) => m.path === 'url' ? 'reviewUrl' : m.path === 'author' ? 'reviewer' : m.path).join(' and ')}`)
    const datePublished = record.reviewDate ? new Date(checked(TimestampInput, record.reviewDate, 'reviewDate')) : null
    review = { ...body, datePublished, scale }
  } else if (reviewUrl) {
    throw new Rejected('reviewUrl without a verdictLabel: a review needs its verdict')
  }
  const key = externalId ?? reviewUrl
  if (key === null) throw new Rejected('the record needs an id or a reviewUrl, so that importing it again finds it')
  return { id: uuidv7(), line, record: input, key, externalId, claimant, claim, appearances, review }
}

/** Marks a result whose verdict the record gives without a review date. */
const undatedOf = (row: Prepared): { undated?: true } => row.review !== null && row.review.datePublished === null ? { undated: true } : {}

/** The id or review URL of a record, as far as it can be read. */
function keyOf (record: unknown): string | null {
  const { id, reviewUrl } = (typeof record === 'object' && record !== null ? record : {}) as { id?: unknown, reviewUrl?: unknown }
  return typeof id === 'string' || typeof id === 'number' ? String(id) : typeof reviewUrl === 'string' ? reviewUrl : null
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

const sameAppearance = (a: CreateAppearance, row: { url: string | null, title: string | null, publisher: string | null, quote: string | null, publishedAt: Date | null }) =>
  (a.url ?? null) === row.url && (a.title ?? null) === row.title && (a.publisher ?? null) === row.publisher &&
  (a.quote ?? null) === row.quote && (a.publishedAt ? new Date(a.publishedAt).getTime() : null) === (row.publishedAt?.getTime() ?? null)

const sameTopics = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i])

export function createImportService (db: Db, repos: Repositories, services: Services, history: History) {
  /** Live claimants for these names: matched by name (ignoring case) or by the slug of the name; the missing ones made. */
  async function claimantsFor (wanted: CreateClaimant[], ctx: WriteContext, tx: Executor): Promise<Map<string, ClaimantRow>> {
    const byName = new Map<string, ClaimantRow>()
    if (wanted.length === 0) return byName
    const bases = wanted.map((c) => slugify(c.name))
    await repos.claimants.lockSlugBases(bases, tx)
    // Only the organisation's own claimants: it may not attach its claims to another's (docs/access.md, References).
    const found = await repos.claimants.findBySlugsOrNames(ctx.organizationId, bases, wanted.map((c) => c.name), tx, 'share')
    const match = (name: string) => found.find((c) => c.name.toLowerCase() === name.toLowerCase()) ?? found.find((c) => c.slug === slugify(name))
    const taken = new Set(await repos.claimants.slugsFrom(bases, tx))
    const creating: CreateClaimant[] = []
    for (const claimant of wanted) {
      const key = claimant.name.toLowerCase()
      if (byName.has(key) || creating.some((c) => c.name.toLowerCase() === key)) continue
      const existing = match(claimant.name)
      if (existing) {
        byName.set(key, existing)
        continue
      }
      const slug = freeSlug(slugify(claimant.name), taken)
      taken.add(slug)
      creating.push({ ...claimant, slug })
    }
    const made = await repos.claimants.insertMany(creating.map((c) => ({ ...c, slug: c.slug ?? slugify(c.name), organizationId: ctx.organizationId })), tx)
    await history.recordMany(tx, ctx, made.map((after) => ({ entityType: 'claimant' as const, action: 'create' as const, claimId: null, before: null, after })))
    for (const row of made) byName.set(row.name.toLowerCase(), row)
    return byName
  }

  /**
   * The claimants found or made for a batch, share-locked in the batch's transaction so that none is deleted before
   * its claims commit (share locks of concurrent batches do not conflict). One deleted in between is found or made
   * again, here.
   */
  async function keepClaimants (resolved: Map<string, ClaimantRow>, wanted: CreateClaimant[], ctx: WriteContext, tx: Executor): Promise<Map<string, ClaimantRow>> {
    const ids = [...new Set([...resolved.values()].map((c) => c.id))]
    const live = new Set((await repos.claimants.lockSharedByIds(ids, tx)).map((c) => c.id))
    const gone = wanted.filter((c) => !live.has(resolved.get(c.name.toLowerCase())?.id ?? ''))
    if (gone.length === 0) return resolved
    return new Map([...resolved, ...await claimantsFor(gone, ctx, tx)])
  }

  /**
   * New records, in one transaction (their claimants before it, in another): claims, appearances, published
   * reviews, the claims' verdicts. The revisions are those the API would write (a review is recorded created as a
   * draft, then published), in that order.
   */
  async function createBatch (rows: Prepared[], ctx: WriteContext): Promise<RowResult[]> {
    // The claimants first, found or made in a short transaction of their own: its slug locks are held for
    // milliseconds, not for the whole batch, so that concurrent batches naming the same claimants never wait on each
    // other for long (they did, past DATABASE_STATEMENT_TIMEOUT, on a busy machine).
    const wanted = rows.flatMap((r) => r.claimant ?? [])
    const resolved = wanted.length > 0 ? await db.transaction((tx) => claimantsFor(wanted, ctx, tx)) : new Map<string, ClaimantRow>()
    return db.transaction(async (tx) => {
      const changes: Array<Change<ClaimantRow | ClaimRow | AppearanceRow | ReviewRow>> = []
      const claimants = await keepClaimants(resolved, wanted, ctx, tx)
      const claims = await repos.claims.insertMany(rows.map((r) => ({
        id: r.id,
        ...r.claim,
        status: 'new' as const,
        claimantId: r.claimant ? claimants.get(r.claimant.name.toLowerCase())?.id ?? null : null,
        externalId: r.externalId,
        organizationId: ctx.organizationId,
      })), tx)
      for (const after of claims) changes.push({ entityType: 'claim', action: 'create', claimId: after.id, before: null, after })

      const appearances = await repos.appearances.insertMany(rows.flatMap((r, i) => r.appearances.map((a) => ({ ...a, claimId: (claims[i] as ClaimRow).id }))), tx)
      for (const after of appearances) changes.push({ entityType: 'appearance', action: 'create', claimId: after.claimId, before: null, after })

      // Published as the publish operation does, on the fact-check's own date; without one, undated (never the day
      // of the import, which would show years-old fact-checks as new).
      const now = new Date()
      const reviewed = rows.flatMap((r, i) => r.review ? [{ review: r.review, claim: claims[i] as ClaimRow }] : [])
      const published = await repos.reviews.insertMany(reviewed.map(({ review, claim }) => ({
        claimId: claim.id,
        ratingScaleId: review.scale.id,
        ...reviewColumns(review),
        ratingKey: review.rating,
        status: 'published' as const,
        datePublished: review.datePublished,
        version: 2,
      })), tx)
      const drafts = published.map((review): ReviewRow => ({ ...review, status: 'draft', datePublished: null, version: 1 }))
      drafts.forEach((after) => changes.push({ entityType: 'review', action: 'create', claimId: after.claimId, before: null, after }))
      published.forEach((after, i) => changes.push({ entityType: 'review', action: 'publish', claimId: after.claimId, before: drafts[i] ?? null, after }))

      const claimById = new Map(claims.map((c) => [c.id, c]))
      const verdicts = published.map((review, i) => ({ id: review.claimId, ...verdictOf(claimById.get(review.claimId) as ClaimRow, { review, scale: (reviewed[i] as (typeof reviewed)[number]).review.scale }) }))
      const updated = await repos.claims.updateVerdicts(verdicts, now, tx)
      for (const after of updated) changes.push({ entityType: 'claim', action: 'update', claimId: after.id, before: claimById.get(after.id) ?? null, after })
      await history.recordMany(tx, ctx, changes)

      return rows.map((r, i) => ({ line: r.line, key: r.key, outcome: 'created' as const, claimId: (claims[i] as ClaimRow).id, ...undatedOf(r) }))
    })
  }

  /** The claimant a record names, matched as claimantsFor does; made (through the service) when there is none. */
  async function claimantIdFor (wanted: CreateClaimant | null, known: ClaimantRow[], ctx: WriteContext): Promise<string | null> {
    if (wanted === null) return null
    const match = known.find((c) => c.name.toLowerCase() === wanted.name.toLowerCase()) ?? known.find((c) => c.slug === slugify(wanted.name))
    if (match) return match.id
    const made = await db.transaction((tx) => claimantsFor([wanted], ctx, tx))
    return made.get(wanted.name.toLowerCase())?.id ?? null
  }

  /** What a batch's records found again are compared with: their claimants, appearances and current reviews. */
  async function currentStateOf (rows: Prepared[], claims: ClaimRow[], organizationId: string) {
    const wanted = rows.flatMap((r) => r.claimant ?? [])
    const ids = claims.map((c) => c.id)
    const [claimants, appearances, reviews] = await Promise.all([
      repos.claimants.findBySlugsOrNames(organizationId, wanted.map((c) => slugify(c.name)), wanted.map((c) => c.name)),
      repos.appearances.listAllOf(ids),
      repos.reviews.listByIds(claims.flatMap((c) => c.currentReviewId ?? [])),
    ])
    return { claimants, appearances, reviews: new Map(reviews.map((r) => [r.review.id, r.review])) }
  }

  /** A record imported before: what differs is changed through the services (each change recorded); else nothing. */
  async function updateExisting (row: Prepared, claim: ClaimRow, state: Awaited<ReturnType<typeof currentStateOf>>, ctx: WriteContext): Promise<RowResult> {
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
        if (current.ratingScaleId !== scale.id || current.ratingKey !== body.rating) Object.assign(reviewPatch, { ratingScale: scale.id, rating: body.rating })
        if ((body.ratingExplanation ?? null) !== current.ratingExplanation) reviewPatch.ratingExplanation = body.ratingExplanation ?? null
        if ((body.headline ?? null) !== current.headline) reviewPatch.headline = body.headline ?? null
        if ((body.url ?? null) !== current.url) reviewPatch.url = body.url ?? null
        if ((body.author?.name ?? null) !== current.authorName || (body.author?.url ?? null) !== current.authorUrl) reviewPatch.author = body.author ?? null
        if (body.inLanguage !== current.inLanguage) reviewPatch.inLanguage = body.inLanguage
        if (Object.keys(reviewPatch).length > 0) {
          await services.reviews.update(claim.id, current.id, reviewPatch, '*', ctx)
          changed = true
        }
      }
    }
    return { line: row.line, key: row.key, outcome: changed ? 'updated' : 'unchanged', claimId: claim.id, ...(undated ? { undated } : {}) }
  }

  async function processBatch (rows: Prepared[], ctx: WriteContext): Promise<RowResult[]> {
    const found = await repos.claims.findImported(ctx.organizationId, {
      externalIds: rows.flatMap((r) => r.externalId ?? []),
      reviewUrls: rows.flatMap((r) => r.externalId === null && r.review?.url ? [r.review.url] : []),
    })
    const byExternalId = new Map(found.flatMap((f) => f.claim.externalId === null ? [] : [[f.claim.externalId, f.claim] as const]))
    const byReviewUrl = new Map(found.flatMap((f) => f.reviewUrl === null ? [] : [[f.reviewUrl, f.claim] as const]))
    const existing = (r: Prepared) => r.externalId !== null ? byExternalId.get(r.externalId) : byReviewUrl.get(r.review?.url ?? '')
    const fresh = rows.filter((r) => !existing(r))
    const results = fresh.length > 0 ? await createBatch(fresh, ctx) : []
    const again = rows.flatMap((row) => {
      const claim = existing(row)
      return claim ? [{ row, claim }] : []
    })
    const state = again.length > 0 ? await currentStateOf(again.map((a) => a.row), again.map((a) => a.claim), ctx.organizationId) : undefined
    for (const { row, claim } of again) {
      if (claim.deletedAt !== null) {
        results.push({ line: row.line, key: row.key, outcome: 'rejected', reason: `the claim imported from this record (${claim.id}) has been deleted`, record: row.record })
        continue
      }
      try {
        results.push(await updateExisting(row, claim, state as NonNullable<typeof state>, ctx))
      } catch (error) {
        // A change the API would refuse (a claim archived or deleted meanwhile, a retracted verdict) is this row's problem.
        if (!(error instanceof DomainError)) throw error
        results.push({ line: row.line, key: row.key, outcome: 'rejected', reason: error.message, record: row.record })
      }
    }
    return results.sort((a, b) => a.line - b.line)
  }

  return {
    /**
     * Imports the records for an organisation, yielding each record's result as its batch is written (rejections
     * at once); returns the summary. Throws only when the import as a whole cannot go on (no such scale, database gone).
     */
    async * importRecords (source: AsyncIterable<SourceItem>, options: ImportOptions): AsyncGenerator<RowResult, ImportSummary> {
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
      const ctx: WriteContext = { actor: options.actor ?? 'import', actorKeyId: options.actorKeyId ?? null, organizationId: options.organizationId, requestId: options.requestId ?? null }
      const batchSize = options.batchSize ?? 1000
      const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, rejected: 0, undated: 0 }
      let batch: Prepared[] = []
      // The keys in the batch: a record whose key is already there waits for the batch to be written, then compares.
      const keys = new Set<string>()
      // Batches are written while the next ones are read and checked, up to `concurrency` at once (each in its own
      // transaction). A batch holding a record that one being written also holds waits for it, so that the record
      // is found, not made twice; claimants made by two batches at once take turns through their slug locks.
      const concurrency = options.concurrency ?? 1
      const writing: Array<{ keys: Set<string>, done: Promise<RowResult[]> }> = []
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
          row = prepare(item.line, item.record, await scaleOf(item.record), map)
        } catch (error) {
          if (!(error instanceof Rejected)) throw error
          summary.rejected++
          yield { line: item.line, key: 'record' in item ? keyOf(item.record) : null, outcome: 'rejected', reason: error.message, ...('record' in item ? { record: item.record } : {}) }
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
