// The floors for `npm run bench`: a bare fastify + postgres.js server, in a process of its own, with no validation,
// schemas, auth, hooks or rate limit. Two kinds of route:
// - the same-SQL floor (FLOOR_SQL, a JSON file of templates from bench/lib/replay.ts): the hot routes at the API's
//   own paths, each sending exactly the statements the app sent for that route (captured, not retyped), prepared,
//   with the request's own id, URL hash, prefix, hashes or verdict, and answering the rows as JSON (a conditional
//   request: the same statements, then 304);
// - the narrow floor: the primary-key read of one claim row (`/claims/:id`) and a lookup query (`/lookup`), written
//   by hand, a second reference that does not move when the app's SQL changes.
// Env: DATABASE_URL, PORT, DATABASE_POOL_SIZE (default 10, as the API's), FLOOR_SQL.
import { readFileSync } from 'node:fs'
import { drizzle } from 'drizzle-orm/postgres-js'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import postgres, { type ParameterOrJSON } from 'postgres'
import { canonicalizeUrl } from '../src/lib/url-canonical.ts'
import { urlHash } from '../src/lib/url-hash.ts'
import { fill, type RawInputs, type RouteKey, type Templates } from './lib/replay.ts'

const databaseUrl = process.env.DATABASE_URL
if (databaseUrl === undefined) throw new Error('DATABASE_URL is required')
const sql = postgres(databaseUrl, { max: Number(process.env.DATABASE_POOL_SIZE ?? 10), onnotice: () => {} })
// drizzle's parameter serialisers and result parsers (timestamps as text ...), as on the app's client: the captured
// parameters go out as the app sent them, and rows come back as the app reads them.
drizzle({ client: sql })

const app = Fastify({ logger: false })
app.get('/healthz', async () => ({ ok: true }))

// ---------------------------------------------------------------------------------------------------------------
// The same-SQL floor

const templates: Templates = process.env.FLOOR_SQL ? JSON.parse(readFileSync(process.env.FLOOR_SQL, 'utf8')) : {}

async function replay (route: RouteKey, raw: RawInputs) {
  let rows: unknown = []
  for (const { query, params } of fill(templates[route] ?? [], raw)) {
    rows = await sql.unsafe(query, params as ParameterOrJSON<never>[], { prepare: true })
  }
  return rows
}

/** A route and its conditional twin: the If-None-Match request sends the twin's statements and answers 304. */
function serve (route: RouteKey, conditional: RouteKey | undefined, inputs: (request: FastifyRequest) => RawInputs) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = inputs(request)
    if (conditional !== undefined && request.headers['if-none-match'] !== undefined && templates[conditional]) {
      await replay(conditional, raw)
      return reply.code(304).send()
    }
    return { data: await replay(route, raw) }
  }
}

type Req = FastifyRequest<{
  Params: Record<string, string>
  Querystring: Record<string, string>
  Body: { urls: string[] }
}>
if (templates.claim) app.get('/v1/claims/:id', serve('claim', 'claim-304', (r) => ({ id: (r as Req).params.id })))
if (templates.lookup) app.get('/v1/lookup', serve('lookup', 'lookup-304', (r) => ({ url: (r as Req).query.url })))
if (templates.prefix) app.get('/v1/lookup/prefixes/:prefix', serve('prefix', undefined, (r) => ({ prefix: (r as Req).params.prefix })))
if (templates.batch) app.post('/v1/lookup', serve('batch', undefined, (r) => ({ urls: (r as Req).body.urls })))
if (templates.list) app.get('/v1/claims', serve('list', undefined, (r) => ({ verdict: (r as Req).query.verdict })))

// ---------------------------------------------------------------------------------------------------------------
// The narrow floor

const CLAIM = 'c.id, c.organization_id, c.is_public, c.text, c.claimant_id, c.claim_date, c.language, c.topics, c.status, c.current_review_id, c.current_verdict, c.version, c.created_at, c.updated_at, c.deleted_at'

// One claim row by primary key, and nothing around it.
app.get<{ Params: { id: string } }>('/claims/:id', async (request, reply) => {
  const [row] = await sql.unsafe(`select ${CLAIM} from claims c where c.id = $1 and c.deleted_at is null`, [request.params.id], { prepare: true })
  if (!row) return reply.code(404).send({ status: 404 })
  return row
})

// A page lookup: the URL canonicalised and hashed as the API does (without that there is no query to run), then
// the claims that appeared there with their current review.
app.get<{ Querystring: { url: string } }>('/lookup', async (request) => {
  const canonical = canonicalizeUrl(request.query.url) ?? request.query.url
  const rows = await sql.unsafe(`
    select distinct on (a.url_hash, c.id) a.url_hash, ${CLAIM},
      cl.id as claimant_id, cl.slug as claimant_slug, cl.name as claimant_name, r.*, s.*
    from appearances a
    join claims c on c.id = a.claim_id
    left join claimants cl on cl.id = c.claimant_id
    left join reviews r on r.id = c.current_review_id
    left join rating_scales s on s.id = r.rating_scale_id
    where a.url_hash = $1 and c.deleted_at is null and c.is_public = true
    order by a.url_hash, c.id`, [urlHash(canonical)], { prepare: true })
  return { url: request.query.url, canonicalUrl: canonical, claims: rows }
})

const port = Number(process.env.PORT ?? 3100)
await app.listen({ port, host: '127.0.0.1' })
const stop = () => { app.close().then(() => sql.end()).then(() => process.exit(0), () => process.exit(1)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
