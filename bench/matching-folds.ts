// Cross-validation for claim matching (bench/matching.ts --folds N): folds grouped by source, the engine's parameters
// chosen on the training folds only, plain BM25 over claim text computed in the same run as the reference.
import type { Sql } from 'postgres'
import type { MatchCandidate, MatchingRepository } from '../src/repositories/matching.ts'
import { publicViewer } from '../src/domain/access.ts'
import { applies, isSocialPost, planMatch, type Signals } from '../src/services/matching.ts'

export interface Query { text: string, task: string, relevant: Set<string> }
export interface Metrics { queries: number, map1: number, map5: number, mrr: number, recall5: number }

/** MAP@k as CheckThat! computes it, over ranked lists of dataset claim ids; MRR within the first 5. */
export function evaluate (
  queries: Map<string, Query>,
  ranked: Map<string, string[]>,
  only?: Set<string>
): Record<string, Metrics> {
  const byTask: Record<string, Metrics> = {}
  for (const [queryId, q] of queries) {
    if (only && !only.has(queryId)) continue
    const list = (ranked.get(queryId) ?? []).slice(0, 5)
    const m = (byTask[q.task] ??= { queries: 0, map1: 0, map5: 0, mrr: 0, recall5: 0 })
    const apAt = (k: number) => {
      let hits = 0
      let sum = 0
      list.slice(0, k).forEach((id, i) => {
        if (q.relevant.has(id)) {
          hits++
          sum += hits / (i + 1)
        }
      })
      return sum / q.relevant.size
    }
    const firstHit = list.findIndex((id) => q.relevant.has(id))
    m.queries++
    m.map1 += apAt(1)
    m.map5 += apAt(5)
    m.mrr += firstHit >= 0 ? 1 / (firstHit + 1) : 0
    m.recall5 += list.filter((id) => q.relevant.has(id)).length / q.relevant.size
  }
  for (const m of Object.values(byTask)) {
    m.map1 /= m.queries
    m.map5 /= m.queries
    m.mrr /= m.queries
    m.recall5 /= m.queries
  }
  return byTask
}

/**
 * The source of an input, which never spans folds: a debate or speech (the query id without its line number), or
 * for tweets the connected group of authors and days (a tweet joins its author's and its day's other tweets).
 */
export function sourceGroups (queries: Map<string, Query>): Map<string, string> {
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let root = x
    while ((parent.get(root) ?? root) !== root) root = parent.get(root) ?? root
    parent.set(x, root)
    return root
  }
  const union = (a: string, b: string) => { const ra = find(a); const rb = find(b); if (ra !== rb) parent.set(ra, rb) }
  const keyOf = new Map<string, string>()
  for (const [queryId, q] of queries) {
    if (q.task.includes('debates')) { keyOf.set(queryId, `source:${queryId.replace(/_\d+$/, '')}`); continue }
    const signature = /\(@(\w+)\)\s*([A-Z][a-z]+ \d{1,2}, \d{4})\s*$/.exec(q.text)
    if (!signature) { keyOf.set(queryId, `tweet:${queryId}`); continue }
    const author = `author:${(signature[1] ?? '').toLowerCase()}`
    union(author, `day:${signature[2] ?? ''}`)
    keyOf.set(queryId, author)
  }
  return new Map([...keyOf].map(([queryId, key]) => [queryId, `${queries.get(queryId)?.task}|${find(key)}`]))
}

/** Folds per task, balanced by number of inputs: the largest groups first, each into the smallest fold so far. */
export function assignFolds (queries: Map<string, Query>, folds: number): Map<string, number> {
  const groups = sourceGroups(queries)
  const members = new Map<string, string[]>()
  for (const [queryId, group] of groups) members.set(group, [...(members.get(group) ?? []), queryId])
  const foldOf = new Map<string, number>()
  const sizes = new Map<string, number[]>()
  const ordered = [...members].sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : 1))
  for (const [group, ids] of ordered) {
    const task = group.split('|')[0] ?? ''
    const perFold = sizes.get(task) ?? Array.from({ length: folds }, () => 0)
    sizes.set(task, perFold)
    const fold = perFold.indexOf(Math.min(...perFold))
    perFold[fold] = (perFold[fold] ?? 0) + ids.length
    for (const id of ids) foldOf.set(id, fold)
  }
  return foldOf
}

/**
 * Plain BM25 (k1 1.2, b 0.75) over the claim texts' words as Postgres tokenises them, in process: the reference.
 * Equal scores (duplicate claims) are ordered by claim id, as the engine orders them.
 */
