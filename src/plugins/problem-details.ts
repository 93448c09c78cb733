// One error language: every error and unknown route is answered as RFC 9457 application/problem+json.
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from '@fastify/type-provider-zod'
import { errorCodes, transientDatabaseError } from '../db/errors.ts'
import {
  ConflictError,
  DomainError,
  FieldIssuesError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnauthenticatedError,
  UnavailableError,
} from '../domain/errors.ts'
import { ProblemError, problem, problemTypes, type FieldError, type ProblemCode } from '../errors.ts'
import { redactUrl } from '../lib/http/log-redaction.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** Stable, documented problem type URIs, relative to the API's origin. */
export const problemTypeUri = (code: ProblemCode) => `/problems/${code}`

// Fastify's own errors and those of the body parser, by code.
const fastifyCodes: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad-request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported-media-type',
  FST_ERR_VALIDATION: 'validation-failed',
}

// Postgres SQLSTATEs that mean the request, not the server, was at fault. Validation should catch these first;
// this is the net under it, so that a gap in a schema is a 4xx rather than a 500.
const sqlStates: Record<string, { code: ProblemCode, detail: string }> = {
  23505: { code: 'conflict', detail: 'The change conflicts with an existing resource.' },
  23001: { code: 'conflict', detail: 'The resource is still referred to by another resource.' },
  23503: { code: 'conflict', detail: 'The change refers to, or is referred to by, another resource.' },
  23514: { code: 'unprocessable-entity', detail: 'The change breaks a rule of the data model.' },
  '22P02': { code: 'bad-request', detail: 'A value has the wrong format.' },
  22007: { code: 'bad-request', detail: 'A date or time has the wrong format.' },
  22008: { code: 'bad-request', detail: 'A date or time is out of range.' },
  22001: { code: 'bad-request', detail: 'A value is too long.' },
  22003: { code: 'bad-request', detail: 'A number is out of range.' },
  22021: { code: 'bad-request', detail: 'A value is not valid UTF-8.' },
  '22P05': { code: 'bad-request', detail: 'A value contains a character the database cannot store.' },
}

const statusCodes = new Map<number, ProblemCode>(
  Object.entries(problemTypes).map(([code, { status }]) => [status, code as ProblemCode])
)

// drizzle wraps driver errors; the SQLSTATE sits on the cause.
const sqlStateOf = (error: unknown): string | undefined => errorCodes(error).find((code) => /^[0-9A-Z]{5}$/.test(code))

function validationErrors (error: FastifyError): FieldError[] {
  const context = error.validationContext ?? 'request'
  const where = context === 'querystring' ? 'query' : context
  return (error.validation ?? []).map((issue) => {
    const path = issue.instancePath.split('/').filter(Boolean).join('.')
    return { field: path ? `${where}.${path}` : where, message: issue.message ?? 'is invalid' }
  })
}

// Each kind of domain error (src/domain/errors.ts) as a problem type.
const domainCodes: Record<string, ProblemCode> = {
  validation: 'validation-failed',
  'rule-violation': 'unprocessable-entity',
  'invalid-input': 'bad-request',
  'invalid-cursor': 'invalid-cursor',
  'not-found': 'not-found',
  conflict: 'conflict',
  forbidden: 'forbidden',
  unauthenticated: 'unauthorized',
  'precondition-required': 'precondition-required',
  'precondition-failed': 'precondition-failed',
  unavailable: 'service-unavailable',
}

/** Where the route took a service's input from: its body when it has one, else its query string. */
export const inputLocationOf = (request: FastifyRequest | undefined): string =>
  request?.routeOptions.schema?.body === undefined ? 'query' : 'body'

/** The headers a domain error's answer carries: the challenge of a 401, the current ETag, when to retry. */
function domainHeaders (error: DomainError): Record<string, string> {
  if (error instanceof UnauthenticatedError) return { 'www-authenticate': 'Bearer realm="claimtrack"' }
  if (error instanceof PreconditionFailedError) return { etag: error.current }
  if (error instanceof PreconditionRequiredError && error.current !== undefined) return { etag: error.current }
  if (error instanceof UnavailableError) return { 'retry-after': String(error.retryAfterSeconds) }
  return {}
}

/**
 * A domain error as a problem: its field paths, relative to the service's input (or to the stored entity it names),
 * are given the request location they came from (`body.`, `query.`), so that a client can find the field it sent.
 */
