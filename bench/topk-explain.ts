import { createDatabase } from '/work/wt/match-topk/src/db/client.ts'
import { publicViewer } from '/work/wt/match-topk/src/lib/access.ts'
import { createMatchingRepository } from '/work/wt/match-topk/src/repositories/matching.ts'
import { planMatch } from '/work/wt/match-topk/src/services/matching.ts'
const url = process.argv[2] as string
const text = process.argv[3] as string
const database = await createDatabase({ databaseUrl: url, pgliteDir: 'memory://', databasePoolSize: 1, logQuery: (q: string, p: unknown[]) => { (globalThis as any).last = { q, p } } } as any)
const repo = createMatchingRepository(database.db)
const plan = planMatch(text, undefined, 50, publicViewer)
await repo.candidates(plan.query, plan.options)
const { q, p } = (globalThis as any).last
const postgres = (await import('postgres')).default
const sql = postgres(url, { max: 1 })
await sql.unsafe(`explain (analyze) ${q}`, p); const rows = await sql.unsafe(`explain (analyze, buffers) ${q}`, p)
for (const r of rows) console.log(r['QUERY PLAN'])
await sql.end(); await database.close()
