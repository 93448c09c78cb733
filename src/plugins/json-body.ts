// Request bodies: JSON only (application/json or any +json type, e.g. merge-patch+json), parsed without letting a
// __proto__ or constructor.prototype key through, nor nesting deeper than any body of the API; every other content
// type is refused with 415.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import secureJson from 'secure-json-parse'
import { problem } from '../errors.ts'

// Deeper than any body of this API: code that walks a body recursively (the Idempotency-Key hash) must not run out
// of stack on one nested thousands of levels deep.
export const MAX_BODY_DEPTH = 64

/** Whether a parsed JSON value nests objects and arrays deeper than `limit` levels (walked without recursion). */
function nestedDeeperThan (value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number]
    if (item === null || typeof item !== 'object') continue
    if (depth > limit) return true
    for (const child of Object.values(item)) stack.push([child, depth + 1])
  }
  return false
}

async function jsonBody (app: FastifyInstance) {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (text.length === 0) {
      done(problem('bad-request', 'The body is empty; send a JSON object.'), undefined)
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      done(problem('invalid-json', `The body is not valid JSON: ${(error as Error).message}.`), undefined)
      return
    }
    try {
      // Parsing twice costs little on bodies this small, and tells a syntax error from a poisoned object.
      if (parsed !== null && typeof parsed === 'object') secureJson.scan(parsed, { protoAction: 'error', constructorAction: 'error' })
    } catch {
      done(problem('bad-request', 'The body contains a forbidden "__proto__" or "constructor.prototype" key.'), undefined)
      return
    }
    if (nestedDeeperThan(parsed, MAX_BODY_DEPTH)) {
      done(problem('bad-request', `The body nests objects and arrays deeper than ${MAX_BODY_DEPTH} levels.`), undefined)
      return
    }
    done(null, parsed)
  })
}

export default fp(jsonBody, { name: 'json-body' })