export function fromDomainError (error: DomainError, location: string): ProblemError {
  const code = domainCodes[error.kind] ?? 'internal-error'
  const errors = error instanceof FieldIssuesError
    ? error.issues.map((issue) => ({ field: `${error.subject ?? location}.${issue.path}`, message: issue.message }))
    : undefined
  const extensions = error instanceof ConflictError ? error.details : undefined
  return problem(code, error.message, {
    headers: domainHeaders(error),
    ...(errors ? { errors } : {}),
    ...(extensions ? { extensions } : {}),
  })
}

/**
 * Turns anything thrown into a ProblemError; unknown errors become a 500 that reveals nothing. `request` tells
 * where a domain error's fields were sent.
 */
export function toProblem (error: unknown, request?: FastifyRequest): ProblemError {
  if (error instanceof ProblemError) return error
  if (error instanceof DomainError) return fromDomainError(error, inputLocationOf(request))
  const fastifyError = error as FastifyError
  if (hasZodFastifySchemaValidationErrors(fastifyError) || Array.isArray(fastifyError.validation)) {
    const errors = validationErrors(fastifyError)
    const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ')
    return problem('validation-failed', `The request is invalid: ${summary}`, { errors })
  }
  const transient = transientDatabaseError(error)
  if (transient) return problem('service-unavailable', transient.detail, { headers: { 'retry-after': String(transient.retryAfter) } })
  const state = sqlStateOf(error)
  const mapped = state === undefined ? undefined : sqlStates[state]
  if (mapped) return problem(mapped.code, mapped.detail)
  const byCode = typeof fastifyError.code === 'string' ? fastifyCodes[fastifyError.code] : undefined
  if (byCode) return problem(byCode, fastifyError.message)
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // e.g. secure-json-parse refusing a prototype-poisoning body, or a malformed header.
    const code = statusCodes.get(status) ?? 'bad-request'
    return new ProblemError({ code, status, title: problemTypes[code].title, detail: fastifyError.message })
  }
  return problem('internal-error', 'The server could not complete the request. It has been logged; retrying may help.')
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, error: ProblemError) {
  const body: Record<string, unknown> = {
    ...error.extensions,
    type: problemTypeUri(error.code as ProblemCode),
    title: error.title,
    status: error.status,
    detail: error.message,
    instance: request.url.split('?')[0],
    requestId: request.id,
  }
  if (error.errors) body.errors = error.errors
  return reply
    .code(error.status)
    .headers(error.headers)
    .type(PROBLEM_CONTENT_TYPE)
    // Serialise here: the route's response schemas describe its own answers, not this one.
    .serializer(JSON.stringify)
    .send(body)
}

/**
 * Fastify's `frameworkErrors`: a URL that cannot be decoded (`%C0%AF`), or a path parameter longer than the router's
 * limit, is refused before any hook or route runs, by default as plain JSON (and a 414); here as a 400 problem.
 */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? 'A segment of the URL path is too long to name anything.'
    : 'The URL is not valid: it holds a malformed percent-encoding.'
  reply.header('x-request-id', request.id)
  return sendProblem(request, reply, problem('bad-request', detail))
}

// Node's refusals before a request reaches fastify, by its error code: status, problem type and what to say.
const clientErrors: Record<string, { status: number, code: ProblemCode, detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request-timeout', detail: 'The request did not arrive in time: its headers or body came too slowly. The connection is closed.' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'request-header-fields-too-large', detail: 'The request headers are larger than this server accepts.' },
}

/**
 * Fastify's `clientErrorHandler`: a request Node refuses itself (malformed, headers too large, too slow to arrive) is
 * answered as problem+json, written on the socket, which is then closed.
 */
export function clientErrorHandler (this: FastifyInstance, error: Error & { code?: string }, socket: Socket) {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const known = error.code === undefined ? undefined : clientErrors[error.code]
  const { status, code, detail } = known ?? { status: 400, code: 'bad-request' as const, detail: 'The request is not valid HTTP.' }
  this.log.debug({ err: error }, 'client error')
  if (socket.writable) {
    const body = JSON.stringify({ type: problemTypeUri(code), title: problemTypes[code].title, status, detail })
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(error)
}

async function problemDetails (app: FastifyInstance) {
  app.setErrorHandler((error, request, reply) => {
    const answer = toProblem(error, request)
    if (answer.status === 503) request.log.warn({ err: error }, 'request failed: database unavailable')
    else if (answer.status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ problem: answer.code, detail: redactUrl(answer.message) }, 'request refused')
    return sendProblem(request, reply, answer)
  })

  app.setNotFoundHandler((request, reply) => {
    return sendProblem(request, reply, problem('not-found', `No route matches ${request.method} ${request.url.split('?')[0]}.`))
  })
}

export default fp(problemDetails, { name: 'problem-details' })
