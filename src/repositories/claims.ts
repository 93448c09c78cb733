// Data access for claims. Deleted claims are kept (deletedAt set) and hidden from every read here.
import { and, desc, eq, getTableColumns, isNull, or, sql, type SQL } from 'drizzle-orm'
import { planLimit, PREPARED_PAGE_LIMITS } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { preparedRead } from '../db/routing.ts'
import { appearances, claimColumns, claimants, claims, evidence, ratingScales, reviews, type AppearanceRow, type ClaimantRow, type ClaimRow, type EvidenceRow } from '../db/schema.ts'
import { afterPosition, claimConditions, orderOf, parseSearchStatement, rankOf, snippetOf, type ClaimSort, type ParsedFilters, type ParsedSearch, type SortPosition } from './claim-search.ts'
import { claimImportQueries } from './claim-imports.ts'
import { freshTimestamps, verdictColumns } from './shared.ts'
import { boundedAsyncMemo } from '../lib/bounded-memo.ts'
import { uuidArray } from '../lib/text/ids.ts'
import type { Viewer } from '../domain/access.ts'
import type { VerdictReview, VerdictScale } from '../domain/types.ts'

export type NewClaim = Omit<typeof claims.$inferInsert, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt'>

/** Parsed search queries each process keeps (`parseSearch`): a query is at most 500 characters. */
const PARSED_QUERIES = 5000

/**
 * Public claims, and with a viewer's organisation its private ones too. In a text search, for a reader without one,
 * the condition is the column itself, not a comparison with a parameter, so that the planner can prove it implies the
 * predicate of claims_public_search_vector_idx (the public live claims' search documents, migrations/0032) and search
 * that index, prepared statements included. Other lists keep the parameter: their generic plans are costed with it
 * (written as the column, a claimant's list by claim date was planned as a sort of all the claimant's claims instead
 * of a walk of its index: 0.95 -> 5.96 ms a page at 100k claims).
 */
export const visibleTo = (viewer: Viewer, search = false) => viewer.organizationId === null
  ? (search ? sql`${claims.isPublic}` : eq(claims.isPublic, true))
  : or(eq(claims.isPublic, true), eq(claims.organizationId, viewer.organizationId))
/**
 * The fields to change; `updatedAt` defaults to now, and is given when one transaction changes several rows at one
 * instant.
 */
export type ClaimPatch = Partial<NewClaim> & { updatedAt?: Date }
/** The claim columns that follow from its current verdict (see the reviews service). */
export type VerdictPatch = Pick<ClaimRow, 'currentReviewId' | 'currentVerdict' | 'status' | 'isPublic'>
export type ClaimantRef = Pick<ClaimantRow, 'id' | 'slug' | 'name'>
/** A claim as lists show it: with its claimant and its current verdict (the review and the review's scale). */
export interface ClaimListItem {
  claim: ClaimRow
  claimant: ClaimantRef | null
  review: VerdictReview | null
  scale: VerdictScale | null
  /** With a text query: how well the claim matched, and its text with the matches marked; null without one. */
  rank: number | null
  snippet: string | null
}

/** A claim with everything GET /v1/claims/{id} embeds, read in one statement. */
export interface ClaimDetailRow {
  claim: ClaimRow
  claimant: ClaimantRow | null
  appearances: AppearanceRow[]
  evidence: EvidenceRow[]
  review: VerdictReview | null
  scale: VerdictScale | null
}

/** What a claim's ETag is made of (see claimEtag): the versions of the claim and of every row it embeds. */
export interface ClaimVersions {
  claim: Pick<ClaimRow, 'id' | 'version' | 'isPublic' | 'organizationId'>
  claimant: { id: string, version: number } | null
  review: { id: string, version: number } | null
  scale: { id: string, version: number } | null
  appearances: Array<{ id: string, version: number }>
  evidence: Array<{ id: string, version: number }>
}

/**
 * The rows of a child table as one JSON array (newest first, as its repository lists them), and the function that
 * turns the JSON back into rows: keys are the column names drizzle uses, timestamps become Dates again.
 */
