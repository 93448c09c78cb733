// Who is calling: the API key in `Authorization: Bearer …` (or nobody), checked on every request before the body is
// read; what the route needs (its `config.access`), refused with 401 or 403 before anything runs; and an audit
// event for every write an API key attempts, allowed or not.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { UnauthenticatedError } from '../domain/errors.ts'
import { forbidden, ProblemError, unauthorized } from '../errors.ts'
import { allows, anonymous, type Access, type Principal, type Role } from '../domain/access.ts'
import { RevokedKeyError } from '../services/organizations.ts'
import { addRouteHook, methodsOf } from './route-hooks.ts'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
  }
  interface FastifyContextConfig {
    /** What the route needs: `public`, or the least role of an API key. Every write route must say. */
    access?: Access
    /** Health probes: they answer whatever credentials come with them, and even when the database is down. */
    probe?: boolean
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The access a route needs; `public` unless it says otherwise (and write routes must say, see onRoute below). */
export const accessOf = (request: FastifyRequest): Access => request.routeOptions.config.access ?? 'public'

/**
 * The API key of an `Authorization: Bearer <key>` header; undefined without the header. Any other shape of it is a
 * 401: a caller who sent credentials expects them to be used, not to be served as anonymous.
 */
export function bearerToken (authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization)
  if (!match?.[1]) throw unauthorized('The Authorization header must be `Bearer <API key>`.')
  return match[1]
}

const outcomeOf = (status: number) => status === 401 || status === 403 ? 'denied' : status >= 400 ? 'failed' : 'succeeded'

async function authPlugin (app: FastifyInstance) {
  const { organizations } = app.services

  // A write route that forgot to say who may use it would be open to anyone: refuse to start instead.
  app.addHook('onRoute', (route) => {
    const methods = methodsOf(route)
    if (!methods.some((m) => !SAFE_METHODS.has(m))) return
    if (route.config?.access === undefined) throw new Error(`${methods.join(',')} ${route.url} must declare config.access`)
    addRouteHook(route, 'onSend', auditWrite)
  })

  // Set by the first onRequest hook below, before anything reads it (fastify forbids an object as the default).
  app.decorateRequest('principal', null as never)

  // A refusal (401, 403) is decided here but answered in preParsing, after the rate-limit plugin's onRequest hook
  // has counted the request: against the key's budget, or, for a key that was refused, the address's. Past the
  // budget, refusals are 429 too, so that trying keys is throttled. Still before the body is read.
  const refusals = new WeakMap<FastifyRequest, Error>()

  app.addHook('onRequest', async (request) => {
    request.principal = anonymous
    if (request.routeOptions.config.probe === true) return
    try {
      request.principal = await organizations.authenticate(bearerToken(request.headers.authorization))
    } catch (error) {
      const refused = error instanceof UnauthenticatedError || (error instanceof ProblemError && error.status === 401)
      if (!refused) throw error
      refusals.set(request, error)
      return
    }
    const access = accessOf(request)
    const { principal } = request
    if (allows(principal.kind === 'key' ? principal.role : null, access)) return
    refusals.set(request, principal.kind === 'anonymous'
      ? unauthorized(`This operation needs an API key with the ${access} role: send it as \`Authorization: Bearer <key>\`.`)
      : forbidden(`This operation needs the ${access} role; the API key "${principal.keyName}" has the ${principal.role} role.`))
  })

  app.addHook('preParsing', async (request) => {
    const refusal = refusals.get(request)
    if (refusal) throw refusal
  })

  // The use of a revoked key is audited for its organisation: it may be a leaked key still being tried (on any route,
  // or none).
  app.addHook('onSend', (request, reply, payload, done) => {
    const refusal = refusals.get(request)
    if (!(refusal instanceof RevokedKeyError) || reply.statusCode === 429 || reply.statusCode === 503) {
      return done(null, payload)
    }
    const { key } = refusal
    audit(request, reply.statusCode, {
      organizationId: key.organizationId,
      keyId: key.id,
      keyName: key.name,
      role: key.role,
    }).then(() => {
      done(null, payload)
    }, done)
  })

  // Audit: every write an API key attempts, on the routes that write. Written before the response goes out, so that
  // it is never lost to a crash after the client saw the answer; a failure to write it is logged, not turned into an
  // error.
  async function auditWrite (request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const { principal } = request
    // No principal when the request failed before authentication finished (e.g. the database is down).
    if (principal?.kind !== 'key' || SAFE_METHODS.has(request.method)) return payload
    // A throttled write did not happen, and a flood of them must not turn into a flood of inserts. A 503 is the
    // database being unavailable: the audit record could not be written either, and trying would wait for it again.
    if (reply.statusCode === 429 || reply.statusCode === 503) return payload
    await audit(request, reply.statusCode, principal)
    return payload
  }

  async function audit (
    request: FastifyRequest,
    status: number,
    key: { organizationId: string; keyId: string; keyName: string; role: Role }
  ) {
    try {
      await organizations.recordAudit({
        organizationId: key.organizationId,
        keyId: key.keyId,
        keyName: key.keyName,
        role: key.role,
        method: request.method,
        route: request.routeOptions.url ?? null,
        path: request.url.split('?')[0] ?? request.url,
        operationId: (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId ?? null,
        status,
        outcome: outcomeOf(status),
        requestId: request.id,
        ip: request.ip,
      })
    } catch (err) {
      request.log.error({ err }, 'recording the audit event failed')
    }
  }
}

export default fp(authPlugin, { name: 'auth', dependencies: ['services'] })
