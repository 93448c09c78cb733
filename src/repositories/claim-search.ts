// Finding claims: filters, full-text search and keyset paging over several sort orders, as SQL fragments that the
// claims list and the ClaimReview feed share.
import { eq, gte, isNull, lte, sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Drizzle } from '../db/client.ts'
import { claimants, claims, type normalizedVerdict } from '../db/schema.ts'
import { escapeLike } from './shared.ts'
import { claimSorts, type ClaimSort } from '../domain/enums.ts'
import { isUuid } from '../lib/text/ids.ts'

/**
 * A web-search query (words, "quoted phrases", `or`, `-word`) parsed once per request, as each text-search
 * configuration reads it: tsquery text, which the statements that use it take as a parameter.
 */
export interface SearchQuery {
  english: string
  simple: string
}

/** A parsed query, and what it would cost. */
export interface ParsedSearch extends SearchQuery {
  /** Words and operators of the larger of the two parses (Postgres' numnode); 0 when only stop words were given. */
  size: number
  /**
   * Whether the index can find its matches in each configuration: every alternative holds a word that is not
   * negated. A query of only `-word`s (or `x or -y`) matches nearly every claim and would test each one.
   */
  indexable: boolean
}

/**
 * The statement that parses a query (placeholder `q`) with both configurations: built and prepared once, by the
 * claims repository (`preparedRead`), as every search sends it first.
 */
export const parseSearchStatement = (instance: Drizzle) => instance.select({
  english: sql<string>`en::text`,
  simple: sql<string>`si::text`,
  size: sql<number>`greatest(numnode(en), numnode(si))`,
  indexable: sql<boolean>`(numnode(en) = 0 or querytree(en) <> 'T') and (numnode(si) = 0 or querytree(si) <> 'T')`,
}).from(sql`(select websearch_to_tsquery('claimtrack_english', ${sql.placeholder('q')}) as en, websearch_to_tsquery('claimtrack_simple', ${sql.placeholder('q')}) as si) parsed`)
  .prepare('parse_search')

export interface ClaimFilters {
  /** Web-search syntax: words, "quoted phrases", `or`, `-word`. */
  q?: string | undefined
  /** A claimant id, or a claimant slug. */
  claimant?: string | undefined
  status?: (typeof claims.status.enumValues)[number] | undefined
  verdict?: (typeof normalizedVerdict.enumValues)[number] | undefined
  topic?: string | undefined
  /** A language tag; `en` also matches `en-GB`. */
  language?: string | undefined
  claimedFrom?: string | undefined
  claimedTo?: string | undefined
  updatedSince?: Date | undefined
}

/** The filters as the statements take them: the query parsed (see parseSearch). */
export type ParsedFilters = Omit<ClaimFilters, 'q'> & { q?: SearchQuery | undefined }

export { claimSorts, type ClaimSort }

/** Where the previous page ended, in the terms of its sort. */
export type SortPosition =
  | { sort: 'relevance', rank: number, id: string }
  | { sort: '-createdAt', id: string }
  | { sort: '-claimDate' | 'claimDate', date: string | null, id: string }
  | { sort: '-updatedAt', at: string, id: string }

// Claims in English are indexed with English stemming, others with the language-neutral `simple` configuration,
// both accent-insensitive (migrations/0006); a query is parsed the same way as the claims it is compared with.
// The query comes parsed (parseSearch), as tsquery constants: never
// `websearch_to_tsquery(claim_search_config(language), q)`, which parses the query again for every row it ranks.
const isEnglish = sql`claim_search_config(${claims.language}) = 'claimtrack_english'::regconfig`
const queryFor = (q: SearchQuery) => sql`(case when ${isEnglish} then ${q.english}::tsquery else ${q.simple}::tsquery end)`

export function textMatch (q: SearchQuery): SQL {
  // Two branches rather than one expression, so that each can use the GIN index on the search document.
  return sql`((${isEnglish} and ${claims.searchVector} @@ ${q.english}::tsquery)
    or (not ${isEnglish} and ${claims.searchVector} @@ ${q.simple}::tsquery))`
}

