// Where a webhook may be delivered (SSRF): public addresses only, checked after DNS resolution at registration and
// again on the address each delivery actually connects to (a lookup that refuses what it resolves, so no DNS
// rebinding slips in between), unless an entry of the operator's allowlist (WEBHOOK_ALLOWED_HOSTS) names the URL's
// host (and port, and the webhook's organisation, when the entry says so). Hosts are compared in one normal form:
// lower case, no trailing dot, an IP address as the address it is (::ffff:127.0.0.1 is 127.0.0.1).
// The ranges are ipaddr.js's (private, loopback, link-local, unique-local, CGNAT, multicast, reserved, ...).
// @see https://github.com/whitequark/ipaddr.js
import { lookup as dnsLookup, type LookupAllOptions, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/** A host name as an allowlist entry may give it (after the URL parser's normal form). */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/
/** An organisation's slug, as `claimtrack keys create --org` takes it. */
const ORG_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

/**
 * One entry of WEBHOOK_ALLOWED_HOSTS: a host name, or an IP network (an address is a /32 or /128), optionally only
 * on one port and only for one organisation.
 */
export type AllowedHost = ({ name: string } | { network: string }) & {
  /** Only URLs on this port (the scheme's default when the URL gives none); null: any port. */
  port: number | null
  /** Only webhooks of the organisation with this slug; null: every organisation. */
  organization: string | null
}

type Address = ipaddr.IPv4 | ipaddr.IPv6

/**
 * An address in one form: IPv4-mapped IPv6 as the IPv4 address. IPv6 text goes through the URL parser first, which
 * writes it as a URL's host is written: ipaddr.js alone would read the IPv4-compatible `::127.0.0.1` as mapped.
 */
function canonical (address: string): Address {
  if (isIP(address) !== 6) return ipaddr.process(address)
  return ipaddr.process(new URL(`http://[${address}]/`).hostname.slice(1, -1))
}

/** A URL's host (or a host name handed to a lookup) in the form the allowlist is matched in. */
export function normalizeHost (hostname: string): string {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (isIP(host) !== 0) return canonical(host).toString()
  return host.endsWith('.') ? host.slice(0, -1) : host
}

/** A network in one form: an IPv4-mapped IPv6 range (::ffff:0:0/96 and narrower) as the IPv4 range. */
function canonicalNetwork (cidr: string): string {
  const [address, bits] = ipaddr.parseCIDR(cidr)
  if (address.kind() === 'ipv6' && bits >= 96 && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return `${(address as ipaddr.IPv6).toIPv4Address().toString()}/${bits - 96}`
  }
  return `${address.toString()}/${bits}`
}

/** The host part of an entry as a name or a network, or null when it is neither. */
function hostOfEntry (host: string): { name: string } | { network: string } | null {
  if (host.includes('/')) return ipaddr.isValidCIDR(host) ? { network: canonicalNetwork(host) } : null
  if (isIP(host) !== 0) {
    const address = canonical(host)
    return { network: `${address.toString()}/${address.kind() === 'ipv4' ? 32 : 128}` }
  }
  // The URL parser's normal form, so that an entry means what a URL with that host means (`127.1` is 127.0.0.1).
  let parsed: string
  try {
    parsed = new URL(`http://${host}/`).hostname
  } catch {
    return null
  }
  if (isIP(parsed.replace(/^\[(.*)\]$/, '$1')) !== 0) return hostOfEntry(parsed.replace(/^\[(.*)\]$/, '$1'))
  const name = normalizeHost(parsed)
  return HOST_NAME.test(name) ? { name } : null
}

/**
 * The entries of WEBHOOK_ALLOWED_HOSTS (comma-separated). Each is `HOST[:PORT][@ORG]`: HOST a host name, an IPv4
 * address, an IPv6 address (in brackets when a port follows) or a CIDR range; PORT limits it to that port; ORG (an
 * organisation's slug) limits it to that organisation's webhooks. E.g. `hooks.internal:8443@newsroom, 10.0.0.0/8@desk`.
 */
export function parseAllowedHosts (value: string): { entries: AllowedHost[], invalid: string[] } {
  const entries: AllowedHost[] = []
  const invalid: string[] = []
  for (const raw of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = raw.lastIndexOf('@')
    const organization = at === -1 ? null : raw.slice(at + 1).toLowerCase()
    let target = at === -1 ? raw : raw.slice(0, at)
    let port: number | null = null
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(target)
    const withPort = /^([^:]+):(\d{1,5})$/.exec(target)
    if (bracketed) {
      target = bracketed[1] ?? ''
      port = bracketed[2] === undefined ? null : Number(bracketed[2])
    } else if (withPort) {
      target = withPort[1] ?? ''
      port = Number(withPort[2])
    }
    const host = hostOfEntry(target.toLowerCase())
    if (
      host === null ||
      (port !== null && (port < 1 || port > 65535)) ||
      (organization !== null && !ORG_SLUG.test(organization))
    ) {
      invalid.push(raw)
      continue
    }
    entries.push({ ...host, port, organization })
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

/** Where a delivery goes: the URL's host (as given), its port, and the slug of the webhook's organisation. */
export interface Destination {
  host: string
  port: number
  organization: string
}

/** Node's callback `dns.lookup` with `all: true`, which tests replace to answer documentation addresses. */
export type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void

export interface AddressPolicy {
  /** Whether an allowlist entry names the destination's host (for its port and organisation). */
  listed (destination: Destination): boolean
  /** Why `address` (which the destination's host is, or resolved to) may not receive this webhook, or null. */
  refusal (destination: Destination, address: string): string | null
  resolve: Resolver
}

export function createAddressPolicy (
  allowedHosts: readonly AllowedHost[],
  options: { resolve?: Resolver } = {}
): AddressPolicy {
  const entries = allowedHosts.map((entry) => ({
    ...entry,
    network: 'network' in entry ? ipaddr.parseCIDR(entry.network) : null,
    name: 'name' in entry ? entry.name : null,
  }))
  /** Whether an entry names this host (never a host name for a network: a name may resolve anywhere tomorrow). */
  const listed = ({ host, port, organization }: Destination) => {
    const normal = normalizeHost(host)
    const ip = isIP(normal) !== 0 ? canonical(normal) : null
    return entries.some(
      (entry) =>
        (entry.organization === null || entry.organization === organization) &&
        (entry.port === null || entry.port === port) &&
        (ip === null
          ? entry.name === normal
          : entry.network !== null && entry.network[0].kind() === ip.kind() && ip.match(entry.network))
    )
  }
  return {
    listed,
    resolve: options.resolve ?? ((hostname, opts, callback) => dnsLookup(hostname, opts, callback)),
    refusal (destination, address) {
      // Listed by the operator: a listed name may resolve anywhere, a listed address is that address.
      if (listed(destination)) return null
      if (!ipaddr.isValid(address)) return 'not an IP address'
      // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
      const ip = canonical(address)
      let range = ip.range()
      if (ip.kind() === 'ipv6' && range === 'unicast' && !ip.match(GLOBAL_UNICAST_V6)) range = 'reserved'
      if (range === 'unicast') return null
      return `${RANGE_NAMES[range] ?? `a reserved (${range})`} address`
    },
  }
}

const resolveAll = (policy: AddressPolicy, host: string) => new Promise<LookupAddress[]>((resolve, reject) => {
  policy.resolve(host, { all: true, verbatim: true }, (err, addresses) => err ? reject(err) : resolve(addresses))
})

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

/**
 * Why a webhook URL may not be used by the organisation with this slug, or null. A host that does not resolve (yet)
 * is not refused here: deliveries to it fail until it does, and are checked then.
 */
export async function urlRefusal (policy: AddressPolicy, url: string, organization: string): Promise<string | null> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'it is not a URL'
  }
  const defaultPort = DEFAULT_PORTS[parsed.protocol]
  if (defaultPort === undefined) return 'only http and https URLs can receive webhooks'
  if (parsed.username !== '' || parsed.password !== '') return 'a webhook URL may not carry credentials; the signature authenticates deliveries'
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  const destination = { host, port: parsed.port === '' ? defaultPort : Number(parsed.port), organization }
  if (isIP(host) !== 0) {
    const refusal = policy.refusal(destination, host)
    return refusal && `${host} is ${refusal}`
  }
  // `localhost` and its subdomains are loopback whatever a resolver says (RFC 6761), even when this one knows none.
  if (/(^|\.)localhost$/.test(normalizeHost(host)) && !policy.listed(destination)) return `${host} is a loopback name`
  let addresses: LookupAddress[]
  try {
    addresses = await resolveAll(policy, host)
  } catch {
    return null
  }
  for (const { address } of addresses) {
    const refusal = policy.refusal(destination, address)
    if (refusal) return `${host} resolves to ${address}, ${refusal}`
  }
  return null
}

/** Thrown by the lookup below; the delivery records it as a refused address. */
export class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS'
  override name = 'RefusedAddressError'
}

/**
 * A `lookup` for net/tls connections (undici's `connect.lookup`) to `port` for the organisation with this slug: it
 * resolves the host and refuses to hand over any address the policy refuses, so the socket connects to an address
 * that was checked, never to one resolved later. (Node does not call `lookup` for IP literals; urlRefusal checks
 * those before a delivery.)
 */
export function guardedLookup (policy: AddressPolicy, { port, organization }: Omit<Destination, 'host'>): LookupFunction {
  return (hostname, options, callback) => {
    policy.resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '')
      const destination = { host: hostname, port, organization }
      const refused = addresses.find((a) => policy.refusal(destination, a.address) !== null)
      const first = addresses[0]
      if (refused) return callback(new RefusedAddressError(`${hostname} resolves to ${refused.address}, ${policy.refusal(destination, refused.address)}`), '')
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '')
      if (options.all === true) return callback(null, addresses)
      callback(null, first.address, first.family)
    })
  }
}
