// build(t): the real app on a fresh database, with the test organisation whose admin key requests send by default.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig, type Config } from '../../src/config.ts'
import { createDatabase, type Database } from '../../src/db/client.ts'
import type { Role } from '../../src/domain/access.ts'
import type { WriteContext } from '../../src/services/history.ts'
import { databaseTimeouts, freshDatabase, onServer, pgliteTemplate } from './db.ts'

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
export async function keyFor (
  app: FastifyInstance,
  role: Role,
  organization = testOrganization(app).slug
): Promise<string> {
  const { organization: org } = await app.services.organizations.ensure({
    slug: organization,
    name: `${organization} newsroom`,
  })
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
 * The configuration tests build the app with: no log, no demo data, and load shedding off unless a test turns it on
 * (a loaded test machine, and PGlite, which runs queries on the event loop, would shed requests tests expect answered).
 */
export const testConfig = (env: Record<string, string> = {}): Config =>
  parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', LOAD_SHED_EVENT_LOOP_DELAY: '0', LOAD_SHED_HEAP_USED: '0', ...env })

/**
 * The real app on a fresh database, closed when the test ends. It holds an organisation (`newsroom`) with an admin
 * key, and `app.inject` sends that key unless the request sets `authorization` itself (`anonymous` sends none).
 */
export async function build (t: Test, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { database, env } = await freshDatabase(t, { disposable: options.disposableDatabase ?? false })
  const config: Config = testConfig({ ...env, ...options.env })
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

/**
 * The real app (with the test organisation) on a fresh database opened with a pool of its own (`poolSize`
 * connections; one by default) and drizzle's query log: `statements` holds the text of every statement the app sends.
 * With one connection, the server's session state (its prepared statements) is that of the connection `database`
 * also reads through.
 */
export async function buildOnOwnPool (
  t: Test,
  options: { poolSize?: number, env?: Record<string, string> } = {}
): Promise<{ app: FastifyInstance, database: Database, statements: string[] }> {
  const statements: string[] = []
  const { env } = await freshDatabase(t)
  const database = await createDatabase({
    databaseUrl: onServer ? env.DATABASE_URL : undefined,
    pgliteDir: 'memory://',
    databasePoolSize: options.poolSize ?? 1,
    databaseTimeouts,
    ...(!onServer && { pgliteDataDir: await pgliteTemplate() }),
    logQuery: (query) => { statements.push(query) },
  })
  const app = await buildApp(testConfig({ ...env, ...options.env }), { database })
  t.teardown(() => app.close())
  await withTestOrganization(app)
  return { app, database, statements }
}
