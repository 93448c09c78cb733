// The k best of what an in-process index walks (src/lib/match-index.ts, src/lib/search-index.ts): a binary min-heap
// of (score, ordinal), the worst at its root, so that an offer that cannot enter costs one comparison.

/**
 * Keeps the `k` best (score, ordinal) pairs offered. `worse(sa, da, sb, db)` tells whether a ranks below b: a lower
 * score, or the same score and the tie-break the index ranks by (the claim id, one way or the other).
 */
export function createTopK (k: number, worse: (sa: number, da: number, sb: number, db: number) => boolean) {
  const scores: number[] = []
  const docs: number[] = []
  const below = (i: number, j: number) => worse(scores[i] ?? 0, docs[i] ?? 0, scores[j] ?? 0, docs[j] ?? 0)
  const swap = (i: number, j: number) => {
    const s = scores[i] ?? 0; scores[i] = scores[j] ?? 0; scores[j] = s
    const d = docs[i] ?? 0; docs[i] = docs[j] ?? 0; docs[j] = d
  }

  return {
    /** Whether k pairs are held, so that `worst` is the score to beat. */
    full: (): boolean => scores.length >= k,
    /** The lowest score held (0 when empty). */
    worst: (): number => scores[0] ?? 0,

    offer (d: number, score: number): void {
      if (k <= 0) return
      if (scores.length === k) {
        if (worse(score, d, scores[0] ?? 0, docs[0] ?? 0)) return
        scores[0] = score
        docs[0] = d
        for (let i = 0; ;) {
          const l = 2 * i + 1
          const r = l + 1
          let m = i
          if (l < k && below(l, m)) m = l
          if (r < k && below(r, m)) m = r
          if (m === i) break
          swap(i, m)
          i = m
        }
      } else {
        scores.push(score)
        docs.push(d)
        for (let i = scores.length - 1; i > 0;) {
          const p = (i - 1) >> 1
          if (!below(i, p)) break
          swap(i, p)
          i = p
        }
      }
    },

    /** The pairs held, best first. */
    best (): Array<{ d: number, score: number }> {
      return docs.map((d, i) => ({ d, score: scores[i] ?? 0 }))
        .sort((a, b) => (worse(a.score, a.d, b.score, b.d) ? 1 : worse(b.score, b.d, a.score, a.d) ? -1 : 0))
    },
  }
}
