// `node bench/prefix-list.ts [--database-url postgres://...] [--pages 1700000] [--added 1000]`: the size and cost of
// GET /v1/lookup/prefix-list. With a database: the real query and encoding (the lookup service) over its public pages,
// full and as a delta. Always: the list computed for --pages random page hashes (SHA-256 is uniform, so random
// hashes stand for real ones), full and with --added new pages as a delta. Nothing is written to the database.
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { createDatabase } from '../src/db/client.ts'
import { parseConfig } from '../src/config.ts'
import { encodePrefixes } from '../src/lib/prefix-list.ts'
import { createLookupRepository } from '../src/repositories/lookup.ts'
import { createLookupService } from '../src/services/lookup.ts'

/** The default DATABASE_*_TIMEOUT settings, for the databases opened here. */
const { databaseTimeouts } = parseConfig({})

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, pages: { type: 'string', default: '1700000' }, added: { type: 'string', default: '1000' }, bytes: { type: 'string', default: '4' } } })
const pages = Number(values.pages)
const added = Number(values.added)
const bytes = Number(values.bytes)

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
const sizes = (encoded: string) => `${kib(encoded.length)} base64, ${kib(gzipSync(encoded).length)} gzipped`
async function timed<T> (fn: () => Promise<T> | T): Promise<{ value: T, ms: number }> {
  const started = performance.now()
  const value = await fn()
  return { value, ms: Math.round(performance.now() - started) }
}

const url = values['database-url'] ?? process.env.DATABASE_URL
if (url !== undefined) {
  const database = await createDatabase({ databaseUrl: url, databasePoolSize: 1, pgliteDir: 'memory://', databaseTimeouts })
  try {
    const service = createLookupService(createLookupRepository(database.db))
    await service.prefixList(bytes) // warm: plan and cache
    const full = await timed(() => service.prefixList(bytes))
    const delta = await timed(() => service.prefixList(bytes, full.value.version))
    console.log(`database: ${full.value.count} public page prefixes; full list ${sizes(full.value.prefixes ?? '')} in ${full.ms} ms; unchanged delta in ${delta.ms} ms`)
  } finally {
    await database.close()
  }
}

const hexOf = (n: number) => Array.from({ length: n }, () => randomBytes(bytes).toString('hex'))
const base = await timed(() => [...new Set(hexOf(pages))].sort())
const fullList = await timed(() => encodePrefixes(base.value))
const held = new Set(base.value)
const fresh = [...new Set(hexOf(added))].filter((p) => !held.has(p)).sort()
const deltaList = await timed(() => encodePrefixes(fresh))
console.log(`computed: ${pages} pages -> ${base.value.length} distinct ${bytes}-byte prefixes; full list ${sizes(fullList.value)}, encoded in ${fullList.ms} ms (sorting ${base.ms} ms)`)
console.log(`computed: delta for ${added} new pages -> ${sizes(deltaList.value)}, encoded in ${deltaList.ms} ms`)
