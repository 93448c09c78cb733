// OWASP API2:2023 Broken Authentication. No key where a role is needed, or anything in `Authorization` that is not a
// live key (malformed, mistyped, unknown, revoked), is a 401 problem with WWW-Authenticate, on role routes and public
// routes alike, and changes nothing.
import { crc32 } from 'node:zlib'
import t from 'tap'
import { generateApiKey } from '../../src/lib/api-keys.ts'
import { anonymous, bearer, createClaim, keyFor } from '../helper.ts'
import { auditEvents, buildSecure, countRows, refusal } from './fixtures.ts'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const base62 = (value: number, length: number) => {
  let out = ''
  for (let v = value; out.length < length; v = Math.floor(v / 62)) out = BASE62[v % 62] + out
  return out
}

/** A key shaped right whose checksum is off by one character. */
function wrongChecksum (): string {
  const { key } = generateApiKey()
  const last = key.at(-1) === 'A' ? 'B' : 'A'
  return `${key.slice(0, -1)}${last}`
}

/** A key with a correct checksum that was never issued. */
function unknownKey (): string {
  const random = 'x'.repeat(43)
  return `ct_${random}_${base62(crc32(random), 6)}`
}

const badHeaders: Array<[string, string]> = [
  ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
  ['Bearer without a token', 'Bearer'],
  ['Bearer with only spaces', 'Bearer    '],
  ['garbage', 'garbage'],
  ['two tokens', `Bearer ${generateApiKey().key} ${generateApiKey().key}`],
  ['a token that is not a key', 'Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.'],
  ['a key with a wrong checksum', `Bearer ${wrongChecksum()}`],
  ['a well-formed key nobody issued', `Bearer ${unknownKey()}`],
  ['a fresh key never stored', `Bearer ${generateApiKey().key}`],
  ['a key in the wrong case', `Bearer ${generateApiKey().key.toUpperCase()}`],
]

t.test('the forged keys of this file are what they claim to be', async (t) => {
  t.match(unknownKey(), /^ct_x{43}_[0-9A-Za-z]{6}$/)
  t.not(wrongChecksum(), generateApiKey().key)
})

t.test('a write needs a key: none at all is a 401 with WWW-Authenticate, and nothing is written', async (t) => {
  const app = await buildSecure(t)
  const claims = await countRows(app, 'claims')
  refusal(t, await app.inject({ method: 'POST', url: '/v1/claims', headers: anonymous, payload: { text: 'Anonymous claim.' } }), 401, 'POST /v1/claims without a key')
  refusal(t, await app.inject({ method: 'GET', url: '/v1/api-keys', headers: anonymous }), 401, 'GET /v1/api-keys without a key')
  refusal(t, await app.inject({ method: 'GET', url: '/v1/audit', headers: anonymous }), 401, 'GET /v1/audit without a key')
  t.equal(await countRows(app, 'claims'), claims, 'no claim was written')
  const open = await app.inject({ method: 'GET', url: '/v1/claims', headers: anonymous })
  t.equal(open.statusCode, 200, 'a public route needs no key')
})

t.test('anything in Authorization that is not a live key is a 401, on role routes and public routes', async (t) => {
  const app = await buildSecure(t)
  const claim = await createClaim(app)
  const before = { claims: await countRows(app, 'claims'), revisions: await countRows(app, 'revisions'), audit: await countRows(app, 'audit_events') }
  const requests = [
    { method: 'POST' as const, url: '/v1/claims', payload: { text: 'Forged claim.' } },
    { method: 'PATCH' as const, url: `/v1/claims/${claim.id}`, payload: { text: 'Forged change.' }, headers: { 'if-match': `"${claim.version}"` } },
    { method: 'GET' as const, url: '/v1/api-keys' },
    { method: 'GET' as const, url: '/v1/claims' },
    { method: 'GET' as const, url: '/v1/lookup?url=https%3A%2F%2Fexample.org%2F' },
    { method: 'GET' as const, url: '/v1/changes' },
  ]
  for (const [name, authorization] of badHeaders) {
    for (const request of requests) {
      const res = await app.inject({ ...request, headers: { ...request.headers, authorization } })
      refusal(t, res, 401, `${name}: ${request.method} ${request.url}`)
      t.notMatch(res.body, authorization.slice(7, 40) || '\u0000', `${name}: the answer does not echo the credential`)
    }
  }
  // The one documented exception: health probes answer whatever credentials a load balancer sends (config.probe).
  for (const [name, authorization] of badHeaders) {
    t.equal((await app.inject({ method: 'GET', url: '/healthz', headers: { authorization } })).statusCode, 200, `${name}: /healthz is a probe and ignores credentials`)
  }
  t.same({ claims: await countRows(app, 'claims'), revisions: await countRows(app, 'revisions'), audit: await countRows(app, 'audit_events') }, before,
    'no claim, revision or audit event came of it (an unauthenticated caller has no organisation to audit)')
})