/** How well a claim matches q: cover density over the weighted document (claim text counts most). */
export const rankOf = (q: SearchQuery): SQL<number> => sql<number>`ts_rank_cd(${claims.searchVector}, ${queryFor(q)})`

/** The whole claim text (claims are short), HTML-escaped, with the words that matched q marked `<mark>`. */
export const snippetOf = (q: SearchQuery): SQL<string> => sql<string>`ts_headline(claim_search_config(${claims.language}),
  replace(replace(replace(${claims.text}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), ${queryFor(q)},
  'StartSel=<mark>, StopSel=</mark>, HighlightAll=true')`

/** A language column matches a tag, case-insensitively, and `en` also matches `en-GB`. */
export function languageMatches (column: AnyPgColumn, tag: string): SQL {
  const language = tag.toLowerCase()
  return sql`(lower(${column}) = ${language} or lower(${column}) like ${`${escapeLike(language)}-%`})`
}

/** The conditions of the filters, for any query over live claims. */
export function claimConditions (filters: ParsedFilters): SQL[] {
  const conditions: SQL[] = [isNull(claims.deletedAt)]
  if (filters.q) conditions.push(textMatch(filters.q))
  if (filters.claimant) {
    conditions.push(isUuid(filters.claimant)
      ? eq(claims.claimantId, filters.claimant)
      : sql`${claims.claimantId} = (select ${claimants.id} from ${claimants} where ${claimants.slug} = ${filters.claimant} and ${claimants.deletedAt} is null)`)
  }
  if (filters.status) conditions.push(eq(claims.status, filters.status))
  if (filters.verdict) conditions.push(eq(claims.currentVerdict, filters.verdict))
  if (filters.topic) conditions.push(sql`${claims.topics} @> array[${filters.topic.toLowerCase()}]::text[]`)
  if (filters.language) conditions.push(languageMatches(claims.language, filters.language))
  if (filters.claimedFrom) conditions.push(gte(claims.claimDate, filters.claimedFrom))
  if (filters.claimedTo) conditions.push(lte(claims.claimDate, filters.claimedTo))
  if (filters.updatedSince) conditions.push(gte(claims.updatedAt, filters.updatedSince))
  return conditions
}

/** ORDER BY for a sort; the id breaks ties so that every position is unique. */
export function orderOf (sort: ClaimSort, q: SearchQuery | undefined): SQL[] {
  switch (sort) {
    case 'relevance': return [sql`${q ? rankOf(q) : sql`0`} desc`, sql`${claims.id} desc`]
    case '-createdAt': return [sql`${claims.id} desc`]
    case '-claimDate': return [sql`${claims.claimDate} desc nulls last`, sql`${claims.id} desc`]
    case 'claimDate': return [sql`${claims.claimDate} asc nulls last`, sql`${claims.id} asc`]
    case '-updatedAt': return [sql`${claims.updatedAt} desc`, sql`${claims.id} desc`]
  }
}

/** The rows after a position, in the order of its sort (null dates sort last either way). */
export function afterPosition (position: SortPosition, q: SearchQuery | undefined): SQL {
  const id = claims.id
  switch (position.sort) {
    case 'relevance': {
      const rank = q ? rankOf(q) : sql`0`
      return sql`(${rank} < ${position.rank}::real or (${rank} = ${position.rank}::real and ${id} < ${position.id}))`
    }
    case '-createdAt': return sql`${id} < ${position.id}`
    case '-updatedAt': return sql`(${claims.updatedAt}, ${id}) < (${position.at}::timestamptz, ${position.id}::uuid)`
    case '-claimDate': return position.date === null
      ? sql`(${claims.claimDate} is null and ${id} < ${position.id})`
      : sql`((${claims.claimDate}, ${id}) < (${position.date}::date, ${position.id}::uuid) or ${claims.claimDate} is null)`
    case 'claimDate': return position.date === null
      ? sql`(${claims.claimDate} is null and ${id} > ${position.id})`
      : sql`((${claims.claimDate}, ${id}) > (${position.date}::date, ${position.id}::uuid) or ${claims.claimDate} is null)`
  }
}
