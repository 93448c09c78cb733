// Builds the real app on a fresh, migrated database for each test: PGlite by default, the Postgres server when
// DATABASE_URL is set, with an organisation whose admin key requests send by default. Every 5xx fails the test.
import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import tap, { type Test } from 'tap'
import { buildApp } from '../src/app.ts'
import { parseConfig, type Config } from '../src/config.ts'
import { migrate } from '../src/container.ts'
import { createDatabase, queryRows, type Database } from '../src/db/client.ts'
import { JOB_SCHEMA } from '../src/jobs/index.ts'
import type { Role } from '../src/domain/access.ts'
import type { WriteContext } from '../src/services/history.ts'
import { revisions } from '../src/db/schema.ts'

const serverUrl = process.env.DATABASE_URL === '' ? undefined : process.env.DATABASE_URL
export const onServer = serverUrl !== undefined

/** The default DATABASE_*_TIMEOUT settings, for the databases the tests open themselves. */
export const { databaseTimeouts } = parseConfig({})

function withDatabase (url: string, name: string) {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** What a migrated template depends on: the migrations, the job engine's version, and for PGlite its version (which may store data otherwise). */
async function templateKey (): Promise<string> {
  const root = fileURLToPath(new URL('..', import.meta.url))
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
  const tables = await queryRows<{ name: string }>(database.db, sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`)
  return Promise.all(tables.map(async ({ name }) => ({
    table: name,
    rows: (await queryRows<{ row: unknown }>(database.db, sql.raw(`select to_jsonb(t) as row from "${name}" t`))).map((r) => r.row),
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
    const database = await createDatabase({ databaseUrl: undefined, pgliteDir: 'memory://', databasePoolSize: 1, pgliteDataDir: source.dump, databaseTimeouts: patient })
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
export async function freshDatabase (t: Test, options: { disposable?: boolean } = {}): Promise<{ database: Database, env: Record<string, string> }> {
  const source = await migratedTemplate()
  let pooled = idle.pop()
  if (pooled) {
    await reset(pooled.database)
  } else {
    pooled = await newDatabase(source)
    if (migratedRows === undefined) {
      // Once every test of the file is done, the databases are closed (and dropped), so that the process can exit.
      tap.teardown(async () => { await Promise.all(idle.splice(0).map((p) => p.dispose())) })
      migratedRows = rowsOf(pooled.database)
    }
    await migratedRows
  }
  // The app closes its database, and so does the test's teardown: either hands it back, once, for the next test.
  const handed = pooled
  let released: Promise<void> | undefined
  const release = () => (released ??= options.disposable ? handed.dispose() : Promise.resolve().then(() => { idle.push(handed) }))
  t.teardown(release)
  return { database: { ...handed.database, close: release }, env: handed.env }
}

/** What build() sets up besides the app: an organisation and an admin key that requests use by default. */
export interface TestOrganization { id: string, slug: string, adminKey: string, adminKeyId: string }
const defaults = new WeakMap<FastifyInstance, TestOrganization>()

/** Headers for a request made with no API key at all (build() otherwise sends the test organisation's admin key). */
export const anonymous = { authorization: undefined }

/** Headers that send this API key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

/** The organisation build() made, whose admin key requests carry unless they say otherwise. */
export function testOrganization (app: FastifyInstance): TestOrganization {
  const org = defaults.get(app)
  if (!org) throw new Error('not an app made by build()')
  return org
}

/** A new API key with this role, of the test organisation or of another one (made when missing). */
export async function keyFor (app: FastifyInstance, role: Role, organization = testOrganization(app).slug): Promise<string> {
  const { organization: org } = await app.services.organizations.ensure({ slug: organization, name: `${organization} newsroom` })
  const { key } = await app.services.organizations.createKey(org.id, { name: `${organization} ${role}`, role }, null)
  return key
}

/** The context of a change made through a service directly, for the test organisation. */
export const writeContext = (app: FastifyInstance, actor = 'tester'): WriteContext =>
  ({ actor, actorKeyId: null, organizationId: testOrganization(app).id, requestId: `${actor}-request` })

export interface BuildOptions {
  env?: Record<string, string>
  /** The database is closed for good when the app (or the test) closes it, instead of being reused. */
  disposableDatabase?: boolean
  /** Status codes >= 500 this test expects to cause on purpose. */
  allow5xx?: boolean
}

/**
 * Gives an app the test organisation `newsroom` with an admin key, and makes `app.inject` send that key unless the
 * request sets `authorization` itself (`anonymous` sends none). build() does this; tests that build an app
 * themselves call it.
 */
export async function withTestOrganization (app: FastifyInstance): Promise<TestOrganization> {
  const { organization } = await app.services.organizations.ensure({ slug: 'newsroom', name: 'Test newsroom' })
  const { key: adminKey, row } = await app.services.organizations.createKey(organization.id, { name: 'newsroom admin', role: 'admin' }, null)
  defaults.set(app, { id: organization.id, slug: organization.slug, adminKey, adminKeyId: row.id })
  const inject = app.inject.bind(app)
  app.inject = ((request: InjectOptions) => {
    const headers: Record<string, unknown> = { ...request.headers }
    if (!('authorization' in headers)) headers.authorization = `Bearer ${adminKey}`
    else if (headers.authorization === undefined) delete headers.authorization
    return inject({ ...request, headers } as InjectOptions)
  }) as typeof app.inject
  return testOrganization(app)
}

/**
 * The real app on a fresh database, closed when the test ends. It holds an organisation (`newsroom`) with an admin
 * key, and `app.inject` sends that key unless the request sets `authorization` itself (`anonymous` sends none).
 */
export async function build (t: Test, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { database, env } = await freshDatabase(t, { disposable: options.disposableDatabase ?? false })
  // Load shedding off unless a test turns it on: a loaded test machine (and PGlite, which runs queries on the event
  // loop) would otherwise shed requests that tests expect answered.
  const config: Config = parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', LOAD_SHED_EVENT_LOOP_DELAY: '0', LOAD_SHED_HEAP_USED: '0', ...env, ...options.env })
  const app = await buildApp(config, { database })
  await withTestOrganization(app)
  if (!options.allow5xx) {
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode >= 500) t.fail(`${request.method} ${request.url} answered ${reply.statusCode}`)
    })
  }
  t.teardown(() => app.close())
  return app
}

export function isProblem (t: Test, res: LightMyRequestResponse, status: number, type?: string) {
  t.equal(res.statusCode, status, `status ${status}: ${res.body.slice(0, 300)}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'problem+json content type')
  const body = res.json()
  t.equal(body.status, status, 'problem status matches')
  t.type(body.title, 'string')
  t.type(body.detail, 'string')
  t.type(body.instance, 'string')
  if (type) t.equal(body.type, `/problems/${type}`)
  return body
}

export async function createClaimant (app: FastifyInstance, body: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/v1/claimants', payload: { name: 'Jane Doe', ...body } })
  if (res.statusCode !== 201) throw new Error(`createClaimant: ${res.statusCode} ${res.body}`)
  return res.json()
}

export async function createClaim (app: FastifyInstance, body: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'The moon is made of cheese.', ...body } })
  if (res.statusCode !== 201) throw new Error(`createClaim: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Pages through a list endpoint to the end; returns every item in order and the number of pages. */
export async function collectPages (app: FastifyInstance, url: string, limit: number, headers: Record<string, string | undefined> = {}) {
  const items: Array<Record<string, unknown>> = []
  let cursor: string | null = null
  let pages = 0
  do {
    const sep = url.includes('?') ? '&' : '?'
    const res: LightMyRequestResponse = await app.inject({ method: 'GET', url: `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers })
    if (res.statusCode !== 200) throw new Error(`collectPages: ${res.statusCode} ${res.body}`)
    const body: { data: Array<Record<string, unknown>>, nextCursor: string | null } = res.json()
    items.push(...body.data)
    cursor = body.nextCursor
    pages++
  } while (cursor)
  return { items, pages }
}

