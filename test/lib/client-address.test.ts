// callerOfAddress: one spelling per address and IPv6 callers by network prefix, the same on every call (the answers
// are kept per address and prefix length).
import t from 'tap'
import { callerOfAddress } from '../../src/lib/http/client-address.ts'

t.test('the same caller on every call, and per prefix length', async (t) => {
  for (let round = 0; round < 2; round++) {
    t.equal(callerOfAddress('::ffff:198.51.100.7', 64), '198.51.100.7', 'IPv4-mapped IPv6 as IPv4')
    t.equal(callerOfAddress('2001:DB8:9::1', 64), '2001:db8:9::/64', 'an IPv6 address by its /64')
    t.equal(callerOfAddress('2001:db8:9:0:ffff:1:2:3', 48), '2001:db8:9::/48', 'by its /48 when asked for 48 bits')
    t.equal(callerOfAddress('2001:db8:9:0:ffff:1:2:3', 128), '2001:db8:9:0:ffff:1:2:3', 'whole with 128 bits')
    t.equal(callerOfAddress('fe80::1%eth0', 64), 'fe80::/64', 'without its zone')
    t.equal(callerOfAddress('not an address', 64), 'not an address', 'not an address: as given')
  }
  // More addresses than are kept: each still gets its own answer.
  for (let i = 0; i < 10_050; i++) {
    const address = `198.51.${i >> 8}.${i & 255}`
    if (callerOfAddress(address, 64) !== address) t.fail(`${address} changed`)
  }
  t.equal(callerOfAddress('2001:DB8:9::1', 64), '2001:db8:9::/64', 'answers past the bound are still right')
})
