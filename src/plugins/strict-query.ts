// Unknown query parameters are refused (400 problem), not ignored: a misspelt filter (`?claimnt=…`) must not quietly
// answer the unfiltered list. Applied to every route as it is added, so that a new route cannot forget it.
import type { RouteOptions } from 'fastify'
import { z } from 'zod'
import { ProblemSchema } from '../schemas/common.ts'

/**
 * fastify `onRoute` hook: a zod `querystring` made with `z.object` becomes strict (a route that accepts extra
 * parameters says so with `z.looseObject`); a route with a schema but no querystring accepts none. A route that
 * did not document a 400 answer now has one, and says so.
 */
export function strictQuerystring (route: RouteOptions) {
  const schema = route.schema
  if (!schema) return
  const query = schema.querystring
  if (query === undefined) {
    schema.querystring = z.strictObject({})
  } else if (query instanceof z.ZodObject && query.def.catchall === undefined) {
    schema.querystring = query.strict()
  }
  const responses = schema.response as Record<string, unknown> | undefined
  if (responses && !('400' in responses)) schema.response = { ...responses, 400: ProblemSchema }
}
