// The tests' databases: a migrated template per test process (PGlite dump or Postgres template database), a fresh
// copy for each test, reset and reused when the test ends.
import { createHash, randomBytes } from 'node:crypto'
import { cp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import tap, { type Test } from 'tap'
import { parseConfig } from '../../src/config.ts'
import { migrate } from '../../src/container.ts'
import { createDatabase, queryRows, type Database } from '../../src/db/client.ts'
import { JOB_SCHEMA } from '../../src/jobs/index.ts'

const serverUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL
export const onServer = serverUrl !== undefined

/** The default DATABASE_*_TIMEOUT settings, for the databases the tests open themselves. */
export const { databaseTimeouts } = parseConfig({})

function withDatabase (url: string, name: string) {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/**
 * What a migrated template depends on: the migrations, the job engine's version, and for PGlite its version (which may
 * store data otherwise).
 */
async function templateKey (): Promise<string> {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const migrations = join(root, 'migrations')
  const pglite = JSON.parse(await readFile(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string }
  // The migrations also install the job engine's tables, which depend on its version.
  const boss = JSON.parse(await readFile(join(root, 'node_modules/pg-boss/package.json'), 'utf8')) as { version: string }
  const hash = createHash('sha256').update(pglite.version).update(boss.version)
  for (const name of (await readdir(migrations, { recursive: true })).sort()) {
    const path = join(migrations, name)
    if ((await stat(path)).isFile()) hash.update(name).update(await readFile(path))
  }
  return hash.digest('hex').slice(0, 16)
}

/**
 * A migrated PGlite data directory, made once per set of migrations and kept in the temp directory, so that the test
 * processes (one per file) do not each spend seconds migrating. Written under a temporary name and renamed, so a
 * process never reads a half-written one.
 */
export async function pgliteTemplate (): Promise<File> {
  const file = join(tmpdir(), `claimtrack-pglite-template-${await templateKey()}.tar`)
  try {
    return new File([await readFile(file)], 'template.tar')
  } catch {}
  const db = await createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://', databasePoolSize: 1, databaseTimeouts })
  await migrate(db)
  const dump = await db.dump?.()
  await db.close()
  if (!dump) throw new Error('PGlite dump unavailable')
  const partial = `${file}.${process.pid}.tmp`
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
  await rename(partial, file)
  return new File([await readFile(file)], 'template.tar')
}

let templateDir: Promise<string> | undefined
/**
 * The migrated template as a PGlite data directory, unpacked from the dump once per set of migrations (by PGlite
 * itself, into a directory under a temporary name that is then renamed) and kept in the temp directory beside it.
 */
function pgliteTemplateDir (): Promise<string> {
  templateDir ??= (async () => {
    const dir = join(tmpdir(), `claimtrack-pglite-template-${await templateKey()}.dir`)
    if (await stat(join(dir, 'PG_VERSION')).then(() => true, () => false)) return dir
    const partial = `${dir}.${process.pid}.tmp`
    await rm(partial, { recursive: true, force: true })
    const db = await createDatabase({
      databaseUrl: undefined,
      pgliteDir: partial,
      databasePoolSize: 1,
      pgliteDataDir: await pgliteTemplate(),
      databaseTimeouts: { ...databaseTimeouts, statementMs: 600_000 },
    })
    await db.close()
    // Another process may have renamed its copy first: then this one is not needed.
    await rename(partial, dir).catch(() => rm(partial, { recursive: true, force: true }))
    return dir
  })()
  return templateDir
}

/**
 * Puts a migrated embedded database at `pgliteDir` (which must not exist yet) and returns the path, for a process a
 * test starts with PGLITE_DIR: it opens a database as the deploy step's migration leaves one, instead of spending a
 * PGlite initdb and every migration (about 10 s of CPU, minutes on a loaded machine) before it does what the test is
 * about. Tests whose point is the first start on an empty directory do not use it.
 */
export async function migratedPgliteDir (pgliteDir: string): Promise<string> {
  await cp(await pgliteTemplateDir(), pgliteDir, { recursive: true, errorOnExist: true, force: false })
  return pgliteDir
}

/**
 * A migrated template database on the server, made once per set of migrations and shared by the test processes
 * (the first one makes it under an advisory lock; the others wait, then copy it). `.ci/run` drops them afterwards.
 */
async function postgresTemplate (server: string): Promise<string> {
  const name = `ct_tpl_${await templateKey()}`
  const admin = postgres(server, { max: 1, onnotice: () => {} })
  try {
    await admin`select pg_advisory_lock(7243911099)`
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`
    if (!exists) {
      const building = `${name}_${process.pid}`
      await admin.unsafe(`drop database if exists "${building}"`)
      await admin.unsafe(`create database "${building}"`)
      const db = await createDatabase({ databaseUrl: withDatabase(server, building), pgliteDir: 'memory://', databasePoolSize: 2, databaseTimeouts })
      await migrate(db)
      await db.close()
      await admin.unsafe(`alter database "${building}" rename to "${name}"`)
    }
    await admin`select pg_advisory_unlock(7243911099)`
    return name
  } finally {
    await admin.end()
  }
}

// One migrated template per test process; each test gets a copy of it.
type Template = { kind: 'pglite', dump: Blob | File } | { kind: 'postgres', server: string, name: string }
let template: Promise<Template> | undefined
function migratedTemplate () {
  template ??= (async () => {
    if (serverUrl === undefined) return { kind: 'pglite', dump: await pgliteTemplate() }
    const name = await postgresTemplate(serverUrl)
    return { kind: 'postgres', server: serverUrl, name }
  })()
  return template
}

/**
 * Databases that earlier tests of this process are done with. A new one costs a second or more (loading the migrated
 * template into a PGlite instance, or copying the template database on the server); emptying a used one back to the
 * template's contents costs a few milliseconds. Each test still gets a database that only it uses.
 */
interface Pooled { database: Database, env: Record<string, string>, dispose: () => Promise<void> }
const idle: Pooled[] = []
/** The rows the migrations themselves put in (the built-in rating scales), restored into a reused database. */
let migratedRows: Promise<Array<{ table: string, rows: unknown[] }>> | undefined

async function rowsOf (database: Database) {
  const tables = await queryRows<{ name: string }>(database.db.drizzle, sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`)
  return Promise.all(tables.map(async ({ name }) => ({
    table: name,
    rows: (await queryRows<{ row: unknown }>(database.db.drizzle, sql.raw(`select to_jsonb(t) as row from "${name}" t`))).map((r) => r.row),
  })))
}

/** Empties every table of a used database and puts back what the migrations had put there. */
async function reset (database: Database) {
  const contents = await (migratedRows ?? Promise.reject(new Error('no template rows')))
  const tables = contents.map((c) => `"${c.table}"`).join(', ')
  await database.db.transaction(async (tx) => {
    // Triggers and foreign keys are off for the restore: the rows go back exactly as the template had them.
    await tx.execute(sql`set local session_replication_role = replica`)
    await tx.execute(sql.raw(`truncate ${tables} restart identity cascade`))
    // The job engine's jobs (its queues and version stay, as the migrations made them).
    await tx.execute(sql.raw(`truncate ${JOB_SCHEMA}.job`))
    for (const { table, rows } of contents) {
      if (rows.length > 0) await tx.execute(sql`insert into ${sql.identifier(table)} select * from jsonb_populate_recordset(null::${sql.identifier(table)}, ${JSON.stringify(rows)}::jsonb)`)
    }
    // The materialised views (matching statistics) as the migrations left them: computed over the restored rows.
    const views = await queryRows<{ name: string }>(tx, sql`select matviewname as name from pg_matviews where schemaname = 'public'`)
    for (const { name } of views) await tx.execute(sql`refresh materialized view ${sql.identifier(name)}`)
  })
}

/** A new database copied from the migrated template. */
async function newDatabase (source: Template): Promise<Pooled> {
  if (source.kind === 'pglite') {
    // Its one connection serves a test's concurrent requests one statement or transaction at a time: on a busy 2-core
    // machine twenty of them queue for longer than the default 2 s wait, which would answer them 503.
    const patient = { ...databaseTimeouts, acquireMs: 60_000 }
    // 16MB of shared buffers, not PGlite's 128MB, which it touches as it starts: half a second of CPU less per database
    // (docs/development.md#test-timing), for databases that hold a few rows.
    const database = await createDatabase({
      databaseUrl: undefined,
      pgliteDir: 'memory://',
      databasePoolSize: 1,
      pgliteDataDir: source.dump,
      pgliteSharedBuffers: '16MB',
      databaseTimeouts: patient,
    })
    return { database, env: {}, dispose: () => database.close() }
  }
  const name = `ct_test_${randomBytes(6).toString('hex')}`
  const admin = postgres(source.server, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`create database "${name}" template "${source.name}"`)
  } finally {
    await admin.end()
  }
  const url = withDatabase(source.server, name)
  const database = await createDatabase({ databaseUrl: url, pgliteDir: 'memory://', databasePoolSize: 5, databaseTimeouts })
  return {
    database,
    // A server refuses to start without a cursor secret of its own (CURSOR_SECRET is required with DATABASE_URL).
    env: { DATABASE_URL: url, CURSOR_SECRET: 'claimtrack-test-cursor-secret' },
    async dispose () {
      await database.close()
      const again = postgres(source.server, { max: 1, onnotice: () => {} })
      try {
        await again.unsafe(`drop database if exists "${name}" with (force)`)
      } finally {
        await again.end()
      }
    },
  }
}

/**
 * A fresh, migrated database that only this test uses, handed back for reuse when the test ends; or, `disposable`,
 * closed (and dropped) for good once the test or the app closes it (for tests that close it on purpose).
 */
export async function freshDatabase (
  t: Test,
  options: { disposable?: boolean } = {}
): Promise<{ database: Database; env: Record<string, string> }> {
  const source = await migratedTemplate()
  let pooled = idle.pop()
  if (pooled) {
    await reset(pooled.database)
  } else {
    pooled = await newDatabase(source)
    if (migratedRows === undefined) {
      // Once every test of the file is done, the databases are closed (and dropped), so that the process can exit.
      tap.teardown(async () => {
        await Promise.all(idle.splice(0).map((p) => p.dispose()))
      })
      migratedRows = rowsOf(pooled.database)
    }
    await migratedRows
  }
  // The app closes its database, and so does the test's teardown: either hands it back, once, for the next test.
  const handed = pooled
  let released: Promise<void> | undefined
  const release = () =>
    (released ??= options.disposable
      ? handed.dispose()
      : Promise.resolve().then(() => {
        idle.push(handed)
      }))
  t.teardown(release)
  return { database: { ...handed.database, close: release }, env: handed.env }
}