function childrenOf<T extends typeof appearances | typeof evidence> (table: T): { select: SQL<unknown[]>, revive: (rows: unknown[]) => T['$inferSelect'][] } {
  const columns = Object.entries(getTableColumns(table))
  const fields = sql.join(columns.map(([key, column]) => sql`${sql.raw(`'${key}'`)}, ${column}`), sql`, `)
  const child = table as typeof appearances
  const select = sql<unknown[]>`(select coalesce(json_agg(json_build_object(${fields}) order by ${desc(child.id)}), '[]'::json) from ${table} where ${child.claimId} = ${claims.id})`
  const timestamps = columns.filter(([, column]) => column.columnType === 'PgTimestamp').map(([key]) => key)
  const revive = (rows: unknown[]) => rows.map((row) => {
    const revived = row as Record<string, unknown>
    for (const key of timestamps) {
      const value = revived[key]
      if (typeof value === 'string') revived[key] = new Date(value)
    }
    return revived as T['$inferSelect']
  })
  return { select, revive }
}

export function createClaimsRepository (db: Db) {
  const live = isNull(claims.deletedAt)
  const claimantRef = { id: claimants.id, slug: claimants.slug, name: claimants.name }
  const byIdQuery = (ex: Executor) => ex.select(claimColumns).from(claims)
    .where(and(eq(claims.id, sql.placeholder('id')), live))
  const byId = preparedRead(db, (instance) => byIdQuery(instance).prepare('claim_by_id'))

  // GET /v1/claims/{id}, the hottest read: one statement and one round trip instead of one per embedded table.
  const appearanceRows = childrenOf(appearances)
  const evidenceRows = childrenOf(evidence)
  const detailById = preparedRead(db, (instance) => instance.select({
    claim: claimColumns,
    claimant: claimants,
    ...verdictColumns,
    appearances: appearanceRows.select,
    evidence: evidenceRows.select,
  }).from(claims)
    .leftJoin(claimants, and(eq(claimants.id, claims.claimantId), isNull(claimants.deletedAt)))
    .leftJoin(reviews, and(eq(reviews.id, claims.currentReviewId), isNull(reviews.deletedAt)))
    .leftJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))
    .where(and(eq(claims.id, sql.placeholder('id')), live))
    .prepare('claim_detail_by_id'))

  // A conditional GET of a claim: the same rows as claim_detail_by_id, but only their ids and versions, read through
  // the primary keys and the (claim_id, id) indexes of the children, so that a 304 costs no detail query. Read where
  // the detail is read (the replica, when the request may use it), so that both give the same ETag.
  const childVersions = (table: typeof appearances | typeof evidence) =>
    sql<Array<{ id: string, version: number }>>`(select coalesce(json_agg(json_build_object('id', ${table.id}, 'version', ${table.version})), '[]'::json) from ${table} where ${table.claimId} = ${claims.id})`
  const versionsById = preparedRead(db, (instance) => instance.select({
    claim: { id: claims.id, version: claims.version, isPublic: claims.isPublic, organizationId: claims.organizationId },
    claimant: { id: claimants.id, version: claimants.version },
    review: { id: reviews.id, version: reviews.version },
    scale: { id: ratingScales.id, version: ratingScales.version },
    appearances: childVersions(appearances),
    evidence: childVersions(evidence),
  }).from(claims)
    .leftJoin(claimants, and(eq(claimants.id, claims.claimantId), isNull(claimants.deletedAt)))
    .leftJoin(reviews, and(eq(reviews.id, claims.currentReviewId), isNull(reviews.deletedAt)))
    .leftJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))
    .where(and(eq(claims.id, sql.placeholder('id')), live))
    .prepare('claim_versions_by_id'))

  /** Claims with their claimant and current verdict. */
  const selectItems = (tx: Executor) => tx.select({
    claim: claimColumns,
    claimant: claimantRef,
    ...verdictColumns,
    rank: sql<null>`null`,
    snippet: sql<null>`null`,
  }).from(claims)
    .leftJoin(claimants, eq(claimants.id, claims.claimantId))
    .leftJoin(reviews, eq(reviews.id, claims.currentReviewId))
    .leftJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))
    .$dynamic()

  const parse = preparedRead(db, parseSearchStatement)
  // Built and prepared once, with one array parameter: one statement text however many ids (a match's answers, a
  // sync feed page's claims). Unprepared, postgres.js first asks the server to describe the statement's parameters
  // and only then sends them (two round trips), and drizzle would write the statement again for every call.
  const itemsByIds = preparedRead(db, (instance) => selectItems(instance)
    .where(sql`${claims.id} = any(${sql.placeholder('ids')}::uuid[])`)
    .prepare('claims_by_ids'))

  return {
    async findById (id: string, tx?: Executor): Promise<ClaimRow | undefined> {
      const [row] = await db.use(tx, (ex) => (tx ? byIdQuery(ex).execute({ id }) : byId().execute({ id })))
      return row
    },

    /** A live claim with its claimant, appearances, evidence and current review and scale, in one statement. */
    async findDetailById (id: string): Promise<ClaimDetailRow | undefined> {
      const [row] = await db.use(undefined, () => detailById().execute({ id }))
      if (!row) return undefined
      return {
        ...row,
        appearances: appearanceRows.revive(row.appearances),
        evidence: evidenceRows.revive(row.evidence),
      }
    },

    /** The versions of a live claim and of everything GET /v1/claims/{id} embeds in it, in one narrow statement. */
    async findVersionsById (id: string): Promise<ClaimVersions | undefined> {
      const [row] = await db.use(undefined, () => versionsById().execute({ id }))
      return row
    },

    /** The row, deleted or not: a deleted claim keeps its history. */
    async findByIdEvenDeleted (id: string, tx?: Executor): Promise<ClaimRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.select(claimColumns).from(claims).where(eq(claims.id, id))
        return row
      })
    },

    /** Reads a live row and locks it until the transaction ends, so that a precondition checked on it holds. */
    async lockById (id: string, tx: Executor): Promise<ClaimRow | undefined> {
      const [row] = await tx
        .select(claimColumns)
        .from(claims)
        .where(and(eq(claims.id, id), live))
        .for('update')
      return row
    },

    /**
     * A web-search query parsed once, for the statements of one request to take as parameters. The parse depends on the
     * text alone (and on the text search configurations, which only a migration changes, before the servers of its
     * release start), so the last PARSED_QUERIES distinct queries are kept: a repeated search skips this round trip.
     */
    parseSearch: boundedAsyncMemo(PARSED_QUERIES, async (q): Promise<ParsedSearch> => {
      const [row] = await db.use(undefined, () => parse().execute({ q }))
      if (!row) throw new Error('parsing a search query returned no row')
      return { ...row, size: Number(row.size) }
    }),

    /**
     * One page of live claims matching the filters, in the order of the sort, after a position. The page is chosen
     * on narrow rows (id and rank) first, and only its claims are joined and highlighted: a frequent search word
     * can match a hundred thousand claims, and sorting those whole would spill to disk.
     */
    async list (
      query: {
        filters: ParsedFilters
        visibleTo: Viewer
        sort: ClaimSort
        after?: SortPosition | undefined
        limit: number
        /** Only among these claims (full-text search's candidates, src/services/search-index.ts). */
        ids?: string[] | undefined
      },
      tx?: Executor
    ): Promise<ClaimListItem[]> {
      return db.use(tx, async (tx) => {
        const { filters, sort, after, limit } = query
        const q = filters.q
        const conditions = [...claimConditions(filters), visibleTo(query.visibleTo, q !== undefined)]
        if (after) conditions.push(afterPosition(after, q))
        if (query.ids) conditions.push(sql`${claims.id} = any(${uuidArray(query.ids)}::uuid[])`)
        const page = tx
          .select({ id: claims.id, rank: (q ? rankOf(q) : sql<number | null>`null::real`).as('rank') })
          .from(claims)
          .where(and(...conditions))
          .orderBy(...orderOf(sort, q))
          .limit(planLimit(limit))
          .as('page')
        const items = tx
          .select({
            claim: claimColumns,
            claimant: claimantRef,
            ...verdictColumns,
            rank: page.rank,
            snippet: q ? snippetOf(q) : sql<null>`null`,
          })
          .from(page)
          .innerJoin(claims, eq(claims.id, page.id))
          .leftJoin(claimants, eq(claimants.id, claims.claimantId))
          .leftJoin(reviews, eq(reviews.id, claims.currentReviewId))
          .leftJoin(ratingScales, eq(ratingScales.id, reviews.ratingScaleId))
          .orderBy(...(sort === 'relevance' ? [sql`${page.rank} desc`, sql`${claims.id} desc`] : orderOf(sort, q)))
        // Prepared (one server-side statement per distinct text and connection), Postgres keeps a plan instead of
        // planning the five-table join again for every page (src/db/limit.ts); but only when the best plan does not
        // depend on the filter values. A topic, a language pattern or a date range can match three claims or thirty
        // thousand, and each needs a plan of its own: the generic plan of `topics @> array[$1]` read 32,000 rows for
        // a frequent topic (65 ms, against 0.1 ms planned for it). A text query ranked by relevance has one plan
        // whatever its words (every match from the search index, ranked, the best kept: no index gives the order), so
        // it is prepared too; sorted otherwise, a generic plan may walk an index in that order hoping to meet matches
        // soon, which a rare word makes a walk of every claim; beside a claimant, the claimant's index or the search
        // index may be the better start, depending on both values. Among given ids (the search index's candidates)
        // the plan is the primary key's whatever the filters: planning it took 1-2 ms of the 1.5 ms the batch costs.
        // Only for common page sizes (PREPARED_PAGE_LIMITS).
        const planStable = PREPARED_PAGE_LIMITS.has(limit) && (query.ids !== undefined
          ? sort === 'relevance'
          : (q === undefined || (sort === 'relevance' && filters.claimant === undefined)) &&
            filters.topic === undefined && filters.language === undefined && filters.claimedFrom === undefined &&
            filters.claimedTo === undefined && filters.updatedSince === undefined)
        return planStable ? items.prepare('claims_list').execute() : items
      })
    },

    /** These claims as lists show them, deleted or not (the change feed tells deletions by deletedAt). */
    async listByIds (ids: string[]): Promise<ClaimListItem[]> {
      if (ids.length === 0) return []
      return db.use(undefined, () => itemsByIds().execute({ ids: uuidArray(ids) }))
    },

    async insert (values: NewClaim, tx?: Executor): Promise<ClaimRow> {
      return db.use(tx, async (tx) => {
        const [row] = await this.insertMany([values], tx)
        if (!row) throw new Error('insert returned no row')
        return row
      })
    },

    /** Inserts the claims in one statement; the rows come back in the order given. An id may be chosen (a UUIDv7). */
    async insertMany (values: Array<NewClaim & { id?: string }>, tx?: Executor): Promise<ClaimRow[]> {
      return db.use(tx, async (tx) => {
        if (values.length === 0) return []
        const now = freshTimestamps()
        return tx
          .insert(claims)
          .values(values.map((v) => ({ ...v, ...now })))
          .returning(claimColumns)
      })
    },

    ...claimImportQueries(db),

    async update (id: string, patch: ClaimPatch, tx?: Executor): Promise<ClaimRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .update(claims)
          .set({ updatedAt: new Date(), ...patch, version: sql`${claims.version} + 1` })
          .where(and(eq(claims.id, id), live))
          .returning(claimColumns)
        return row
      })
    },

    async softDelete (id: string, tx?: Executor): Promise<ClaimRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .update(claims)
          .set({ deletedAt: new Date(), version: sql`${claims.version} + 1`, updatedAt: new Date() })
          .where(and(eq(claims.id, id), live))
          .returning(claimColumns)
        return row
      })
    },
  }
}

export type ClaimsRepository = ReturnType<typeof createClaimsRepository>
