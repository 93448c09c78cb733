// Relevance-sorted full-text search without ranking every match: for a query of one word, the in-process candidate
// index (src/lib/search-index.ts) gives its claims by ts_rank_cd (an upper bound is all the cut needs), the SQL ranks
// a batch of them with every condition of the list (the query itself, filters, visibility, the cursor's position),
// and the page is final once its last claim comes before the next candidate not ranked (rank, then id): no claim
// left out can belong on it. Otherwise a batch four times larger follows; past MAX_CANDIDATES, or for a query shape
// the index does not answer, the caller ranks in SQL as before (docs/search.md).
import type { Executor } from '../db/client.ts'
import { parseTsquery, type Candidates } from '../lib/search-index.ts'
import type { ClaimListItem, ClaimsRepository } from '../repositories/claims.ts'
import type { ParsedFilters, SearchQuery, SortPosition } from '../repositories/claim-search.ts'
import type { Viewer } from '../domain/access.ts'
import type { MatchIndexService } from './match-index.ts'

/** Candidates ranked in SQL at most for one page; past them the whole search is ranked in SQL. */
export const MAX_CANDIDATES = 6000

export interface RelevanceQuery {
  filters: ParsedFilters & { q: SearchQuery }
  visibleTo: Viewer
  sort: 'relevance'
  after?: SortPosition | undefined
  limit: number
}

/** (rank, id) descending, as the SQL sorts a relevance page. */
const before = (a: ClaimListItem, b: ClaimListItem) =>
  (b.rank ?? 0) - (a.rank ?? 0) || (a.claim.id < b.claim.id ? 1 : a.claim.id > b.claim.id ? -1 : 0)

/** A relevance search's candidates from the index: the first `want` of them in the order of their bound. */
export type CandidateWalk = (want: number) => Candidates | null

/**
 * The candidate walk for a relevance search, after the index has applied what other transactions committed; null when
 * the index cannot answer it (not built, off, a query shape it does not take). Called outside any unit of work: the
 * freshness check and the changes it applies take places at the database gate of their own, which a search holding
 * its transaction's place would wait for while every other search did the same (a deadlock once as many searches ran
 * at once as the pool has connections).
 */
export async function searchWalk (index: MatchIndexService, query: RelevanceQuery): Promise<CandidateWalk | null> {
  // An empty parse (only stop words in that configuration) matches no claim of it.
  const { english: englishText, simple: simpleText } = query.filters.q
  const english = englishText === '' ? null : parseTsquery(englishText)
  const simple = simpleText === '' ? null : parseTsquery(simpleText)
  if ((english === null && englishText !== '') || (simple === null && simpleText !== '')) return null
  return index.searchCandidates({ english, simple }, query.visibleTo.organizationId)
}

/**
 * The page `claims.list` would return for a relevance search, found through the candidate walk (`searchWalk`); null
 * when the walk cannot settle it (too many candidates to rank, a candidate ranked above its bound).
 */
export async function searchByIndex (
  walk: CandidateWalk,
  claims: ClaimsRepository,
  query: RelevanceQuery,
  executor: Executor,
  log: { warn(obj: object, msg: string): void }
): Promise<ClaimListItem[] | null> {
  const { limit } = query
  let best: ClaimListItem[] = []
  let ranked = 0
  for (let want = Math.max(4 * limit, 64); ; want *= 4) {
    if (ranked >= MAX_CANDIDATES) return null
    const found = walk(Math.min(want, MAX_CANDIDATES))
    if (found === null) return null
    const batch = found.ids.slice(ranked)
    if (batch.length > 0) {
      const rows = await claims.list({ ...query, ids: batch }, executor)
      const bounds = new Map(batch.map((id, i) => [id, found.bounds[ranked + i] ?? 0]))
      for (const row of rows) {
        // The bound is what the proof rests on: a claim ranked above it means the index is wrong; SQL answers.
        if (Math.fround(row.rank ?? 0) > (bounds.get(row.claim.id) ?? 0)) {
          log.warn({ id: row.claim.id, rank: row.rank, bound: bounds.get(row.claim.id) }, 'a search candidate ranked above its bound')
          return null
        }
      }
      best = [...best, ...rows].sort(before).slice(0, limit)
    }
    ranked = found.ids.length
    const { next } = found
    if (next === null) return best
    const last = best[limit - 1]
    if (last !== undefined) {
      const rank = Math.fround(last.rank ?? 0)
      if (rank > next.bound || (rank === next.bound && last.claim.id > next.id)) return best
    }
  }
}
