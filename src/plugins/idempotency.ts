// Idempotent writes: a POST or PATCH sent with `Idempotency-Key` runs once per key and caller; its first response
// (status, body and the headers that describe it) is stored in Postgres and replayed to retries for 24 hours.
// A 5xx is not stored, so that a retry runs again. After Stripe's design.
// @see https://docs.stripe.com/api/idempotent_requests
// @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
import { createHash } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { problem } from '../errors.ts'
import { createIdempotencyRepository, RETENTION_SECONDS, type IdempotencyRecord } from '../repositories/idempotency.ts'

const METHODS = new Set(['POST', 'PATCH'])
/** Visible ASCII (RFC 9110 VCHAR), like a UUID or any client-made token. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/
/** The headers that belong to a response rather than to one delivery of it: they are stored and replayed. */
const STORED_HEADERS = ['content-type', 'location', 'etag'] as const
/** A record still running this long after the request timeout belongs to a process that died: a retry takes it. */
const STALE_MARGIN_MS = 10_000
const PURGE_INTERVAL_MS = 60_000

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The success response carries a secret shown once (a new API key): it is not stored, and not replayed. */
    secretResponse?: boolean
  }
}

/** What this request does with its key: runs first (and stores its response), or replays a stored one. */
interface Attempt { scope: string, key: string, state: 'running' | 'replayed' | 'settled' }

/** JSON with object keys sorted at every level, so that key order and whitespace do not change the hash. */
const canonicalJson = (value: unknown) => JSON.stringify(value ?? null, (_key, v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v)

/** What was asked: method, route, and the validated params, query and body. */
function requestHashOf (request: FastifyRequest): string {
  const what = canonicalJson({ params: request.params, query: request.query, body: request.body })
  return createHash('sha256').update(`${request.method}\n${request.routeOptions.url ?? ''}\n${what}`).digest('hex')
}

/** The stored answer as it was: the identity serializer keeps fastify from adding a charset to its content type. */
function replay (reply: FastifyReply, record: IdempotencyRecord & { status: number }) {
  return reply.code(record.status).headers(record.headers ?? {}).header('idempotent-replayed', 'true')
    .serializer((payload: unknown) => String(payload))
    .send(record.body ?? undefined)
}

async function idempotencyPlugin (app: FastifyInstance) {
  const records = createIdempotencyRepository(app.db)
  const staleSeconds = (app.config.requestTimeout + STALE_MARGIN_MS) / 1000
  const attempts = new WeakMap<FastifyRequest, Attempt>()

  // Expired records are deleted by whichever process next sees a key, at most once a minute each.
  let lastPurge = 0
  let purging: Promise<void> | undefined
  function purgeExpired (log: FastifyBaseLogger) {
    const now = Date.now()
    if (purging !== undefined || now - lastPurge < PURGE_INTERVAL_MS) return
    lastPurge = now
    purging = records.purgeExpired().then(
      (count) => { if (count > 0) log.info({ count }, 'purged expired idempotency records') },
      (err: unknown) => { log.warn({ err }, 'purging expired idempotency records failed') }
    ).finally(() => { purging = undefined })
  }
  app.addHook('onClose', async () => { await purging })

  // After validation (a request refused as invalid stores nothing) and after authentication (the key's scope).
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (key === undefined || !METHODS.has(request.method) || request.is404) return
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw problem('bad-request', 'The Idempotency-Key header must be 1 to 255 visible ASCII characters, such as a UUID.')
    }
    purgeExpired(request.log)
    const { principal } = request
    const scope = principal.kind === 'key' ? `key:${principal.keyId}` : `ip:${request.ip}`
    const attempt = { scope, key, requestHash: requestHashOf(request), method: request.method, path: request.url.split('?')[0] ?? request.url }

    // Two rounds at most: a record can vanish (released after a 5xx) or be taken over between the statements.
    for (let round = 0; round < 2; round++) {
      if (await records.claim(attempt)) {
        attempts.set(request, { scope, key, state: 'running' })
        return
      }
      const record = await records.find(scope, key)
      if (record === undefined) continue
      const expired = record.ageSeconds >= RETENTION_SECONDS
      if (!expired && record.requestHash !== attempt.requestHash) {
        throw problem('unprocessable-entity', 'This Idempotency-Key was used for a different request (method, path or body) in the last 24 hours; use a new key for a new request.')
      }
      if (expired || (record.status === null && record.ageSeconds >= staleSeconds)) {
        if (await records.takeOver(attempt, staleSeconds)) {
          attempts.set(request, { scope, key, state: 'running' })
          return
        }
        continue
      }
      if (record.status === null) break
      attempts.set(request, { scope, key, state: 'replayed' })
      if (request.routeOptions.config.secretResponse === true && record.status < 400) {
        const location = record.headers?.location
        throw problem('conflict', `This Idempotency-Key already created ${location ?? 'the resource'}. Its secret is shown only once and is not kept: if it was lost, revoke that one and create another.`, location ? { headers: { location } } : undefined)
      }
      return replay(reply, { ...record, status: record.status })
    }
    throw problem('conflict', 'A request with this Idempotency-Key is still running; retry once it has completed.', { headers: { 'retry-after': '1' } })
  })

  // The first response, error answers included: stored unless the server failed (5xx) or the caller was throttled
  // (429), which a retry should run again. A replay passes through here too, and is not stored twice.
  app.addHook('onSend', async (request, reply, payload) => {
    const attempt = attempts.get(request)
    if (attempt?.state !== 'running') return payload
    attempt.state = 'settled'
    const status = reply.statusCode
    const storable = payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload)
    try {
      if (status >= 500 || status === 429 || !storable) {
        if (!storable) request.log.warn('a streamed response cannot be stored for its Idempotency-Key; a retry will run again')
        await records.release(attempt.scope, attempt.key)
        return payload
      }
      const headers: Record<string, string> = {}
      for (const name of STORED_HEADERS) {
        const value = reply.getHeader(name)
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
      }
      const secret = request.routeOptions.config.secretResponse === true && status < 400
      const body = secret || status === 204 || status === 304 || payload === null || payload === undefined ? null : payload.toString()
      await records.complete(attempt.scope, attempt.key, { status, headers, body })
    } catch (err) {
      // The work is done and the client should hear so; the record stays running and a retry can take it once stale.
      request.log.error({ err }, 'storing the response for its Idempotency-Key failed')
    }
    return payload
  })
}

export default fp(idempotencyPlugin, { name: 'idempotency', dependencies: ['database', 'auth'] })
