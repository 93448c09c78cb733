// Claim matching's in-process inverted index: for each lexeme, the claims holding it (ordinals, in the order they were
// added) and its tf there, in typed arrays; for each claim, its length and who may see it. A query walks the postings
// of its words with MaxScore (Turtle & Flood 1995): once the k best found so far score θ, the words whose best
// possible weights add up to less than θ only rescore claims found through the others, so a frequent word is read
// where it matters and not claim by claim. BM25 is computed exactly as the SQL path computes it
// (src/repositories/matching.ts), from the term statistics it is given, so both rank the same claims the same way.

/** A live claim as the index holds it: the lexemes of its match document with their tf, and who may see it. */
export interface IndexedClaim { id: string, privateTo: string | null, lexemes: string[], tfs: number[] }

/** A word of the input with its BM25 idf, as the SQL path computes it from the term statistics of now. */
export interface QueryTerm { lexeme: string, idf: number }

export interface Scored { id: string, bm25: number, lexemes: string[] }

import { createClaimOrdinals, GONE, grown, PUBLIC } from './claim-ordinals.ts'
import { compactRuns, finish } from './postings.ts'
import { createTopK } from './top-k.ts'

// BM25 parameters: the SQL path's (src/repositories/matching.ts).
const K1 = 1.2
const B = 0.75
// Pruning compares bounds with θ lowered by this much, so that rounding never drops a claim that ties.
const SLACK = 1e-9
/** Postings a compaction handles between two yields (a few milliseconds). */
const STEP = 500_000

/** BM25's length normalisation of a claim of `len` lexemes: the SQL path's expression, term for term. */
const norm = (len: number, avgdl: number) => K1 * (1 - B + (B * len) / avgdl)

/** BM25's weight of one word in one claim, given its length normalisation: the SQL path's expression, term for term. */
const weight = (idf: number, tf: number, normalised: number) => (idf * (tf * 2.2)) / (tf + normalised)

/** The weight's part that does not depend on the word's idf (weight = idf × part); it grows with `avgdl`. */
const part = (tf: number, len: number, avgdl: number) => (tf * 2.2) / (tf + K1 * (1 - B + (B * len) / avgdl))

/** A claim ordinal past every other: where a cursor stands once it has read all its postings. */
const END = 0x7fffffff
const NO_DOCS = new Int32Array(0)
const NO_TFS = new Uint16Array(0)

/**
 * A term's postings as a query walks them: its compacted run, then the postings added since (higher ordinals), each
 * in ordinal order; `d` is the claim at `i` of the segment being read, END past the last.
 */
interface Cursor {
  lexeme: string
  idf: number
  /** The most the term can add to a claim's score. */
  bound: number
  runDocs: Int32Array
  runTfs: Uint16Array
  addedDocs: Int32Array
  addedTfs: Uint16Array
  docs: Int32Array
  tfs: Uint16Array
  i: number
  d: number
}

/** Moves to the next segment's first posting, or to END after the last. */
function nextSegment (c: Cursor): void {
  if (c.docs === c.runDocs && c.addedDocs.length > 0) {
    c.docs = c.addedDocs
    c.tfs = c.addedTfs
    c.i = 0
    c.d = c.docs[0] as number
  } else {
    c.i = c.docs.length
    c.d = END
  }
}

function advance (c: Cursor): void {
  if (++c.i < c.docs.length) c.d = c.docs[c.i] as number
  else nextSegment(c)
}

/** Back to the first posting. */
function rewind (c: Cursor): void {
  c.docs = c.runDocs
  c.tfs = c.runTfs
  c.i = -1
  advance(c)
}

/** Moves to the first posting of a claim at or after `target` (galloping, then binary search). */
function seek (c: Cursor, target: number): void {
  while (c.d < target) {
    const docs = c.docs
    const last = docs.length - 1
    if ((docs[last] as number) < target) {
      c.i = last
      nextSegment(c)
      continue
    }
    // docs[lo] < target <= docs[hi]
    let lo = c.i
    let hi = lo + 1
    for (let step = 1; hi < last && (docs[hi] as number) < target; step *= 2) { lo = hi; hi = lo + step }
    if (hi > last) hi = last
    while (lo + 1 < hi) {
      const mid = (lo + hi) >>> 1
      if ((docs[mid] as number) < target) lo = mid
      else hi = mid
    }
    c.i = hi
    c.d = docs[hi] as number
  }
}

