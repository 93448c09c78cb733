// Measures claim matching on the CLEF CheckThat! 2021 task 2 train+dev pairs: imports the PolitiFact and Snopes
// claims into a fresh database, sends every input through POST /v1/claims/match, and prints MAP@1, MAP@5, MRR and
// Recall@5 per task (MAP@k as the lab computes it). `--tune` also scores weightings of the signals offline.
//   node bench/matching.ts [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--datasets ../shared/datasets] [--tune]
//   [--keep] keeps the database; [--reuse NAME] imports into database NAME once, keeps it, and reuses it on later runs.
//   [--folds 5] cross-validates instead (bench/matching-folds.ts), in database claimtrack_bench_match unless --reuse
//   names another: the fold table with plain BM25 as the reference; [--ablate] adds the engine without each signal.
//   The engine's candidates come from the in-process index, as in the API (src/services/match-index.ts); [--sql]
//   takes them from the SQL path alone.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { v7 as uuidv7 } from 'uuid'
import { buildApp } from '../src/app.ts'
import { publicViewer } from '../src/domain/access.ts'
import { parseConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/client.ts'
import { migrate } from '../src/container.ts'
import { createMatchingRepository, type MatchCandidate } from '../src/repositories/matching.ts'
import { cleanInput, numberSpellings, SIGNALS } from '../src/services/matching.ts'
import { createMatchIndexService } from '../src/services/match-index.ts'
import { assignFolds, chooseParams, crossValidate, engineCandidates, evaluate as evaluateQueries, foldTable, plainBm25, summary, type FoldResult, type Variant } from './matching-folds.ts'

/** The default DATABASE_*_TIMEOUT settings, for the databases opened here. */
const { databaseTimeouts } = parseConfig({})

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    datasets: { type: 'string', default: new URL('../../shared/datasets', import.meta.url).pathname },
    tune: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    folds: { type: 'string' },
    ablate: { type: 'boolean', default: false },
    sql: { type: 'boolean', default: false },
  },
})

interface DatasetClaim { id: string, text: string, claimant: string | null }
interface Pair { query: string, queryId: string, claimId: string, task: string, split: string }

const readJsonl = <T>(path: string): T[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as T)

// A fresh database on the server named in --database-url (or the one --reuse names, imported once).
const server = new URL(args['database-url'])
const folds = args.folds === undefined ? undefined : Number(args.folds)
if (folds !== undefined && !(Number.isInteger(folds) && folds >= 2)) throw new Error('--folds takes a whole number of at least 2')
if (folds !== undefined) args.reuse ??= 'claimtrack_bench_match'
const name = args.reuse ?? `claimtrack_bench_match_${process.pid}`
const admin = postgres(server.toString(), { max: 1, onnotice: () => {} })
const exists = args.reuse !== undefined && (await admin`select 1 from pg_database where datname = ${name}`).length > 0
if (!exists) await admin.unsafe(`create database "${name}"`)
server.pathname = `/${name}`
const url = server.toString()

const started = Date.now()
const database = await createDatabase({ databaseUrl: url, pgliteDir: 'memory://', databasePoolSize: 4, databaseTimeouts })
await migrate(database)
const sql = postgres(url, { max: 2, onnotice: () => {} })

