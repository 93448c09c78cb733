// Opens the database chosen by the configuration, migrates it (unless MIGRATE_ON_START=false: then it only checks that
// someone has, so the serving role needs no DDL rights), and closes it with the app.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { migrate } from '../container.ts'
import { createDatabase, pendingMigrations, type Database, type Drizzle } from '../db/client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
    /**
     * The drizzle instance behind the gate, for tests and diagnostics: what runs on it does not wait at the gate.
     * Application code goes through the container's `Db` (src/db/gate.ts).
     */
    db: Drizzle
  }
}

export interface DatabasePluginOptions {
  config: Config
  /** An already opened database (tests hand in a fresh one); otherwise one is opened from the configuration. */
  database?: Database | undefined
}

async function databasePlugin (app: FastifyInstance, { config, database }: DatabasePluginOptions) {
  const opened = database ?? await createDatabase(config)
  app.addHook('onClose', async () => { await opened.close() })
  if (config.migrateOnStart) {
    await migrate(opened)
  } else {
    const pending = await pendingMigrations(opened)
    if (pending > 0) throw new Error(`the database lacks ${pending} migration(s) and MIGRATE_ON_START is false: run \`claimtrack migrate\` (or \`npm run db:migrate\`) with a role that may change the schema, then start again`)
  }
  await opened.assertDurable()
  app.decorate('database', opened)
  app.decorate('db', opened.db.drizzle)
}

export default fp(databasePlugin, { name: 'database' })
