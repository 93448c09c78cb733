// /healthz and /readyz: liveness always, readiness only while the database answers.
import t from 'tap'
import { build, isProblem, onServer } from '../helper.ts'

const kind = onServer ? 'postgres' : 'pglite'

t.test('GET /healthz answers ok', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), { status: 'ok' })
  t.type(res.headers['x-request-id'], 'string', 'carries a request id')
})

t.test(`GET /readyz answers ok and names the database (${kind})`, async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), { status: 'ok', database: kind, matchIndex: 'building' }, 'the match index is built once the server listens (src/server.ts) or a match asks')
  t.equal(app.database.kind, kind)
})

t.test('HEAD probes answer without a body', async (t) => {
  const app = await build(t)
  for (const url of ['/healthz', '/readyz']) {
    const res = await app.inject({ method: 'HEAD', url })
    t.equal(res.statusCode, 200, `HEAD ${url}`)
    t.equal(res.body, '', 'no body')
  }
})

t.test('the probes refuse other methods and ignore a trailing slash', async (t) => {
  const app = await build(t)
  const slash = await app.inject({ method: 'GET', url: '/healthz/' })
  t.equal(slash.statusCode, 200)
  t.same(slash.json(), { status: 'ok' })
  const post = await app.inject({ method: 'POST', url: '/readyz' })
  t.ok(post.statusCode === 404 || post.statusCode === 405, `POST /readyz is refused (${post.statusCode})`)
  t.match(post.headers['content-type'], /^application\/problem\+json/)
})

t.test('GET /readyz answers 503 once the database is closed, and the app still closes', async (t) => {
  const app = await build(t, { allow5xx: true, disposableDatabase: true })
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready at first')

  await app.database.close()

  const res = await app.inject({ method: 'GET', url: '/readyz' })
  const body = isProblem(t, res, 503, 'service-unavailable')
  t.equal(res.headers['retry-after'], '5', 'tells the prober when to retry')
  t.equal(body.title, 'Service unavailable')
  t.equal(body.detail, 'The database is not reachable.', 'says what is wrong and nothing more')
  t.equal(body.instance, '/readyz')
  t.notMatch(res.body, /stack|select 1|closed|ECONN|\/work\//i, 'no internals')
  t.same(Object.keys(body).sort(), ['detail', 'instance', 'requestId', 'status', 'title', 'type'])

  const live = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(live.statusCode, 200, 'still alive: liveness does not depend on the database')
  t.same(live.json(), { status: 'ok' })

  // The helper's teardown closes the app again; closing here first shows a closed database does not break it.
  await t.resolves(app.close(), 'app.close() succeeds with the database already closed')
})
