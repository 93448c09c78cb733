// API keys at rest and in the log: after a key is created (by a careful client, with an Idempotency-Key) and used for
// reads, writes and refused writes, no column of any table holds it, only its SHA-256; and with the log at `trace`,
// no log line carries it either.
import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { queryRows } from '../../src/db/client.ts'
import { bearer, freshDatabase } from '../helper.ts'
import { buildSecure } from './fixtures.ts'

/** Creates a key through the API and uses it every way a client would; returns the secret. */
async function createAndUse (app: FastifyInstance, adminHeaders: Record<string, string>): Promise<string> {
  const made = await app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: { ...adminHeaders, 'idempotency-key': 'create-ci-key-1' },
    payload: { name: 'CI pipeline', role: 'editor' },
  })
  if (made.statusCode !== 201) throw new Error(`create key: ${made.statusCode} ${made.body}`)
  const { key } = made.json() as { key: string }
  const claim = await app.inject({ method: 'POST', url: '/v1/claims', headers: { ...bearer(key), 'idempotency-key': 'claim-1' }, payload: { text: 'Written by the CI key.' } })
  if (claim.statusCode !== 201) throw new Error(`claim: ${claim.statusCode} ${claim.body}`)
  await app.inject({ method: 'PATCH', url: `/v1/claims/${claim.json().id}`, headers: { ...bearer(key), 'if-match': String(claim.headers.etag) }, payload: { topics: ['ci'] } })
  await app.inject({ method: 'POST', url: '/v1/rating-scales', headers: bearer(key), payload: { slug: 'x', name: 'X', values: [] } })
  await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(key) })
  await app.inject({ method: 'GET', url: '/v1/api-keys', headers: adminHeaders })
  return key
}

/** Every column of every table that can hold text (text, varchar, json, jsonb, arrays) that contains `needle`. */
async function columnsContaining (app: FastifyInstance, needle: string): Promise<{ scanned: number, found: string[] }> {
  const columns = await queryRows<{ table_name: string, column_name: string }>(app.db, sql`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public' and data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'tsvector')
    order by table_name, column_name`)
  const found: string[] = []
  for (const { table_name: table, column_name: column } of columns) {
    const [row] = await queryRows<{ n: number }>(app.db, sql`
      select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(column)}::text like ${`%${needle}%`}`)
    if (Number(row?.n) > 0) found.push(`${table}.${column}`)
  }
  return { scanned: columns.length, found }
}

/** The parts of a key worth looking for: the whole of it, and its random part (which alone would forge it). */
const partsOf = (key: string) => [key, key.slice(3, 46)]

t.test('the plaintext key is stored nowhere, only its SHA-256', async (t) => {
  const app = await buildSecure(t)
  const key = await createAndUse(app, {})
  for (const part of partsOf(key)) {
    const { scanned, found } = await columnsContaining(app, part)
    t.ok(scanned > 40, `${scanned} text columns scanned`)
    t.same(found, [], `no column holds ${part === key ? 'the key' : 'its random part'}`)
  }
  const hash = createHash('sha256').update(key).digest('hex')
  const [row] = await queryRows<{ prefix: string }>(app.db, sql`select prefix from api_keys where key_hash = ${hash}`)
  t.equal(row?.prefix, key.slice(0, 11), 'the key is found by its hash, and only its prefix is kept in the clear')
  t.ok((await columnsContaining(app, key.slice(0, 11))).found.includes('api_keys.prefix'), 'the scan does find what is there')
})

/** A Writable that keeps every log line. */
function logSink () {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk: Buffer | string, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  return { lines, stream }
}

/** The app with its log at `trace`, written to `stream`, and an admin key of its own. */
async function buildLogged (t: Test, stream: Writable) {
  const { database, env } = await freshDatabase(t)
  const config = parseConfig({ LOG_LEVEL: 'trace', SEED_DEMO: 'false', RATE_LIMIT_KEY: '100000', RATE_LIMIT_ANONYMOUS: '100000', ...env })
  const app = await buildApp(config, { database, loggerStream: stream })
  t.teardown(() => app.close())
  const { organization } = await app.services.organizations.ensure({ slug: 'newsroom', name: 'Logged newsroom' })
  const { key } = await app.services.organizations.createKey(organization.id, { name: 'admin', role: 'admin' }, null)
  return { app, adminKey: key }
}

t.test('no log line carries a key, even at trace level', async (t) => {
  const { lines, stream } = logSink()
  const { app, adminKey } = await buildLogged(t, stream)
  const key = await createAndUse(app, bearer(adminKey))
  // Refused keys are logged as refusals, never as themselves.
  const revokedId = (await app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(adminKey) })).json().data.find((k: { name: string }) => k.name === 'CI pipeline').id
  await app.inject({ method: 'DELETE', url: `/v1/api-keys/${revokedId}`, headers: bearer(adminKey) })
  const refused = await app.inject({ method: 'POST', url: '/v1/claims', headers: bearer(key), payload: { text: 'With a revoked key.' } })
  t.equal(refused.statusCode, 401)
  const mistyped = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`
  t.equal((await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(mistyped) })).statusCode, 401)

  // A key sent in the URL is refused as an unknown query parameter (a key goes in Authorization), and never logged.
  const inQuery = await app.inject({ method: 'GET', url: `/v1/claims?api_key=${adminKey}&limit=1` })
  t.equal(inQuery.statusCode, 400, 'a key in the query string is an unknown parameter')
  t.notMatch(inQuery.body, adminKey, 'and the refusal does not repeat it')
  await app.inject({ method: 'GET', url: `/v1/claims?limit=1&key=${key}` })
  await app.inject({ method: 'GET', url: '/v1/claims?token=opaque-secret-value&q=moon' })
  await app.inject({ method: 'GET', url: `/v1/claims/${adminKey}` })
  await app.inject({ method: 'GET', url: `/v1/nowhere/${adminKey}?x=1` })
  t.ok(lines.some((l) => l.includes('"url":"/v1/claims?api_key=[REDACTED]&limit=1"')), 'the logged URL says a value was redacted')
  t.same(lines.filter((l) => l.includes('opaque-secret-value')), [], 'a token parameter is redacted whatever its shape')

  t.ok(lines.length > 20, `the log was captured (${lines.length} lines)`)
  t.equal(app.log.level, 'trace', 'with every level on')
  t.ok(lines.some((l) => l.includes('/v1/api-keys')), 'including the requests that made and revoked the key')
  for (const [name, secret] of [['admin key', adminKey], ['created key', key], ['mistyped key', mistyped]] as const) {
    for (const part of partsOf(secret)) {
      t.same(lines.filter((l) => l.includes(part)), [], `no log line holds the ${name}${part === secret ? '' : '\'s random part'}`)
    }
  }
})
