// The SSRF policy: which addresses may receive webhooks (public unicast only, after ipaddr.js's ranges), the
// operator's allowlist, URL checks with DNS resolution, and the lookup that refuses at connection time.
import { once } from 'node:events'
import { connect, createServer, type AddressInfo } from 'node:net'
import t from 'tap'
import { ConfigError, parseConfig } from '../../src/config.ts'
import { createAddressPolicy, guardedLookup, parseAllowedHosts, urlRefusal } from '../../src/lib/webhook-address.ts'

const strict = createAddressPolicy([])

t.test('only public unicast addresses may receive webhooks', async (t) => {
  const refused: Array<[string, RegExp]> = [
    ['127.0.0.1', /loopback/], ['127.8.9.10', /loopback/], ['10.0.0.1', /private/], ['172.31.255.255', /private/],
    ['192.168.1.1', /private/], ['169.254.169.254', /link-local/], ['100.64.0.1', /carrier-grade NAT/],
    ['0.0.0.0', /unspecified/], ['224.0.0.1', /multicast/], ['255.255.255.255', /broadcast/],
    ['192.0.2.1', /reserved/], ['240.0.0.1', /reserved/], ['::1', /loopback/], ['::', /unspecified/],
    ['fe80::1', /link-local/], ['fc00::1', /unique-local/], ['fd12:3456::1', /unique-local/],
    ['ff02::1', /multicast/], ['::ffff:127.0.0.1', /loopback/], ['::ffff:10.0.0.1', /private/],
    ['::ffff:169.254.169.254', /link-local/], ['::127.0.0.1', /loopback/], ['64:ff9b::a00:1', /reserved/],
    ['2001:db8::1', /reserved/], ['2002:a00:1::', /reserved/],
  ]
  for (const [address, kind] of refused) t.match(strict.refusal('host.example', address), kind, `${address} refused`)
  for (const address of ['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    t.equal(strict.refusal('host.example', address), null, `${address} allowed`)
  }
})

t.test('the allowlist: addresses, CIDR ranges and host names, parsed from WEBHOOK_ALLOWED_HOSTS', async (t) => {
  t.same(parseAllowedHosts(' 127.0.0.1, 10.0.0.0/8 ,[::1], Hooks.Internal '), { entries: ['127.0.0.1/32', '10.0.0.0/8', '::1/128', 'hooks.internal'], invalid: [] })
  t.same(parseAllowedHosts('10.0.0.0/33,-bad-,a b').invalid, ['10.0.0.0/33', '-bad-', 'a b'])
  const policy = createAddressPolicy(parseConfig({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,10.0.0.0/8,hooks.internal' }).webhooks.allowedHosts)
  t.equal(policy.refusal('x.example', '127.0.0.1'), null)
  t.equal(policy.refusal('x.example', '::ffff:127.0.0.1'), null, 'an IPv4-mapped form of an allowed address')
  t.match(policy.refusal('x.example', '127.0.0.2'), /loopback/, 'only what it names')
  t.equal(policy.refusal('x.example', '10.200.1.1'), null)
  t.match(policy.refusal('x.example', '192.168.1.1'), /private/)
  t.equal(policy.refusal('HOOKS.internal', '192.168.1.1'), null, 'an allowed host name may resolve anywhere')
  t.throws(() => parseConfig({ WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/99' }), ConfigError)
  t.throws(() => parseConfig({ WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/99' }), /WEBHOOK_ALLOWED_HOSTS: "10.0.0.0\/99" is not a host name, an IP address or a CIDR range/)
  t.same(parseConfig({}).webhooks, { allowedHosts: [], timeoutMs: 10_000, retryDelaySeconds: 30 }, 'by default nothing is allowed')
})

t.test('URLs: literals checked, names resolved, a name that does not resolve yet is let through', async (t) => {
  t.equal(await urlRefusal(strict, 'http://[::1]:80/x'), '::1 is a loopback address')
  t.match(await urlRefusal(strict, 'http://localhost/x'), /^localhost resolves to (127\.0\.0\.1|::1), a loopback address$/)
  t.equal(await urlRefusal(strict, 'https://no-such-host.invalid/x'), null, 'deliveries to it fail until it resolves, and are checked then')
  t.equal(await urlRefusal(strict, 'ftp://93.184.215.14/x'), 'only http and https URLs can receive webhooks')
  t.equal(await urlRefusal(strict, 'https://93.184.215.14/x'), null)
  t.equal(await urlRefusal(createAddressPolicy(['localhost']), 'http://localhost/x'), null)
})

t.test('the lookup refuses to hand a refused address to the socket', async (t) => {
  let connections = 0
  const server = createServer((socket) => { connections++; socket.end() })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  const attempt = (policy: ReturnType<typeof createAddressPolicy>) => new Promise<string>((resolve) => {
    const socket = connect({ host: 'localhost', port, family: 4, lookup: guardedLookup(policy) })
    socket.on('connect', () => { socket.destroy(); resolve('connected') })
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`${err.code}: ${err.message}`))
  })
  t.equal(await attempt(strict), 'EWEBHOOKADDRESS: localhost resolves to 127.0.0.1, a loopback address')
  t.equal(connections, 0, 'no connection was made')
  t.equal(await attempt(createAddressPolicy(['127.0.0.1/32'])), 'connected', 'allowed, it connects')
})
