// Relevance-sorted full-text search through the in-process candidate index (src/services/search-index.ts): every
// page, through the cursor, the same claims with the same ranks as the SQL path (an app with SEARCH_INDEX=false on
// the same database), for each viewer, with filters, with another organisation's private claims ranking highest;
// and writes (a new claim, a claimant renamed) found by the next search.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { createSearchIndex, parseTsquery } from '../../src/lib/search-index.ts'
import {
  anonymous, buildOnOwnPool, createClaimant, freshDatabase, testOrganization, withTestOrganization,
} from '../helper.ts'

const OTHER_ORG = '00000000-0000-4000-8000-000000000002'
const WORDS = ['tax', 'taxes', 'jobs', 'crime', 'border', 'wall', 'vaccine', 'vaccines', 'children', 'health', 'oil',
  'prices', 'Texas', 'record', 'impuestos', 'salud', 'Steuern']

function texts (n: number): string[] {
  let seed = 11
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  return Array.from({ length: n }, () => Array.from({ length: 2 + Math.floor(next() * 9) },
    () => WORDS[Math.floor(next() * next() * WORDS.length)]).join(' ') + '.')
}

/** Two apps on one database: the index's (default) and the SQL path's; requests carry `key` of the caller. */
async function apps (t: Test) {
  const { database, env } = await freshDatabase(t)
  const make = async (extra: Record<string, string>) => {
    const config = parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', LOAD_SHED_EVENT_LOOP_DELAY: '0', LOAD_SHED_HEAP_USED: '0', RATE_LIMIT_ANONYMOUS: '100000', RATE_LIMIT_KEY: '100000', ...env, ...extra })
    const app = await buildApp(config, { database })
    await withTestOrganization(app)
    return app
  }
  const indexed = await make({ SEARCH_INDEX: 'true' })
  const bySql = await make({ SEARCH_INDEX: 'false', MATCH_INDEX: 'false' })
  t.teardown(async () => { await bySql.close(); await indexed.close() })
  return { indexed, bySql }
}

async function fixture (app: FastifyInstance) {
  const own = testOrganization(app).id
  await app.db.execute(sql`insert into organizations (id, slug, name) values (${OTHER_ORG}::uuid, 'other-search', 'Other') on conflict do nothing`)
  const { key: otherKey } = await app.services.organizations.createKey(OTHER_ORG, { name: 'other reader', role: 'admin' }, null)
  const vaccineSenator = (await createClaimant(app, { name: 'Vaccine Senator' })).id
  const taxMayor = (await createClaimant(app, { name: 'Tax Mayor' })).id
  const corpus = texts(260)
  const languages = ['en', 'en', 'es', 'de', 'en-GB']
  for (const [i, text] of corpus.entries()) {
    const owner = i % 4 === 1 ? own : i % 4 === 2 ? OTHER_ORG : own
    await app.db.execute(sql`
      insert into claims (id, text, language, organization_id, is_public, claimant_id, topics, claim_date)
      values (gen_random_uuid(), ${text}, ${languages[i % 5]}, ${owner}::uuid, ${i % 4 === 0 || i % 4 === 3},
        ${i % 7 === 0 ? vaccineSenator : i % 7 === 1 ? taxMayor : null}::uuid,
        ${i % 6 === 0 ? '{health,vaccines}' : i % 6 === 1 ? '{economy}' : '{}'}::text[], ${`2024-01-${String(1 + (i % 28)).padStart(2, '0')}`}::date)`)
  }
  // Another organisation's private claims that say the frequent words most: they rank highest, and must take no place.
  for (let i = 0; i < 12; i++) {
    await app.db.execute(sql`insert into claims (id, text, language, organization_id, is_public)
      values (gen_random_uuid(), ${'Tax tax tax vaccine vaccine crime crime border wall. '.repeat(3)}, 'en', ${OTHER_ORG}::uuid, false)`)
  }
  // Appearances weigh C in the search document.
  await app.db.execute(sql`insert into appearances (id, claim_id, url, title, quote)
    select gen_random_uuid(), id, 'https://news.example.org/' || id, 'Vaccine tax story', 'crime record'
    from claims where text like '%oil%'`)
  return { otherKey, vaccineSenator }
}

interface Page { data: Array<{ id: string, search?: { rank: number } }>, nextCursor: string | null }