export function createMatchIndex () {
  // Claims, by ordinal: a claim written again gets a new ordinal, so every term's postings stay in ordinal order.
  const ordinals = createClaimOrdinals()
  const { ids } = ordinals
  let length = new Int32Array(0)
  // Terms: postings compacted into one run per term (offsets into docs/tfs), then those added since, per term.
  const termOf = new Map<string, number>()
  let offsets: Int32Array = new Int32Array(1)
  let docs: Int32Array = new Int32Array(0)
  let tfs: Uint16Array = new Uint16Array(0)
  let addedDocs: (number[] | undefined)[] = []
  let addedTfs: (number[] | undefined)[] = []
  // Per term, for its bound: the largest BM25 tf part (weight / idf) of any of its postings, computed with a mean
  // length `boundAvgdl` at or above the corpus' (the part grows with the mean length, so it stays a bound), 0 when
  // not computed yet. Kept up as postings are added; removals only make it looser.
  let maxPart = new Float64Array(0)
  let boundAvgdl = new Float64Array(0)
  let addedCount = 0
  let removed = 0

  function termId (lexeme: string): number {
    let term = termOf.get(lexeme)
    if (term === undefined) {
      term = termOf.size
      termOf.set(lexeme, term)
      maxPart = grown(maxPart, term + 1, (n) => new Float64Array(n))
      boundAvgdl = grown(boundAvgdl, term + 1, (n) => new Float64Array(n))
    }
    return term
  }

  function remove (id: string): void {
    const ordinal = ordinals.remove(id)
    if (ordinal !== undefined) removed += length[ordinal] ?? 0
  }

  function add (claim: IndexedClaim): void {
    remove(claim.id)
    const ordinal = ordinals.add(claim.id, claim.privateTo)
    length = grown(length, ordinals.count(), (n) => new Int32Array(n))
    let len = 0
    for (const tf of claim.tfs) len += tf
    length[ordinal] = len
    claim.lexemes.forEach((lexeme, i) => {
      const term = termId(lexeme)
      const tf = claim.tfs[i] ?? 1
      const list = addedDocs[term]
      if (list === undefined) {
        addedDocs[term] = [ordinal]
        addedTfs[term] = [tf]
      } else {
        list.push(ordinal)
        addedTfs[term]?.push(tf)
      }
      const at = boundAvgdl[term] ?? 0
      if (at > 0) maxPart[term] = Math.max(maxPart[term] ?? 0, part(tf, len, at))
      addedCount++
    })
  }

  /**
   * The largest tf part of the term's postings at mean length `avgdl` or above: from the cache while its mean length is
   * at or above `avgdl` and within 5% of it, else computed over the postings (at 2% above `avgdl`, so that the
   * corpus can grow a little before it is computed again).
   */
  function partBound (term: number, avgdl: number, start: number, run: number): number {
    const at = boundAvgdl[term] ?? 0
    if (at >= avgdl && at <= avgdl * 1.05) return maxPart[term] ?? 0
    const next = avgdl * 1.02
    const owner = ordinals.owner()
    let best = 0
    for (let p = start, end = start + run; p < end; p++) {
      const d = docs[p] ?? 0
      if (owner[d] !== GONE) best = Math.max(best, part(tfs[p] ?? 0, length[d] ?? 0, next))
    }
    const extra = addedDocs[term] ?? []
    const extraTfs = addedTfs[term] ?? []
    for (let i = 0; i < extra.length; i++) {
      const d = extra[i] ?? 0
      if (owner[d] !== GONE) best = Math.max(best, part(extraTfs[i] ?? 0, length[d] ?? 0, next))
    }
    maxPart[term] = best
    boundAvgdl[term] = next
    return best
  }

  /**
   * Folds the postings added since into the compacted runs and drops those of claims gone, in steps: it yields after
   * about STEP postings, so that a caller can let other work run (nothing may be added or removed until it is done).
   */
  function * compacting (): Generator<void, void, void> {
    const added = { docs: addedDocs, values: addedTfs }
    const runs = { offsets, docs, values: tfs }
    const next = yield * compactRuns(termOf.size, runs, added, ordinals.owner(), (n) => new Uint16Array(n), STEP)
    offsets = next.offsets
    docs = next.docs
    tfs = next.values
    addedDocs = []
    addedTfs = []
    addedCount = 0
    removed = 0
  }

  /** A cursor on the term's postings, at its first. */
  function cursor (lexeme: string, idf: number, bound: number, term: number, start: number, end: number): Cursor {
    const extra = addedDocs[term]
    const c: Cursor = {
      lexeme,
      idf,
      bound,
      runDocs: docs.subarray(start, end),
      runTfs: tfs.subarray(start, end),
      addedDocs: extra === undefined ? NO_DOCS : Int32Array.from(extra),
      addedTfs: extra === undefined ? NO_TFS : Uint16Array.from(addedTfs[term] ?? []),
      docs: NO_DOCS,
      tfs: NO_TFS,
      i: -1,
      d: END,
    }
    rewind(c)
    return c
  }

  /** Compacts at once (see compacting). */
  function compact (): void {
    finish(compacting())
  }

  return {
    add,
    remove,
    compact,
    compacting,

    /** Whether enough postings were added or dropped since the last compaction that it is worth doing again. */
    wantsCompaction: (): boolean => addedCount + removed > 100_000 + docs.length / 4,

    /** Claims held, and postings: for the log and the bench. */
    size: () => ({ claims: ordinals.size(), postings: docs.length + addedCount, terms: termOf.size }),

    /**
     * The `k` claims the viewer may see with the highest BM25 for the terms (ties by id), each with its score and
     * its lexemes among the terms (by idf, then lexeme). `avgdl` is the corpus' mean length, as the SQL path has it.
     */
    top (terms: QueryTerm[], avgdl: number, k: number, viewerOrganization: string | null): Scored[] {
      const viewer = ordinals.viewer(viewerOrganization)
      const owner = ordinals.owner()
      const runs = offsets.length - 1
      // A cursor per term the index holds, by bound ascending.
      const lists: Cursor[] = []
      for (const { lexeme, idf } of terms) {
        const term = termOf.get(lexeme)
        if (term === undefined || idf <= 0) continue
        const start = term < runs ? offsets[term] ?? 0 : 0
        const end = term < runs ? offsets[term + 1] ?? 0 : 0
        const extra = addedDocs[term] ?? []
        if (end - start + extra.length === 0) continue
        lists.push(cursor(lexeme, idf, idf * partBound(term, avgdl, start, end - start), term, start, end))
      }
      lists.sort((a, b) => a.bound - b.bound)
      if (lists.length === 0 || k <= 0) return []
      const cumulative = new Float64Array(lists.length)
      let sum = 0
      lists.forEach((l, i) => { cumulative[i] = sum += l.bound })

      // The best k so far (ties by id: the smaller id ranks first, as in the SQL path).
      const best = createTopK(k, (sa, da, sb, db) => sa < sb || (sa === sb && (ids[da] ?? '') > (ids[db] ?? '')))

      // Lists below `essential` are only read to complete the score of a claim found through the others.
      const m = lists.length
      let theta = -Infinity
      let floor = -Infinity
      let essential = 0
      for (;;) {
        let d = END
        for (let i = essential; i < m; i++) {
          const at = (lists[i] as Cursor).d
          if (at < d) d = at
        }
        if (d === END) break
        const who = owner[d] as number
        if (who !== PUBLIC && (who < 0 || who !== viewer)) {
          for (let i = essential; i < m; i++) {
            const l = lists[i] as Cursor
            if (l.d === d) advance(l)
          }
          continue
        }
        const n = norm(length[d] as number, avgdl)
        let score = 0
        for (let i = essential; i < m; i++) {
          const l = lists[i] as Cursor
          if (l.d === d) {
            score += weight(l.idf, l.tfs[l.i] as number, n)
            advance(l)
          }
        }
        let complete = true
        for (let i = essential - 1; i >= 0; i--) {
          if (score + (cumulative[i] as number) < floor) { complete = false; break }
          const l = lists[i] as Cursor
          seek(l, d)
          if (l.d === d) {
            score += weight(l.idf, l.tfs[l.i] as number, n)
          }
        }
        if (!complete) continue
        best.offer(d, score)
        if (best.full() && best.worst() > theta) {
          theta = best.worst()
          floor = theta - SLACK * Math.abs(theta)
          while (essential < m && (cumulative[essential] as number) < floor) essential++
        }
      }

      const order = best.best()
      const byWeight = [...lists].sort(
        (a, b) => b.idf - a.idf || (a.lexeme < b.lexeme ? -1 : a.lexeme > b.lexeme ? 1 : 0)
      )
      return order.map(({ d, score }) => ({
        id: ids[d] ?? '',
        bm25: score,
        lexemes: byWeight.filter((l) => { rewind(l); seek(l, d); return l.d === d }).map((l) => l.lexeme),
      }))
    },
  }
}

export type MatchIndex = ReturnType<typeof createMatchIndex>
