// Idempotent writes: a POST or PATCH sent with `Idempotency-Key` runs once per key and caller; its first response
// (status, body and the headers that describe it) is stored in Postgres and replayed to retries for 24 hours.
// A 5xx is not stored, so that a retry runs again. A write's transaction also marks the record with what it wrote,
// so that a retry after a crash between the commit and the stored answer reads that resource through its service
// instead of writing again. After Stripe's design.
// @see https://docs.stripe.com/api/idempotent_requests
// @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
import { createHash, randomUUID } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'
import { NotFoundError } from '../domain/errors.ts'
import { problem } from '../errors.ts'
import { viewerOf, type Viewer } from '../domain/access.ts'
import { versionEtag } from '../lib/tokens/etag.ts'
import { RETENTION_SECONDS, type IdempotentRequest, type StoredResponse } from '../repositories/idempotency.ts'
import { addRouteHook, methodsOf } from './route-hooks.ts'
import type { EntityType } from '../repositories/revisions.ts'
import { toAppearance } from '../schemas/appearances.ts'
import { toClaimDetail } from '../schemas/claims.ts'
import { toClaimant } from '../schemas/claimants.ts'
import { toEvidence } from '../schemas/evidence.ts'
import { toRatingScale } from '../schemas/rating-scales.ts'
import { toReview } from '../schemas/reviews.ts'
import { claimEtag } from '../services/claims.ts'
import type { WriteContext } from '../services/history.ts'
import { reviewEtag } from '../services/reviews.ts'

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
    /**
     * Set while this request runs first for its Idempotency-Key: marks the record committed in the write's transaction.
     */
    idempotentCommit: WriteContext['onCommit']
  }
}

/** The status a route answers on success (its one documented 2xx), and the schema of that answer. */
function successOf (request: FastifyRequest): { status: number, schema: unknown } | undefined {
  const responses = (request.routeOptions.schema?.response ?? {}) as Record<string, unknown>
  const status = Object.keys(responses).find((code) => /^2\d\d$/.test(code))
  return status === undefined ? undefined : { status: Number(status), schema: responses[status] }
}

/** A resource as its routes answer with it: the body (serialized by the route's own response schema) and headers. */
interface Representation { body: unknown, etag: string, location: string }
type Services = FastifyInstance['services']
type Read = (
  services: Services,
  ref: { id: string; claimId: string | undefined; viewer: Viewer },
) => Promise<Representation>

/** Resources under a claim are read with their claim's id, which their routes name `claimId`. */
function underClaim (claimId: string | undefined): string {
  if (claimId === undefined) throw new Error('a resource under a claim was recovered on a route without :claimId')
  return claimId
}

/**
 * How each kind of entity a write records is read back through its service and represented, by the schema id of
 * the answer that describes it: the answer a retry gets when the first request's change committed but its stored
 * answer was lost.
 */
const representations: Record<string, { entityType: EntityType, read: Read }> = {
  ClaimDetail: {
    entityType: 'claim',
    read: async (services, { id, viewer }) => {
      const detail = await services.claims.get(id, viewer)
      return { body: toClaimDetail(detail), etag: claimEtag(detail), location: `/v1/claims/${id}` }
    },
  },
  Claimant: {
    entityType: 'claimant',
    read: async (services, { id }) => {
      const row = await services.claimants.get(id)
      return { body: toClaimant(row), etag: versionEtag(row.version), location: `/v1/claimants/${id}` }
    },
  },
  RatingScale: {
    entityType: 'rating-scale',
    read: async (services, { id }) => {
      const row = await services.ratingScales.get(id)
      return { body: toRatingScale(row), etag: versionEtag(row.version), location: `/v1/rating-scales/${id}` }
    },
  },
  Appearance: {
    entityType: 'appearance',
    read: async (services, { id, claimId, viewer }) => {
      const row = await services.appearances.get(underClaim(claimId), id, viewer)
      return { body: toAppearance(row), etag: versionEtag(row.version), location: `/v1/claims/${row.claimId}/appearances/${id}` }
    },
  },
  Evidence: {
    entityType: 'evidence',
    read: async (services, { id, claimId, viewer }) => {
      const row = await services.evidence.get(underClaim(claimId), id, viewer)
      return { body: toEvidence(row), etag: versionEtag(row.version), location: `/v1/claims/${row.claimId}/evidence/${id}` }
    },
  },
  Review: {
    entityType: 'review',
    read: async (services, { id, claimId, viewer }) => {
      const pair = await services.reviews.get(underClaim(claimId), id, viewer)
      return { body: toReview(pair), etag: reviewEtag(pair), location: `/v1/claims/${pair.review.claimId}/reviews/${id}` }
    },
  },
}

/**
 * What this request does with its key: runs first (and stores its response), answers from the committed change of
 * a first request whose response was lost (and stores that), or replays a stored one.
 */
interface Attempt { scope: string, key: string, attempt: string | null, state: 'running' | 'recovered' | 'replayed' | 'settled' }

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
   * away in between). The change is not made again: the resource it wrote, named in the mark its transaction left,
   * is read through its service and answered as the route answers it, with the status the first request would
   * have had; onSend stores that answer for later retries.
   */
  async function recover (
    request: FastifyRequest,
    reply: FastifyReply,
    scope: string,
    key: string,
    committed: Array<{ entityType: string; entityId: string }>
  ) {
    const success = successOf(request)
    const id = success && z.globalRegistry.get(success.schema as z.ZodType)?.id
    const representation = id === undefined ? undefined : representations[id]
    const change = representation && committed.find((c) => c.entityType === representation.entityType)
    const claimId = (request.params as { claimId?: string } | undefined)?.claimId
    const answer =
      success &&
      representation &&
      change &&
      (await representation
        .read(app.services, { id: change.entityId, claimId, viewer: viewerOf(request.principal) })
        .catch((err: unknown) => {
          if (err instanceof NotFoundError) return undefined
          throw err
        }))
    if (success === undefined || answer === undefined) {
      throw problem(
        'conflict',
        'The request first sent with this Idempotency-Key was completed, but its answer was lost and what it wrote can no longer be read. It will not be made again.'
      )
    }
    attempts.set(request, { scope, key, attempt: null, state: 'recovered' })
    request.log.warn(
      { idempotencyKey: key, entityType: change?.entityType, entityId: change?.entityId },
      'answering a retry from a committed change whose response had been lost'
    )
    reply.code(success.status).header('etag', answer.etag).header('idempotent-replayed', 'true')
    if (success.status === 201) reply.header('location', answer.location)
    return reply.send(answer.body)
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
    if (attempt?.state !== 'running' && attempt?.state !== 'recovered') return payload
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
      const body =
        secret || status === 204 || status === 304 || payload === null || payload === undefined
          ? null
          : payload.toString()
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
