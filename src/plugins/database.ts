// Opens the database chosen by the configuration, migrates it (unless MIGRATE_ON_START=false: then it only checks that
// someone has, so the serving role needs no DDL rights), and closes it with the app. On the server's pool each request
// is a unit of work that takes a place at the database's gate (src/db/gate.ts) first: it waits at most
// DATABASE_ACQUIRE_TIMEOUT for one, and is answered 503 with Retry-After otherwise.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { migrate } from '../container.ts'
import { createDatabase, pendingMigrations, type Database, type Db } from '../db/client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
    db: Db
  }
  interface FastifyContextConfig {
    /** False on a route that never uses the database (the liveness probe): it takes no place at the gate. */
    database?: boolean
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
  app.decorate('db', opened.db)

  const { gate } = opened
  if (gate === undefined) return
  const places = new WeakMap<FastifyRequest, () => void>()
  /** Waits for a place (503 past DATABASE_ACQUIRE_TIMEOUT); it is given back when the response has gone. */
  const takePlace = async (request: FastifyRequest, reply: FastifyReply) => {
    let closed = false
    let leave = () => { closed = true }
    const onClose = () => leave()
    reply.raw.once('close', onClose)
    const release = await gate.enter()
    if (closed) return release()
    leave = release
    places.set(request, () => {
      reply.raw.removeListener('close', onClose)
      release()
    })
  }
  // Before authentication and rate limiting, which read the database too; given back when the response has gone
  // (its onSend hooks, which may still write, have run) or the client went away. A request with a body gives its
  // place back while the body arrives, however slowly the client sends it, and waits for one again once it has.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.database !== false) await takePlace(request, reply)
  })
  app.addHook('preParsing', async (request) => {
    const place = places.get(request)
    if (place === undefined || !hasBody(request)) return
    places.delete(request)
    place()
  })
  app.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.config.database !== false && hasBody(request) && !places.has(request)) await takePlace(request, reply)
  })
}

/** Whether the request has a body to receive (as fastify decides whether to parse one). */
const hasBody = (request: FastifyRequest) =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0'

export default fp(databasePlugin, { name: 'database' })