/** The current ETag of a resource, from a GET. */
export async function etagOf (app: FastifyInstance, url: string, headers: Record<string, string | undefined> = {}): Promise<string> {
  const res = await app.inject({ method: 'GET', url, headers })
  const etag = res.headers.etag
  if (res.statusCode !== 200 || typeof etag !== 'string') throw new Error(`etagOf ${url}: ${res.statusCode} ${res.body}`)
  return etag
}

/** PATCH or DELETE as a careful client would: with If-Match set to the resource's current ETag. */
export async function change (app: FastifyInstance, method: 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>, headers: Record<string, string | undefined> = {}) {
  const etag = await etagOf(app, url, headers)
  return app.inject({ method, url, headers: { ...headers, 'if-match': etag }, ...(payload && { payload }) })
}

/** A review that is ready to publish: it has what ClaimReview requires. */
export const publishableReview = { ratingScale: 'truth-o-meter', rating: 'false', ratingExplanation: 'No.', url: 'https://factcheck.example.org/moon', author: { name: 'Example Fact Check' } }

/** Drafts and publishes a review, so that the claim has a current verdict; returns the published review. */
export async function publishReview (app: FastifyInstance, claimId: string, body: Record<string, unknown> = publishableReview) {
  const created = await app.inject({ method: 'POST', url: `/v1/claims/${claimId}/reviews`, payload: body })
  if (created.statusCode !== 201) throw new Error(`draft: ${created.statusCode} ${created.body}`)
  const url = `/v1/claims/${claimId}/reviews/${created.json().id}`
  const res = await app.inject({ method: 'POST', url: `${url}/publish`, headers: { 'if-match': await etagOf(app, url) } })
  if (res.statusCode !== 200) throw new Error(`publish: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Retracts a published review: its claim stays public, without a current verdict when it had no other. */
export async function retractReview (app: FastifyInstance, claimId: string, reviewId: string, reason = 'Relied on a misquote.') {
  const url = `/v1/claims/${claimId}/reviews/${reviewId}`
  const res = await app.inject({ method: 'POST', url: `${url}/retract`, headers: { 'if-match': await etagOf(app, url) }, payload: { reason } })
  if (res.statusCode !== 200) throw new Error(`retract: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A claim with a published verdict, so that everyone may see it (lookups only ever show such claims); its detail. */
export async function createPublicClaim (app: FastifyInstance, body: Record<string, unknown> = {}) {
  const claim = await createClaim(app, body)
  await publishReview(app, claim.id)
  return read(app, `/v1/claims/${claim.id}`)
}

export async function addAppearance (app: FastifyInstance, claimId: string, url: string) {
  const res = await app.inject({ method: 'POST', url: `/v1/claims/${claimId}/appearances`, payload: { url } })
  if (res.statusCode !== 201) throw new Error(`addAppearance: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** The JSON body of a GET. */
export const read = async (app: FastifyInstance, path: string) => (await app.inject({ method: 'GET', url: path })).json()

/** Expects a 400 naming `field` among its errors, and the resource at `unchanged.path` (when given) exactly as before. */
export async function refused (t: Test, app: FastifyInstance, res: LightMyRequestResponse, field: string, unchanged?: { path: string, before: unknown }) {
  const body = isProblem(t, res, 400, 'validation-failed')
  t.ok(body.errors?.some((e: { field: string }) => e.field === field), `errors name ${field}: ${JSON.stringify(body.errors)}`)
  if (unchanged) t.same(await read(app, unchanged.path), unchanged.before, 'the resource is unchanged')
}

/**
 * Waits until every revision is below the oldest running transaction. The horizon is cluster-wide, so on a shared
 * Postgres server a transaction of another test file can briefly hold our changes back; on PGlite it never waits.
 */
export async function settle (app: FastifyInstance) {
  for (let i = 0; i < 500; i++) {
    const [row] = await app.db.select({ ok: sql<boolean>`coalesce(max(${revisions.txId}) < pg_snapshot_xmin(pg_current_snapshot()), true)` }).from(revisions)
    if (row?.ok) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('settle: revisions still held back after 5s')
}

/**
 * A value with U+2028 and U+2029 in its strings shown as the text `\u2028`: tap's output would read a raw one as a
 * line end and lose the assertions around it (a failure included). Compare `printable(actual)` with `printable(expected)`.
 */
export const printable = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\\\u${c.charCodeAt(0).toString(16)}`)) as T
