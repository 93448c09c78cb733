// MIGRATE_ON_START=false: the app runs no DDL. On a migrated Postgres database it serves as a role that may not create
// anything (the deploy step, `claimtrack migrate`, ran as another role); on a database that lacks migrations it refuses
// to start and says which command to run.
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { createDatabase } from '../../src/db/client.ts'
import { JOB_SCHEMA } from '../../src/jobs/index.ts'
import { freshDatabase, onServer, publishableReview, withTestOrganization } from '../helper.ts'

const quiet = { LOG_LEVEL: 'silent', SEED_DEMO: 'false', LOAD_SHED_EVENT_LOOP_DELAY: '0', CURSOR_SECRET: 'migrate-on-start-cursor-secret' }

t.test('MIGRATE_ON_START=false refuses a database that lacks migrations, naming the command to run', async (t) => {
  let env: Record<string, string> = { PGLITE_DIR: 'memory://' }
  if (onServer) {
    const server = new URL(process.env.DATABASE_URL ?? '')
    const name = `ct_test_unmigrated_${randomBytes(4).toString('hex')}`
    const admin = postgres(server.toString(), { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database "${name}"`)
    t.teardown(async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    })
    server.pathname = `/${name}`
    env = { DATABASE_URL: server.toString() }
  }
  await t.rejects(buildApp(parseConfig({ ...quiet, ...env, MIGRATE_ON_START: 'false' })), /lacks \d+ migration\(s\) and MIGRATE_ON_START is false: run `claimtrack migrate`/)
  // Nothing was created: the database is as empty as before.
  const database = await createDatabase(parseConfig({ ...quiet, ...env }))
  t.teardown(() => database.close())
  const rows = await database.db.drizzle.execute('select count(*)::int as n from pg_tables where schemaname in (\'public\', \'drizzle\')' as never) as unknown
  const n = Array.isArray(rows) ? rows[0]?.n : (rows as { rows: Array<{ n: number }> }).rows[0]?.n
  t.equal(n, 0, 'no table was created')
})

// The embedded database has no roles: there, the setting is checked to serve a migrated database as it is.
if (!onServer) {
  t.test('MIGRATE_ON_START=false serves a migrated embedded database', async (t) => {
    const { database } = await freshDatabase(t)
    const app = await buildApp(parseConfig({ ...quiet, MIGRATE_ON_START: 'false' }), { database })
    t.teardown(() => app.close())
    await withTestOrganization(app)
    t.equal((await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Served without migrating.' } })).statusCode, 201)
  })
}

if (onServer) {
  t.test('MIGRATE_ON_START=false serves a migrated database as a role without CREATE rights', async (t) => {
    const { env } = await freshDatabase(t, { disposable: true })
    const owner = new URL(env.DATABASE_URL ?? '')
    const dbName = owner.pathname.slice(1)
    const role = `ct_serving_${randomBytes(4).toString('hex')}`
    const password = randomBytes(12).toString('hex')
    const admin = postgres(owner.toString(), { max: 1, onnotice: () => {} })
    // The grants an operator gives the serving role: read and write rows, use sequences and the job engine's tables,
    // read drizzle's record of migrations; no CREATE anywhere (taken from PUBLIC too, as on Postgres 14 and older).
    await admin.unsafe(`create role "${role}" login password '${password}'`)
    await admin.unsafe(`revoke create on database "${dbName}" from public`)
    await admin.unsafe('revoke create on schema public from public')
    for (const schema of ['public', 'drizzle', JOB_SCHEMA]) {
      await admin.unsafe(`grant usage on schema "${schema}" to "${role}"`)
      await admin.unsafe(`grant select, insert, update, delete on all tables in schema "${schema}" to "${role}"`)
      await admin.unsafe(`grant usage, select on all sequences in schema "${schema}" to "${role}"`)
      await admin.unsafe(`grant execute on all functions in schema "${schema}" to "${role}"`)
    }
    const [rights] = await admin`select has_database_privilege(${role}, ${dbName}, 'CREATE') as "database", has_schema_privilege(${role}, 'public', 'CREATE') as "public", has_schema_privilege(${role}, ${JOB_SCHEMA}, 'CREATE') as "jobs"`
    t.same(rights, { database: false, public: false, jobs: false }, 'the role may create nothing')

    const serving = new URL(owner)
    serving.username = role
    serving.password = password
    const config = parseConfig({ ...quiet, DATABASE_URL: serving.toString(), MIGRATE_ON_START: 'false' })
    t.teardown(async () => {
      await admin.unsafe(`drop owned by "${role}"`)
      await admin.end()
      const server = postgres(process.env.DATABASE_URL ?? '', { max: 1, onnotice: () => {} })
      await server.unsafe(`drop database if exists "${dbName}" with (force)`)
      await server.unsafe(`drop role if exists "${role}"`)
      await server.end()
    })

    // A release with a migration the database lacks: migrating at start-up (the default) needs rights the role has not;
    // with MIGRATE_ON_START=false the app refuses to start and names the deploy step instead.
    const [newest] = await admin`delete from drizzle.__drizzle_migrations where id = (select max(id) from drizzle.__drizzle_migrations) returning *`
    await t.rejects(buildApp(parseConfig({ ...quiet, DATABASE_URL: serving.toString() })), /Failed query: CREATE SCHEMA/, 'MIGRATE_ON_START=true needs DDL rights (refused: permission denied)')
    await t.rejects(buildApp(config), /lacks 1 migration\(s\) and MIGRATE_ON_START is false: run `claimtrack migrate`/)
    await admin`insert into drizzle.__drizzle_migrations ${admin(newest ?? {})}`

    const app = await buildApp(config)
    t.teardown(() => app.close())
    await withTestOrganization(app)
    const ready = await app.inject({ method: 'GET', url: '/readyz' })
    t.same([ready.statusCode, ready.json()], [200, { status: 'ok', database: 'postgres', matchIndex: 'building' }])

    const created = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'The serving role writes rows but no schema.' } })
    t.equal(created.statusCode, 201, created.body)
    const claimId = created.json().id
    const webhook = await app.inject({ method: 'POST', url: '/v1/webhooks', payload: { url: 'https://hooks.example.org/claimtrack', events: ['review.published'] } })
    t.equal(webhook.statusCode, 201, `a webhook: ${webhook.body}`)
    const draft = await app.inject({ method: 'POST', url: `/v1/claims/${claimId}/reviews`, payload: publishableReview })
    t.equal(draft.statusCode, 201, draft.body)
    const reviewUrl = `/v1/claims/${claimId}/reviews/${draft.json().id}`
    const published = await app.inject({ method: 'POST', url: `${reviewUrl}/publish`, headers: { 'if-match': draft.headers.etag } })
    t.equal(published.statusCode, 200, `publishing queues a webhook job: ${published.body}`)
    // Matching refreshes its term statistics (materialised views) through a function that runs as their owner.
    const matched = await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'serving role writes rows' } })
    t.equal(matched.statusCode, 200, matched.body)
    t.equal(matched.json().data[0]?.claim.id, claimId, 'the statistics were refreshed by the serving role')
    const listed = await app.inject({ method: 'GET', url: '/v1/claims' })
    t.equal(listed.statusCode, 200)
    t.equal(listed.json().data.length, 1)
  })
}
