// drizzle-orm 0.45.4 is patched (scripts/patches/, applied by patch-package on install): mapResultRow works out what
// each selected field decodes with once per selection, not once per row and field (docs/performance.md). Rows must map
// as before: nested paths, decoders, and a left join that found nothing as null.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import t from 'tap'
import { eq, sql } from 'drizzle-orm'
import { claimants, claims } from '../../src/db/schema.ts'
import { build, createClaim, createClaimant } from '../helper.ts'

t.test('both builds carry the patch, and drizzle-orm is pinned to the version it is for', async (t) => {
  const require = createRequire(import.meta.url)
  for (const file of [require.resolve('drizzle-orm/utils'), new URL('../../node_modules/drizzle-orm/utils.js', import.meta.url)]) {
    t.match(await readFile(file, 'utf8'), /function resultPlanOf\(columns\)/, String(file))
  }
  const root = new URL('../../', import.meta.url)
  const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string> }
  const installed = JSON.parse(await readFile(new URL('node_modules/drizzle-orm/package.json', root), 'utf8')) as { version: string }
  t.equal(pkg.dependencies['drizzle-orm'], '0.45.4', 'an exact version in package.json')
  t.equal(installed.version, '0.45.4', 'and installed')
  await t.resolves(readFile(new URL(`scripts/patches/drizzle-orm+${installed.version}.patch`, root)), 'the patch is for it')
})

t.test('rows map as drizzle maps them: nested fields, decoders, a left join that found nothing', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app)
  const withClaimant = await createClaim(app, { text: 'Named', claimantId: claimant.id })
  const without = await createClaim(app, { text: 'Nobody said it' })
  const query = app.db.select({
    id: claims.id,
    createdAt: claims.createdAt,
    nested: { text: claims.text, upper: sql<string>`upper(${claims.text})` },
    claimant: { id: claimants.id, name: claimants.name },
  }).from(claims).leftJoin(claimants, eq(claimants.id, claims.claimantId)).where(sql`${claims.id} in (${withClaimant.id}, ${without.id})`)
    .orderBy(claims.text).prepare('drizzle_patch_test')
  // The same prepared query twice: the second reuses the plan the first worked out.
  for (let i = 0; i < 2; i++) {
    const rows = await query.execute()
    t.equal(rows.length, 2)
    t.match(rows[0], { id: withClaimant.id, nested: { text: 'Named', upper: 'NAMED' }, claimant: { name: 'Jane Doe' } })
    t.ok(rows[0]?.createdAt instanceof Date, 'a timestamp decoded to a Date')
    t.match(rows[1], { id: without.id, nested: { text: 'Nobody said it', upper: 'NOBODY SAID IT' }, claimant: null })
  }
})
