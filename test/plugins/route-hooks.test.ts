// Hooks that every answer needs are not lost to hooks added per route: every operation of the OpenAPI document (and
// an unknown path), called anonymously from another site, answers with the security headers, CORS, X-Request-Id and
// the rate-limit headers, whatever its status; the health probes alone are not counted.
import t from 'tap'
import { anonymous, build } from '../helper.ts'

const ID = '00000000-0000-4000-8000-000000000000'
const PROBES = new Set(['/healthz', '/readyz'])

t.test('every operation answers with the security, CORS, request-id and rate-limit headers', async (t) => {
  const app = await build(t)
  await app.ready()
  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> }
  const operations: Array<{ method: string, path: string }> = [{ method: 'GET', path: '/no/such/route' }]
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) operations.push({ method: method.toUpperCase(), path })
  }
  t.ok(operations.length > 60, `${operations.length} operations`)
  for (const { method, path } of operations) {
    const url = path.replace(/\{(\w+)\}/g, (_match, name: string) => name === 'prefix' ? '0123abcd' : ID)
    const res = await app.inject({ method: method as 'GET', url, headers: { ...anonymous, origin: 'https://elsewhere.example.net' } })
    const what = `${method} ${path} (${res.statusCode})`
    t.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/, `${what}: Content-Security-Policy`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`)
    t.match(String(res.headers['strict-transport-security']), /max-age=\d+/, `${what}: Strict-Transport-Security`)
    t.equal(res.headers['access-control-allow-origin'], '*', `${what}: CORS`)
    t.match(String(res.headers['x-request-id']), /\S/, `${what}: X-Request-Id`)
    if (PROBES.has(path)) t.equal(res.headers['x-ratelimit-limit'], undefined, `${what}: a probe is not counted`)
    else t.match(String(res.headers.ratelimit), /^"default";r=\d+;t=\d+$/, `${what}: RateLimit`)
  }
})
