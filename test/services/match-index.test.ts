// Claim matching's in-process index (src/services/match-index.ts): the same claims in the same order as the SQL path,
// visibility applied before the cut, and every write (by the API on another process, or by hand in SQL) matched by
// the next match of every process.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { queryRows } from '../../src/db/client.ts'
import { publicViewer, type Viewer } from '../../src/domain/access.ts'
import { planMatch } from '../../src/services/matching.ts'
import { build, change, createClaim, createPublicClaim, freshDatabase, onServer, testOrganization, withTestOrganization } from '../helper.ts'

const OTHER_ORG = '00000000-0000-4000-8000-000000000001'

// A small vocabulary, so that words are frequent, claims tie, and the index's pruning has work to do.
const VOCABULARY = ['tax', 'taxes', 'jobs', 'crime', 'border', 'wall', 'vaccine', 'children', 'percent', 'million',
  'immigrants', 'wages', 'rose', 'fell', 'state', 'federal', 'budget', 'deficit', 'schools', 'police', 'health', 'care',
  'insurance', 'oil', 'gas', 'prices', 'climate', 'China', 'Mexico', 'Texas', 'unemployment', 'record']

/** Deterministic texts: 3 to 12 words of the vocabulary, a few words twice. */
function texts (n: number): string[] {
  let seed = 7
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  return Array.from({ length: n }, () => Array.from({ length: 3 + Math.floor(next() * 10) },
    () => VOCABULARY[Math.floor(next() * next() * VOCABULARY.length)]).join(' ') + '.')
}

/** Inserts claims by hand (as an import or a script would): public, private to the test organisation, or another's. */
async function insertClaims (app: FastifyInstance, rows: Array<{ text: string, owner: 'public' | 'own' | 'other' }>): Promise<string[]> {
  const org = testOrganization(app).id
  await app.db.execute(sql`insert into organizations (id, slug, name) values (${OTHER_ORG}::uuid, 'other-org', 'Other') on conflict do nothing`)
  const ids: string[] = []
  for (const row of rows) {
    const [claim] = await queryRows<{ id: string }>(app.db, sql`
      insert into claims (id, text, language, organization_id, is_public)
      values (gen_random_uuid(), ${row.text}, 'en', ${row.owner === 'other' ? OTHER_ORG : org}::uuid, ${row.owner === 'public'})
      returning id`)
    if (claim) ids.push(claim.id)
  }
  return ids
}

const inputs = ['tax jobs', 'taxes on oil and gas prices rose', 'crime rose in Texas', 'vaccine children health care insurance',
  'the federal budget deficit rose to a record million', 'border wall Mexico China immigrants wages percent',
  'unemployment', 'schools police state federal tax crime wall', 'nothing like this']

t.test('the index ranks the same claims in the same order as the SQL path, for every viewer', async (t) => {
  const app = await build(t)
  const corpus = texts(240)
  await insertClaims(app, corpus.map((text, i) => ({ text, owner: i % 3 === 0 ? 'public' : i % 3 === 1 ? 'own' : 'other' })))
  const index = app.services.matchIndex
  await index.whenReady()
  t.ok(index.ready(), 'built')
  const viewers: Array<[string, Viewer]> = [['anonymous', publicViewer], ['the owner', { organizationId: testOrganization(app).id }], ['another organisation', { organizationId: OTHER_ORG }]]
  for (const input of inputs) {
    for (const [name, viewer] of viewers) {
      for (const limit of [1, 5, 50]) {
        const { query, options } = planMatch(input, 'en', limit, viewer)
        const bySql = await app.repositories.matching.candidates({ ...query, similarity: true }, options)
        const byIndex = await index.candidates({ ...query, similarity: true }, options)
        t.same(byIndex.map((c) => c.id), bySql.map((c) => c.id), `"${input}", ${name}, limit ${limit}: the same ids in the same order`)
        t.same(byIndex.map((c) => c.matchedTerms), bySql.map((c) => c.matchedTerms), 'the same matched terms')
        t.same(byIndex.map((c) => c.trigram), bySql.map((c) => c.trigram), 'the same similarity')
        t.ok(byIndex.every((c, i) => Math.abs(c.bm25 - (bySql[i]?.bm25 ?? NaN)) < 1e-9 && c.bm25Max === bySql[i]?.bm25Max), 'the same scores')
      }
    }
  }
})

t.test("another organisation's private claims take no place: a reader gets `limit` visible claims", async (t) => {
  const app = await build(t)
  // Short claims saying "tariffs" twice weigh most for it: another organisation's private ones.
  await insertClaims(app, Array.from({ length: 30 }, (_, i) => ({ text: `Tariffs, tariffs ${i}.`, owner: 'other' as const })))
  const shown = await insertClaims(app, Array.from({ length: 12 }, (_, i) => ({ text: `Tariffs rose on steel ${'and timber '.repeat(i)}imports.`, owner: 'public' as const })))
  await app.services.matchIndex.whenReady()
  const found = await app.services.matchIndex.candidates({ text: 'tariffs', language: 'en', limit: 10, visibleTo: publicViewer })
  t.same(found.map((c) => c.id), shown.slice(0, 10), 'the 10 best public claims, the shortest first')
  const own = await app.services.matchIndex.candidates({ text: 'tariffs', language: 'en', limit: 10, visibleTo: { organizationId: OTHER_ORG } })
  t.equal(own.length, 10, 'the owner gets 10 too')
  t.ok(own.every((c) => !shown.includes(c.id)), 'its private claims, which weigh most')
})