const claims = [
  ...readJsonl<DatasetClaim>(`${args.datasets}/politifact-claims.jsonl`),
  ...readJsonl<DatasetClaim>(`${args.datasets}/snopes-claims.jsonl`),
]
const idOf = new Map<string, string>()
let claimantCount = 0
if (exists) {
  // uuidv7 ids grow in insertion order, so the stored claims line up with the dataset; the texts are checked.
  const stored = await sql<Array<{ id: string, text: string }>>`select id, text from claims order by id`
  if (stored.length !== claims.length || stored.some((row, i) => row.text !== claims[i]?.text.slice(0, 2000))) {
    throw new Error(`database ${name} does not hold the dataset in order: drop it and run again`)
  }
  stored.forEach((row, i) => idOf.set(claims[i]?.id ?? '', row.id))
} else {
  // Import: claimants by name, claims in batches (the search document trigger fills search_vector). They belong to
  // one organisation and are public: every one of them is a published fact-check, which anonymous callers may match.
  const organizationId = uuidv7()
  await sql`insert into organizations (id, slug, name) values (${organizationId}, 'bench', 'Benchmark newsroom')`
  const claimantIds = new Map<string, string>()
  for (const c of claims) if (c.claimant && !claimantIds.has(c.claimant)) claimantIds.set(c.claimant, uuidv7())
  const slugs = new Set<string>()
  const claimantRows = [...claimantIds].map(([claimantName, id]) => {
    const base = claimantName.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'claimant'
    let slug = base
    for (let n = 2; slugs.has(slug); n++) slug = `${base}-${n}`
    slugs.add(slug)
    return { id, slug, name: claimantName, organization_id: organizationId }
  })
  claimantCount = claimantRows.length
  for (let i = 0; i < claimantRows.length; i += 2000) await sql`insert into claimants ${sql(claimantRows.slice(i, i + 2000))}`
  const claimRows = claims.map((c) => {
    const id = uuidv7()
    idOf.set(c.id, id)
    return { id, organization_id: organizationId, is_public: true, text: c.text.slice(0, 2000), claimant_id: c.claimant ? claimantIds.get(c.claimant) ?? null : null, language: 'en' }
  })
  for (let i = 0; i < claims.length; i += 2000) await sql`insert into claims ${sql(claimRows.slice(i, i + 2000))}`
  await sql`analyze`
}
const datasetIdOf = new Map([...idOf].map(([datasetId, id]) => [id, datasetId]))
const matchIndex = createMatchIndexService(createMatchingRepository(database.db), {
  enabled: !args.sql,
  log: { warn: (obj, msg) => console.error(msg, obj) },
})
await matchIndex.whenReady()
const matching = { candidates: matchIndex.candidates }
const imported = Date.now()
console.log(`${exists ? 'reused' : 'imported'} ${claims.length} claims and ${claimantCount} claimants in ${((imported - started) / 1000).toFixed(1)} s`)

// Queries: one per queryId, with every claim it matches.
const pairs = readJsonl<Pair>(`${args.datasets}/match-pairs.train-dev.jsonl`)
const queries = new Map<string, { text: string, task: string, split: string, relevant: Set<string> }>()
for (const p of pairs) {
  const q = queries.get(p.queryId) ?? { text: p.query, task: p.task, split: p.split, relevant: new Set<string>() }
  q.relevant.add(p.claimId)
  queries.set(p.queryId, q)
}

interface Metrics { queries: number, map1: number, map5: number, mrr: number, recall5: number }

