// What the OpenAPI linters (Spectral's spectral:oas, Redocly's recommended; `npm run lint`) ask of the document,
// checked on what the routes produce: servers, a contact, every tag declared, no unused components, integer formats,
// and a description on every operation.
import t from 'tap'
import { build } from './helper.ts'

interface Schema { [key: string]: unknown }

t.test('the generated document declares what the linters ask for and holds nothing unused', async (t) => {
  const app = await build(t)
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  t.same(document.servers, [{ url: '/', description: 'This server: the one that serves this document' }], 'servers')
  t.type(document.info.contact?.name, 'string', 'info.contact')

  const declared = new Set((document.tags as Array<{ name: string }>).map((tag) => tag.name))
  const operations = Object.entries(document.paths as Record<string, Record<string, Schema>>)
    .flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ at: `${method.toUpperCase()} ${path}`, operation })))
  t.same(operations.filter(({ operation }) => ((operation.tags ?? []) as string[]).some((tag) => !declared.has(tag))).map((o) => o.at), [], 'every tag is declared')
  t.same(operations.filter(({ operation }) => typeof operation.description !== 'string' || operation.description === '').map((o) => o.at), [], 'every operation has a description')

  const text = JSON.stringify(document)
  const unused = Object.keys(document.components.schemas).filter((name) => !text.includes(`"#/components/schemas/${name}"`))
  t.same(unused, [], 'every component is referred to')
  const schemas = document.components.schemas as Record<string, unknown>
  const needless = Object.keys(schemas).filter((name) => name.endsWith('Input') && JSON.stringify(schemas[name]) === JSON.stringify(schemas[name.slice(0, -5)] ?? null))
  t.same(needless, [], 'no *Input duplicate of an output schema')
  t.same(Object.keys(schemas).filter((name) => name.endsWith('Input') && !(name.slice(0, -5) in schemas)), [], 'an *Input name only beside a different output schema')
  t.ok('CreateClaim' in schemas, 'request bodies keep their own names')

  const integers: Schema[] = []
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return }
    if (typeof node !== 'object' || node === null) return
    if ((node as Schema).type === 'integer') integers.push(node as Schema)
    Object.values(node).forEach(visit)
  }
  visit(document)
  t.ok(integers.length > 10, `integers found (${integers.length})`)
  t.same(integers.filter((s) => s.format !== 'int32' && s.format !== 'int64'), [], 'every integer has a format')
  t.same(integers.filter((s) => s.format === 'int32' && (typeof s.maximum !== 'number' || s.maximum > 2 ** 31 - 1)), [], 'int32 only where the range fits')
})

// An operationId in the document can be found in the code: each is written out as a literal in src/routes, not built
// from a template, so a search for the name a client sees leads to its route.
t.test('every operationId is written out literally in src/routes', async (t) => {
  const { readFile, readdir } = await import('node:fs/promises')
  const app = await build(t)
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const ids = Object.values(document.paths as Record<string, Record<string, { operationId?: string }>>)
    .flatMap((item) => Object.values(item).map((operation) => operation.operationId))
    .filter((id): id is string => typeof id === 'string')
  const root = new URL('../src/routes/', import.meta.url)
  const files = (await readdir(root, { recursive: true })).filter((name) => name.endsWith('.ts'))
  const source = (await Promise.all(files.map((name) => readFile(new URL(name, root), 'utf8')))).join('\n')
  t.ok(ids.length > 50, `operations found (${ids.length})`)
  t.same(ids.filter((id) => !source.includes(`'${id}'`)), [], 'no operationId is built from a template')
})
