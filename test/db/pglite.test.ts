// The embedded database off the request thread (src/db/pglite.ts): a long statement does not stop the process answering
// HTTP, and DATABASE_STATEMENT_TIMEOUT holds on it as on the Postgres server (the statement fails 57014, answered 503).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { parseConfig } from '../../src/config.ts'
import { createDatabase, queryRows, type Database } from '../../src/db/client.ts'
import { errorCodes, transientDatabaseError } from '../../src/db/errors.ts'
import { build, freshDatabase, onServer, pgliteTemplate } from '../helper.ts'

/** Settles with how the promise ended and how long it took. */
async function timed (promise: Promise<unknown>) {
  const started = performance.now()
  try {
    await promise
    return { error: undefined, ms: performance.now() - started }
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
}

/** Retries `select` until the database answers it (after a statement past its timeout it may still be busy, 503). */
async function answers<T> (database: Database, query: Parameters<typeof queryRows>[1], withinMs: number): Promise<T[]> {
  const deadline = performance.now() + withinMs
  for (;;) {
    try {
      return await queryRows<T>(database.db.drizzle, query)
    } catch (error) {
      if (transientDatabaseError(error) === undefined || performance.now() > deadline) throw error
      await sleep(100)
    }
  }
}

const timeouts = (statementMs: number) => ({ ...parseConfig({}).databaseTimeouts, statementMs })

t.test('a long statement does not hold up the process: /healthz answers while it runs', async (t) => {
  const app = await build(t)
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'answers before')
  const started = performance.now()
  let finished = false
  const long = app.db.execute(sql`select pg_sleep(3)`).finally(() => { finished = true })
  await sleep(50)
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  const elapsed = performance.now() - started
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
  t.notOk(finished, 'answered while the statement was still running')
  t.ok(elapsed < 1000, `answered within 1 s (${Math.round(elapsed)} ms)`)
  await long
})

t.test('a statement past DATABASE_STATEMENT_TIMEOUT fails with 57014 (503) in time, and the database carries on', async (t) => {
  // On the server, a database of its own opened with a short timeout; on PGlite, a copy of the migrated template.
  const env = onServer ? (await freshDatabase(t)).env : {}
  const database = await createDatabase({
    databaseUrl: env.DATABASE_URL,
    pgliteDir: 'memory://',
    databasePoolSize: 2,
    databaseTimeouts: timeouts(500),
    ...(!onServer && { pgliteDataDir: await pgliteTemplate() }),
  })
  t.teardown(() => database.close())
  await database.db.drizzle.execute(sql`create table kept (id int primary key)`)
  await database.db.drizzle.execute(sql`insert into kept values (1)`)

  const { error, ms } = await timed(database.db.drizzle.execute(sql`select pg_sleep(4)`))
  t.ok(error, 'the statement fails')
  t.ok(errorCodes(error).includes('57014'), `SQLSTATE 57014 (${errorCodes(error).join(', ')})`)
  t.ok(transientDatabaseError(error), 'answered 503 with Retry-After by the API')
  t.ok(ms < 2000, `within 2 s (${Math.round(ms)} ms)`)

  // The in-memory database cannot be reopened: its statement runs to its end meanwhile (requests are answered 503).
  t.same(await answers(database, sql`select count(*)::int as n from kept`, 15_000), [{ n: 1 }], 'the data is intact')
})

if (!onServer) {
  t.test('on a data directory, a statement past its timeout is stopped: the database reopens with what was committed', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'claimtrack-pglite-timeout-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const database = await createDatabase({
      databaseUrl: undefined,
      pgliteDir: dir,
      databasePoolSize: 1,
      databaseTimeouts: timeouts(500),
      pgliteDataDir: await pgliteTemplate(),
    })
    t.teardown(() => database.close())
    await database.db.drizzle.execute(sql`create table kept (id int primary key)`)
    await database.db.transaction(async (tx) => { await tx.execute(sql`insert into kept values (1), (2)`) })

    const { error, ms } = await timed(database.db.drizzle.execute(sql`select pg_sleep(600)`))
    t.ok(errorCodes(error).includes('57014'), `SQLSTATE 57014 (${errorCodes(error).join(', ')})`)
    t.ok(ms < 2000, `within 2 s (${Math.round(ms)} ms)`)
    // Not the ten minutes of the statement: the worker was stopped and the data directory reopened.
    t.same(await answers(database, sql`select count(*)::int as n from kept`, 60_000), [{ n: 2 }], 'what was committed is there')
    t.equal(database.poolStats().inUse, 0, 'the connection is free')
  })
}

if (!onServer) {
  t.test('shared_buffers: PGlite\'s 128MB unless the option names another (the tests\' databases use 16MB)', async (t) => {
    const shared = async (database: Database) =>
      (await queryRows<{ shared_buffers: string }>(database.db.drizzle, sql`show shared_buffers`))[0]?.shared_buffers
    const template = await pgliteTemplate()
    const open = (sharedBuffers?: string) => createDatabase({
      databaseUrl: undefined,
      pgliteDir: 'memory://',
      databasePoolSize: 1,
      databaseTimeouts: timeouts(10_000),
      pgliteDataDir: template,
      ...(sharedBuffers !== undefined && { pgliteSharedBuffers: sharedBuffers }),
    })
    const small = await open('16MB')
    t.teardown(() => small.close())
    t.equal(await shared(small), '16MB')
    const usual = await open()
    t.teardown(() => usual.close())
    t.equal(await shared(usual), '128MB')
    const { database } = await freshDatabase(t)
    t.equal(await shared(database), '16MB', 'what freshDatabase hands a test')
  })
}
