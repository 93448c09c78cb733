// Idempotent writes: a POST or PATCH sent with `Idempotency-Key` runs once per key and caller; its first response
// (status, body and the headers that describe it) is stored in Postgres and replayed to retries for 24 hours.
// A 5xx is not stored, so that a retry runs again. After Stripe's design.
// @see https://docs.stripe.com/api/idempotent_requests
// @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
import { createHash, randomUUID } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { problem } from '../errors.ts'
import type { WriteContext } from '../services/history.ts'
import { RETENTION_SECONDS, type IdempotentRequest, type StoredResponse } from '../repositories/idempotency.ts'
import { addRouteHook, methodsOf } from './route-hooks.ts'

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
  interface FastifyRequest {
    /** Set while this request runs first for its Idempotency-Key: marks the record committed in the write's transaction. */
    idempotentCommit: WriteContext['onCommit']
  }
}

/** The collection segment of a URL, by the entity type that the revision history names its members with. */
const COLLECTIONS: Record<string, string> = {
  claims: 'claim', claimants: 'claimant', appearances: 'appearance', evidence: 'evidence', reviews: 'review', 'rating-scales': 'rating-scale',
}

/** The status a route answers on success (its one documented 2xx). */
function successStatusOf (request: FastifyRequest): number | undefined {
  const responses = (request.routeOptions.schema?.response ?? {}) as Record<string, unknown>
  const status = Object.keys(responses).find((code) => /^2\d\d$/.test(code))
  return status === undefined ? undefined : Number(status)
}

/**
 * Where the result of a committed write can be read again: the member it created (POST to a collection, 201), the
 * member an action acted on (POST /…/{id}/publish), or the member itself (PATCH).
 */
function resourceUrlOf (request: FastifyRequest, status: number, committed: Array<{ entityType: string, entityId: string }>): string | undefined {
  const path = request.url.split('?')[0] ?? request.url
  const segments = path.split('/')
  if (request.method === 'PATCH') return path
  if (status !== 201) return segments.slice(0, -1).join('/')
  const type = COLLECTIONS[segments.at(-1) ?? '']
  const created = committed.find((change) => change.entityType === type)
  return created && `${path}/${created.entityId}`
}

/** What this request does with its key: runs first (and stores its response), or replays a stored one. */
interface Attempt { scope: string, key: string, attempt: string | null, state: 'running' | 'replayed' | 'settled' }

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
function replay (reply: FastifyReply, record: StoredResponse) {
  return reply.code(record.status).headers(record.headers).header('idempotent-replayed', 'true')
    .serializer((payload: unknown) => String(payload))
    .send(record.body ?? undefined)
}

