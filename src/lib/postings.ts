// Postings of an in-process index (src/lib/match-index.ts, src/lib/search-index.ts): per term one compacted run of
// claim ordinals in ordinal order with a value each (tf, or a weight sum), offsets into two typed arrays; and per term
// the postings added since, in plain arrays, until a compaction folds them in.
import { GONE } from './claim-ordinals.ts'

export type Values = Uint16Array | Float32Array

/** The compacted runs: term t's postings are docs[offsets[t]] to docs[offsets[t + 1]] (exclusive), values alike. */
export interface Runs<V extends Values> { offsets: Int32Array, docs: Int32Array, values: V }

/** The postings added since the last compaction, per term. */
export interface Added { docs: (number[] | undefined)[], values: (number[] | undefined)[] }

/**
 * New runs for `terms` terms: each term's compacted run, then the postings added since, without those of ordinals
 * gone (`owner`, src/lib/claim-ordinals.ts). Yields after about `step` postings, so that a caller may let other work
 * run (the old runs and `added` must not change until it is done); `filled(term, first, end)` is called as each new
 * run is complete, for anything built from the runs (the search index's impact order). Returns the new runs.
 */
export function * compactRuns<V extends Values> (
  terms: number,
  old: Runs<V>,
  added: Added,
  owner: Int32Array,
  makeValues: (n: number) => V,
  step: number,
  filled?: (term: number, first: number, end: number, runs: Runs<V>) => void
): Generator<void, Runs<V>, void> {
  const { offsets, docs, values } = old
  const runs = offsets.length - 1
  const counts = new Int32Array(terms + 1)
  let work = 0
  for (let t = 0; t < terms; t++) {
    let n = 0
    if (t < runs) {
      for (let p = offsets[t] ?? 0, end = offsets[t + 1] ?? 0; p < end; p++) if (owner[docs[p] ?? 0] !== GONE) n++
    }
    for (const d of added.docs[t] ?? []) if (owner[d] !== GONE) n++
    counts[t + 1] = (counts[t] ?? 0) + n
    if ((work += n) > step) { work = 0; yield }
  }
  const total = counts[terms] ?? 0
  const next: Runs<V> = { offsets: counts, docs: new Int32Array(total), values: makeValues(total) }
  for (let t = 0; t < terms; t++) {
    const first = counts[t] ?? 0
    let q = first
    if (t < runs) {
      for (let p = offsets[t] ?? 0, end = offsets[t + 1] ?? 0; p < end; p++) {
        const d = docs[p] ?? 0
        if (owner[d] !== GONE) { next.docs[q] = d; next.values[q++] = values[p] ?? 0 }
      }
    }
    const list = added.docs[t] ?? []
    const listValues = added.values[t] ?? []
    for (let i = 0; i < list.length; i++) {
      const d = list[i] ?? 0
      if (owner[d] !== GONE) { next.docs[q] = d; next.values[q++] = listValues[i] ?? 0 }
    }
    filled?.(t, first, q, next)
    if ((work += q - first) > step) { work = 0; yield }
  }
  return next
}

/** Runs a generator of steps to its end, at once. */
export function finish<T> (steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next()
    if (step.done === true) return step.value
  }
}