export async function plainBm25 (sql: Sql, datasetIdOf: Map<string, string>) {
  const rows = await sql<Array<{ id: string, lexeme: string, tf: number }>>`
    select c.id, d.lexeme, coalesce(array_length(d.positions, 1), 1) as tf
    from claims c cross join lateral unnest(ts_filter(c.search_vector, '{a}')) d
    where c.deleted_at is null
    order by c.id`
  const postings = new Map<string, Array<[number, number]>>()
  const docs: string[] = []
  const docIndex = new Map<string, number>()
  const length: number[] = []
  for (const row of rows) {
    let doc = docIndex.get(row.id)
    if (doc === undefined) { doc = docs.length; docs.push(datasetIdOf.get(row.id) ?? ''); docIndex.set(row.id, doc); length.push(0) }
    length[doc] = (length[doc] ?? 0) + row.tf
    const list = postings.get(row.lexeme) ?? []
    list.push([doc, row.tf])
    postings.set(row.lexeme, list)
  }
  const n = docs.length
  const avgdl = length.reduce((a, b) => a + b, 0) / Math.max(n, 1)
  return async (text: string, k: number): Promise<string[]> => {
    const terms = await sql<Array<{ lexeme: string }>>`select distinct lexeme from unnest(to_tsvector('claimtrack_english', ${text}))`
    const scores = new Map<number, number>()
    for (const { lexeme } of terms) {
      const list = postings.get(lexeme)
      if (!list) continue
      const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5))
      for (const [doc, tf] of list) {
        scores.set(
          doc,
          (scores.get(doc) ?? 0) + (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * (length[doc] ?? 0)) / avgdl))
        )
      }
    }
    return [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([doc]) => docs[doc] ?? '')
  }
}

/** A variant of the engine for the ablation table: which signals it uses, and for which inputs. */
export interface Variant { name: string, signals: Signals }

export interface Params { squash: number, wTrigram: number }
/** Scoring parameters per kind of input: social media posts and other texts are tuned apart (isSocialPost). */
export interface ClassParams { social: Params, other: Params }
type InputClass = keyof ClassParams
const classOf = (text: string): InputClass => isSocialPost(text) ? 'social' : 'other'

const GRID: Params[] = [1, 2, 4, 8].flatMap((squash) =>
  [0, 0.1, 0.25, 0.4, 0.6].map((wTrigram) => ({ squash, wTrigram }))
)

const scoreOf = (p: Params) => (c: MatchCandidate) =>
  (1 - p.wTrigram) * (1 - Math.exp(-p.squash * (c.bm25Max > 0 ? c.bm25 / c.bm25Max : 0))) + p.wTrigram * c.trigram

export const rank = (list: MatchCandidate[], p: Params, datasetIdOf: Map<string, string>) =>
  [...list].sort((a, b) => scoreOf(p)(b) - scoreOf(p)(a) || b.bm25 - a.bm25 || (a.id < b.id ? -1 : 1)).slice(0, 5).map((c) => datasetIdOf.get(c.id) ?? '')

/**
 * The engine's candidates for every input, as the matching service asks for them (50, with their signals; trigram
 * similarity always computed, and used in scoring where the variant's signals say).
 */
export async function engineCandidates (matching: Pick<MatchingRepository, 'candidates'>, queries: Map<string, Query>, signals: Signals, cache: Map<string, MatchCandidate[]>) {
  const out = new Map<string, MatchCandidate[]>()
  for (const [queryId, q] of queries) {
    const { query, options } = planMatch(q.text.slice(0, 5000), undefined, 50, publicViewer, signals)
    const key = JSON.stringify([query.text, query.language, query.alsoWords, options])
    const candidates = cache.get(key) ?? await matching.candidates({ ...query, similarity: true }, options)
    cache.set(key, candidates)
    out.set(queryId, candidates)
  }
  return out
}

const mean = (byTask: Record<string, Metrics>) => {
  const tasks = Object.values(byTask)
  return tasks.reduce((s, m) => s + m.map5, 0) / Math.max(tasks.length, 1)
}

export interface FoldResult {
  fold: number
  params: ClassParams
  engine: Record<string, Metrics>
  bm25: Record<string, Metrics>
}

const rankAll = (
  queries: Map<string, Query>,
  ids: Set<string>,
  candidates: Map<string, MatchCandidate[]>,
  p: ClassParams,
  datasetIdOf: Map<string, string>
) =>
  new Map(
    [...ids].map((id) => [id, rank(candidates.get(id) ?? [], p[classOf(queries.get(id)?.text ?? '')], datasetIdOf)])
  )

/**
 * The scoring parameters with the best mean MAP@5 (over the tasks present) on these inputs, chosen for social media
 * posts and for other texts apart; trigram weight 0 for the kind of input the signals do not blend it into.
 */
export function chooseParams (
  queries: Map<string, Query>,
  ids: Set<string>,
  candidates: Map<string, MatchCandidate[]>,
  datasetIdOf: Map<string, string>,
  signals: Signals
): ClassParams {
  const chosen: ClassParams = { social: { squash: 1, wTrigram: 0 }, other: { squash: 1, wTrigram: 0 } }
  for (const cls of ['social', 'other'] as const) {
    const sub = new Set([...ids].filter((id) => classOf(queries.get(id)?.text ?? '') === cls))
    const grid = applies(signals.trigram, cls === 'social') ? GRID : GRID.filter((p) => p.wTrigram === 0)
    let best = -1
    for (const p of grid) {
      const m = mean(evaluate(queries, rankAll(queries, sub, candidates, { social: p, other: p }, datasetIdOf), sub))
      if (m > best) {
        best = m
        chosen[cls] = p
      }
    }
  }
  return chosen
}

