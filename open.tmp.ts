import { readFile, cp, rm } from 'node:fs/promises'
import { createDatabase } from './src/db/client.ts'
const mode = process.argv[2]
const databaseTimeouts = { acquireMs: 60000, statementMs: 60000, idleInTransactionMs: 60000 } as any
const t0 = performance.now()
let db
if (mode === 'dump') {
  const dump = new File([await readFile('/tmp/claimtrack-pglite-template-1315319a1307f3b4.tar')], 'template.tar')
  db = await createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://', databasePoolSize: 1, pgliteDataDir: dump, pgliteSharedBuffers: '16MB', databaseTimeouts } as any)
} else {
  const dir = `/tmp/open-test-${process.pid}`
  await cp('/tmp/claimtrack-pglite-template-1315319a1307f3b4.dir', dir, { recursive: true })
  db = await createDatabase({ databaseUrl: undefined, pgliteDir: dir, databasePoolSize: 1, pgliteSharedBuffers: '16MB', databaseTimeouts } as any)
  process.on('exit', () => {})
}
await db.db.use(undefined, (ex: any) => ex.execute('select count(*) from claims'))
console.error(mode, 'open ms', Math.round(performance.now() - t0))
await db.close()
