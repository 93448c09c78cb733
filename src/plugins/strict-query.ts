// Unknown query parameters are refused (400 problem), not ignored: a misspelt filter (`?claimnt=…`) must not quietly
// answer the unfiltered list. Applied to every route as it is added, so that a new route cannot forget it.
import type { RouteOptions } from 'fastify'
import { z } from 'zod'

/**
 * fastify `onRoute` hook: a zod `querystring` made with `z.object` becomes strict (a route that accepts extra
 * parameters says so with `z.looseObject`); a route with a schema but no querystring accepts none.
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
}
