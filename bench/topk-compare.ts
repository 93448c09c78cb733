// Temporary: old vs new matching candidates on the same texts, one connection, interleaved.
import postgres from 'postgres'
import { createDatabase } from '../src/db/client.ts'
import { publicViewer } from '../src/lib/access.ts'
import { createMatchingRepository } from '../src/repositories/matching.ts'
import { planMatch } from '../src/services/matching.ts'
const url = process.argv[2] as string
const oldPath = process.argv[3] as string
const n = Number(process.argv[4] ?? 100)
const { createMatchingRepository: createOld } = await import(oldPath) as { createMatchingRepository: typeof createMatchingRepository }
const sql = postgres(url, { max: 1 })
const texts = (await sql<Array<{ text: string }>>`select text from claims tablesample bernoulli (2) repeatable (7) where language = 'en'`).map((r) => r.text)
  .slice(0, n).map((text) => { const words = text.split(/\s+/); return `${words.slice(Math.floor(words.length / 4)).join(' ')} they said` })
await sql.end()
const database = await createDatabase({ databaseUrl: url, pgliteDir: 'memory://', databasePoolSize: 1 })
const repos = { old: createOld(database.db), new: createMatchingRepository(database.db) }
const times: Record<string, number[]> = { old: [], new: [] }
let overlap = 0; let total = 0; let top1 = 0
for (const text of texts) {
  const plan = planMatch(text, undefined, 50, publicViewer)
  const got: Record<string, string[]> = {}
  for (const k of ['old', 'new'] as const) {
    const t = performance.now()
    const rows = await repos[k].candidates(plan.query, plan.options)
    times[k]?.push(performance.now() - t)
    got[k] = rows.map((r) => r.id)
  }
  const o = (got.old ?? []).slice(0, 10); const nw = new Set((got.new ?? []).slice(0, 10))
  overlap += o.filter((id) => nw.has(id)).length; total += o.length
  if (o[0] !== undefined && o[0] === got.new?.[0]) top1++
}
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]?.toFixed(1)
for (const k of ['old', 'new']) console.log(`${k}: p50 ${q(times[k] ?? [], 0.5)} ms p99 ${q(times[k] ?? [], 0.99)} ms`)
console.log(`top-10 overlap ${(overlap / total).toFixed(3)}, same top-1 ${top1}/${texts.length}`)
await database.close()
