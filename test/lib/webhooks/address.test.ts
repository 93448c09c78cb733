// The SSRF policy: which addresses may receive webhooks (public unicast only, after ipaddr.js's ranges), the
// operator's allowlist, URL checks with DNS resolution, and the lookup that refuses at connection time.
import { once } from 'node:events'
import { connect, createServer, type AddressInfo } from 'node:net'
import t from 'tap'
import { ConfigError, parseConfig } from '../../../src/config.ts'
import { createAddressPolicy, guardedLookup, parseAllowedHosts, urlRefusal, type Destination } from '../../../src/lib/webhooks/address.ts'

const strict = createAddressPolicy([])
/** A destination of the organisation `newsroom`. */
const to = (host: string, port = 443, organization = 'newsroom'): Destination => ({ host, port, organization })
/** A policy from the text of WEBHOOK_ALLOWED_HOSTS, as the configuration parses it. */
const allowing = (value: string) =>
  createAddressPolicy(parseConfig({ WEBHOOK_ALLOWED_HOSTS: value }).webhooks.allowedHosts)

t.test('only public unicast addresses may receive webhooks', async (t) => {
  const refused: Array<[string, RegExp]> = [
    ['127.0.0.1', /loopback/], ['127.8.9.10', /loopback/], ['10.0.0.1', /private/], ['172.31.255.255', /private/],
    ['192.168.1.1', /private/], ['169.254.169.254', /link-local/], ['100.64.0.1', /carrier-grade NAT/],
    ['0.0.0.0', /unspecified/], ['224.0.0.1', /multicast/], ['255.255.255.255', /broadcast/],
    ['192.0.2.1', /reserved/], ['240.0.0.1', /reserved/], ['::1', /loopback/], ['::', /unspecified/],
    ['fe80::1', /link-local/], ['fc00::1', /unique-local/], ['fd12:3456::1', /unique-local/],
    ['ff02::1', /multicast/], ['::ffff:127.0.0.1', /loopback/], ['::ffff:10.0.0.1', /private/],
    ['::ffff:169.254.169.254', /link-local/], ['::127.0.0.1', /reserved/], ['64:ff9b::a00:1', /reserved/],
    ['2001:db8::1', /reserved/], ['2002:a00:1::', /reserved/],
  ]
  for (const [address, kind] of refused) t.match(strict.refusal(to('host.example'), address), kind, `${address} refused`)
  for (const address of ['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    t.equal(strict.refusal(to('host.example'), address), null, `${address} allowed`)
  }
})

t.test('the allowlist: addresses, CIDR ranges and host names, parsed from WEBHOOK_ALLOWED_HOSTS', async (t) => {
  const any = { port: null, organization: null }
  t.same(parseAllowedHosts(' 127.0.0.1, 10.0.0.0/8 ,[::1], Hooks.Internal '), {
    entries: [{ network: '127.0.0.1/32', ...any }, { network: '10.0.0.0/8', ...any }, { network: '::1/128', ...any }, { name: 'hooks.internal', ...any }],
    invalid: [],
  })
  t.same(parseAllowedHosts('10.0.0.0/33,-bad-,a b,host:0,host:70000,host@Bad_Org,host@').invalid, ['10.0.0.0/33', '-bad-', 'a b', 'host:0', 'host:70000', 'host@Bad_Org', 'host@'])
  const policy = allowing('127.0.0.1,10.0.0.0/8,hooks.internal')
  t.equal(policy.refusal(to('127.0.0.1'), '127.0.0.1'), null)
  t.equal(policy.refusal(to('::ffff:127.0.0.1'), '::ffff:127.0.0.1'), null, 'an IPv4-mapped form of an allowed address is that address')
  t.match(policy.refusal(to('127.0.0.2'), '127.0.0.2'), /loopback/, 'only what it names')
  t.equal(policy.refusal(to('10.200.1.1'), '10.200.1.1'), null)
  t.match(policy.refusal(to('192.168.1.1'), '192.168.1.1'), /private/)
  t.equal(policy.refusal(to('HOOKS.internal.'), '192.168.1.1'), null, 'an allowed host name may resolve anywhere')
  t.match(policy.refusal(to('x.example'), '127.0.0.1'), /loopback/, 'a name that resolves into an allowed address is not that address: names are listed by name')
  t.match(policy.refusal(to('x.example'), '10.1.1.1'), /private/, 'nor into an allowed network')
  t.throws(() => parseConfig({ WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/99' }), ConfigError)
  t.throws(() => parseConfig({ WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/99' }), /WEBHOOK_ALLOWED_HOSTS: "10.0.0.0\/99" is not HOST\[:PORT\]\[@ORG\]/)
  t.same(parseConfig({}).webhooks, { allowedHosts: [], timeoutMs: 10_000, retryDelaySeconds: 30 }, 'by default nothing is allowed')
})

t.test('entries are normalised like URL hosts: case, trailing dots, IPv6 and IPv4-mapped forms', async (t) => {
  const network = (value: string) => parseAllowedHosts(value).entries.map((e) => 'network' in e ? e.network : e.name)
  t.same(network('[::ffff:127.0.0.1], ::FFFF:7F00:1, 0:0:0:0:0:0:0:1, [::ffff:10.0.0.0/104], 127.1, LocalHost., 2001:DB8:0::1'),
    ['127.0.0.1/32', '127.0.0.1/32', '::1/128', '10.0.0.0/8', '127.0.0.1/32', 'localhost', '2001:db8::1/128'])

  // An entry for 127.0.0.1: every spelling of that address, and nothing that only resolves to it.
  const loopback = allowing('127.0.0.1')
  for (const host of ['127.0.0.1', '::ffff:127.0.0.1', '::FFFF:7f00:1', '[::ffff:127.0.0.1]']) {
    t.equal(loopback.refusal(to(host), host.replace(/^\[(.*)\]$/, '$1')), null, `${host} is 127.0.0.1`)
  }
  for (const [host, address] of [['localhost', '127.0.0.1'], ['localhost.', '127.0.0.1'], ['LOCALHOST', '::1'], ['::1', '::1'], ['127.0.0.2', '127.0.0.2'], ['::127.0.0.1', '::127.0.0.1']]) {
    t.ok(loopback.refusal(to(host ?? ''), address ?? ''), `${host} does not slip past an entry for 127.0.0.1`)
  }
  // An entry for localhost: that name in any case, with or without its trailing dot; not the address.
  const named = allowing('localhost')
  for (const host of ['localhost', 'LOCALHOST', 'localhost.', 'LocalHost.']) t.equal(named.refusal(to(host), '127.0.0.1'), null, `${host} is localhost`)
  for (const host of ['127.0.0.1', 'localhost..', 'localhost.example', 'xlocalhost']) t.ok(named.refusal(to(host), '127.0.0.1'), `${host} is not`)
  // An IPv6 entry matches every form of its address, and only it.
  const v6 = allowing('[fd00::1]')
  t.equal(v6.refusal(to('fd00:0:0:0:0:0:0:1'), 'fd00:0:0:0:0:0:0:1'), null)
  t.match(v6.refusal(to('fd00::2'), 'fd00::2'), /unique-local/)
})

t.test('entries may be limited to a port and to an organisation (HOST[:PORT][@ORG])', async (t) => {
  t.same(parseAllowedHosts('hooks.internal:8443@newsroom, [::1]:9000, 10.0.0.0/8@desk, 127.0.0.1:8080').entries, [
    { name: 'hooks.internal', port: 8443, organization: 'newsroom' },
    { network: '::1/128', port: 9000, organization: null },
    { network: '10.0.0.0/8', port: null, organization: 'desk' },
    { network: '127.0.0.1/32', port: 8080, organization: null },
  ])
  const policy = allowing('hooks.internal:8443@newsroom, 10.0.0.0/8@desk, 127.0.0.1:8080')
  t.equal(policy.refusal(to('hooks.internal', 8443, 'newsroom'), '10.1.1.1'), null, 'its organisation, its port')
  t.match(policy.refusal(to('hooks.internal', 8443, 'other'), '10.1.1.1'), /private/, 'another organisation: refused')
  t.match(policy.refusal(to('hooks.internal', 443, 'newsroom'), '10.1.1.1'), /private/, 'another port: refused')
  t.equal(policy.refusal(to('10.9.9.9', 22, 'desk'), '10.9.9.9'), null)
  t.match(policy.refusal(to('10.9.9.9', 22, 'newsroom'), '10.9.9.9'), /private/)
  t.equal(policy.refusal(to('127.0.0.1', 8080, 'anyone'), '127.0.0.1'), null, 'no organisation: every organisation')
  t.match(policy.refusal(to('127.0.0.1', 8081, 'anyone'), '127.0.0.1'), /loopback/)
  t.equal(await urlRefusal(policy, 'http://127.0.0.1:8080/x', 'anyone'), null)
  t.equal(await urlRefusal(policy, 'http://127.0.0.1/x', 'anyone'), '127.0.0.1 is a loopback address', 'the scheme\'s port, 80, is not 8080')
})

t.test('URLs: literals checked, names resolved, a name that does not resolve yet is let through', async (t) => {
  t.equal(await urlRefusal(strict, 'http://[::1]:80/x', 'newsroom'), '::1 is a loopback address')
  t.equal(await urlRefusal(strict, 'http://localhost/x', 'newsroom'), 'localhost is a loopback name')
  t.equal(await urlRefusal(strict, 'https://no-such-host.invalid/x', 'newsroom'), null, 'deliveries to it fail until it resolves, and are checked then')
  t.equal(await urlRefusal(strict, 'ftp://93.184.215.14/x', 'newsroom'), 'only http and https URLs can receive webhooks')
  t.equal(await urlRefusal(strict, 'https://93.184.215.14/x', 'newsroom'), null)
  t.equal(await urlRefusal(allowing('localhost'), 'http://localhost/x', 'newsroom'), null)
  t.equal(await urlRefusal(allowing('localhost'), 'http://LocalHost.:8080/x', 'newsroom'), null, 'its trailing-dot form')
  t.equal(await urlRefusal(allowing('127.0.0.1'), 'http://localhost/x', 'newsroom'), 'localhost is a loopback name', 'a name is not the address it resolves to')
  for (const url of ['http://localhost./x', 'http://LOCALHOST./x', 'http://api.localhost/x', 'http://a.b.localhost./x']) {
    t.equal(await urlRefusal(strict, url, 'newsroom'), `${new URL(url).hostname} is a loopback name`, `${url}: loopback whatever the resolver says`)
  }
  t.equal(await urlRefusal(allowing('api.localhost'), 'http://API.localhost./x', 'newsroom'), null, 'unless listed')
  for (const url of ['http://[::ffff:127.0.0.1]/x', 'http://[::ffff:7f00:1]/x', 'http://127.1/x', 'http://0x7f.0.0.1/x', 'http://2130706433/x', 'http://127.0.0.1./x']) {
    t.equal(await urlRefusal(allowing('127.0.0.1'), url, 'newsroom'), null, `${url} is 127.0.0.1`)
    t.match(await urlRefusal(strict, url, 'newsroom'), /loopback/, `${url} is refused when 127.0.0.1 is not listed`)
  }
  // A name that resolves to a public address is accepted: the resolver answers a documentation address, and nothing
  // is ever sent there.
  const resolving = (address: string) =>
    createAddressPolicy([], { resolve: (_host, _options, callback) => callback(null, [{ address, family: 4 }]) })
  t.equal(await urlRefusal(resolving('93.184.215.14'), 'https://partner.example.org/hook', 'newsroom'), null)
  t.equal(await urlRefusal(resolving('10.0.0.1'), 'https://partner.example.org/hook', 'newsroom'), 'partner.example.org resolves to 10.0.0.1, a private address')
  const rebinding = createAddressPolicy(parseAllowedHosts('127.0.0.1').entries, { resolve: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]) })
  t.equal(await urlRefusal(rebinding, 'https://rebind.example.org/hook', 'newsroom'), 'rebind.example.org resolves to 127.0.0.1, a loopback address', 'a name that resolves to an allowed address is not allowed by it')
})

t.test('the lookup refuses to hand a refused address to the socket', async (t) => {
  let connections = 0
  const server = createServer((socket) => { connections++; socket.end() })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  const attempt = (policy: ReturnType<typeof createAddressPolicy>, organization = 'newsroom') => new Promise<string>((resolve) => {
    const socket = connect({ host: 'localhost', port, family: 4, lookup: guardedLookup(policy, { port, organization }) })
    socket.on('connect', () => { socket.destroy(); resolve('connected') })
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`${err.code}: ${err.message}`))
  })
  t.equal(await attempt(strict), 'EWEBHOOKADDRESS: localhost resolves to 127.0.0.1, a loopback address')
  t.equal(connections, 0, 'no connection was made')
  t.match(await attempt(allowing('127.0.0.1')), /^EWEBHOOKADDRESS/, 'the address allowed, not the name')
  t.match(await attempt(allowing(`localhost:${port}@desk`)), /^EWEBHOOKADDRESS/, 'the name allowed for another organisation')
  t.match(await attempt(allowing(`localhost:${port + 1}`)), /^EWEBHOOKADDRESS/, 'the name allowed on another port')
  t.equal(connections, 0, 'still no connection')
  t.equal(await attempt(allowing(`localhost:${port}@newsroom`)), 'connected', 'allowed, it connects')
})