/** Per fold: parameters chosen on the other folds, measured on this one. */
export function crossValidate (
  queries: Map<string, Query>,
  foldOf: Map<string, number>,
  folds: number,
  candidates: Map<string, MatchCandidate[]>,
  bm25: Map<string, string[]>,
  datasetIdOf: Map<string, string>,
  signals: Signals
): FoldResult[] {
  const results: FoldResult[] = []
  for (let fold = 0; fold < folds; fold++) {
    const train = new Set([...foldOf].filter(([, f]) => f !== fold).map(([id]) => id))
    const test = new Set([...foldOf].filter(([, f]) => f === fold).map(([id]) => id))
    const params = chooseParams(queries, train, candidates, datasetIdOf, signals)
    results.push({
      fold,
      params,
      engine: evaluate(queries, rankAll(queries, test, candidates, params, datasetIdOf), test),
      bm25: evaluate(queries, bm25, test),
    })
  }
  return results
}

const f3 = (x: number) => x.toFixed(3)
const short = (task: string) => task.includes('tweets') ? 'tweets' : task.includes('debates') ? 'debates' : task

/** The fold table: per task and fold, the engine against plain BM25, then the means. */
export function foldTable (results: FoldResult[]): string {
  const lines = ['| task | fold | inputs | params: posts; other texts (squash, trigram) | MAP@1 | MAP@5 | MRR | R@5 | BM25 MAP@1 | BM25 MAP@5 | BM25 MRR | BM25 R@5 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
  const tasks = [...new Set(results.flatMap((r) => Object.keys(r.engine)))].sort().reverse()
  for (const task of tasks) {
    const sum = { e: [0, 0, 0, 0], b: [0, 0, 0, 0], n: 0 }
    for (const r of results) {
      const e = r.engine[task]
      const b = r.bm25[task]
      if (!e || !b) continue
      const ev = [e.map1, e.map5, e.mrr, e.recall5]
      const bv = [b.map1, b.map5, b.mrr, b.recall5]
      ev.forEach((x, i) => { sum.e[i] = (sum.e[i] ?? 0) + x })
      bv.forEach((x, i) => { sum.b[i] = (sum.b[i] ?? 0) + x })
      sum.n++
      lines.push(`| ${short(task)} | ${r.fold + 1} | ${e.queries} | ${r.params.social.squash}, ${r.params.social.wTrigram}; ${r.params.other.squash}, ${r.params.other.wTrigram} | ${ev.map(f3).join(' | ')} | ${bv.map(f3).join(' | ')} |`)
    }
    const wins = results.filter((r) => (r.engine[task]?.map5 ?? 0) > (r.bm25[task]?.map5 ?? 0)).length
    lines.push(`| **${short(task)}** | **mean** (MAP@5 wins ${wins}/${results.length}) | | | ${sum.e.map((x) => f3(x / sum.n)).join(' | ')} | ${sum.b.map((x) => f3(x / sum.n)).join(' | ')} |`)
  }
  return lines.join('\n')
}

/**
 * One line per variant: mean MAP@5 per task, folds where it beats plain BM25, and the full engine's wins/ties/losses
 * against it.
 */
export function summary (name: string, results: FoldResult[], reference?: FoldResult[]): string {
  const tasks = [...new Set(results.flatMap((r) => Object.keys(r.engine)))].sort().reverse()
  return `| ${name} | ${tasks.map((task) => {
    const m = results.reduce((s, r) => s + (r.engine[task]?.map5 ?? 0), 0) / results.length
    const overBm25 = results.filter((r) => (r.engine[task]?.map5 ?? 0) > (r.bm25[task]?.map5 ?? 0)).length
    const worst = Math.min(...results.map((r) => (r.engine[task]?.map5 ?? 0) - (r.bm25[task]?.map5 ?? 0)))
    // Folds where the full engine beats, ties and loses to this variant (what the left-out signal wins).
    const diffs = results.map((r, i) => (reference?.[i]?.engine[task]?.map5 ?? 0) - (r.engine[task]?.map5 ?? 0))
    const overRef = reference ? `${diffs.filter((d) => d > 1e-9).length}/${diffs.filter((d) => Math.abs(d) <= 1e-9).length}/${diffs.filter((d) => d < -1e-9).length}` : '-'
    return `${f3(m)} | ${overBm25}/${results.length} | ${worst >= 0 ? '+' : ''}${f3(worst)} | ${overRef}`
  }).join(' | ')} |`
}
