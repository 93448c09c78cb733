// Every LIMIT is in the statement's text (src/db/limit.ts): with `limit $n`, Postgres plans a prepared statement again
// on every execution, which for a list page cost more than running it.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { queryRows } from '../../src/db/client.ts'
import { anonymous, buildOnOwnPool, createClaim, onServer } from '../helper.ts'

t.test('the list routes send no LIMIT as a parameter, and the claim list keeps one plan', async (t) => {
  // One connection, so that the prepared statements the routes leave are those this test reads back.
  const { app, database, statements } = await buildOnOwnPool(t)
  const claim = await createClaim(app)
  const review = await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload: { ratingScale: 'truth-o-meter', rating: 'false' } })
  t.equal(review.statusCode, 201)

  statements.length = 0
  const lists = [
    '/v1/claims?limit=20',
    '/v1/claims?verdict=false&limit=5',
    '/v1/claimants?limit=3',
    `/v1/claims/${claim.id}/appearances?limit=4`,
    `/v1/claims/${claim.id}/evidence?limit=4`,
    `/v1/claims/${claim.id}/reviews?limit=4`,
    `/v1/claims/${claim.id}/history?limit=4`,
    '/v1/rating-scales?limit=2',
    '/v1/changes?limit=7',
    '/v1/claimreview?limit=6',
    '/v1/audit?limit=3',
    '/v1/webhooks?limit=3',
    '/v1/api-keys?limit=3',
  ]
  for (const url of lists) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`)
  }
  const limited = statements.filter((s) => /\blimit\b/i.test(s))
  t.ok(limited.length >= lists.length, `the lists sent ${limited.length} statements with a LIMIT`)
  t.same(statements.filter((s) => /\blimit\s+\$\d/i.test(s)), [], 'no statement takes its LIMIT as a parameter')

  if (onServer) {
    // The embedded database plans each statement anyway; the server keeps a prepared statement's generic plan once
    // it costs no more than the custom ones, which `limit $n` never let it do.
    for (let i = 0; i < 8; i++) {
      const verdict = ['false', 'true', 'mixed'][i % 3]
      const res = await app.inject({ method: 'GET', url: `/v1/claims?verdict=${verdict}&limit=20` })
      t.equal(res.statusCode, 200)
    }
    const [plans] = await queryRows<{ generic: number, custom: number }>(database.db.drizzle, sql`
      select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements
      where statement like '%"current_verdict" = $%' and statement like '% limit 21)%'`)
    t.ok(plans, 'the claim list is a prepared statement')
    t.ok((plans?.generic ?? 0) >= 3, `its generic plan is used (${JSON.stringify(plans)})`)

    // An uncommon page size is not kept either: a client stepping through every limit would leave a statement each.
    for (let i = 0; i < 3; i++) t.equal((await app.inject({ method: 'GET', url: '/v1/claims?verdict=false&limit=37' })).statusCode, 200)
    const odd = await queryRows<{ statement: string }>(database.db.drizzle, sql`
      select statement from pg_prepared_statements where statement like '% limit 38)%'`)
    t.same(odd, [], 'a page of 37 is not kept as a prepared statement')

    // A topic can be on three claims or on thirty thousand: each list by topic is planned for its own value.
    for (let i = 0; i < 8; i++) {
      const res = await app.inject({ method: 'GET', url: `/v1/claims?topic=${['economy', 'drugs'][i % 2]}&limit=20` })
      t.equal(res.statusCode, 200)
    }
    const byTopic = await queryRows<{ statement: string }>(database.db.drizzle, sql`
      select statement from pg_prepared_statements where statement like '%"topics" @>%'`)
    t.same(byTopic, [], 'a list by topic is not kept as a generic plan')

    // The claims of a sync feed page (and of a match's answers) are read by one array of ids: one prepared text.
    for (let i = 0; i < 8; i++) {
      const res = await app.inject({ method: 'GET', url: `/v1/changes?limit=${i % 2 + 1}` })
      t.equal(res.statusCode, 200)
    }
    const byIds = await queryRows<{ calls: number }>(database.db.drizzle, sql`
      select generic_plans + custom_plans as calls from pg_prepared_statements where statement like '%"claims"."id" = any(%'`)
    t.equal(byIds.length, 1, 'claims by ids are one prepared statement, whatever the number of ids')
    t.ok(Number(byIds[0]?.calls) >= 8, `run as such (${JSON.stringify(byIds)})`)
  }
})

t.test('the sync feed reads no revision snapshots and polls through kept statements', async (t) => {
  const { app, database, statements } = await buildOnOwnPool(t)
  const claim = await createClaim(app)
  const review = await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload: { ratingScale: 'truth-o-meter', rating: 'false' } })
  t.equal(review.statusCode, 201)

  // A change enters the feed once every transaction that began before it has ended, on the whole server (those of
  // tests running beside this one too): ask until the page holds the review's change (a draft: read, not shown).
  let first = await app.inject({ method: 'GET', url: '/v1/changes?limit=100' })
  // Up to a minute (tap's file timeout is five): a busy machine's longest transactions are seconds long.
  for (let i = 0; i < 600; i++) {
    statements.length = 0
    first = await app.inject({ method: 'GET', url: '/v1/changes?limit=100' })
    if (statements.some((s) => /from "reviews"/.test(s))) break
    await sleep(100)
  }
  t.equal(first.statusCode, 200)
  type Change = { type: string, id: string, action: string, version: number, at: string }
  const page = first.json<{ data: Change[], nextCursor: string }>()
  t.same(page.data.map((c) => [c.type, c.id, c.action, c.version]), [['claim', claim.id, 'create', 1]], 'the claim\'s change (the draft review is not shown)')
  t.match(page.data[0]?.at, /^\d{4}-\d\d-\d\dT/)
  const feed = statements.filter((s) => /from "revisions"/.test(s))
  t.equal(feed.length, 1, 'one statement reads the revisions')
  t.notMatch(feed[0], /"(before|after)"/, 'without the snapshots, which the feed does not show')

  if (onServer) {
    for (let i = 0; i < 8; i++) {
      const res = await app.inject({ method: 'GET', url: `/v1/changes?limit=100&after=${encodeURIComponent(page.nextCursor)}` })
      t.equal(res.statusCode, 200)
      t.same(res.json().data, [], 'nothing changed since')
    }
    const kept = await queryRows<{ statement: string, generic: number }>(database.db.drizzle, sql`
      select statement, generic_plans::int as generic from pg_prepared_statements where statement like '%from "revisions"%'`)
    const after = kept.find((k) => k.statement.includes('::xid8'))
    t.ok(after, 'the page after a cursor is a prepared statement')
    t.ok((after?.generic ?? 0) >= 3, `with its generic plan used (${JSON.stringify(kept.map((k) => k.generic))})`)

    // The reviews of a page are read by one array of ids, as its claims are.
    for (let i = 0; i < 3; i++) t.equal((await app.inject({ method: 'GET', url: '/v1/changes?limit=100' })).statusCode, 200)
    const byIds = await queryRows<{ statement: string }>(database.db.drizzle, sql`
      select statement from pg_prepared_statements where statement like '%"reviews"."id" = any(%'`)
    t.equal(byIds.length, 1, 'reviews by ids are one prepared statement')
  }
})

t.test('a search sends its parse and its budget in one round trip each, and a page by relevance through a kept plan', async (t) => {
  const { app, database, statements } = await buildOnOwnPool(t, { env: { SEARCH_STATEMENT_TIMEOUT: '1500' } })
  for (const text of ['Unemployment fell by half in ten years.', 'Unemployment rose in the state.', 'Crime fell.']) {
    await createClaim(app, { text })
  }
  statements.length = 0
  const first = await app.inject({ method: 'GET', url: '/v1/claims?q=unemployment' })
  t.equal(first.statusCode, 200)
  t.equal(first.json().data.length, 2, 'the two claims with the word')
  const parse = statements.filter((s) => s.includes('websearch_to_tsquery'))
  t.equal(parse.length, 1, 'one statement parses the query')
  if (onServer) {
    for (const word of ['crime', 'unemployment', 'state', 'half', 'years', 'crime']) {
      t.equal((await app.inject({ method: 'GET', url: `/v1/claims?q=${word}` })).statusCode, 200)
    }
    const kept = await queryRows<{ statement: string }>(database.db.drizzle, sql`
      select statement from pg_prepared_statements where statement like '%ts_rank_cd(%' or statement like '%websearch_to_tsquery(%'`)
    t.equal(kept.filter((k) => k.statement.includes('websearch_to_tsquery(')).length, 1, 'the parse is one prepared statement')
    t.equal(kept.filter((k) => k.statement.includes('ts_rank_cd(')).length, 1, 'a page by relevance is one prepared statement, whatever the words')

    // Sorted by date, or beside a claimant, the best plan depends on the words: each such search is planned for itself.
    for (let i = 0; i < 3; i++) {
      t.equal((await app.inject({ method: 'GET', url: '/v1/claims?q=unemployment&sort=-createdAt' })).statusCode, 200)
    }
    const claimant = first.json().data[0].claimant?.id ?? '00000000-0000-7000-8000-000000000000'
    t.equal((await app.inject({ method: 'GET', url: `/v1/claims?q=unemployment&claimant=${claimant}` })).statusCode, 200)
    const after = await queryRows<{ statement: string }>(database.db.drizzle, sql`
      select statement from pg_prepared_statements where statement like '%ts_rank_cd(%'`)
    t.equal(after.length, 1, 'no search by date or by claimant was kept')

    // An anonymous search runs within the budget: set in the statement's text, so that it has no parameter.
    statements.length = 0
    t.equal((await app.inject({ method: 'GET', url: '/v1/claims?q=unemployment', headers: anonymous })).statusCode, 200)
    const budget = statements.filter((s) => s.includes("set_config('statement_timeout'"))
    t.equal(budget.length, 1, 'the budget is set once')
    t.match(budget[0], /set_config\('statement_timeout', '1500', true\)/, 'with the timeout in its text')
    t.notMatch(budget[0], /\$\d/, 'and no parameter')
  }
})
