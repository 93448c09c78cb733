// The floor for `npm run bench`: a bare fastify + postgres.js server, in a process of its own, that answers a claim
// by id and a page lookup with hand-written SQL, no validation, no schemas, no auth, no hooks. What Claimtrack does
// on those paths is measured as a ratio of this: the cost of everything beyond one query and JSON.stringify.
// Env: DATABASE_URL, PORT, DATABASE_POOL_SIZE (default 10, as the API's).
import Fastify from 'fastify'
import postgres from 'postgres'
import { canonicalizeUrl } from '../src/lib/url-canonical.ts'
import { urlHash } from '../src/lib/url-hash.ts'

const databaseUrl = process.env.DATABASE_URL
if (databaseUrl === undefined) throw new Error('DATABASE_URL is required')
const sql = postgres(databaseUrl, { max: Number(process.env.DATABASE_POOL_SIZE ?? 10), onnotice: () => {} })

const CLAIM = 'c.id, c.organization_id, c.is_public, c.text, c.claimant_id, c.claim_date, c.language, c.topics, c.status, c.current_review_id, c.current_verdict, c.version, c.created_at, c.updated_at, c.deleted_at'

const app = Fastify({ logger: false })

app.get('/healthz', async () => ({ ok: true }))

// The primary-key read that GET /v1/claims/{id} starts with (`claim_by_id`), and nothing around it.
app.get<{ Params: { id: string } }>('/claims/:id', async (request, reply) => {
  const [row] = await sql.unsafe(`select ${CLAIM} from claims c where c.id = $1 and c.deleted_at is null`, [request.params.id], { prepare: true })
  if (!row) return reply.code(404).send({ status: 404 })
  return row
})

// The query of GET /v1/lookup (`lookup_by_url_hash`): the URL canonicalised and hashed as the API does (without
// that there is no query to run), then the same joins.
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