/** Two apps on one database, as two API processes: on the Postgres server each with a pool of its own. */
async function twoApps (t: Test): Promise<[FastifyInstance, FastifyInstance]> {
  const { database, env } = await freshDatabase(t)
  const config = parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', LOAD_SHED_EVENT_LOOP_DELAY: '0', LOAD_SHED_HEAP_USED: '0', ...env })
  const apps: FastifyInstance[] = []
  for (const own of [false, true]) {
    const app = await buildApp(config, own && onServer ? {} : { database })
    await withTestOrganization(app)
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode >= 500) t.fail(`${request.method} ${request.url} answered ${reply.statusCode}`)
    })
    t.teardown(() => app.close())
    apps.push(app)
  }
  return apps as [FastifyInstance, FastifyInstance]
}

async function matched (
  app: FastifyInstance,
  text: string,
  headers: Record<string, string | undefined> = {}
): Promise<string[]> {
  const res = await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text, limit: 10 }, headers })
  if (res.statusCode !== 200) throw new Error(`match: ${res.statusCode} ${res.body}`)
  return (res.json().data as Array<{ claim: { id: string } }>).map((m) => m.claim.id)
}

t.test('a write on one process is matched by the next match on another: created, edited, unpublished, deleted', async (t) => {
  const [a, b] = await twoApps(t)
  await createPublicClaim(a, { text: 'Okapis are related to giraffes.' })
  await b.services.matchIndex.whenReady()
  t.ok(b.services.matchIndex.ready(), 'B answers from its index')
  const anonymous = { authorization: undefined }

  const claim = await createPublicClaim(a, { text: 'Zebras outnumber giraffes in Kenya.' })
  t.same(await matched(b, 'zebras in kenya', anonymous), [claim.id], 'created on A: matched by B at once')
  t.equal((await change(a, 'PATCH', `/v1/claims/${claim.id}`, { text: 'Lions outnumber giraffes in Kenya.' })).statusCode, 200)
  t.same(await matched(b, 'zebras', anonymous), [], 'edited on A: B no longer matches its old words')
  t.same(await matched(b, 'lions', anonymous), [claim.id], 'and matches its new ones')

  await a.db.execute(sql`update claims set is_public = false where id = ${claim.id}::uuid`)
  t.same(await matched(b, 'lions', anonymous), [], 'made private by hand in SQL: gone for the public')
  t.same(await matched(b, 'lions'), [claim.id], 'still matched by its organisation')

  const own = await createClaim(a, { text: 'Lions sleep twenty hours a day.' })
  t.same((await matched(b, 'lions')).sort(), [claim.id, own.id].sort(), "a private claim: matched by its organisation's keys")
  t.equal((await change(a, 'DELETE', `/v1/claims/${own.id}`)).statusCode, 204)
  t.same(await matched(b, 'lions'), [claim.id], 'deleted on A: gone on B')

  const [script] = await insertClaims(a, [{ text: 'Lions roar.', owner: 'public' }])
  t.same(await matched(b, 'lions roar', anonymous), [script], 'inserted by hand in SQL: matched')
  await a.db.execute(sql`delete from claims where id = ${script}::uuid`)
  t.same(await matched(b, 'lions roar', anonymous), [], 'deleted by hand in SQL: gone')
  t.ok(b.services.matchIndex.ready(), 'B answered from its index throughout')
})

t.test('a truncation of the claims builds the index again', async (t) => {
  const app = await build(t)
  await insertClaims(app, [{ text: 'Walruses are heavy.', owner: 'public' }])
  await app.services.matchIndex.whenReady()
  t.equal((await matched(app, 'walruses')).length, 1)
  await app.db.execute(sql`truncate claims cascade`)
  const [again] = await insertClaims(app, [{ text: 'Walruses have tusks.', owner: 'public' }])
  t.same(await matched(app, 'walruses'), [again], 'only the claim written since')
})

t.test('/readyz says whether the match index is built: building, then ready; off when disabled', async (t) => {
  const app = await build(t)
  const before = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(before.statusCode, 200, 'ready to serve while the index builds (matching answers from SQL)')
  t.equal(before.json().matchIndex, 'building', 'not built until server.ts starts it, or a match asks')
  await app.services.matchIndex.whenReady()
  t.same((await app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ok', database: app.database.kind, matchIndex: 'ready' })

  const off = await build(t, { env: { MATCH_INDEX: 'false' } })
  t.equal((await off.inject({ method: 'GET', url: '/readyz' })).json().matchIndex, 'off')
})
