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

t.test('/docs renders the API reference', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /Claimtrack API/)
})
