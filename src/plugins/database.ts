// Opens the database chosen by the configuration, migrates it, and closes it with the app.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { createDatabase, type Database, type Db } from '../db/client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
    db: Db
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
  await opened.migrate()
  await opened.assertDurable()
  app.decorate('database', opened)
  app.decorate('db', opened.db)
}

export default fp(databasePlugin, { name: 'database' })
