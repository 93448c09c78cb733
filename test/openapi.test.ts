// The committed OpenAPI document: valid OpenAPI 3.1, and exactly what the routes produce.
import { readFile } from 'node:fs/promises'
import { validate } from '@readme/openapi-parser'
import t from 'tap'
import { openapiPath } from '../src/cli/openapi.ts'
import { build } from './helper.ts'

t.test('the committed document equals the one the routes produce', async (t) => {
  const app = await build(t)
  await app.ready()
  const committed = await readFile(openapiPath, 'utf8')
  t.equal(committed, `${JSON.stringify(app.swagger(), null, 2)}\n`, 'run `npm run openapi` after changing a route')
  const served = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(served.statusCode, 200)
  t.same(served.json(), JSON.parse(committed), '/openapi.json serves the same document')
})

t.test('the document is valid OpenAPI 3.1 and every operation is fully described', async (t) => {
  const doc = JSON.parse(await readFile(openapiPath, 'utf8'))
  t.equal(doc.openapi, '3.1.0')
  const result = await validate(structuredClone(doc))
  t.ok(result.valid, JSON.stringify(result.valid ? [] : result.errors))

  const operationIds = new Set<string>()
  for (const [path, item] of Object.entries<Record<string, Record<string, unknown>>>(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`
      t.type(op.operationId, 'string', `${where} has an operationId`)
      t.notOk(operationIds.has(op.operationId as string), `${where} operationId is unique`)
      operationIds.add(op.operationId as string)
      t.type(op.summary, 'string', `${where} has a summary`)
      t.ok(Array.isArray(op.tags) && (op.tags as unknown[]).length > 0, `${where} is tagged`)
      const responses = op.responses as Record<string, { content?: Record<string, unknown> }>
      t.ok(Object.keys(responses).some((code) => code.startsWith('2')), `${where} documents a success`)
      if (path.startsWith('/v1/') && method !== 'options') {
        t.ok(responses['400'], `${where} documents 400`)
        for (const [code, response] of Object.entries(responses)) {
          if (Number(code) >= 400) t.ok(response.content?.['application/problem+json'] ?? response.content?.['application/json'], `${where} ${code} has a body schema`)
        }
      }
    }
  }
})

t.test('If-Match is a required header wherever a write answers 428 without it', async (t) => {
  const doc = JSON.parse(await readFile(openapiPath, 'utf8'))
  const conditional: string[] = []
  for (const [path, item] of Object.entries<
    Record<
      string,
      { responses: Record<string, unknown>; parameters?: Array<{ in: string; name: string; required?: boolean }> }
    >
  >(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const ifMatch = op.parameters?.find((p) => p.in === 'header' && p.name === 'if-match')
      const where = `${method.toUpperCase()} ${path}`
      if ('428' in op.responses) {
        t.equal(ifMatch?.required, true, `${where}: if-match required`)
        conditional.push(where)
      } else {
        t.equal(ifMatch, undefined, `${where}: no if-match without a 428`)
      }
    }
  }
  t.equal(conditional.length, 17, 'every update, delete, publish and retract')
  // The request schema itself keeps it optional, so that a request without it gets the 428 that says what to send.
  const app = await build(t)
  const created = await app.inject({ method: 'POST', url: '/v1/claims', payload: { text: 'Conditional.' } })
  const res = await app.inject({ method: 'PATCH', url: `/v1/claims/${created.json().id}`, payload: { text: 'Changed.' } })
  t.equal(res.statusCode, 428)
  t.equal(res.json().type, '/problems/precondition-required')
})

t.test('/docs renders the API reference', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /Claimtrack API/)
})

t.test('every input is bounded: strings have a maximum length, arrays a maximum size', async (t) => {
  const doc = JSON.parse(await readFile(openapiPath, 'utf8'))
  type Schema = Record<string, unknown> & { $ref?: string }
  const resolve = (s: Schema | undefined): Schema | undefined => s?.$ref ? resolve(doc.components.schemas[s.$ref.split('/').pop() as string]) : s
  const unbounded: string[] = []
  let checked = 0
  function walk (given: Schema | undefined, where: string, seen: Set<Schema>) {
    const s = resolve(given)
    if (!s || seen.has(s)) return
    seen.add(s)
    for (const key of ['anyOf', 'oneOf', 'allOf']) for (const [i, x] of ((s[key] ?? []) as Schema[]).entries()) walk(x, `${where}|${i}`, seen)
    const types = ([] as unknown[]).concat(s.type)
    // A string is bounded by a length, or by a format or pattern that only fixed-size values match (uuid, dates).
    if (types.includes('string')) {
      checked++
      if (s.maxLength === undefined && s.enum === undefined && s.const === undefined && !['uuid', 'date', 'date-time'].includes(s.format as string)) unbounded.push(`${where}: string`)
    }
    if (types.includes('array')) {
      checked++
      if (s.maxItems === undefined) unbounded.push(`${where}: array`)
      walk(s.items as Schema, `${where}[]`, seen)
    }
    for (const [key, value] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) walk(value, `${where}.${key}`, seen)
  }
  for (const [path, item] of Object.entries<
    Record<
      string,
      {
        parameters?: Array<{ in: string; name: string; schema: Schema }>
        requestBody?: { content: Record<string, { schema: Schema }> }
      }
    >
  >(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const p of op.parameters ?? []) walk(p.schema, `${method} ${path} ${p.in} ${p.name}`, new Set())
      for (const content of Object.values(op.requestBody?.content ?? {})) { walk(content.schema, `${method} ${path} body`, new Set()) }
    }
  }
  t.ok(checked > 100, `checked ${checked} strings and arrays`)
  t.same(unbounded, [], 'no unbounded input')
})