if (folds !== undefined) {
  const qs = new Map([...queries].map(([id, q]) => [id, { text: q.text, task: q.task, relevant: q.relevant }]))
  const foldOf = assignFolds(qs, folds)
  const t0 = Date.now()
  const bm25Of = await plainBm25(sql, datasetIdOf)
  const bm25 = new Map<string, string[]>()
  for (const [queryId, q] of qs) bm25.set(queryId, await bm25Of(q.text.slice(0, 5000), 5))
  console.log(`plain BM25 for ${qs.size} inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  const variants: Variant[] = [{ name: 'engine', signals: SIGNALS }]
  if (args.ablate) {
    const modes = ['always', 'social', 'never'] as const
    variants.push(
      ...modes.filter((m) => m !== SIGNALS.trigram).map((m): Variant => ({ name: `trigram similarity ${m}`, signals: { ...SIGNALS, trigram: m } })),
      ...modes.filter((m) => m !== SIGNALS.splits).map((m): Variant => ({ name: `run-together word splits ${m}`, signals: { ...SIGNALS, splits: m } })),
      { name: `number spellings ${SIGNALS.numbers ? 'off' : 'on'}`, signals: { ...SIGNALS, numbers: !SIGNALS.numbers } },
      { name: `hashtag/handle/link cleaning ${SIGNALS.clean ? 'off' : 'on'}`, signals: { ...SIGNALS, clean: !SIGNALS.clean } }
    )
  }
  const cache = new Map<string, MatchCandidate[]>()
  const rows: string[] = []
  let reference: FoldResult[] | undefined
  for (const v of variants) {
    const t1 = Date.now()
    const candidates = await engineCandidates(matching, qs, v.signals, cache)
    const results = crossValidate(qs, foldOf, folds, candidates, bm25, datasetIdOf, v.signals)
    console.log(`\n${v.name} (${((Date.now() - t1) / 1000).toFixed(1)} s)\n${foldTable(results)}`)
    if (!reference) {
      const all = chooseParams(qs, new Set(qs.keys()), candidates, datasetIdOf, v.signals)
      console.log(`parameters chosen on all ${qs.size} inputs (what the service ships): ${JSON.stringify(all)}`)
    }
    rows.push(summary(v.name, results, reference))
    reference ??= results
  }
  console.log('\n| variant | debates MAP@5 | folds > BM25 | worst fold vs BM25 | engine wins/ties/losses | tweets MAP@5 | folds > BM25 | worst fold vs BM25 | engine wins/ties/losses |')
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  console.log(rows.join('\n'))
  await matchIndex.close()
  await database.close()
  await sql.end()
  await admin.end()
  process.exit(0)
}

/** MAP@1, MAP@5, MRR and R@5 per task (bench/matching-folds.ts), over the queries of one split or all of them. */
function evaluate (ranked: Map<string, string[]>, split?: string): Record<string, Metrics> {
  const only =
    split === undefined ? undefined : new Set([...queries].filter(([, q]) => q.split === split).map(([id]) => id))
  return evaluateQueries(queries, ranked, only)
}

const app = await buildApp(parseConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn', SEED_DEMO: 'false', RATE_LIMIT_ANONYMOUS: '1000000' }), { database })
const ranked = new Map<string, string[]>()
let requests = 0
const latencies: number[] = []
for (const [queryId, q] of queries) {
  const t0 = performance.now()
  const res = await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: q.text.slice(0, 5000), limit: 5 } })
  latencies.push(performance.now() - t0)
  requests++
  if (res.statusCode !== 200) throw new Error(`match ${queryId}: ${res.statusCode} ${res.body}`)
  ranked.set(queryId, (res.json() as { data: Array<{ claim: { id: string } }> }).data.map((d) => datasetIdOf.get(d.claim.id) ?? ''))
}
latencies.sort((a, b) => a - b)
const results = evaluate(ranked)
const devResults = evaluate(ranked, 'dev')
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0

console.log('\n| task | split | queries | MAP@1 | MAP@5 | MRR | Recall@5 |\n| --- | --- | --- | --- | --- | --- | --- |')
for (const [split, byTask] of [['train+dev', results], ['dev', devResults]] as const) {
  for (const [task, m] of Object.entries(byTask)) {
    console.log(`| ${task} | ${split} | ${m.queries} | ${m.map1.toFixed(3)} | ${m.map5.toFixed(3)} | ${m.mrr.toFixed(3)} | ${m.recall5.toFixed(3)} |`)
  }
}
console.log(`\n${requests} requests; latency p50 ${percentile(0.5).toFixed(1)} ms, p99 ${percentile(0.99).toFixed(1)} ms (in-process, ${claims.length} claims)`)

if (args.tune) {
  // Offline: the same candidates, ranked by other weightings of the two signals.
  const candidates = new Map<string, MatchCandidate[]>()
  for (const [queryId, q] of queries) {
    const text = cleanInput(q.text.slice(0, 5000))
    candidates.set(queryId, await matching.candidates({ text, language: 'en', limit: 50, alsoWords: numberSpellings(text), visibleTo: publicViewer }))
  }
  for (const squash of [2, 4, 8]) {
    for (const wTrigram of [0, 0.1, 0.25, 0.4, 0.6]) {
      const r = new Map<string, string[]>()
      for (const [queryId, list] of candidates) {
        const score = (c: MatchCandidate) =>
          (1 - wTrigram) * (1 - Math.exp(-squash * (c.bm25Max > 0 ? c.bm25 / c.bm25Max : 0))) + wTrigram * c.trigram
        r.set(queryId, [...list].sort((a, b) => score(b) - score(a)).slice(0, 5).map((c) => datasetIdOf.get(c.id) ?? ''))
      }
      const m = evaluate(r)
      console.log(`squash ${squash} trigram ${wTrigram}: ${Object.entries(m).map(([t, x]) => `${t} MAP@5 ${x.map5.toFixed(3)}`).join('; ')}`)
    }
  }
}

mkdirSync(new URL('./results', import.meta.url), { recursive: true })
const file = new URL(`./results/matching-${new Date().toISOString().slice(0, 10)}.json`, import.meta.url)
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), claims: claims.length, requests, latencyMs: { p50: percentile(0.5), p99: percentile(0.99) }, results, devResults }, null, 2)}\n`)
console.log(`wrote ${file.pathname}`)

await matchIndex.close()
await app.close()
await sql.end()
if (!args.keep && args.reuse === undefined) await admin.unsafe(`drop database if exists "${name}" with (force)`)
await admin.end()
