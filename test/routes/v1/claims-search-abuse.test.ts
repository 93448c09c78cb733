// Searches that would hold the database: a query of only negations (which matched and ranked every claim), too long
// a query, a search past its statement budget, and more concurrent searches by one caller than allowed.
import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import t from 'tap'
import { anonymous, build, createPublicClaim, isProblem, keyFor, onServer, testOrganization } from '../../helper.ts'

/** Negations only, under the 500-character limit of q: it matched every claim, and the relevance sort ranked each. */
const ATTACK = Array.from({ length: 166 }, () => '-x').join(' ')

/** Many public claims (fast, a few statements), and one with a rare word that a normal search finds. */
async function manyClaims (app: FastifyInstance, count: number) {
  const organizationId = testOrganization(app).id
  const batch = 2500
  for (let from = 1; from <= count; from += batch) {
    await app.db.execute(sql`insert into claims (id, text, organization_id, is_public)
      select gen_random_uuid(), 'Claim ' || i || ' says the economy grew by ' || (i % 97) || ' percent in ' || (1900 + i % 120), ${organizationId}, true
      from generate_series(${from}::int, ${Math.min(count, from + batch - 1)}::int) i`)
  }
  await createPublicClaim(app, { text: 'A unicorn was seen in the parliament.' })
}

/** The status of a request and how long it took. */
async function timed (app: FastifyInstance, url: string, remoteAddress = '127.0.0.1') {
  const started = performance.now()
  const res = await app.inject({ method: 'GET', url, headers: anonymous, remoteAddress })
  return { url, status: res.statusCode, ms: performance.now() - started, res }
}

