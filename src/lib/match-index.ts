// Claim matching's in-process inverted index: for each lexeme, the claims holding it (ordinals, in the order they were
// added) and its tf there, in typed arrays; for each claim, its length and who may see it. A query walks the postings
// of its words with MaxScore (Turtle & Flood 1995): once the k best found so far score θ, the words whose best
// possible weights add up to less than θ only rescore claims found through the others, so a frequent word is read
// where it matters and not claim by claim. θ starts from the claims of the query's rarest words, scored first; a
// claim's bound for the words left uses its own length and each word's largest tf. The essential words are read
// claim at a time, or, when they are many and long (a long input of frequent words), term at a time into an
// accumulator. BM25 is computed exactly as the SQL path computes it (src/repositories/matching.ts), from the term
// statistics it is given, so both rank the same claims the same way.

/** A live claim as the index holds it: the lexemes of its match document with their tf, and who may see it. */
export interface IndexedClaim { id: string, privateTo: string | null, lexemes: string[], tfs: number[] }

/** A word of the input with its BM25 idf, as the SQL path computes it from the term statistics of now. */
export interface QueryTerm { lexeme: string, idf: number }

export interface Scored { id: string, bm25: number, lexemes: string[] }

import { createClaimOrdinals, GONE, grown } from './claim-ordinals.ts'
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
const part = (tf: number, len: number, avgdl: number) => (tf * 2.2) / (tf + norm(len, avgdl))

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
  /** The term's largest tf (or more). */
  tfMax: number
  runDocs: Int32Array
  runTfs: Uint16Array
  addedDocs: Int32Array
  addedTfs: Uint16Array
  docs: Int32Array
  tfs: Uint16Array
  i: number
  d: number
}

/**
 * The most a term can add to the score of a claim whose length normalisation is `n`: its weight at the term's largest
 * tf (weights grow with tf), or its bound over all claims, whichever is less.
 */
const atMost = (c: Cursor, n: number) => Math.min(c.bound, weight(c.idf, c.tfMax, n))

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

/** How many claims a query scores before its walk, to start with a threshold (`seedClaims`). */
const SEEDS = 256

/**
 * The claims a query scores first: those the viewer may see among the postings of its weightiest terms (the last
 * lists, by bound ascending), whole lists while they add up to at most SEEDS, else the first SEEDS of the weightiest;
 * in ordinal order, without repeats.
 */
function seedClaims (lists: Cursor[], visible: (d: number) => boolean): Int32Array {
  const found: number[] = []
  for (let i = lists.length - 1; i >= 0; i--) {
    const c = { ...(lists[i] as Cursor) }
    const size = c.runDocs.length + c.addedDocs.length
    if (found.length > 0 && found.length + size > SEEDS) break
    for (rewind(c); c.d !== END && found.length < SEEDS; advance(c)) {
      if (visible(c.d)) found.push(c.d)
    }
    if (found.length >= SEEDS) break
  }
  const sorted = Int32Array.from(found).sort()
  let n = 0
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i] as number
  return sorted.subarray(0, n)
}

/**
 * How a query reads its essential lists: `auto` picks, per query, the way that costs less (tests and the bench force
 * one or the other).
 */
export type Walk = 'auto' | 'sparse' | 'dense'

