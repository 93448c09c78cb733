// Full-text search's in-process candidate index: for each lexeme of the claims' search documents (claims.search_vector,
// keyed by the configuration that stemmed it), the claims holding it (ordinals, in the order they were added) and the
// sum of the weights of its occurrences there, which for a query of that one word is its ts_rank_cd exactly; the long
// runs also in impact order. It gives a word's best claims a caller may see, in rank order, so that the SQL ranks only
// those and can prove no other claim belongs on the page (src/services/search-index.ts, docs/search.md).
import { createClaimOrdinals } from './claim-ordinals.ts'
import { compactRuns, finish } from './postings.ts'
import { createTopK } from './top-k.ts'
import { singleLexeme, type QueryNode } from './text/tsquery.ts'

export { parseTsquery, singleLexeme, type QueryNode } from './text/tsquery.ts'

/** The search document of a live claim: its lexemes with their weight classes in position order ('AAB'). */
export interface SearchDocument { english: boolean, lexemes: string[], weights: string[] }

/** A claim as the index holds it. */
export interface SearchIndexedClaim { id: string, privateTo: string | null, search: SearchDocument }

// ts_rank_cd's default weights (D, C, B, A), as the float4 it computes with.
const WEIGHT: Record<string, number> = { D: Math.fround(0.1), C: Math.fround(0.2), B: Math.fround(0.4), A: 1 }
// Runs longer than this are also held in impact order (bound descending, then id descending), built at compaction.
const IMPACT_ORDERED = 2048

/** Candidates in the walk's order, the bound of each, and the next one's (null when there is none). */
export interface Candidates { ids: string[], bounds: number[], next: { id: string, bound: number } | null }

export function createSearchIndex ({ impactOrdered = IMPACT_ORDERED }: { impactOrdered?: number } = {}) {
  const ordinals = createClaimOrdinals()
  const { ids } = ordinals
  const termOf = new Map<string, number>()
  // Per term, one compacted run (offsets into docs/sums), in ordinal order, then the postings added since.
  let offsets: Int32Array = new Int32Array(1)
  let docs: Int32Array = new Int32Array(0)
  let sums: Float32Array = new Float32Array(0)
  // The long runs again, as positions into docs, by bound descending then id descending.
  let impact = new Map<number, Int32Array>()
  let addedDocs: (number[] | undefined)[] = []
  let addedSums: (number[] | undefined)[] = []
  let added = 0
  let removed = 0

  function remove (id: string): void {
    if (ordinals.remove(id) !== undefined) removed++
  }

  function add (claim: SearchIndexedClaim): void {
    remove(claim.id)
    const ordinal = ordinals.add(claim.id, claim.privateTo)
    const prefix = claim.search.english ? 'e' : 's'
    claim.search.lexemes.forEach((lexeme, i) => {
      const key = prefix + lexeme
      let term = termOf.get(key)
      if (term === undefined) termOf.set(key, term = termOf.size)
      // Summed in position order, in double, then rounded to float4: as ts_rank_cd adds up single-word covers.
      let sum = 0
      for (const w of claim.search.weights[i] ?? 'D') sum += WEIGHT[w] ?? WEIGHT.D ?? 0
      ;(addedDocs[term] ??= []).push(ordinal)
      ;(addedSums[term] ??= []).push(Math.fround(sum))
      added++
    })
  }

  /** Folds the postings added since into the compacted runs, drops those of claims gone, and orders the long runs. */
  function compact (): void {
    const impactNext = new Map<number, Int32Array>()
    const since = { docs: addedDocs, values: addedSums }
    const next = finish(compactRuns(termOf.size, { offsets, docs, values: sums }, since,
      ordinals.owner(), (n) => new Float32Array(n), Infinity, (t, first, end, runs) => {
        if (end - first <= impactOrdered) return
        const order = Int32Array.from({ length: end - first }, (_, i) => first + i)
        order.sort((x, y) => (runs.values[y] ?? 0) - (runs.values[x] ?? 0) ||
          ((ids[runs.docs[x] ?? 0] ?? '') < (ids[runs.docs[y] ?? 0] ?? '') ? 1 : -1))
        impactNext.set(t, order)
      }))
    offsets = next.offsets
    docs = next.docs
    sums = next.values
    impact = impactNext
    addedDocs = []
    addedSums = []
    added = 0
    removed = 0
  }

  return {
    add,
    remove,
    compact,
    wantsCompaction: (): boolean => added + removed > 100_000 + docs.length / 4,
    size: () => ({
      claims: ordinals.size(), postings: docs.length + added, terms: termOf.size, impactOrdered: impact.size,
    }),

    /**
     * The first `want` claims the viewer may see that hold the query's word (as each configuration parsed it; null
     * for a configuration whose parse is empty), by ts_rank_cd descending then id descending, and the one after
     * them. Null when the query is not a single word (see singleLexeme).
     */
    candidates (
      query: { english: QueryNode | null, simple: QueryNode | null },
      viewerOrganization: string | null,
      want: number
    ): Candidates | null {
      const lexemes: Array<string | null> = [null, null]
      for (const [i, tree] of [query.english, query.simple].entries()) {
        if (tree === null) continue
        lexemes[i] = singleLexeme(tree)
        if (lexemes[i] === null) return null
      }
      const viewer = ordinals.viewer(viewerOrganization)
      const keep = want + 1
      // The best `keep` so far, by bound, then id (the larger id ranks first, as the SQL path's `id desc`).
      const best = createTopK(keep, (bi, di, bj, dj) => bi < bj || (bi === bj && (ids[di] ?? '') < (ids[dj] ?? '')))
      const visible = (d: number) => ordinals.visible(d, viewer)
      const runs = offsets.length - 1
      ;(['e', 's'] as const).forEach((prefix, i) => {
        const lexeme = lexemes[i]
        const term = lexeme === null || lexeme === undefined ? undefined : termOf.get(prefix + lexeme)
        if (term === undefined) return
        if (term < runs) {
          const order = impact.get(term)
          if (order !== undefined) {
            // In impact order: the first `keep` visible ones are the run's best.
            let taken = 0
            for (let j = 0; j < order.length && taken < keep; j++) {
              const p = order[j] ?? 0
              const d = docs[p] ?? 0
              if (visible(d)) { best.offer(d, sums[p] ?? 0); taken++ }
            }
          } else {
            for (let p = offsets[term] ?? 0, end = offsets[term + 1] ?? 0; p < end; p++) {
              const d = docs[p] ?? 0
              if (visible(d)) best.offer(d, sums[p] ?? 0)
            }
          }
        }
        const extra = addedDocs[term] ?? []
        for (let j = 0; j < extra.length; j++) {
          const d = extra[j] ?? 0
          if (visible(d)) best.offer(d, addedSums[term]?.[j] ?? 0)
        }
      })
      const order = best.best().map(({ d, score }) => ({ id: ids[d] ?? '', bound: score }))
      const next = order.length > want ? order.pop() ?? null : null
      return { ids: order.map((o) => o.id), bounds: order.map((o) => o.bound), next }
    },
  }
}

export type SearchIndex = ReturnType<typeof createSearchIndex>
