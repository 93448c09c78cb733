// The database's front door (src/db/gate.ts): a request that finds every connection taken waits at most
// DATABASE_ACQUIRE_TIMEOUT, then is answered 503 with Retry-After, changes nothing, and is served again once a
// connection is free. Here the pool has one connection (the embedded database has one anyway), held by a transaction.
import { count, eq, sql, type SQL } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { createDatabase, readWithin } from '../../src/db/client.ts'
import { createGate, DatabaseBusyError } from '../../src/db/gate.ts'
import { claims } from '../../src/db/schema.ts'
import { anonymous, databaseTimeouts, freshDatabase, onServer, pgliteTemplate, withTestOrganization } from '../helper.ts'

const ACQUIRE_MS = 300

/** The app on a fresh database whose pool has one connection, and waits `acquireMs` for it. */
async function appWithOneConnection (t: Test, acquireMs = ACQUIRE_MS) {
  const { env } = await freshDatabase(t, { disposable: true })
  const timeouts = { ...databaseTimeouts, acquireMs }
  const database = onServer
    ? await createDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: 'memory://', databasePoolSize: 1, databaseTimeouts: timeouts })
    : await createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://', pgliteDataDir: await pgliteTemplate(), databasePoolSize: 1, databaseTimeouts: timeouts })
  const config = parseConfig({
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    LOAD_SHED_EVENT_LOOP_DELAY: '0',
    LOAD_SHED_HEAP_USED: '0',
    ...env,
    DATABASE_POOL_SIZE: '1',
    DATABASE_ACQUIRE_TIMEOUT: String(acquireMs),
  })
  const app = await buildApp(config, { database })
  t.teardown(() => app.close())
  await withTestOrganization(app)
  return app
}