export function createMatchIndex ({ walk = 'auto' }: { walk?: Walk } = {}) {
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
  // Per term, the largest tf any of its postings had (removals leave it as it was: still a bound).
  let maxTf = new Uint16Array(0)
  let addedCount = 0
  let removed = 0
  // The dense walk's partial scores, by ordinal: all 0 between queries.
  let accumulator = new Float64Array(0)

  function termId (lexeme: string): number {
    let term = termOf.get(lexeme)
    if (term === undefined) {
      term = termOf.size
      termOf.set(lexeme, term)
      maxPart = grown(maxPart, term + 1, (n) => new Float64Array(n))
      maxTf = grown(maxTf, term + 1, (n) => new Uint16Array(n))
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
      if (tf > (maxTf[term] ?? 0)) maxTf[term] = tf
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
      tfMax: maxTf[term] ?? 0,
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
      const visible = (d: number) => ordinals.visible(d, viewer)
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
      const raise = () => {
        if (best.full() && best.worst() > theta) {
          theta = best.worst()
          floor = theta - SLACK * Math.abs(theta)
          while (essential < m && (cumulative[essential] as number) < floor) essential++
        }
      }

      // A threshold from the start: the claims of the weightiest terms (the rarest, with few postings) are scored
      // first, so that the walk prunes from its first claim on, not only once it has met k good ones. The walk then
      // skips them.
      const seeds = seedClaims(lists, visible)
      const probes = lists.map((l) => { const c = { ...l }; rewind(c); return c })
      for (const d of seeds) {
        const n = norm(length[d] as number, avgdl)
        let score = 0
        for (const c of probes) {
          seek(c, d)
          if (c.d === d) score += weight(c.idf, c.tfs[c.i] as number, n)
        }
        best.offer(d, score)
      }
      raise()

      /**
       * Adds the weights of the lists below `from` to a claim's partial score (its weights for the lists from `from`
       * on), and offers it, unless its bound falls short of θ on the way.
       */
      const complete = (d: number, partial: number, n: number, from: number) => {
        // What the lists left can add at most, for a claim of this length.
        let rest = 0
        for (let i = 0; i < from; i++) rest += atMost(lists[i] as Cursor, n)
        let score = partial
        for (let i = from - 1; i >= 0; i--) {
          if (score + rest < floor) return
          const l = lists[i] as Cursor
          rest -= atMost(l, n)
          seek(l, d)
          if (l.d === d) score += weight(l.idf, l.tfs[l.i] as number, n)
        }
        best.offer(d, score)
        raise()
      }
      const skipped = (d: number, seed: number) => {
        return !visible(d) || seeds[seed] === d
      }

      // Two ways to read the essential lists, with the same result. Claim at a time, in ordinal order: the fewest
      // claims read, as θ rises on the way. Term at a time into an accumulator per claim, then in ordinal order: far
      // less work per posting, for a range of ordinals to scan; it pays when the essential lists are long and many
      // (a long input of frequent words).
      let postings = 0
      let lo = END
      let hi = -1
      for (let i = essential; i < m; i++) {
        const l = lists[i] as Cursor
        postings += l.runDocs.length + l.addedDocs.length
        lo = Math.min(lo, l.d)
        const last = l.addedDocs.length > 0 ? l.addedDocs[l.addedDocs.length - 1] : l.runDocs[l.runDocs.length - 1]
        hi = Math.max(hi, last as number)
      }
      const dense = walk === 'dense' || (walk === 'auto' && postings * (m - essential) > 2 * (hi - lo))
      let seed = 0
      if (dense) {
        const from = essential
        accumulator = grown(accumulator, ordinals.count(), (n) => new Float64Array(n))
        const acc = accumulator
        const add = (docs: Int32Array, tfs: Uint16Array, idf: number) => {
          for (let p = 0; p < docs.length; p++) {
            const d = docs[p] as number
            acc[d] = (acc[d] as number) + weight(idf, tfs[p] as number, norm(length[d] as number, avgdl))
          }
        }
        for (let i = from; i < m; i++) {
          const l = lists[i] as Cursor
          add(l.runDocs, l.runTfs, l.idf)
          add(l.addedDocs, l.addedTfs, l.idf)
        }
        // Every weight is above 0 (tf ≥ 1), so a claim no essential list holds has 0.
        for (let d = lo; d <= hi; d++) {
          const partial = acc[d] as number
          if (partial === 0) continue
          acc[d] = 0
          while (seed < seeds.length && (seeds[seed] as number) < d) seed++
          if (!skipped(d, seed)) complete(d, partial, norm(length[d] as number, avgdl), from)
        }
      } else {
        for (;;) {
          let d = END
          for (let i = essential; i < m; i++) {
            const at = (lists[i] as Cursor).d
            if (at < d) d = at
          }
          if (d === END) break
          while (seed < seeds.length && (seeds[seed] as number) < d) seed++
          if (skipped(d, seed)) {
            for (let i = essential; i < m; i++) {
              const l = lists[i] as Cursor
              if (l.d === d) advance(l)
            }
            continue
          }
          const n = norm(length[d] as number, avgdl)
          let partial = 0
          for (let i = essential; i < m; i++) {
            const l = lists[i] as Cursor
            if (l.d === d) {
              partial += weight(l.idf, l.tfs[l.i] as number, n)
              advance(l)
            }
          }
          complete(d, partial, n, essential)
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