t.test('a query of only negations is refused at once, and does not hold up other requests', async (t) => {
  const app = await build(t)
  await manyClaims(app, 20_000)
  const attack = `/v1/claims?q=${encodeURIComponent(ATTACK)}`
  if (onServer) {
    // 12 at once, within the anonymous rate limit, while a normal request, a normal search and the readiness probe
    // are asked.
    const attacks = Array.from({ length: 12 }, () => timed(app, attack, '198.51.100.66'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const [normal, search, ready] = await Promise.all([timed(app, '/v1/claims?limit=5'), timed(app, '/v1/claims?q=unicorn'), timed(app, '/readyz')])
    t.equal(normal.status, 200, 'a normal request answers')
    t.ok(normal.ms < 1000, `a normal request answers within 1 s (${Math.round(normal.ms)} ms)`)
    t.equal(search.status, 200, 'a normal search answers')
    t.equal(search.res.json().data.length, 1, `and finds its claim (${Math.round(search.ms)} ms)`)
    t.equal(ready.status, 200, '/readyz answers')
    t.ok(ready.ms < 1000, `/readyz answers within 1 s (${Math.round(ready.ms)} ms)`)
    // Refused as a query (400), or as one search too many of one caller at once (429).
    const statuses = (await Promise.all(attacks)).map((done) => done.status)
    t.ok(statuses.every((status) => status === 400 || status === 429), `every attack is refused: ${statuses.join(' ')}`)
  } else {
    const done = await timed(app, attack)
    t.ok(done.ms < 2000, `the attack answers within 2 s on the embedded database (${Math.round(done.ms)} ms)`)
  }
  const body = isProblem(t, (await timed(app, attack)).res, 400, 'validation-failed')
  t.same(body.errors.map((e: { field: string }) => e.field), ['query.q'])
  t.match(body.detail, /needs a word to find/)
})

t.test('which queries are searched: a word to find, at most 64 words and operators', async (t) => {
  const app = await build(t)
  await createPublicClaim(app, { text: 'The economy grew by four percent.' })
  const search = (q: string) => app.inject({ method: 'GET', url: `/v1/claims?q=${encodeURIComponent(q)}`, headers: anonymous })
  for (const q of ['-x', '-economy -inflation', 'economy or -inflation', '-"economy grew"']) {
    const body = isProblem(t, await search(q), 400, 'validation-failed')
    t.same(body.errors, [{ field: 'query.q', message: 'needs a word to find: only excluded words (-word) cannot be searched for' }], q)
  }
  const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')
  const tooLong = isProblem(t, await search(long), 400, 'validation-failed')
  t.match(tooLong.detail, /79 words and operators; at most 64/)
  for (const [q, found] of [['economy -inflation', 1], ['economy', 1], ['the', 0], ['inflation or economy', 1]] as const) {
    const res = await search(q)
    t.equal(res.statusCode, 200, q)
    t.equal(res.json().data.length, found, `${q} finds ${found}`)
  }
  // The same rules on the other searches that take the web-search syntax.
  const feed = await app.inject({ method: 'GET', url: `/v1/claimreview?q=${encodeURIComponent('-economy')}`, headers: anonymous })
  t.same(isProblem(t, feed, 400, 'validation-failed').errors.map((e: { field: string }) => e.field), ['query.q'])
  const google = await app.inject({ method: 'GET', url: `/v1alpha1/claims:search?query=${encodeURIComponent(ATTACK)}`, headers: anonymous })
  t.same(isProblem(t, google, 400, 'validation-failed').errors.map((e: { field: string }) => e.field), ['query.query'])
  const found = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=economy', headers: anonymous })
  t.equal(found.json().claims.length, 1, 'Google-compatible search still finds')
})

t.test('a search by an anonymous caller stops at SEARCH_STATEMENT_TIMEOUT', { skip: !onServer && 'the embedded database has no statement timeout' }, async (t) => {
  const app = await build(t, { env: { SEARCH_STATEMENT_TIMEOUT: '300' }, allow5xx: true })
  await createPublicClaim(app, { text: 'The economy grew by four percent.' })
  const url = app.config.databaseUrl
  if (url === undefined) throw new Error('no database URL')
  // Another session holds the claims table, so that any search of it waits until it is stopped or the lock goes.
  const other = postgres(url, { max: 1, onnotice: () => {} })
  t.teardown(() => other.end())
  let unlock = () => {}
  const unlocked = new Promise<void>((resolve) => { unlock = resolve })
  let locked = () => {}
  const isLocked = new Promise<void>((resolve) => { locked = resolve })
  const holder = other.begin(async (tx) => {
    await tx`lock table claims in access exclusive mode`
    locked()
    await unlocked
  })
  await isLocked
  const release = setTimeout(unlock, 8000)
  try {
    const res = await app.inject({ method: 'GET', url: '/v1/claims?q=economy', headers: anonymous })
    const body = isProblem(t, res, 503, 'service-unavailable')
    t.match(body.detail, /took longer than the 300 ms allowed/)
    t.ok(res.headers['retry-after'], 'says when to retry')
  } finally {
    clearTimeout(release)
    unlock()
    await holder
  }
  const after = await app.inject({ method: 'GET', url: '/v1/claims?q=economy', headers: anonymous })
  t.equal(after.json().data.length, 1, 'the same search answers once the table is free')
})

t.test('one caller runs at most SEARCH_CONCURRENCY searches at once; more are 429', async (t) => {
  const app = await build(t, { env: { SEARCH_CONCURRENCY: '1' } })
  // Requests marked so wait in their handler's place until released: a search that is still running.
  let release = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  let arrived = () => {}
  const held = new Promise<void>((resolve) => { arrived = resolve })
  app.addHook('preHandler', async (request) => {
    if (request.headers['x-test-hold'] === undefined) return
    arrived()
    await released
  })
  await createPublicClaim(app, { text: 'The economy grew by four percent.' })
  const from = { ...anonymous, 'x-test-hold': '1' }
  const first = app.inject({ method: 'GET', url: '/v1/claims?q=economy', headers: from, remoteAddress: '198.51.100.7' })
  await held
  const second = await app.inject({ method: 'GET', url: '/v1/claims?q=economy', headers: anonymous, remoteAddress: '198.51.100.7' })
  const body = isProblem(t, second, 429, 'too-many-requests')
  t.match(body.detail, /already has 1 searches running/)
  t.equal(second.headers['retry-after'], '1')
  const match = await app.inject({ method: 'POST', url: '/v1/claims/match', headers: anonymous, remoteAddress: '198.51.100.7', payload: { text: 'economy grew' } })
  isProblem(t, match, 429, 'too-many-requests')
  const google = await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=economy', headers: anonymous, remoteAddress: '198.51.100.7' })
  isProblem(t, google, 429, 'too-many-requests')

  const list = await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous, remoteAddress: '198.51.100.7' })
  t.equal(list.statusCode, 200, 'a list without a search is not one')
  const elsewhere = await app.inject({ method: 'GET', url: '/v1/claims?q=economy', headers: anonymous, remoteAddress: '198.51.100.8' })
  t.equal(elsewhere.statusCode, 200, 'another caller searches meanwhile')
  const partner = await app.inject({ method: 'GET', url: '/v1/claims?q=economy', headers: { authorization: `Bearer ${await keyFor(app, 'partner')}` }, remoteAddress: '198.51.100.7' })
  t.equal(partner.statusCode, 200, 'so does a key from the same address')

  release()
  t.equal((await first).statusCode, 200, 'the held search answers')
  const again = await app.inject({ method: 'GET', url: '/v1/claims?q=economy', headers: anonymous, remoteAddress: '198.51.100.7' })
  t.equal(again.statusCode, 200, 'once it has, the caller may search again')
})
