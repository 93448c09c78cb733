// The demo seed: seven real claims on a new embedded database, never twice, never unasked on the Postgres server.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { DEMO_ORGANIZATION, seedDemoIfWanted } from '../../src/seed/demo.ts'
import { build, change, collectPages, createClaim, migratedPgliteDir, onServer } from '../helper.ts'

const demoClaimants = ['Donald Trump', 'Steve Witkoff', 'Mark Rutte', 'Volodymyr Zelenskyy', 'Sergei Lavrov', 'Yuri Ushakov']

/**
 * A new embedded database as the deploy step's migration leaves it (test/helper/db.ts migratedPgliteDir): the demo goes
 * into a database that never held a claim or claimant, migrated or not. The first start on an empty directory, initdb
 * and migrations and the demo, is test/server.test.ts's first test.
 */
async function newDataDir (t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-seed-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return migratedPgliteDir(join(dir, 'pglite'))
}

/** The app as `npm start` builds it on a new embedded database, closed when the test ends. */
async function embedded (t: Test, env: Record<string, string> = {}) {
  const app = await buildApp(parseConfig({ PGLITE_DIR: await newDataDir(t), LOG_LEVEL: 'silent', ...env }))
  t.teardown(() => app.close())
  return app
}

const listClaims = async (app: FastifyInstance, headers: Record<string, string> = {}) => (await collectPages(app, '/v1/claims', 100, headers)).items

/** Headers with a key of the demo organisation, as `npm run keys -- create --org demo --role …` makes. */
async function demoKey (app: FastifyInstance, role: 'reader' | 'editor' = 'reader') {
  const { organization, created } = await app.services.organizations.ensure(DEMO_ORGANIZATION)
  if (created) throw new Error('the demo organisation should exist')
  const { key } = await app.services.organizations.createKey(organization.id, { name: `test ${role}`, role }, null)
  return { authorization: `Bearer ${key}` }
}
const listClaimants = async (app: FastifyInstance) => (await collectPages(app, '/v1/claimants', 100)).items

