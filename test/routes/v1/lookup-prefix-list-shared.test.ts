// GET /v1/lookup/prefix-list across processes: two apps on one database answer `since` with the same delta for
// versions either of them produced; the version holds while the list does; a process answers from the list it holds
// until a transaction it has not seen changes which pages lookups find, even one that commits out of order.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { buildApp } from '../../../src/app.ts'
import { parseConfig } from '../../../src/config.ts'
import { queryRows, type Database } from '../../../src/db/client.ts'
import { decodePrefixes, prefixHex } from '../../../src/lib/prefix-list.ts'
import { canonicalizeUrl } from '../../../src/lib/url-canonical.ts'
import { urlHash } from '../../../src/lib/url-hash.ts'
import { addAppearance, change, createClaim, createPublicClaim, freshDatabase, onServer, withTestOrganization } from '../../helper.ts'

const canonical = (url: string) => canonicalizeUrl(url) ?? url
const list = (app: FastifyInstance, query: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url: '/v1/lookup/prefix-list', query, headers: { authorization: undefined } })
const decoded = (encoded: string) => decodePrefixes(encoded).map((v) => prefixHex(v, 4))
const prefixOf = (url: string) => urlHash(canonical(url)).slice(0, 8)

/**
 * Two apps on one fresh database, as two API processes behind a load balancer: on the Postgres server each with a
 * pool of its own; on PGlite (one embedded database) sharing it. Each has its own services, and so its own lists.
 */
async function twoApps (
  t: Test
): Promise<{ a: FastifyInstance, b: FastifyInstance, database: Database, url?: string }> {
  const { database, env } = await freshDatabase(t)
  const config = parseConfig({
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    LOAD_SHED_EVENT_LOOP_DELAY: '0',
    LOAD_SHED_HEAP_USED: '0',
    ...env,
  })
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
  const [a, b] = apps as [FastifyInstance, FastifyInstance]
  return { a, b, database, url: env.DATABASE_URL }
}

const storedVersions = async (database: Database) =>
  (await queryRows<{ n: number }>(database.db.drizzle, sql`select count(*)::int as n from prefix_list_versions where bytes = 4`))[0]?.n

t.test('two processes answer the same delta for a version the other produced', async (t) => {
  const { a, b } = await twoApps(t)
  const first = await createPublicClaim(a, { text: 'First.' })
  await addAppearance(a, first.id, 'https://example.com/one')
  const v1 = (await list(a)).json()
  t.equal(v1.full, true)
  t.same(decoded(v1.prefixes), [prefixOf('https://example.com/one')])

  const second = await createPublicClaim(b, { text: 'Second.' })
  await addAppearance(b, second.id, 'https://example.com/two')
  // B has never built v1, yet answers `since=v1` with a delta; A, which built v1, gives the same answer.
  const fromB = await list(b, { since: v1.version })
  const fromA = await list(a, { since: v1.version })
  t.equal(fromB.statusCode, 200, fromB.body)
  t.same(fromB.json(), fromA.json(), 'the same delta from either process')
  t.equal(fromB.headers.etag, fromA.headers.etag, 'and the same ETag, so a CDN may serve either')
  const v2 = fromB.json()
  t.same([v2.full, v2.count, decoded(v2.additions), decoded(v2.removals)], [false, 2, [prefixOf('https://example.com/two')], []])
  t.not(v2.version, v1.version)

  // A version B produced: A deletes a claim, and both answer `since` B's version, and `since` v1 (two steps), alike.
  t.equal((await change(a, 'DELETE', `/v1/claims/${first.id}`)).statusCode, 204)
  const v3FromA = (await list(a, { since: v2.version })).json()
  t.same(v3FromA, (await list(b, { since: v2.version })).json(), 'since the version B produced: the same delta')
  t.same([v3FromA.full, v3FromA.count, decoded(v3FromA.additions), decoded(v3FromA.removals)], [false, 1, [], [prefixOf('https://example.com/one')]])
  const twoSteps = (await list(b, { since: v1.version })).json()
  t.same(twoSteps, (await list(a, { since: v1.version })).json(), 'since v1: the same net change over two versions')
  t.same([decoded(twoSteps.additions), decoded(twoSteps.removals)], [[prefixOf('https://example.com/two')], [prefixOf('https://example.com/one')]])

  // Both hold the same full list, under the same version and ETag.
  const [fullA, fullB] = [await list(a), await list(b)]
  t.same(fullA.json(), fullB.json())
  t.equal(fullA.json().version, v3FromA.version)
  t.equal(fullA.headers.etag, fullB.headers.etag)
  t.same(decoded(fullA.json().prefixes), [prefixOf('https://example.com/two')])
  t.match(String(fullA.headers['cache-control']), /^public, max-age=\d+/)

  const unknown = (await list(b, { since: '0123456789abcdef' })).json()
  t.same([unknown.full, unknown.version, unknown.prefixes], [true, fullA.json().version, fullA.json().prefixes], 'an unknown version: the full list')
})

