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

type JsonSchema = { [key: string]: unknown }
const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The schema with each "this or null" (`anyOf: [X, { type: 'null' }]`, as zod writes `.nullable()`) as X with
 * `nullable: true`, for an X of one type (a `$ref` X inlined from `definitions`). fast-json-stringify serializes an
 * `anyOf` by validating the value against each option with ajv (a verdict's every field and pattern, for each claim of
 * a page); `nullable` is a null check. The output is the same.
 */
export function nullableKeyword (schema: unknown, definitions: JsonSchema = {}): unknown {
  if (Array.isArray(schema)) return schema.map((item) => nullableKeyword(item, definitions))
  if (!isObject(schema)) return schema
  const defs = isObject(schema.definitions) ? { ...definitions, ...schema.definitions } : definitions
  const options = schema.anyOf
  if (Array.isArray(options) && options.length === 2) {
    const isNull = (o: unknown) => isObject(o) && o.type === 'null' && Object.keys(o).length === 1
    const other: unknown = isNull(options[1]) ? options[0] : isNull(options[0]) ? options[1] : undefined
    if (isObject(other) && !isNull(other)) {
      const { anyOf: _, ...siblings } = schema
      const ref = typeof other.$ref === 'string' ? /^#\/definitions\/([^/]+)$/.exec(other.$ref)?.[1] : undefined
      const target = ref === undefined ? other : defs[ref]
      // Of one type, and nothing that null would have to satisfy besides (fast-json-stringify still validates the
      // options of a union with ajv, where `nullable` allows null to the type, not to `enum` or `const`).
      const simple = isObject(target) && typeof target.type === 'string' && target.type !== 'null' &&
        !['nullable', 'const', 'allOf', 'anyOf', 'oneOf', 'not', 'if'].some((key) => key in target)
      if (simple && (ref === undefined || Object.keys(other).length === 1)) {
        const values = Array.isArray(target.enum) ? { enum: [...(target.enum as unknown[]), null] } : {}
        return nullableKeyword({ ...siblings, ...target, ...values, nullable: true }, defs)
      }
    }
  }
  const out: JsonSchema = {}
  for (const [key, value] of Object.entries(schema)) out[key] = nullableKeyword(value, defs)
  return out
}

/** fast-json-stringify from the JSON Schema of the answer zod would give (its output side). */
export const fastSerializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => {
  const zod = zodOf(schema)
  let serialize = compiled.get(zod)
  if (serialize === undefined) {
    const json = nullableKeyword(z.toJSONSchema(zod, { io: 'output', target: 'draft-7', unrepresentable: 'any' }))
    const stringify = fastJson(json as Parameters<typeof fastJson>[0])
    serialize = (data: unknown) => stringify(data)
    compiled.set(zod, serialize)
  }
  return serialize
}
