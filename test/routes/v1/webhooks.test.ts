// /v1/webhooks: register, read, change (If-Match), delete, rotate the secret, ping, list deliveries; URLs pointing at
// non-public addresses refused with 422 and nothing stored; the secret shown once and never logged.
import { Writable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../../../src/app.ts'
import { parseConfig } from '../../../src/config.ts'
import { bearer, build, change, collectPages, freshDatabase, isProblem, keyFor, withTestOrganization } from '../../helper.ts'

const hook = { url: 'https://partner.example.org/hooks', events: ['review.published', 'review.retracted'] }

t.test('create, read, list, change and delete a webhook; the secret only on create', async (t) => {
  const app = await build(t)
  const created = await app.inject({ method: 'POST', url: '/v1/webhooks', payload: { ...hook, description: 'Partner site' } })
  t.equal(created.statusCode, 201, created.body)
  const body = created.json()
  t.match(body, { url: hook.url, events: hook.events, description: 'Partner site', enabled: true, disabledReason: null, version: 1 })
  t.match(body.signingSecret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'a whsec_ secret of 32 random bytes')
  t.equal(created.headers.location, `/v1/webhooks/${body.id}`)
  t.equal(created.headers['cache-control'], 'no-store')
  t.equal(created.headers.etag, '"1"')

  const read = await app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}` })
  t.equal(read.statusCode, 200)
  t.notOk('signingSecret' in read.json(), 'never on a read')
  t.equal((await app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}`, headers: { 'if-none-match': '"1"' } })).statusCode, 304)

  // If-Match like every other resource: 428 without it, 412 with a stale one, and nothing changes.
  isProblem(t, await app.inject({ method: 'PATCH', url: `/v1/webhooks/${body.id}`, payload: { enabled: false } }), 428)
  isProblem(t, await app.inject({ method: 'PATCH', url: `/v1/webhooks/${body.id}`, headers: { 'if-match': '"7"' }, payload: { enabled: false } }), 412)
  const patched = await change(app, 'PATCH', `/v1/webhooks/${body.id}`, { enabled: false, events: ['claim.updated'], description: null })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { enabled: false, events: ['claim.updated'], description: null, version: 2 })
  t.equal(patched.headers.etag, '"2"')

  for (let i = 0; i < 2; i++) await app.inject({ method: 'POST', url: '/v1/webhooks', payload: hook })
  const { items, pages } = await collectPages(app, '/v1/webhooks', 2)
  t.equal(items.length, 3)
  t.equal(pages, 2, 'paged with a cursor')
  t.ok(items.every((item) => !('signingSecret' in item)), 'never in a list')

  isProblem(t, await app.inject({ method: 'DELETE', url: `/v1/webhooks/${body.id}` }), 428)
  t.equal((await change(app, 'DELETE', `/v1/webhooks/${body.id}`)).statusCode, 204)
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}` }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}/deliveries` }), 404, 'not-found')
})

t.test('bad bodies are 400 and store nothing', async (t) => {
  const app = await build(t)
  const bad = [
    { ...hook, events: [] },
    { ...hook, events: ['claim.created'] },
    { ...hook, events: ['claim.updated', 'claim.updated'] },
    { ...hook, url: 'ftp://partner.example.org/hooks' },
    { ...hook, url: 'not a url' },
    { ...hook, secret: 'whsec_mine' },
    { url: hook.url },
  ]
  for (const payload of bad) {
    isProblem(t, await app.inject({ method: 'POST', url: '/v1/webhooks', payload }), 400, 'validation-failed')
  }
  t.same((await app.inject({ method: 'GET', url: '/v1/webhooks' })).json().data, [])
})