function isUnavailable (t: Test, res: LightMyRequestResponse, what: string) {
  t.equal(res.statusCode, 503, `${what}: 503 (${res.body.slice(0, 200)})`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`)
  t.match(res.headers['retry-after'], /^\d+$/, `${what}: Retry-After`)
  t.equal(res.json().status, 503, `${what}: problem status`)
}

/** Refused for want of a connection: the problem says the database is busy, and to retry in a second. */
function isBusy (t: Test, res: LightMyRequestResponse, what: string) {
  isUnavailable(t, res, what)
  t.equal(res.headers['retry-after'], '1', `${what}: retry in a second`)
  t.match(res.json().detail, /too busy/, `${what}: the problem says why`)
}

t.test('every connection taken: requests get 503 with Retry-After, change nothing, and are served once it is free', async (t) => {
  const app = await appWithOneConnection(t)

  // A transaction left open until the test ends it holds the one connection.
  let end = () => {}
  const ended = new Promise<void>((resolve) => { end = resolve })
  let holding = () => {}
  const held = new Promise<void>((resolve) => { holding = resolve })
  const work = () => app.database.db.transaction(async (tx) => {
    await tx.execute(sql`select 1`)
    holding()
    await ended
  })
  const holder = work()
  await held
  t.match(app.database.poolStats(), { inUse: 1, waiting: 0, size: 1 }, 'the connection is in use')

  isBusy(t, await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous }), 'anonymous list')
  isBusy(t, await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Waits for no one.' } }), 'write with a key')
  isUnavailable(t, await app.inject({ method: 'GET', url: '/readyz' }), 'readiness')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness does not wait for the database')
  t.match(app.database.poolStats(), { inUse: 1, waiting: 0 }, 'the refused requests left nothing waiting')

  end()
  await holder
  // One after another on the one connection: each would be refused if the one before had kept its place.
  t.equal((await app.inject({ method: 'GET', url: '/v1/claims' })).statusCode, 200, 'served again')
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready again')
  t.equal((await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Served in turn.' } })).statusCode, 201, 'writes again')
  t.equal((await app.inject({ method: 'GET', url: '/v1/claims' })).json().data.length, 1, 'and reads what it wrote')
  t.equal((await app.db.select({ n: count() }).from(claims).where(eq(claims.text, 'Waits for no one.')))[0]?.n, 0, 'the refused write made nothing')
})

t.test('the gate: a statement takes one place, a transaction a whole connection, first come first served', async (t) => {
  // One connection with three places: what postgres.js may pipeline on it.
  const gate = createGate(1, 200, 3)
  t.same(gate.stats(), { inUse: 0, waiting: 0, size: 3 })
  const opened: Array<() => void> = []
  const hold = (kind: 'statement' | 'connection', order: string[], name: string) =>
    gate[kind](() => new Promise<void>((resolve) => {
      order.push(name)
      opened.push(resolve)
    }))
  const order: string[] = []
  const statements = [hold('statement', order, 's1'), hold('statement', order, 's2')]
  await Promise.resolve()
  t.same(order, ['s1', 's2'], 'two statements share the connection at once')
  const transaction = hold('connection', order, 'tx')
  const later = hold('statement', order, 's3')
  await Promise.resolve()
  t.same(gate.stats(), { inUse: 2, waiting: 2, size: 3 }, 'the transaction waits for the whole connection, and the statement after it waits behind it')
  for (const done of opened.splice(0)) done()
  await Promise.all(statements)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(order, ['s1', 's2', 'tx'], 'the transaction goes first once the statements are done')
  t.same(gate.stats(), { inUse: 3, waiting: 1, size: 3 })
  for (const done of opened.splice(0)) done()
  await transaction
  await new Promise((resolve) => setImmediate(resolve))
  t.same(order, ['s1', 's2', 'tx', 's3'])
  for (const done of opened.splice(0)) done()
  await later
  t.same(gate.stats(), { inUse: 0, waiting: 0, size: 3 }, 'every place is given back')
})

t.test('the gate: a transaction that gives up at the head of the line lets the statements behind it in', async (t) => {
  const gate = createGate(1, 100, 2)
  let release = () => {}
  const held = gate.statement(() => new Promise<void>((resolve) => { release = resolve }))
  const transaction = gate.connection(async () => 'ran')
  const statement = gate.statement(async () => 'ran')
  await t.rejects(transaction, DatabaseBusyError, 'the transaction found no whole connection in time')
  t.equal(await statement, 'ran', 'the statement behind it took the free place')
  release()
  await held
  t.same(gate.stats(), { inUse: 0, waiting: 0, size: 2 })
})

t.test('pipelined statements on one connection of the server: each gets its own answer, an error stays its own', { skip: onServer ? false : 'the embedded database has one connection and no pipeline' }, async (t) => {
  const { env } = await freshDatabase(t, { disposable: true })
  const database = await createDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: 'memory://', databasePoolSize: 1, databasePipelineDepth: 3, databaseTimeouts })
  t.teardown(() => database.close())
  const { db } = database
  const run = (text: SQL) => db.use(undefined, (ex) => ex.execute(text)).then(
    (rows) => (rows as unknown as Array<Record<string, unknown>>)[0],
    (error: unknown) => error
  )
  const answers = Promise.all([
    run(sql`select pg_backend_pid() as pid, pg_sleep(0.2)::text as slept, 1 as n`),
    run(sql`select pg_backend_pid() as pid, 1 / (select 0) as n`),
    run(sql`select pg_backend_pid() as pid, 3 as n`),
  ])
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.match(database.poolStats(), { inUse: 3, waiting: 0, size: 3 }, 'three statements in flight on the one connection')
  const [first, failed, third] = await answers
  t.match(first, { n: 1 })
  t.match(failed, { cause: { code: '22012' } }, 'the failed statement fails alone (division by zero)')
  t.match(third, { n: 3 }, 'the statement after it has its own answer')
  t.equal((third as { pid: number }).pid, (first as { pid: number }).pid, 'on the same backend')
  t.same(database.poolStats(), { inUse: 0, waiting: 0, size: 3 })
})

t.test('a search within its time budget holds a whole connection, as a transaction does', { skip: onServer ? false : 'the embedded database runs searches without a budget transaction' }, async (t) => {
  const { env } = await freshDatabase(t, { disposable: true })
  const database = await createDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: 'memory://', databasePoolSize: 1, databasePipelineDepth: 3, databaseTimeouts: { ...databaseTimeouts, acquireMs: 200 } })
  t.teardown(() => database.close())
  let release = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  let open = () => {}
  const opened = new Promise<void>((resolve) => { open = resolve })
  const search = readWithin(database.db, 5_000, async (tx) => {
    await tx.execute(sql`select 1`)
    open()
    await held
    return 'searched'
  })
  await opened
  t.same(database.poolStats(), { inUse: 3, waiting: 0, size: 3 }, 'all the connection\'s places')
  await t.rejects(database.db.use(undefined, (ex) => ex.execute(sql`select 1`)), DatabaseBusyError, 'no statement is sent behind the open transaction')
  release()
  t.equal(await search, 'searched')
  t.same(database.poolStats(), { inUse: 0, waiting: 0, size: 3 })
})

t.test('the gate: a transaction starts only while a connection is idle, never behind other statements', async (t) => {
  // Two connections, two places each: two statements may be on both connections, so a transaction waits for one of
  // them though half the places are free.
  const gate = createGate(2, 1_000, 2)
  const releases: Array<() => void> = []
  const hold = () => gate.statement(() => new Promise<void>((resolve) => { releases.push(resolve) }))
  const first = hold()
  let started = false
  const alone = gate.connection(async () => { started = true })
  await alone
  t.ok(started, 'one statement in flight leaves a connection idle: the transaction starts at once')
  const second = hold()
  started = false
  const transaction = gate.connection(async () => { started = true })
  await new Promise((resolve) => setImmediate(resolve))
  t.notOk(started, 'two statements may hold both connections: the transaction waits')
  t.same(gate.stats(), { inUse: 2, waiting: 1, size: 4 })
  releases.shift()?.()
  await first
  await transaction
  t.ok(started, 'it starts once a statement is done')
  releases.shift()?.()
  await second
  t.same(gate.stats(), { inUse: 0, waiting: 0, size: 4 })
})