/** Every page of a search (at most `pages`), as [id, rank] pairs per page. */
type Pages = Array<Array<[string, number | undefined]>>
async function pagesOf (app: FastifyInstance, query: string, key: string | null, pages = 4): Promise<Pages> {
  const out: Pages = []
  let cursor: string | null = null
  for (let p = 0; p < pages; p++) {
    const url: string = `/v1/claims?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const res = await app.inject({ method: 'GET', url, headers: { authorization: key === null ? undefined : `Bearer ${key}` } })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    const page = res.json() as Page
    out.push(page.data.map((item) => [item.id, item.search?.rank]))
    cursor = page.nextCursor
    if (cursor === null) break
  }
  return out
}

t.test('the index finds the same pages as the SQL path: every viewer, filters, page after page', async (t) => {
  const { indexed, bySql } = await apps(t)
  const { otherKey, vaccineSenator } = await fixture(indexed)
  await indexed.services.matchIndex.whenReady()
  // Which statements the index's app ran: candidates ranked (ids given), or the whole search ranked.
  let throughIndex = 0
  let whole = 0
  const list = indexed.repositories.claims.list.bind(indexed.repositories.claims)
  indexed.repositories.claims.list = async (query, tx) => {
    if (query.ids) throughIndex++
    else if (query.filters.q) whole++
    return list(query, tx)
  }
  const viewers: Array<[string, string | null]> = [
    ['anonymous', null], ['the owner', testOrganization(indexed).adminKey], ['another organisation', otherKey],
  ]
  const queries = ['tax', 'vaccine', 'tax jobs', 'vaccine or crime', 'tax -jobs', '"border wall"', 'texas salud', 'senator',
    'story']
  const filters = ['', '&language=es', '&topic=health', `&claimant=${vaccineSenator}`, '&claimedFrom=2024-01-05&claimedTo=2024-01-20']
  const singleWords = new Set(['tax', 'vaccine', 'senator', 'story'])
  for (const q of queries) {
    throughIndex = 0
    whole = 0
    for (const filter of filters) {
      for (const [name, key] of viewers) {
        const query = `q=${encodeURIComponent(q)}&limit=4${filter}`
        const expected = await pagesOf(bySql, query, key, 3)
        const got = await pagesOf(indexed, query, key, 3)
        t.same(got, expected, `q=${q}${filter}, ${name}: the same pages`)
      }
    }
    if (singleWords.has(q)) {
      t.ok(throughIndex > 0, `q=${q}: the index answered (${throughIndex} candidate batches ranked)`)
      t.equal(whole, 0, `q=${q}: no page was ranked whole`)
    } else {
      t.equal(throughIndex, 0, `q=${q}: several words, a phrase, or, not: ranked in SQL`)
    }
  }
  // Another organisation's claims never show to the anonymous reader, and the page is still full.
  const page = await pagesOf(indexed, 'q=tax&limit=4', null, 1)
  t.equal(page[0]?.length, 4, 'a full page of public claims')
})

t.test('a claim is found by the next search, and a renamed claimant by its new name', async (t) => {
  const { indexed, bySql } = await apps(t)
  await fixture(indexed)
  await indexed.services.matchIndex.whenReady()
  const created = await indexed.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Tax tax tax tax tax tax tax.', language: 'en' } })
  t.equal(created.statusCode, 201)
  const first = await pagesOf(indexed, 'q=tax&limit=3', testOrganization(indexed).adminKey, 1)
  t.equal(first[0]?.[0]?.[0], created.json().id, 'the new claim ranks first at once')
  const claimant = await createClaimant(indexed, { name: 'Quintessa' })
  await indexed.db.execute(sql`update claims set claimant_id = ${claimant.id}::uuid where text like 'Tax tax tax tax%'`)
  await indexed.db.execute(sql`update claimants set name = 'Zebulon Quartermaine' where id = ${claimant.id}::uuid`)
  const key = testOrganization(indexed).adminKey
  const renamed = await pagesOf(indexed, 'q=quartermaine&limit=3', key)
  t.same(renamed, await pagesOf(bySql, 'q=quartermaine&limit=3', key), 'the same as the SQL path')
  t.equal(renamed[0]?.[0]?.[0], created.json().id, 'found by the new name')
})

t.test('impact-ordered runs give the candidates a scan of the run gives, before and after writes', async (t) => {
  let seed = 5
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  const orgs = [null, 'org-a', 'org-b']
  const claim = (i: number) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    privateTo: orgs[Math.floor(next() * 3)] ?? null,
    search: {
      english: next() < 0.8,
      lexemes: ['tax', 'job', 'crime'].filter(() => next() < 0.6),
      weights: ['A', 'AA', 'AB', 'C', 'ABC', 'AAA', 'D'].map((w) => w).slice(Math.floor(next() * 4)).slice(0, 3),
    },
  })
  const ordered = createSearchIndex({ impactOrdered: 16 })
  const scanned = createSearchIndex({ impactOrdered: Infinity })
  const both = (f: (index: ReturnType<typeof createSearchIndex>) => void) => { f(ordered); f(scanned) }
  for (let i = 0; i < 600; i++) { const c = claim(i); both((x) => x.add(c)) }
  both((x) => x.compact())
  t.ok(ordered.size().impactOrdered > 0 && scanned.size().impactOrdered === 0, 'one holds impact-ordered runs')
  const compare = (when: string) => {
    for (const word of ['tax', 'job', 'crime', 'none']) {
      for (const viewer of orgs) {
        for (const want of [1, 7, 40, 500]) {
          const tree = { op: 'lexeme' as const, lexeme: word }
          const a = ordered.candidates({ english: tree, simple: tree }, viewer, want)
          const b = scanned.candidates({ english: tree, simple: tree }, viewer, want)
          t.same(a, b, `${when}: ${word}, ${viewer ?? 'public'}, ${want}`)
        }
      }
    }
  }
  compare('compacted')
  // Rewritten, deleted and new claims: the run keeps old ordinals (skipped), the added postings are scanned.
  for (let i = 0; i < 600; i += 3) { const c = claim(i); both((x) => x.add(c)) }
  for (let i = 1; i < 600; i += 5) both((x) => x.remove(claim(i).id))
  for (let i = 600; i < 700; i++) { const c = claim(i); both((x) => x.add(c)) }
  compare('after writes')
  t.equal(ordered.candidates({ english: parseTsquery("'tax' & 'job'"), simple: null }, null, 5), null, 'two words: not answered')
  const again = ordered.candidates({ english: parseTsquery("'tax' & 'tax'"), simple: null }, null, 5)
  t.equal(again?.ids.length, 5, 'the same word twice: answered')
})

t.test('tsquery text is read as Postgres prints it', async (t) => {
  t.same(parseTsquery("'tax'"), { op: 'lexeme', lexeme: 'tax' })
  t.same(parseTsquery("'a' & !'b' | 'c' <-> 'd'"), {
    op: 'or',
    left: { op: 'and', left: { op: 'lexeme', lexeme: 'a' }, right: { op: 'not', arg: { op: 'lexeme', lexeme: 'b' } } },
    right: { op: 'phrase', left: { op: 'lexeme', lexeme: 'c' }, right: { op: 'lexeme', lexeme: 'd' } },
  })
  t.same(parseTsquery("'it''s' & ( 'x' | 'y' )"), {
    op: 'and',
    left: { op: 'lexeme', lexeme: "it's" },
    right: { op: 'or', left: { op: 'lexeme', lexeme: 'x' }, right: { op: 'lexeme', lexeme: 'y' } },
  })
  t.equal(parseTsquery("'pre':*"), null, 'prefixes are left to SQL')
  t.equal(parseTsquery(''), null, 'an empty query too')
})

t.test('more searches at once than the pool has connections all answer (the index is asked before a search takes its place)', async (t) => {
  // Two connections: an anonymous search holds one for its budgeted transaction; had it asked the index for changes
  // from inside it, three searches at once would each wait for a second place that never comes free.
  const { app } = await buildOnOwnPool(t, {
    poolSize: 2,
    env: { SEARCH_INDEX: 'true', RATE_LIMIT_ANONYMOUS: '100000', SEARCH_CONCURRENCY: '100' },
  })
  for (const [i, text] of texts(40).entries()) {
    await app.db.execute(sql`insert into claims (id, text, language, organization_id, is_public)
      values (gen_random_uuid(), ${`${text} Tax ${i}.`}, 'en', ${testOrganization(app).id}::uuid, true)`)
  }
  await app.services.matchIndex.whenReady()
  const answers = await Promise.all(Array.from({ length: 8 }, () =>
    app.inject({ method: 'GET', url: '/v1/claims?q=tax&limit=5', headers: anonymous })))
  t.same(answers.map((r) => r.statusCode), Array(8).fill(200), 'every search answered')
  t.ok(answers.every((r) => (r.json() as { data: unknown[] }).data.length === 5), 'each with a full page')
})
