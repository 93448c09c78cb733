// OWASP API9:2023 Improper Inventory Management. The routes the server answers are exactly the operations of the
// OpenAPI document, save the few that are hidden on purpose and listed here; nothing undocumented is reachable.
import t from 'tap'
import { build } from '../helper.ts'

/** The routes that are not API operations, and why. */
const hidden: Array<{ method: string, path: RegExp, why: string }> = [
  { method: 'GET', path: /^\/openapi\.json$/, why: 'the OpenAPI document itself' },
  { method: 'GET', path: /^\/docs(\/.*)?$/, why: 'the API reference (Scalar) and its assets' },
  { method: 'HEAD', path: /.*/, why: 'fastify answers HEAD for every GET' },
  { method: 'OPTIONS', path: /^\*$/, why: 'CORS preflights (@fastify/cors)' },
]

/** `METHOD /path/{}` with every parameter, however named, as `{}`. */
const normalise = (method: string, path: string) => `${method} ${path.replace(/\/:[\w]+(\|:[\w]+)*/g, '/{}').replace(/\{\w+\}/g, '{}')}`

/** The routes of fastify's route tree (`printRoutes` with full segments), as METHOD + path. */
function routesOf (tree: string): Array<{ method: string, path: string }> {
  const routes: Array<{ method: string, path: string }> = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const match = /^([│ ├└─]*?)([├└]── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match) continue
    const depth = (match[1] ?? '').length / 4
    const segment = match[3] ?? ''
    stack.length = depth
    stack.push(segment)
    const path = stack.join('')
    for (const method of (match[4] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) routes.push({ method, path })
  }
  return routes
}

t.test('the routes of the server are the operations of the OpenAPI document, and the hidden ones listed here', async (t) => {
  const app = await build(t)
  await app.ready()
  const tree = app.printRoutes({ commonPrefix: false })
  const served = routesOf(tree)
  t.ok(served.length > 60, `the route tree was read (${served.length} method-routes)`)

  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> }
  const documented = new Set<string>()
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      documented.add(normalise(method.toUpperCase(), path))
      t.ok(app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1').replace(/claims:search/, 'claims::search') }), `${method.toUpperCase()} ${path} is served`)
    }
  }

  const undocumented: string[] = []
  const usedExceptions = new Set<string>()
  for (const { method, path } of served) {
    if (documented.has(normalise(method, path))) continue
    const exception = hidden.find((h) => h.method === method && h.path.test(path))
    if (exception) usedExceptions.add(exception.why)
    else undocumented.push(`${method} ${path}`)
  }
  t.same(undocumented, [], `no route outside the document but the hidden ones:\n${tree}`)
  const servedSet = new Set(served.map((r) => normalise(r.method, r.path)))
  t.same([...documented].filter((op) => !servedSet.has(op)), [], 'every documented operation is in the route tree')
  for (const h of hidden) {
    if (h.method !== 'OPTIONS') t.ok(usedExceptions.has(h.why), `the exception "${h.why}" is still needed`)
  }
})

t.test('what is not in the inventory is not reachable: 404 problem for unknown paths and methods', async (t) => {
  const app = await build(t)
  const probes = [
    ['GET', '/v2/claims'], ['GET', '/v1/admin'], ['GET', '/v1/keys'],
    ['PUT', '/v1/claims'], ['DELETE', '/v1/organizations/newsroom'], ['POST', '/v1/organizations'], ['PATCH', '/v1/api-keys/01900000-0000-7000-8000-000000000000'],
    ['GET', '/v1/debug'], ['GET', '/.env'], ['GET', '/v1/audit/1'],
  ] as const
  for (const [method, url] of probes) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, 404, `${method} ${url} -> 404 (${res.statusCode} ${res.body.slice(0, 120)})`)
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${method} ${url}: problem+json`)
  }
})
