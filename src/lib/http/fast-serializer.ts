// Response serializers compiled from the routes' zod schemas with fast-json-stringify, the one serializer of every
// route (app.ts): the zod type provider's serializer validates every answer against its schema with zod before
// JSON.stringify, which measured slower on every answer tried (a claim's detail, a claimant; docs/performance.md).
// @see https://github.com/fastify/fast-json-stringify
import fastJson from 'fast-json-stringify'
import type { FastifySerializerCompiler } from 'fastify'
import { z } from 'zod'

/** The zod schema of a response, as fastify hands it to a serializer compiler (optionally under `properties`). */
function zodOf (schema: unknown): z.ZodType {
  if (schema instanceof z.ZodType) return schema
  const inner = (schema as { properties?: unknown } | null)?.properties
  if (inner instanceof z.ZodType) return inner
  throw new Error('a fast serializer needs a zod response schema')
}

type Serialize = (data: unknown) => string

/**
 * The serializer of each zod schema, compiled once per process: the schemas are module constants, shared by many
 * routes (the problem answer by every route and status) and by every app a process builds (the tests build one per
 * test), and compiling one costs milliseconds. A compiled serializer is a pure function of its schema.
 */
const compiled = new WeakMap<z.ZodType, Serialize>()

/** fast-json-stringify from the JSON Schema of the answer zod would give (its output side). */
export const fastSerializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => {
  const zod = zodOf(schema)
  let serialize = compiled.get(zod)
  if (serialize === undefined) {
    const json = z.toJSONSchema(zod, { io: 'output', target: 'draft-7', unrepresentable: 'any' })
    const stringify = fastJson(json as Parameters<typeof fastJson>[0])
    serialize = (data: unknown) => stringify(data)
    compiled.set(zod, serialize)
  }
  return serialize
}
