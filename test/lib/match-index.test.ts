// The in-process match index's top-k walk (MaxScore over a compacted run and the postings added since) against a
// brute-force BM25 over the same claims: the same claims, in the same order, with the same scores and matched lexemes,
// for every viewer, through writes, rewrites, removals and compactions.
import t from 'tap'
import fc from 'fast-check'
import { createMatchIndex, type IndexedClaim, type QueryTerm, type Walk } from '../../src/lib/match-index.ts'

const K1 = 1.2
const B = 0.75
const LEXEMES = Array.from({ length: 24 }, (_, i) => `w${i}`)
const ORGS = ['org-a', 'org-b']

/** BM25 of each claim the viewer may see, as the SQL path computes it; the best k, ties by id ascending. */
function bruteForce (
  claims: Map<string, IndexedClaim>,
  terms: QueryTerm[],
  avgdl: number,
  k: number,
  viewer: string | null
) {
  const scored: Array<{ id: string, bm25: number, lexemes: string[] }> = []
  for (const claim of claims.values()) {
    if (claim.privateTo !== null && claim.privateTo !== viewer) continue
    const len = claim.tfs.reduce((a, b) => a + b, 0)
    let bm25 = 0
    const held: QueryTerm[] = []
    for (const term of terms) {
      const at = claim.lexemes.indexOf(term.lexeme)
      if (at < 0 || term.idf <= 0) continue
      const tf = claim.tfs[at] ?? 0
      bm25 += (term.idf * (tf * 2.2)) / (tf + K1 * (1 - B + (B * len) / avgdl))
      held.push(term)
    }
    if (held.length === 0) continue
    held.sort((a, b) => b.idf - a.idf || (a.lexeme < b.lexeme ? -1 : 1))
    scored.push({ id: claim.id, bm25, lexemes: held.map((h) => h.lexeme) })
  }
  return scored.sort((a, b) => b.bm25 - a.bm25 || (a.id < b.id ? -1 : 1)).slice(0, k)
}

/**
 * Whether two rankings agree: the same claims with the same lexemes, scores equal but for the order of a sum's terms
 * (the walk adds a claim's weights in its own order), and claims out of order only where their scores tie.
 */
function agree (got: Array<{ id: string, bm25: number, lexemes: string[] }>, want: typeof got): boolean {
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))
  if (got.length !== want.length) return false
  return got.every((g, i) => {
    const w = want[i]
    if (w === undefined || !close(g.bm25, w.bm25)) return false
    const same = want.find((x) => x.id === g.id)
    return same !== undefined && close(same.bm25, g.bm25) && JSON.stringify(same.lexemes) === JSON.stringify(g.lexemes)
  })
}

const claimArb = fc.record({
  id: fc.integer({ min: 0, max: 60 }).map((n) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`),
  privateTo: fc.oneof(fc.constant(null), fc.constant(null), fc.constantFrom(...ORGS)),
  words: fc.uniqueArray(fc.integer({ min: 0, max: LEXEMES.length - 1 }), { minLength: 1, maxLength: 8 }),
  tfs: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 8, maxLength: 8 }),
}).map(({ id, privateTo, words, tfs }): IndexedClaim => ({
  id,
  privateTo,
  lexemes: words.map((w) => LEXEMES[w] ?? ''),
  tfs: words.map((_, i) => tfs[i] ?? 1),
}))

const stepArb = fc.oneof(
  { weight: 6, arbitrary: claimArb.map((claim) => ({ kind: 'add' as const, claim })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 }).map((n) => ({ kind: 'remove' as const, n })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) }
)

const queryArb = fc.record({
  terms: fc.uniqueArray(fc.integer({ min: 0, max: LEXEMES.length - 1 }), { minLength: 1, maxLength: 10 }),
  idfs: fc.array(fc.double({ min: 0.01, max: 6, noNaN: true }), { minLength: 10, maxLength: 10 }),
  k: fc.integer({ min: 1, max: 12 }),
  avgdl: fc.double({ min: 1, max: 20, noNaN: true }),
})

for (const walk of ['auto', 'sparse', 'dense'] as Walk[]) {
  t.test(`top(k) is brute-force BM25, for every viewer, through adds, rewrites, removals and compactions (${walk} walk)`, async (t) => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 80 }),
        fc.array(queryArb, { minLength: 1, maxLength: 4 }),
        (steps, queries) => {
          const index = createMatchIndex({ walk })
          const claims = new Map<string, IndexedClaim>()
          const check = () => {
            for (const { terms, idfs, k, avgdl } of queries) {
              const query = terms.map((w, i) => ({ lexeme: LEXEMES[w] ?? '', idf: idfs[i] ?? 1 }))
              for (const viewer of [null, ...ORGS, 'org-unknown']) {
                const got = index.top(query, avgdl, k, viewer)
                const want = bruteForce(claims, query, avgdl, k, viewer)
                if (!agree(got, want)) {
                  throw new Error(`viewer ${viewer}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`)
                }
              }
            }
          }
          steps.forEach((step, i) => {
            if (step.kind === 'add') {
              index.add(step.claim)
              claims.set(step.claim.id, step.claim)
            } else if (step.kind === 'remove') {
              const id = `00000000-0000-0000-0000-${String(step.n).padStart(12, '0')}`
              index.remove(id)
              claims.delete(id)
            } else {
              index.compact()
            }
            if (i % 10 === 9) check()
          })
          check()
        }),
      { numRuns: 300, seed: 14 }
    )
    t.pass('300 random histories agree')
  })
}

for (const walk of ['sparse', 'dense'] as Walk[]) {
  t.test(`a frequent word and a rare one: the pruned walk still finds claims holding only the frequent one (${walk} walk)`, async (t) => {
    const index = createMatchIndex({ walk })
    const claims = new Map<string, IndexedClaim>()
    for (let n = 0; n < 3000; n++) {
      const claim: IndexedClaim = {
        id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
        privateTo: n % 7 === 0 ? 'org-a' : null,
        lexemes: n % 100 === 0 ? ['common', 'rare'] : ['common', `filler${n % 13}`],
        tfs: [1 + (n % 3), 1 + (n % 5)],
      }
      index.add(claim)
      claims.set(claim.id, claim)
      if (n === 1500) index.compact()
    }
    const query = [{ lexeme: 'common', idf: 0.2 }, { lexeme: 'rare', idf: 4 }, { lexeme: 'filler3', idf: 1.5 }]
    for (const k of [1, 5, 40, 100]) {
      for (const viewer of [null, 'org-a']) {
        const got = index.top(query, 2.5, k, viewer)
        const visible = [...claims.values()].filter((c) => c.privateTo === null || c.privateTo === viewer)
        t.equal(got.length, Math.min(k, visible.length))
        t.ok(agree(got, bruteForce(claims, query, 2.5, k, viewer)), `k ${k}, viewer ${viewer}`)
      }
    }
  })
}
