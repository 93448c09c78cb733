// What the fuzzer expects of an answer, judged with a JSON Schema validator over the OpenAPI document: whether a
// generated request is valid by the documented schemas, and whether an answer is one the document allows.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { OpenApiDocument, Operation, Schema } from './openapi-arbitraries.ts'

export type Verdict = 'valid' | 'invalid' | 'unspecified'

export interface Answer { statusCode: number, headers: Record<string, unknown>, body: string }

export interface Oracle {
  /** Whether `value` (a request part, coerced from strings when `coerce`) is valid by `schema`. */
  accepts (schema: Schema, value: unknown, coerce: boolean): boolean
  /** Everything wrong with an answer: empty when the answer is fine. */
  judge (answer: Answer, verdict: Verdict, op: Operation | undefined, sentIfNoneMatch: boolean): string[]
}

const DOC_ID = 'https://claimtrack.invalid/openapi.json'

export function createOracle (doc: OpenApiDocument): Oracle {
  // Two validators: request parameters arrive as strings and are coerced as the server does; bodies are not.
  const make = (coerceTypes: boolean) => {
    const ajv = new Ajv2020({ strict: false, allErrors: false, coerceTypes, validateFormats: true })
    addFormats.default(ajv)
    ajv.addSchema({ $id: DOC_ID, components: doc.components })
    return ajv
  }
  const plain = make(false)
  const coercing = make(true)
  const cache = new Map<string, ValidateFunction>()
  const compile = (schema: Schema, coerce: boolean): ValidateFunction => {
    const key = `${coerce}:${JSON.stringify(schema)}`
    let fn = cache.get(key)
    if (!fn) {
      // Component references are resolved against the document.
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as Schema
      fn = (coerce ? coercing : plain).compile(rebased)
      cache.set(key, fn)
    }
    return fn
  }
  const problem = compile({ $ref: '#/components/schemas/Problem' }, false)

  const accepts = (schema: Schema, value: unknown, coerce: boolean) =>
    // Coercion rewrites the value in place: validate a copy.
    compile(schema, coerce)(coerce ? structuredClone(value) : value)

  function judge (answer: Answer, verdict: Verdict, op: Operation | undefined, sentIfNoneMatch: boolean): string[] {
    const faults: string[] = []
    const { statusCode: status } = answer
    const contentType = String(answer.headers['content-type'] ?? '')
    let body: unknown
    let parsed = false
    if (answer.body.length > 0 && /json/.test(contentType)) {
      try {
        body = JSON.parse(answer.body)
        parsed = true
      } catch {
        faults.push(`the ${contentType} body is not JSON`)
      }
    }
    if (status >= 500) faults.push(`server error ${status}`)
    if (status >= 400) {
      if (!contentType.startsWith('application/problem+json')) faults.push(`a ${status} answered as ${contentType || 'no content type'}, not application/problem+json`)
      else if (parsed) {
        if ((body as { status?: unknown }).status !== status) faults.push(`problem status ${String((body as { status?: unknown }).status)} differs from HTTP ${status}`)
        if (!problem(body)) faults.push(`problem body does not match Problem: ${JSON.stringify(problem.errors)}`)
      }
    }
    if (verdict === 'invalid' && status < 400) faults.push(`an invalid request was answered ${status}`)
    if (status === 304 && !sentIfNoneMatch) faults.push('304 without If-None-Match')
    if (op) {
      const documented = op.responses[String(status)] ?? op.responses.default
      if (!documented) faults.push(`${status} is not a documented status of ${op.operationId} (${Object.keys(op.responses).join(', ')})`)
      else if (documented.contentType === undefined) {
        if (answer.body.length > 0) faults.push(`${status} of ${op.operationId} documents no body, got ${answer.body.slice(0, 100)}`)
      } else {
        const mediaType = contentType.split(';')[0]?.trim()
        if (mediaType !== documented.contentType) faults.push(`${status} of ${op.operationId} is documented as ${documented.contentType}, answered as ${contentType || 'none'}`)
        else if (documented.schema && !/json/.test(documented.contentType)) {
          // A text body (a script, an SVG image): the schema describes it as a string.
          const validate = compile(documented.schema, false)
          if (!validate(answer.body)) faults.push(`${status} ${documented.contentType} body of ${op.operationId} does not match its schema: ${JSON.stringify(validate.errors?.slice(0, 3))}`)
        } else if (documented.schema && parsed) {
          const validate = compile(documented.schema, false)
          if (!validate(body)) faults.push(`${status} body of ${op.operationId} does not match its schema: ${JSON.stringify(validate.errors?.slice(0, 3))}`)
        } else if (documented.schema && !parsed) faults.push(`${status} of ${op.operationId} has no JSON body`)
      }
    }
    return faults
  }

  return { accepts, judge }
}