async function idempotencyPlugin (app: FastifyInstance) {
  const records = app.repositories.idempotency
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
  app.decorateRequest('idempotentCommit', undefined)

  /**
   * The first request committed its change but never stored its response (its process died, or the database went
   * away in between). The change is not made again: the answer is rebuilt from the resource as it now is, with the
   * status the first request would have had, and stored for later retries.
   */
  async function recover (request: FastifyRequest, reply: FastifyReply, scope: string, key: string, committed: Array<{ entityType: string, entityId: string }>) {
    const status = successStatusOf(request)
    const url = status === undefined ? undefined : resourceUrlOf(request, status, committed)
    const read = url === undefined
      ? undefined
      : await app.inject({ method: 'GET', url, headers: { ...(request.headers.authorization !== undefined && { authorization: request.headers.authorization }) } })
    if (status === undefined || url === undefined || read === undefined || read.statusCode !== 200) {
      throw problem('conflict', `The request first sent with this Idempotency-Key was completed, but its answer was lost${url ? ` and ${url} can no longer be read` : ''}. It will not be made again.`, url ? { headers: { location: url } } : undefined)
    }
    const headers: Record<string, string> = {}
    for (const name of ['content-type', 'etag'] as const) {
      const value = read.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    if (status === 201) headers.location = url
    await records.complete({ scope, key, attempt: null }, { status, headers, body: read.body })
    request.log.warn({ idempotencyKey: key, url }, 'answered a retry from a committed change whose response had been lost')
    return replay(reply, { status, headers, body: read.body })
  }

  /** This request runs first for its key: its writes will mark the record committed in their own transaction. */
  function run (request: FastifyRequest, attempt: IdempotentRequest) {
    attempts.set(request, { scope: attempt.scope, key: attempt.key, attempt: attempt.attempt, state: 'running' })
    request.idempotentCommit = async (tx, change) => {
      if (!await records.markCommitted(tx, attempt, change)) {
        throw problem('conflict', 'A retry with this Idempotency-Key took the request over while it was running; this attempt was abandoned and changed nothing.')
      }
    }
  }

  // After validation (a request refused as invalid stores nothing) and after authentication (the key's scope). On the
  // routes that take a POST or PATCH only.
  async function idempotent (request: FastifyRequest, reply: FastifyReply) {
    const key = request.headers['idempotency-key']
    if (key === undefined || !METHODS.has(request.method) || request.is404) return
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw problem('bad-request', 'The Idempotency-Key header must be 1 to 255 visible ASCII characters, such as a UUID.')
    }
    purgeExpired(request.log)
    const { principal } = request
    const scope = principal.kind === 'key' ? `key:${principal.keyId}` : `ip:${request.ip}`
    const attempt = { scope, key, attempt: randomUUID(), requestHash: requestHashOf(request), method: request.method, path: request.url.split('?')[0] ?? request.url }

    // Two rounds at most: a record can vanish (released after a 5xx) or be taken over between the statements.
    for (let round = 0; round < 2; round++) {
      if (await records.claim(attempt)) return run(request, attempt)
      const record = await records.find(scope, key)
      if (record === undefined) continue
      const expired = record.ageSeconds >= RETENTION_SECONDS
      if (!expired && record.requestHash !== attempt.requestHash) {
        throw problem('unprocessable-entity', 'This Idempotency-Key was used for a different request (method, path or body) in the last 24 hours; use a new key for a new request.')
      }
      if (expired || (record.status === null && record.ageSeconds >= staleSeconds)) {
        if (await records.takeOver(attempt, staleSeconds)) return run(request, attempt)
        continue
      }
      if (record.status === null && record.committed !== null) {
        attempts.set(request, { scope, key, attempt: null, state: 'replayed' })
        return recover(request, reply, scope, key, record.committed)
      }
      if (record.status === null) break
      attempts.set(request, { scope, key, attempt: null, state: 'replayed' })
      if (request.routeOptions.config.secretResponse === true && record.status < 400) {
        const location = record.headers?.location
        throw problem('conflict', `This Idempotency-Key already created ${location ?? 'the resource'}. Its secret is shown only once and is not kept: if it was lost, revoke that one and create another.`, location ? { headers: { location } } : undefined)
      }
      return replay(reply, { status: record.status, headers: record.headers ?? {}, body: record.body })
    }
    throw problem('conflict', 'A request with this Idempotency-Key is still running; retry once it has completed.', { headers: { 'retry-after': '1' } })
  }

  // The first response, error answers included: stored unless the server failed (5xx) or the caller was throttled
  // (429), which a retry should run again. A replay passes through here too, and is not stored twice.
  async function store (request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const attempt = attempts.get(request)
    if (attempt?.state !== 'running') return payload
    attempt.state = 'settled'
    const status = reply.statusCode
    const storable = payload === null || payload === undefined || typeof payload === 'string' || Buffer.isBuffer(payload)
    try {
      if (status >= 500 || status === 429 || !storable) {
        if (!storable) request.log.warn('a streamed response cannot be stored for its Idempotency-Key; a retry will run again')
        await records.release(attempt)
        return payload
      }
      const headers: Record<string, string> = {}
      for (const name of STORED_HEADERS) {
        const value = reply.getHeader(name)
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
      }
      const secret = request.routeOptions.config.secretResponse === true && status < 400
      const body = secret || status === 204 || status === 304 || payload === null || payload === undefined ? null : payload.toString()
      await records.complete(attempt, { status, headers, body })
    } catch (err) {
      // The work is done and the client should hear so; the record stays running and a retry can take it once stale.
      request.log.error({ err }, 'storing the response for its Idempotency-Key failed')
    }
    return payload
  }

  app.addHook('onRoute', (route) => {
    if (!methodsOf(route).some((method) => METHODS.has(method))) return
    addRouteHook(route, 'preHandler', idempotent)
    addRouteHook(route, 'onSend', store)
  })
}

export default fp(idempotencyPlugin, { name: 'idempotency', dependencies: ['database', 'services', 'auth'] })
