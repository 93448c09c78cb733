// The caller an address stands for, for counting: one spelling per address (IPv4-mapped IPv6 as IPv4, IPv6 in its
// canonical RFC 5952 text), and IPv6 callers by their network prefix (a /64 by default), since one subscriber or
// host is handed a whole /64 and can use any address in it.
// @see https://github.com/whitequark/ipaddr.js
import ipaddr from 'ipaddr.js'
import { boundedMemo } from '../bounded-memo.ts'

/**
 * `198.51.100.7` for `::ffff:198.51.100.7`; `2001:db8:9::/64` for any address of that /64. Not an address: as given.
 */
export function callerOfAddress (address: string, ipv6PrefixBits: number): string {
  return callerOf(`${ipv6PrefixBits} ${address}`)
}

// Parsing an address is a few percent of a cheap request's CPU, and callers come back: the answers are kept for the
// last 10,000 addresses (and prefix lengths).
const callerOf = boundedMemo(10_000, (key) => {
  const at = key.indexOf(' ')
  return parseCaller(key.slice(at + 1), Number(key.slice(0, at)))
})

function parseCaller (address: string, ipv6PrefixBits: number): string {
  const bare = address.replace(/%.*$/, '')
  if (!ipaddr.isValid(bare)) return address
  const parsed = ipaddr.process(bare)
  if (parsed.kind() === 'ipv4') return parsed.toString()
  const bytes = parsed.toByteArray()
  for (let bit = ipv6PrefixBits; bit < 128; bit++) {
    const index = bit >> 3
    bytes[index] = (bytes[index] ?? 0) & ~(0x80 >> (bit & 7))
  }
  const network = ipaddr.fromByteArray(bytes).toString()
  return ipv6PrefixBits >= 128 ? network : `${network}/${ipv6PrefixBits}`
}
