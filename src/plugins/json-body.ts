// Request bodies: JSON only, read by fastify's own parser (secure-json-parse, which refuses a __proto__ or
// constructor.prototype key), for application/json and any +json type (e.g. merge-patch+json); every other content
// type is refused with 415. A body nested deeper than any body of the API is refused before validation.
// @see https://fastify.dev/docs/latest/Reference/ContentTypeParser/
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { problem } from '../errors.ts'

// Deeper than any body of this API: code that walks a body recursively (the Idempotency-Key hash) must not run out
// of stack on one nested thousands of levels deep.
export const MAX_BODY_DEPTH = 64

/** Whether a parsed JSON value nests objects and arrays deeper than `limit` levels (walked without recursion). */
export function nestedDeeperThan (value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number]
    if (item === null || typeof item !== 'object') continue
    if (depth > limit) return true
    for (const child of Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return false
}

async function jsonBody (app: FastifyInstance) {
  // fastify's own JSON parser stays for application/json; the same parser reads the +json types; text/plain goes.
  app.removeContentTypeParser('text/plain')
  const plusJson = /^application\/[\w.-]+\+json(\s*;.*)?$/i
  app.addContentTypeParser(plusJson, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'))
  app.addHook('preValidation', async (request) => {
    if (request.body !== null && typeof request.body === 'object' && nestedDeeperThan(request.body, MAX_BODY_DEPTH)) {
      throw problem('bad-request', `The body nests objects and arrays deeper than ${MAX_BODY_DEPTH} levels.`)
    }
  })
}

export default fp(jsonBody, { name: 'json-body' })
