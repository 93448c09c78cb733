// GET /v1/changes: the partner sync feed. Every change of a claim or published review, in transaction order, with
// the entity as it is now; a change committed while an older transaction still runs is held back, never skipped.
import type { FastifyInstance } from 'fastify'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { buildApp } from '../../../src/app.ts'
import { parseConfig } from '../../../src/config.ts'
import { build, change, createClaim, freshDatabase, isProblem, onServer, settle, withTestOrganization } from '../../helper.ts'

interface Entry {
  type: string
  id: string
  action: string
  version: number
  at: string
  entity: Record<string, unknown>
}
interface FeedPage { data: Entry[], nextCursor: string }

const ready = { ratingScale: 'truth-o-meter', rating: 'false', ratingExplanation: 'No.', url: 'https://factcheck.example.org/moon', author: { name: 'Example Fact Check' } }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const brief = (entries: Entry[]) => entries.map((e) => [e.type, e.id, e.action, e.version])

async function feed (app: FastifyInstance, after?: string, limit?: number): Promise<FeedPage> {
  const query = new URLSearchParams()
  if (after !== undefined) query.set('after', after)
  if (limit !== undefined) query.set('limit', String(limit))
  const res = await app.inject({ method: 'GET', url: `/v1/changes?${query}` })
  if (res.statusCode !== 200) throw new Error(`feed: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Reads page after page until the cursor stops moving; returns everything read and the cursor to poll with. */
async function drain (app: FastifyInstance, after?: string, limit?: number) {
  const items: Entry[] = []
  let cursor = after
  for (;;) {
    const page = await feed(app, cursor, limit)
    items.push(...page.data)
    if (page.nextCursor === cursor) return { items, cursor: page.nextCursor }
    cursor = page.nextCursor
  }
}

const claimsNow = async (app: FastifyInstance) =>
  new Map<string, Record<string, unknown>>((await app.inject({ method: 'GET', url: '/v1/claims?limit=100' })).json().data.map((c: { id: string }) => [c.id, c]))

t.test('lists every change in order with the entity as it is now, and polls from nextCursor', async (t) => {
  const app = await build(t)
  const empty = await feed(app)
  t.same(empty.data, [], 'nothing yet')
  t.type(empty.nextCursor, 'string', 'a cursor even on an empty feed')
  t.same((await feed(app, empty.nextCursor)).data, [], 'the empty-feed cursor works')

  const a = await createClaim(app, { text: 'Claim A.' })
  const b = await createClaim(app, { text: 'Claim B.' })
  const c = await createClaim(app, { text: 'Claim C.' })
  t.equal((await change(app, 'PATCH', `/v1/claims/${a.id}`, { text: 'Claim A, revised.' })).statusCode, 200)
  t.equal((await change(app, 'DELETE', `/v1/claims/${c.id}`)).statusCode, 204)
  await settle(app)

  const all = await drain(app)
  t.same(brief(all.items), [
    ['claim', a.id, 'create', 1],
    ['claim', b.id, 'create', 1],
    ['claim', c.id, 'create', 1],
    ['claim', a.id, 'update', 2],
    ['claim', c.id, 'delete', 2],
  ], 'five changes, in order')
  const now = await claimsNow(app)
  const [aCreate, bCreate, cCreate, aUpdate, cDelete] = all.items
  t.same(aCreate?.entity, now.get(a.id), 'the create of A carries A as it is now')
  t.equal(aCreate?.entity.text, 'Claim A, revised.', 'so with the new text')
  t.same(aUpdate?.entity, now.get(a.id))
  t.same(bCreate?.entity, now.get(b.id))
  t.same(cCreate?.entity, { id: c.id, deleted: true }, 'a deleted claim is a tombstone, even in its create')
  t.same(cDelete?.entity, { id: c.id, deleted: true })
  t.equal(aCreate?.at, a.updatedAt, 'at is when the change was made')
  t.equal(aUpdate?.at, now.get(a.id)?.updatedAt)

  const polled = await feed(app, all.cursor)
  t.same(polled, { data: [], nextCursor: all.cursor }, 'caught up: nothing new, the same cursor back')
  t.same(await feed(app, all.cursor), { data: [], nextCursor: all.cursor }, 'and it keeps working')

  t.equal((await change(app, 'PATCH', `/v1/claims/${b.id}`, { text: 'Claim B, revised.' })).statusCode, 200)
  await settle(app)
  const next = await feed(app, all.cursor)
  t.same(brief(next.data), [['claim', b.id, 'update', 2]], 'only the new change')
  t.equal(next.data[0]?.entity.text, 'Claim B, revised.')
  t.not(next.nextCursor, all.cursor, 'the cursor moves on')
  t.same((await feed(app, next.nextCursor)).data, [])

  const full = await drain(app, undefined, 100)
  const paged = await drain(app, undefined, 2)
  t.equal(full.items.length, 6)
  t.same(paged.items, full.items, 'pages of 2 give the same sequence as one page of 100')
  t.equal(paged.cursor, full.cursor, 'and end on the same cursor')
})

t.test('a review appears once published, with its create, and the claim it reviews changes too', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  await settle(app)
  const before = await drain(app)

  const res = await app.inject({ method: 'POST', url: `/v1/claims/${claim.id}/reviews`, payload: ready })
  t.equal(res.statusCode, 201)
  const review = res.json()
  await settle(app)
  const drafted = await feed(app, before.cursor)
  t.same(drafted.data, [], 'a draft is not in the feed')
  t.notOk((await drain(app)).items.some((e) => e.type === 'review'), 'not even from the start')

  const url = `/v1/claims/${claim.id}/reviews/${review.id}`
  const etag = (await app.inject({ method: 'GET', url })).headers.etag as string
  t.equal((await app.inject({ method: 'POST', url: `${url}/publish`, headers: { 'if-match': etag } })).statusCode, 200)
  await settle(app)
  const published = (await app.inject({ method: 'GET', url })).json()
  const claimNow = (await claimsNow(app)).get(claim.id)
  t.equal(claimNow?.status, 'reviewed')

  const polled = await feed(app, drafted.nextCursor)
  t.same(brief(polled.data), [['review', review.id, 'publish', 2], ['claim', claim.id, 'update', 2]], 'a poller sees the publish and the claim update')
  t.same(polled.data[0]?.entity, published, 'the review as it is now')
  t.match(polled.data[1]?.entity, { status: 'reviewed', currentVerdict: { reviewId: review.id } })

  const all = await drain(app)
  t.same(brief(all.items), [
    ['claim', claim.id, 'create', 1],
    ['review', review.id, 'create', 1],
    ['review', review.id, 'publish', 2],
    ['claim', claim.id, 'update', 2],
  ], 'from the start the review create is listed too, now that the review is published')
  t.same(all.items[1]?.entity, published)
  t.same(all.items[0]?.entity, claimNow, 'the claim create shows the claim as reviewed')
})

t.test('refuses forged cursors and limits out of range', async (t) => {
  const app = await build(t)
  await createClaim(app)
  await createClaim(app)
  await settle(app)
  const { nextCursor } = await feed(app)
  const [, mac] = nextCursor.split('.')
  const forged = `${Buffer.from(JSON.stringify({ tx: '999999', seq: 0 })).toString('base64url')}.${mac}`
  const otherList = (await app.inject({ method: 'GET', url: '/v1/claims?limit=1' })).json().nextCursor
  t.type(otherList, 'string', 'a cursor of the claims list')
  for (const after of ['garbage', forged, otherList, `${nextCursor}x`, `${nextCursor}.x`]) {
    isProblem(t, await app.inject({ method: 'GET', url: `/v1/changes?after=${encodeURIComponent(after)}` }), 400, 'invalid-cursor')
  }
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/changes?limit=0' }), 400, 'validation-failed')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/changes?limit=1001' }), 400, 'validation-failed')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/changes?limit=ten' }), 400, 'validation-failed')
  t.equal((await app.inject({ method: 'GET', url: '/v1/changes?limit=1000' })).statusCode, 200)
})

/** The app on a fresh database, and a raw connection of its own to that database to hold transactions open with. */
async function appWithRawConnection (t: Test) {
  const { database, env } = await freshDatabase(t)
  const url = env.DATABASE_URL
  if (url === undefined) throw new Error('needs DATABASE_URL')
  const app = await buildApp(parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', ...env }), { database })
  await withTestOrganization(app)
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 500) t.fail(`${request.method} ${request.url} answered ${reply.statusCode}`)
  })
  t.teardown(() => app.close())
  const sql = postgres(url, { max: 4, onnotice: () => {} })
  t.teardown(() => sql.end())
  return { app, sql }
}

// On PGlite the app has a single connection, so transactions cannot interleave and none can commit out of order.
const serverOnly = { skip: !onServer && 'needs the Postgres server (DATABASE_URL): PGlite has one connection, so transactions cannot interleave' }

t.test('a change committed while an older transaction runs is held back, then listed after it', serverOnly, async (t) => {
  const { app, sql } = await appWithRawConnection(t)
  const existing = await createClaim(app, { text: 'An existing claim.' })
  await settle(app)
  const { cursor } = await drain(app)

  let lateId: string | undefined
  const t1 = await sql.reserve()
  try {
    await t1`begin`
    await t1`insert into revisions (entity_type, entity_id, claim_id, version, action, actor, at, after)
             values ('claim', ${existing.id}, ${existing.id}, 99, 'update', 'test', now(), '{}'::jsonb)`
    const late = await createClaim(app, { text: 'Committed while an older transaction runs.' })
    lateId = late.id
    const [xids] = await sql`select (select tx_id from revisions where version = 99) is null as t1_invisible,
                                    (select tx_id::text from revisions where entity_id = ${late.id}) as t2`
    t.ok(xids?.t1_invisible, 'T1 has not committed')
    t.type(xids?.t2, 'string', 'T2 has committed')

    const held = await feed(app, cursor)
    t.notOk(held.data.some((e) => e.id === late.id), 'T2 is held back while the older T1 runs')
    t.same(held, { data: [], nextCursor: cursor }, 'nothing at all, and the cursor does not move past T1')

    await t1`commit`
  } finally {
    t1.release()
  }
  await settle(app)
  const after = await feed(app, cursor)
  t.same(brief(after.data), [['claim', existing.id, 'update', 99], ['claim', lateId, 'create', 1]], 'both now, T1 first')
  t.equal(after.data[1]?.entity.text, 'Committed while an older transaction runs.')
  t.same(await feed(app, after.nextCursor), { data: [], nextCursor: after.nextCursor })
})

t.test('a reader polling during concurrent writers sees every change exactly once, in order', serverOnly, async (t) => {
  const { app, sql } = await appWithRawConnection(t)
  const targets = [await createClaim(app), await createClaim(app), await createClaim(app)]
  const random = (min: number, max: number) => min + Math.random() * (max - min)

  const seen: Entry[] = []
  const writers = { done: false }
  let polls = 0
  const reader = (async () => {
    let cursor: string | undefined
    while (!writers.done) {
      const page = await feed(app, cursor, 5)
      seen.push(...page.data)
      cursor = page.nextCursor
      polls++
      await sleep(2)
    }
    await settle(app)
    const rest = await drain(app, cursor, 5)
    seen.push(...rest.items)
    t.same(await feed(app, rest.cursor), { data: [], nextCursor: rest.cursor }, 'a final read finds nothing new')
  })()

  const creates = Array.from({ length: 20 }, async (_, i) => {
    await sleep(random(0, 150))
    return createClaim(app, { text: `Concurrent claim ${i}.` })
  })
  // Each raw transaction takes its xid with its first revision, then sleeps while API writes commit around it.
  const raw = targets.map(async (claim, i) => {
    await sleep(random(0, 100))
    await sql.begin(async (tx) => {
      for (const version of [100 + i * 10, 101 + i * 10]) {
        await tx`insert into revisions (entity_type, entity_id, claim_id, version, action, actor, at, after)
                 values ('claim', ${claim.id}, ${claim.id}, ${version}, 'update', 'test', now(), '{}'::jsonb)`
        await tx`select pg_sleep(${random(0.05, 0.2)})`
      }
    })
  })
  await Promise.all([...creates, ...raw])
  writers.done = true
  await reader

  const rows = await sql<Array<{ entityId: string, version: number }>>`
    select entity_id as "entityId", version from revisions where entity_type = 'claim' order by revisions.tx_id, revisions.seq`
  const key = (r: { entityId?: string, id?: string, version: number }) => `${r.entityId ?? r.id}@${r.version}`
  const seenKeys = seen.map(key)
  t.equal(rows.length, 3 + 20 + 6, 'every write committed a revision')
  t.equal(new Set(seenKeys).size, seenKeys.length, 'nothing seen twice')
  t.same([...seenKeys].sort(), rows.map(key).sort(), 'nothing skipped')
  t.same(seenKeys, rows.map(key), 'seen in transaction order')
  t.ok(polls > 1, `the reader polled while writers ran (${polls} polls)`)
})