t.test('a new embedded database is seeded with the demo claims', async (t) => {
  const app = await embedded(t)
  t.equal(app.database.kind, 'pglite')

  // Anonymous callers see the one claim with a published verdict; the demo desk sees all seven.
  const published = await listClaims(app)
  t.equal(published.length, 1, 'one public claim')
  t.match(published[0], { text: /end the war in Ukraine within 24 hours/, status: 'reviewed', currentVerdict: { rating: { key: 'false' }, url: /\.invalid\// } })
  const reader = await demoKey(app)
  const claims = await listClaims(app, reader)
  t.equal(claims.length, 7, 'seven claims')
  const claimants = await listClaimants(app)
  t.same(claimants.map((c) => c.name).sort(), [...demoClaimants].sort(), 'the six claimants')

  const byId = new Map(claimants.map((c) => [c.id, c.name]))
  const trumpClaims = claims.filter((c) => byId.get(c.claimantId as string) === 'Donald Trump')
  t.equal(trumpClaims.length, 2, 'Donald Trump made two of them')
  t.ok(claims.every((c) => byId.has(c.claimantId as string)), 'every claim belongs to a demo claimant')
  t.ok(demoClaimants.every((name) => claims.some((c) => byId.get(c.claimantId as string) === name)), 'every claimant made one')

  for (const claim of claims) {
    const res = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}`, headers: reader })
    t.equal(res.statusCode, 200, `GET claim ${claim.id}`)
    const detail: {
      text: string
      language: string
      appearances: Array<{ url: string | null; isFirstAppearance: boolean }>
    } = res.json()
    t.equal(detail.language, 'en')
    t.ok(detail.appearances.length >= 1, `"${detail.text.slice(0, 40)}..." has an appearance`)
    t.equal(detail.appearances.filter((a) => a.isFirstAppearance).length, 1, 'and exactly one first appearance')
    t.same(detail.appearances.map((a) => a.url), detail.appearances.map(() => null), 'no invented URLs')
  }
})

t.test('SEED_DEMO=false leaves a new embedded database empty', async (t) => {
  const app = await embedded(t, { SEED_DEMO: 'false' })
  const claims = await app.inject({ method: 'GET', url: '/v1/claims' })
  t.equal(claims.statusCode, 200)
  t.same(claims.json(), { data: [], nextCursor: null })
  const claimants = await app.inject({ method: 'GET', url: '/v1/claimants' })
  t.equal(claimants.statusCode, 200)
  t.same(claimants.json(), { data: [], nextCursor: null })
})

t.test('building twice on the same data directory seeds once', async (t) => {
  const dir = await newDataDir(t)
  const config = parseConfig({ PGLITE_DIR: dir, LOG_LEVEL: 'silent' })

  const first = await buildApp(config)
  t.equal((await listClaims(first, await demoKey(first))).length, 7, 'seeded on the first start')
  await first.close()

  const second = await buildApp(config)
  t.teardown(() => second.close())
  t.equal((await listClaims(second, await demoKey(second))).length, 7, 'still seven after the second start')
  t.equal((await listClaimants(second)).length, 6, 'still six claimants')
})

t.test('a restart does not seed again after every claim was deleted', async (t) => {
  const dir = await newDataDir(t)
  const config = parseConfig({ PGLITE_DIR: dir, LOG_LEVEL: 'silent' })

  const first = await buildApp(config)
  const editor = await demoKey(first, 'editor')
  for (const claim of await listClaims(first, editor)) {
    const res = await change(first, 'DELETE', `/v1/claims/${claim.id}`, undefined, editor)
    t.equal(res.statusCode, 204, `deleted ${claim.id}`)
  }
  t.same(await listClaims(first, editor), [], 'the user deleted every demo claim')
  await first.close()

  // The database is not empty: its claimants and deleted claims are still there, so the demo must not return
  // (and re-creating its claimants must not collide with theirs).
  let second: FastifyInstance | undefined
  try {
    second = await buildApp(config)
  } catch (error) {
    t.fail(`the restart failed: ${(error as Error).message}`)
    return
  }
  const app = second
  t.teardown(() => app.close())
  t.same(await listClaims(app, await demoKey(app)), [], 'the deleted demo claims stay deleted')
  t.equal((await listClaimants(app)).length, 6, 'the six claimants, once each')
})

t.test('build(t) gives an empty database on either server', async (t) => {
  const app = await build(t)
  t.equal(app.database.kind, onServer ? 'postgres' : 'pglite')
  const res = await app.inject({ method: 'GET', url: '/v1/claims' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { data: [], nextCursor: null })
})

t.test('SEED_DEMO=true seeds on either server', async (t) => {
  const app = await build(t, { env: { SEED_DEMO: 'true' } })
  t.equal(app.database.kind, onServer ? 'postgres' : 'pglite')
  t.equal((await listClaims(app, await demoKey(app))).length, 7)
  t.same((await listClaimants(app)).map((c) => c.name).sort(), [...demoClaimants].sort())
})

t.test('with SEED_DEMO unset only the embedded database is seeded', async (t) => {
  // An empty variable counts as unset, overriding the helper's SEED_DEMO=false.
  const app = await build(t, { env: { SEED_DEMO: '' } })
  t.equal(app.config.seedDemo, undefined)
  const seeded = !onServer
  t.equal((await app.services.organizations.ensure(DEMO_ORGANIZATION)).created, !seeded)
  t.equal((await listClaims(app, await demoKey(app))).length, seeded ? 7 : 0, seeded ? 'on PGlite' : 'not on the Postgres server')
})

t.test('seedDemoIfWanted never seeds over existing claims', async (t) => {
  const app = await build(t)
  const mine = await createClaim(app, { text: 'A claim of my own.' })
  t.equal(await seedDemoIfWanted(app, { seedDemo: true }), false, 'reports that it did not seed')
  t.same((await listClaims(app)).map((c) => c.id), [mine.id])
  t.same(await listClaimants(app), [], 'no demo claimants either')

  const empty = await build(t)
  t.equal(await seedDemoIfWanted(empty, { seedDemo: false }), false, 'SEED_DEMO=false: not wanted')
  t.equal(await seedDemoIfWanted(empty, { seedDemo: true }), true, 'SEED_DEMO=true on an empty database: seeded')
  t.equal((await listClaims(empty, await demoKey(empty))).length, 7)
})
