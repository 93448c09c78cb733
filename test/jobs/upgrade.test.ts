// An existing deployment's jobs survive the move from pg-boss 10 to 12, which cannot migrate 10's tables: the
// migration sets them aside, installs pg-boss 12, sends the waiting jobs again under the same ids, and drops the old
// tables. The app then runs those jobs.
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { migrate } from '../../src/container.ts'
import { queryRows, type Database } from '../../src/db/client.ts'
import type { Job } from '../../src/jobs/index.ts'
import { freshDatabase } from '../helper.ts'

const waiting = '0190d7c0-0000-7000-8000-000000000001'
const retrying = '0190d7c0-0000-7000-8000-000000000002'
const done = '0190d7c0-0000-7000-8000-000000000003'

/** Runs a script of several statements: on its own connection on the server, through PGlite's exec embedded. */
async function runScript (database: Database, env: Record<string, string>, script: string) {
  if ('pglite' in database.jobStore) {
    await database.jobStore.pglite.exec(script)
    return
  }
  const client = postgres(env.DATABASE_URL ?? '', { max: 1, onnotice: () => {} })
  try {
    await client.unsafe(script)
  } finally {
    await client.end()
  }
}

t.test('jobs waiting in pg-boss 10 tables are moved to pg-boss 12 by the migration, and run', async (t) => {
  const { database, env } = await freshDatabase(t, { disposable: true })
  await runScript(database, env, `
    drop schema pgboss cascade;
    ${await readFile(new URL('../fixtures/pgboss-10.4.2.sql', import.meta.url), 'utf8')}
    select pgboss.create_queue('test-upgrade', '{"policy":"standard"}');
    insert into pgboss.job (id, name, data, state, retry_limit, retry_count, retry_delay, retry_backoff) values
      ('${waiting}', 'test-upgrade', '{"n":"waiting"}', 'created', 3, 0, 1, false),
      ('${retrying}', 'test-upgrade', '{"n":"retrying"}', 'retry', 3, 1, 1, false),
      ('${done}', 'test-upgrade', '{"n":"done"}', 'completed', 3, 0, 1, false);
  `)

  await migrate(database)
  const [aside] = await queryRows<{ found: boolean }>(database.db.drizzle, sql`select to_regnamespace('pgboss_v10') is not null as found`)
  t.equal(aside?.found, false, 'the old tables are gone')
  const [version] = await queryRows<{ version: number }>(database.db.drizzle, sql`select version::int as version from pgboss.version`)
  t.ok(version !== undefined && version.version > 24, `pg-boss 12's schema (version ${version?.version})`)
  const moved = await queryRows<{ id: string, state: string, retryLimit: number }>(database.db.drizzle, sql`select id::text, state::text, retry_limit as "retryLimit" from pgboss.job where name = 'test-upgrade' order by id`)
  t.same(moved, [{ id: waiting, state: 'created', retryLimit: 3 }, { id: retrying, state: 'created', retryLimit: 3 }], 'the waiting jobs, under their ids; not the completed one')
  await migrate(database)
  t.equal((await queryRows(database.db.drizzle, sql`select 1 from pgboss.job where name = 'test-upgrade'`)).length, 2, 'migrating again changes nothing')

  const app = await buildApp(parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false' }), { database })
  t.teardown(() => app.close())
  const seen: Array<Job<{ n: string }>> = []
  await app.jobs.work<{ n: string }>('test-upgrade', async (job) => { seen.push(job) }, { pollingIntervalSeconds: 0.5 })
  for (let i = 0; i < 100 && seen.length < 2; i++) await sleep(200)
  t.same(seen.map((j) => [j.id, j.data.n]).sort(), [[waiting, 'waiting'], [retrying, 'retrying']], 'both ran')
})