t.test('a URL that is or resolves to a non-public address is refused with 422, unless the operator allows it', async (t) => {
  const app = await build(t)
  const refused = {
    'http://127.0.0.1:8080/hook': /127\.0\.0\.1 is a loopback address/,
    'http://10.1.2.3/hook': /10\.1\.2\.3 is a private address/,
    'http://192.168.0.10/hook': /private/,
    'http://172.16.5.4/hook': /private/,
    'http://169.254.169.254/latest/meta-data/': /link-local/,
    'http://100.64.0.1/hook': /carrier-grade NAT/,
    'http://0.0.0.0/hook': /unspecified/,
    'http://[::1]/hook': /::1 is a loopback address/,
    'http://[fd00::1]/hook': /unique-local/,
    'http://[fe80::1]/hook': /link-local/,
    'http://[::ffff:127.0.0.1]/hook': /loopback/,
    'http://[::ffff:a9fe:a9fe]/hook': /link-local/,
    'http://localhost:3000/hook': /localhost is a loopback name/,
    'http://user:pass@partner.example.org/hook': /credentials/,
  }
  for (const [url, reason] of Object.entries(refused)) {
    const problem = isProblem(t, await app.inject({ method: 'POST', url: '/v1/webhooks', payload: { ...hook, url } }), 422, 'unprocessable-entity')
    t.match(problem.detail, reason, `${url}: ${problem.detail}`)
    t.equal(problem.errors?.[0]?.field, 'body.url')
  }
  t.same((await app.inject({ method: 'GET', url: '/v1/webhooks' })).json().data, [], 'nothing was stored')

  const made = await app.inject({ method: 'POST', url: '/v1/webhooks', payload: { ...hook, url: 'https://93.184.215.14/hook' } })
  t.equal(made.statusCode, 201, 'a public address is fine')
  const moved = await change(app, 'PATCH', `/v1/webhooks/${made.json().id}`, { url: 'http://10.0.0.8/hook' })
  isProblem(t, moved, 422, 'unprocessable-entity')
  t.equal((await app.inject({ method: 'GET', url: `/v1/webhooks/${made.json().id}` })).json().url, 'https://93.184.215.14/hook', 'and a change to a private one is refused')

  const allowing = await build(t, { env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, 10.0.0.0/8' } })
  for (const url of ['http://127.0.0.1:8080/hook', 'http://10.1.2.3/hook']) {
    t.equal((await allowing.inject({ method: 'POST', url: '/v1/webhooks', payload: { ...hook, url } })).statusCode, 201, `${url} with the allowlist`)
  }
  t.equal((await allowing.inject({ method: 'POST', url: '/v1/webhooks', payload: { ...hook, url: 'http://127.0.0.2/hook' } })).statusCode, 422, 'only what it names')
})

t.test('the allowlist matches normalised hosts: another spelling of an allowed address is it, a name is not', async (t) => {
  // Registered only, never delivered to: no event is sent in this test.
  const app = await build(t, { env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, hooks.localhost' } })
  const post = (url: string) => app.inject({ method: 'POST', url: '/v1/webhooks', payload: { ...hook, url } })
  for (const url of ['http://[::ffff:127.0.0.1]:8080/hook', 'http://[::ffff:7f00:1]/hook', 'http://127.1/hook', 'http://127.0.0.1./hook', 'http://HOOKS.localhost./hook']) {
    const res = await post(url)
    t.equal(res.statusCode, 201, `${url} is an allowed host: ${res.body}`)
  }
  for (const url of ['http://localhost:8080/hook', 'http://LOCALHOST./hook', 'http://[::1]/hook', 'http://[::127.0.0.1]/hook', 'http://127.0.0.2/hook', 'http://other.localhost/hook']) {
    isProblem(t, await post(url), 422, 'unprocessable-entity')
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/webhooks?limit=100' })).json().data.length, 5, 'only the allowed ones stored')
})

t.test('an allowlist entry may be limited to an organisation and a port', async (t) => {
  const app = await build(t, { env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:8080@newsroom, 10.0.0.0/8@desk' } })
  const partner = bearer(await keyFor(app, 'admin', 'partner-site'))
  const desk = bearer(await keyFor(app, 'admin', 'desk'))
  const post = (url: string, headers = {}) => app.inject({ method: 'POST', url: '/v1/webhooks', headers, payload: { ...hook, url } })
  t.equal((await post('http://127.0.0.1:8080/hook')).statusCode, 201, 'newsroom, on its port')
  t.match(isProblem(t, await post('http://127.0.0.1:8081/hook'), 422).detail, /loopback/, 'newsroom, another port')
  t.match(isProblem(t, await post('http://127.0.0.1:8080/hook', partner), 422).detail, /loopback/, 'another organisation')
  t.equal((await post('http://10.1.2.3:22/hook', desk)).statusCode, 201, 'desk, any port of its network')
  isProblem(t, await post('http://10.1.2.3/hook'), 422)
  isProblem(t, await post('http://10.1.2.3/hook', partner), 422)
  // A webhook moved to an address its organisation may not use is refused too.
  const made = await post('https://93.184.215.14/hook', partner)
  t.equal(made.statusCode, 201)
  const moved = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${made.json().id}`, headers: { ...partner, 'if-match': '"1"' }, payload: { url: 'http://127.0.0.1:8080/hook' } })
  isProblem(t, moved, 422, 'unprocessable-entity')
})

t.test('rotating the secret shows a new one once; a ping is queued; neither secret is ever logged', async (t) => {
  const lines: string[] = []
  const { database, env } = await freshDatabase(t)
  const config = parseConfig({ LOG_LEVEL: 'trace', SEED_DEMO: 'false', JOBS_WORKER: 'false', ...env })
  const app = await buildApp(config, {
    database,
    loggerStream: new Writable({
      write (chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    }),
  })
  t.teardown(() => app.close())
  await withTestOrganization(app)

  const created = (await app.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'idempotency-key': 'hook-1' }, payload: hook })).json()
  const retried = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: { 'idempotency-key': 'hook-1' }, payload: hook })
  t.equal(retried.statusCode, 409, 'a retry makes no second webhook, and cannot show the secret again')
  t.equal(retried.headers.location, `/v1/webhooks/${created.id}`)
  const rotated = await app.inject({ method: 'POST', url: `/v1/webhooks/${created.id}/rotate-secret` })
  t.equal(rotated.statusCode, 200)
  t.match(rotated.json(), { id: created.id, version: 2, signingSecret: /^whsec_/ })
  t.not(rotated.json().signingSecret, created.signingSecret, 'a new secret')
  t.equal(rotated.headers['cache-control'], 'no-store')

  const ping = await app.inject({ method: 'POST', url: `/v1/webhooks/${created.id}/ping` })
  t.equal(ping.statusCode, 202)
  t.match(ping.json().eventId, /^[0-9a-f-]{36}$/)
  t.equal(await app.jobs.queueSize('webhook-delivery'), 1, 'queued for the workers (none in this process)')
  const deliveries = await app.inject({ method: 'GET', url: `/v1/webhooks/${created.id}/deliveries` })
  t.same(deliveries.json(), { data: [], nextCursor: null }, 'no attempt yet')

  const log = lines.join('')
  t.ok(log.length > 1000, 'the log was written')
  for (const secret of [created.signingSecret, rotated.json().signingSecret]) {
    t.notOk(log.includes(secret.slice(6)), 'no log line carries a secret')
  }
})
