// Where a webhook may be delivered (SSRF): public addresses only, checked after DNS resolution at registration and
// again on the address each delivery actually connects to (a lookup that refuses what it resolves, so no DNS
// rebinding slips in between), unless the operator's allowlist (WEBHOOK_ALLOWED_HOSTS) names the host or its network.
// The ranges are ipaddr.js's (private, loopback, link-local, unique-local, CGNAT, multicast, reserved, ...).
// @see https://github.com/whitequark/ipaddr.js
import { lookup as dnsLookup, promises as dns } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/** What an allowlist entry may be: a host name, an IP address or a CIDR range. */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/

/** The entries of WEBHOOK_ALLOWED_HOSTS (comma-separated), normalised: host names lower-case, addresses as CIDRs. */
export function parseAllowedHosts (value: string): { entries: string[], invalid: string[] } {
  const entries: string[] = []
  const invalid: string[] = []
  for (const raw of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const entry = raw.toLowerCase().replace(/^\[(.*)\]$/, '$1')
    if (ipaddr.isValidCIDR(entry)) {
      const [address, bits] = ipaddr.parseCIDR(entry)
      entries.push(`${address.toString()}/${bits}`)
    } else if (ipaddr.isValid(entry)) {
      const address = ipaddr.parse(entry)
      entries.push(`${address.toString()}/${address.kind() === 'ipv4' ? 32 : 128}`)
    } else if (HOST_NAME.test(entry) && isIP(entry) === 0) {
      entries.push(entry)
    } else {
      invalid.push(raw)
    }
  }
  return { entries, invalid }
}

const RANGE_NAMES: Record<string, string> = {
  private: 'a private',
  loopback: 'a loopback',
  linkLocal: 'a link-local',
  uniqueLocal: 'a unique-local',
  carrierGradeNat: 'a carrier-grade NAT (shared)',
  multicast: 'a multicast',
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
}

/** Global unicast IPv6 (2000::/3): all else, the IPv4-compatible ::/96 included, is no place for a webhook. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3')

export interface AddressPolicy {
  /** What kind of address `address` (which `hostname` resolved to) is when it may not receive webhooks, else null. */
  refusal (hostname: string, address: string): string | null
}

export function createAddressPolicy (allowedHosts: readonly string[]): AddressPolicy {
  const hosts = new Set(allowedHosts.filter((entry) => !entry.includes('/')))
  const networks = allowedHosts.filter((entry) => entry.includes('/')).map((entry) => ipaddr.parseCIDR(entry))
  return {
    refusal (hostname, address) {
      if (hosts.has(hostname.toLowerCase())) return null
      if (!ipaddr.isValid(address)) return 'not an IP address'
      // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
      const ip = ipaddr.process(address)
      if (networks.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return null
      let range = ip.range()
      if (ip.kind() === 'ipv6' && range === 'unicast' && !ip.match(GLOBAL_UNICAST_V6)) range = 'reserved'
      if (range === 'unicast') return null
      return `${RANGE_NAMES[range] ?? `a reserved (${range})`} address`
    },
  }
}

/** The host of a URL as DNS and the policy know it: lower-case, an IPv6 literal without its brackets. */
const hostOf = (url: URL) => url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')

/**
 * Why a webhook URL may not be used, or null. A host that does not resolve (yet) is not refused here: deliveries to
 * it fail until it does, and are checked then.
 */
export async function urlRefusal (policy: AddressPolicy, url: string): Promise<string | null> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'it is not a URL'
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'only http and https URLs can receive webhooks'
  if (parsed.username !== '' || parsed.password !== '') return 'a webhook URL may not carry credentials; the signature authenticates deliveries'
  const host = hostOf(parsed)
  if (isIP(host) !== 0) {
    const refusal = policy.refusal(host, host)
    return refusal && `${host} is ${refusal}`
  }
  let addresses: Array<{ address: string }>
  try {
    addresses = await dns.lookup(host, { all: true, verbatim: true })
  } catch {
    return null
  }
  for (const { address } of addresses) {
    const refusal = policy.refusal(host, address)
    if (refusal) return `${host} resolves to ${address}, ${refusal}`
  }
  return null
}

/** Thrown by the lookup below; the delivery records it as the attempt's error. */
export class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS'
  override name = 'RefusedAddressError'
}

/**
 * A `lookup` for net/tls connections (undici's `connect.lookup`) that resolves the host and refuses to hand over any
 * address the policy refuses: the socket connects to an address that was checked, never to one resolved later.
 * (Node does not call `lookup` for IP literals; urlRefusal checks those before a delivery.)
 */
export function guardedLookup (policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '')
      const refused = addresses.find((a) => policy.refusal(hostname, a.address) !== null)
      const first = addresses[0]
      if (refused) return callback(new RefusedAddressError(`${hostname} resolves to ${refused.address}, ${policy.refusal(hostname, refused.address)}`), '')
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '')
      if (options.all === true) return callback(null, addresses)
      callback(null, first.address, first.family)
    })
  }
}
