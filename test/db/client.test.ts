// createDatabase: migrations on an empty database (PGlite, or the Postgres server when DATABASE_URL is set), applying
// them again, concurrent migrators serialised by the advisory lock, ping and close.
import { randomBytes } from 'node:crypto'
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql, type SQL } from 'drizzle-orm'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { createDatabase, migrationsFolder, type Database } from '../../src/db/client.ts'
import { migrate } from '../../src/container.ts'
import { parseConfig } from '../../src/config.ts'

/** The default DATABASE_*_TIMEOUT settings, for the databases opened here. */
const { databaseTimeouts } = parseConfig({})

const serverUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL
const onServer = serverUrl !== undefined

const journal: { entries: Array<{ tag: string, when: number }> } =
  JSON.parse(await readFile(join(migrationsFolder, 'meta', '_journal.json'), 'utf8'))

/**
 * An empty database for this test, dropped when it ends. `open()` connects to it; on PGlite each call opens the
 * same data directory (memory:// gives a single, unshared instance, so `reopenable` uses a temp directory).
 */
async function emptyDatabase (t: Test, { reopenable = false } = {}) {
  const opened: Database[] = []
  let cleanup = async () => {}
  let open: () => Promise<Database>
  let name = ''
  if (serverUrl !== undefined) {
    name = `ct_client_${randomBytes(6).toString('hex')}`
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database "${name}"`)
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    open = () => createDatabase({ databaseUrl: url.toString(), pgliteDir: 'memory://', databasePoolSize: 2, databaseTimeouts })
    cleanup = async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    }
  } else if (reopenable) {
    const dir = await mkdtemp(join(tmpdir(), 'claimtrack-client-'))
    open = () => createDatabase({ databaseUrl: undefined, pgliteDir: join(dir, 'pglite'), databasePoolSize: 1, databaseTimeouts })
    cleanup = () => rm(dir, { recursive: true, force: true })
  } else {
    open = () => createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://', databasePoolSize: 1, databaseTimeouts })
  }
  t.teardown(async () => {
    for (const database of opened) await database.close()
    await cleanup()
  })
  return {
    name,
    async open () {
      const database = await open()
      opened.push(database)
      return database
    },
  }
}

/** Rows of a raw query, whichever driver answers it. */
async function rows (database: Database, query: SQL): Promise<Array<Record<string, unknown>>> {
  const result: unknown = await database.db.drizzle.execute(query)
  return Array.isArray(result) ? result : (result as { rows: Array<Record<string, unknown>> }).rows
}

// The tables and enums of the first migration; later migrations add more, so these are checked as a subset.
const coreTables = ['appearances', 'claimants', 'claims', 'evidence']
const coreEnums = ['appearance_medium', 'claim_status', 'evidence_stance']

/** Fails unless every expected name is among the actual ones. */
function includesAll (t: Test, actual: unknown[], expected: string[], message: string) {
  t.same(expected.filter((name) => !actual.includes(name)), [], message)
}

const publicTables = async (database: Database) =>
  (await rows(database, sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`))
    .map((r) => r.table_name)

const publicEnums = async (database: Database) =>
  (await rows(database, sql`select t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace where n.nspname = 'public' and t.typtype = 'e' order by t.typname`))
    .map((r) => r.typname)

/** The migrations drizzle has recorded as applied, as the `when` of each journal entry. */
const appliedMigrations = async (database: Database) =>
  (await rows(database, sql`select created_at::text as created_at from drizzle.__drizzle_migrations order by id`))
    .map((r) => Number(r.created_at))

t.test(`migrations create the schema on an empty ${onServer ? 'Postgres server' : 'PGlite'} database`, async (t) => {
  const database = await (await emptyDatabase(t)).open()
  t.equal(database.kind, onServer ? 'postgres' : 'pglite')
  t.same(await publicTables(database), [], 'no tables before migrating')
  t.same((await rows(database, sql`select to_regclass('drizzle.__drizzle_migrations')::text as journal`))[0], { journal: null }, 'no migrations journal yet')

  await migrate(database)

  includesAll(t, await publicTables(database), coreTables, 'creates claimants, claims, appearances, evidence')
  includesAll(t, await publicEnums(database), coreEnums, 'creates the enums')
  t.ok(journal.entries.length > 0, 'the journal lists migrations')
  t.same(await appliedMigrations(database), journal.entries.map((e) => e.when), 'every migration in the journal is recorded once')
})

t.test('applying the migrations again is a no-op', async (t) => {
  const empty = await emptyDatabase(t, { reopenable: true })
  const database = await empty.open()
  await migrate(database)
  await rows(database, sql`insert into organizations (id, slug, name) values ('0198c000-0000-7000-8000-0000000000aa', 'kept', 'Kept')`)
  await rows(database, sql`insert into claims (id, organization_id, text) values ('0198c000-0000-7000-8000-000000000001', '0198c000-0000-7000-8000-0000000000aa', 'Kept across migrate().')`)

  const tables = await publicTables(database)
  await migrate(database)
  t.same(await appliedMigrations(database), journal.entries.map((e) => e.when), 'nothing recorded twice')
  t.same(await publicTables(database), tables, 'the same tables')
  t.same(await rows(database, sql`select text from claims`), [{ text: 'Kept across migrate().' }], 'data untouched')

  // As a restarted process would: close, open the same database again, migrate.
  await database.close()
  const again = await empty.open()
  await migrate(again)
  t.same(await appliedMigrations(again), journal.entries.map((e) => e.when), 'nothing recorded twice after reopening')
  t.same(await rows(again, sql`select text from claims`), [{ text: 'Kept across migrate().' }], 'data survives the reopen')
})

t.test('concurrent migrators on one fresh Postgres database all succeed', { skip: !onServer && 'needs DATABASE_URL' }, async (t) => {
  const empty = await emptyDatabase(t)
  const databases = await Promise.all([empty.open(), empty.open(), empty.open()])
  const results = await Promise.allSettled(databases.map((database) => migrate(database)))
  t.same(results.map((r) => r.status === 'rejected' ? String(r.reason) : r.status), ['fulfilled', 'fulfilled', 'fulfilled'])

  const [first] = databases
  if (!first) throw new Error('no database')
  includesAll(t, await publicTables(first), coreTables, 'the schema is there')
  t.same(await appliedMigrations(first), journal.entries.map((e) => e.when), 'each migration recorded once')
  const locks = await rows(first, sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = ${empty.name})`)
  t.same(locks, [{ n: 0 }], 'the migration lock is released')
})

t.test('ping answers while open and rejects after close', async (t) => {
  const database = await (await emptyDatabase(t)).open()
  await t.resolves(database.ping(), 'ping resolves')
  await t.resolves(database.ping(), 'and again')
  await database.close()
  await t.rejects(database.ping(), 'ping rejects once closed')
  await t.resolves(database.close(), 'closing twice is harmless')
})

t.test('PGlite dump is a data directory another instance can start from', { skip: onServer && 'PGlite only' }, async (t) => {
  const database = await (await emptyDatabase(t)).open()
  await migrate(database)
  const dump = await database.dump?.()
  t.ok(dump, 'a dump is returned')
  if (!dump) return
  const copy = await createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://', databasePoolSize: 1, pgliteDataDir: dump, databaseTimeouts })
  t.teardown(() => copy.close())
  t.same(await publicTables(copy), await publicTables(database), 'the copy has the same tables')
  await migrate(copy)
  t.same(await appliedMigrations(copy), journal.entries.map((e) => e.when), 'already migrated')
})