t.test('the version holds while the list does', async (t) => {
  const { a, b, database } = await twoApps(t)
  const claim = await createPublicClaim(a)
  await addAppearance(a, claim.id, 'https://example.com/stable')
  const v1 = (await list(a)).json()
  t.equal((await list(b)).json().version, v1.version, 'the other process names the same list the same way')
  const stored = await storedVersions(database)
  t.equal(stored, 1, 'one stored version')

  // Changes that do not touch the list: an edit of a public claim, a private claim's page.
  t.equal((await change(a, 'PATCH', `/v1/claims/${claim.id}`, { text: 'Edited, still public.' })).statusCode, 200)
  const draft = await createClaim(b, { text: 'Private work.' })
  await addAppearance(b, draft.id, 'https://private.example.com/secret')
  for (const app of [a, b]) {
    const again = (await list(app, { since: v1.version })).json()
    t.same([again.version, again.full, again.additions, again.removals], [v1.version, false, '', ''])
  }
  t.equal(await storedVersions(database), stored, 'no new version stored')
})

t.test('a process answers from the list it holds until a change is noted', async (t) => {
  const { a, database } = await twoApps(t)
  const claim = await createPublicClaim(a)
  await addAppearance(a, claim.id, 'https://example.com/held')
  const v1 = (await list(a)).json()

  // A write the triggers do not note (they are off for this session): the list held is still served...
  const hidden = 'https://example.com/unnoticed'
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`)
    await tx.execute(sql`insert into appearances (id, claim_id, url, url_canonical, url_hash)
                         values (${randomUUID()}, ${claim.id}, ${hidden}, ${canonical(hidden)}, ${urlHash(canonical(hidden))})`)
  })
  t.equal((await list(a)).json().version, v1.version, 'not built again: nothing noted a change')

  // ...until a noted change: the next list is built from the database and holds both pages.
  await addAppearance(a, claim.id, 'https://example.com/noted')
  const v2 = (await list(a)).json()
  t.same(decoded(v2.prefixes), [hidden, 'https://example.com/held', 'https://example.com/noted'].map(prefixOf).sort())
})

// On PGlite the app has a single connection, so transactions cannot interleave and none can commit out of order.
const serverOnly = { skip: !onServer && 'needs the Postgres server (DATABASE_URL): PGlite has one connection, so transactions cannot interleave' }

t.test('a change committed after a later one is not missed', serverOnly, async (t) => {
  const { a, url } = await twoApps(t)
  if (url === undefined) throw new Error('needs DATABASE_URL')
  const raw = postgres(url, { max: 2, onnotice: () => {} })
  t.teardown(() => raw.end())
  const claim = await createPublicClaim(a)
  await addAppearance(a, claim.id, 'https://example.com/early')
  // T1 writes to a claim of its own: an appearance's insert locks its claim (the search document) until commit.
  const other = await createPublicClaim(a, { text: 'Written by the slow transaction.' })
  const early = 'https://example.com/slow-transaction'
  const t1 = await raw.reserve()
  try {
    // T1 starts first (its transaction id is older) and writes a page, but commits only after T2.
    await t1`begin`
    await t1`insert into appearances (id, claim_id, url, url_canonical, url_hash)
             values (${randomUUID()}, ${other.id}, ${early}, ${canonical(early)}, ${urlHash(canonical(early))})`
    await addAppearance(a, claim.id, 'https://example.com/later') // T2
    const before = (await list(a)).json()
    t.same(decoded(before.prefixes), ['https://example.com/early', 'https://example.com/later'].map(prefixOf).sort(), 'T1 not yet seen')
    await t1`commit`
  } finally {
    t1.release()
  }
  const after = (await list(a)).json()
  t.same(decoded(after.prefixes), ['https://example.com/early', 'https://example.com/later', early].map(prefixOf).sort(), 'T1 seen once committed')
})