t.test('a revoked key is refused from the very next request on', async (t) => {
  const app = await buildSecure(t)
  const made = await app.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'Leaked laptop', role: 'editor' } })
  t.equal(made.statusCode, 201)
  const { id, key } = made.json()
  const use = () => app.inject({ method: 'POST', url: '/v1/claims', headers: bearer(key), payload: { text: 'Written with a key about to go.' } })
  t.equal((await use()).statusCode, 201, 'the key works')
  t.equal((await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(key) })).statusCode, 200, 'for reads too')

  const revoked = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}` })
  t.equal(revoked.statusCode, 200)
  t.type(revoked.json().revokedAt, 'string')
  const claims = await countRows(app, 'claims')
  refusal(t, await use(), 401, 'the next write with the revoked key')
  refusal(t, await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(key) }), 401, 'a public read with the revoked key')
  const unknown = await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(unknownKey()) })
  t.equal((await use()).json().detail, unknown.json().detail, 'said like an unknown key: a caller cannot tell a key that once worked')
  t.equal(await countRows(app, 'claims'), claims, 'nothing was written with it')
  // Its organisation's admins see it being tried, reads too: it may have leaked.
  const tried = (await auditEvents(app)).filter((e) => e.key.id === id && e.status === 401)
  t.same(tried.map((e) => [e.method, e.path, e.outcome]), [['POST', '/v1/claims', 'denied'], ['GET', '/v1/claims', 'denied'], ['POST', '/v1/claims', 'denied']],
    'each use of the revoked key is in the audit log, denied')

  const again = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}` })
  t.equal(again.statusCode, 409, 'revoking twice is a conflict, not a revival')
  refusal(t, await use(), 401, 'and the key stays revoked')
})

t.test('a key whose role is too low is a 403, not a 401, and carries no WWW-Authenticate', async (t) => {
  const app = await buildSecure(t)
  const reader = await keyFor(app, 'reader')
  const res = await app.inject({ method: 'POST', url: '/v1/claims', headers: bearer(reader), payload: { text: 'A reader tries.' } })
  refusal(t, res, 403, 'a reader writes a claim')
  t.equal(res.headers['www-authenticate'], undefined)
})

t.test('trying keys is throttled: past the address\'s budget, refusals are 429, not 401', async (t) => {
  const app = await buildSecure(t, { env: { RATE_LIMIT_ANONYMOUS: '3', RATE_LIMIT_WINDOW: '3600' } })
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) {
    const res = await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(generateApiKey().key), remoteAddress: '198.51.100.77' })
    statuses.push(res.statusCode)
    if (res.statusCode === 429) t.ok(Number(res.headers['retry-after']) >= 1, 'with Retry-After')
  }
  t.same(statuses, [401, 401, 401, 429, 429, 429], 'well-formed unknown keys: three refusals, then throttled')
  const write = await app.inject({ method: 'POST', url: '/v1/claims', headers: { ...anonymous, 'content-type': 'application/json' }, payload: { text: 'x' }, remoteAddress: '198.51.100.77' })
  t.equal(write.statusCode, 429, 'a write without a key from that address too')
  const elsewhere = await app.inject({ method: 'GET', url: '/v1/claims', headers: bearer(generateApiKey().key), remoteAddress: '198.51.100.78' })
  t.equal(elsewhere.statusCode, 401, 'another address is still told its key is unknown')
})
