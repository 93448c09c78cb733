// Canonical page URLs for fact-check lookups. The browser extension shares this file as it is: it needs the WHATWG
// URL class, tldts (the Public Suffix List) and bounded-memo.ts, nothing else (the hashes, which need node:crypto
// here, live in url-hash.ts).
// @see https://github.com/remusao/tldts
import { getDomain, getPublicSuffix } from 'tldts'
import { boundedMemo } from './bounded-memo.ts'

/** The rules canonicalizeUrl applies, in order, as published in the OpenAPI description. */
export const CANONICALIZATION_RULES: readonly string[] = Object.freeze([
  'Surrounding whitespace is trimmed and the rest must parse as an absolute URL with the http or https scheme; anything else (relative URLs, ftp:, javascript:, mailto: ...) has no canonical form. The scheme is always written as https: the http and https versions of a page are the same page for lookup purposes.',
  'The host is lower-cased and loses a trailing dot (example.com. is example.com); internationalised host names are written in punycode (bücher.de becomes xn--bcher-kva.de).',
  'A leading www., m., mobile. or amp. label is removed from the host, provided what remains is still a registrable domain or a name under one by the Public Suffix List, private suffixes included (www.com, mobile.de and www.github.io stay as they are), and is not a platform whose subdomains are its users\' sites (wordpress.com, tumblr.com, substack.com, medium.com, livejournal.com, typepad.com, where only www. is removed); this repeats while it applies, so m.www.example.com becomes example.com.',
  'Ports 80 and 443 are dropped whatever the scheme of the input (they are the defaults of http and https, which are treated as one); any other port is kept.',
  'The fragment (#...) and any user name or password are dropped.',
  'Tracking query parameters are removed, with names compared case-insensitively: every name starting with utm_, and fbclid, gclid, dclid, gclsrc, msclkid, mc_cid, mc_eid, yclid, igshid, _ga, _gl, ref (except on source-code hosts, github.com, gitlab.com, bitbucket.org, codeberg.org, sr.ht and gitea.com, where ?ref= names a branch), ref_src, ref_url, cmpid, ocid, s_cid, smid, spm, share, mkt_tok, __twitter_impression, oly_anon_id, oly_enc_id, vero_id, wt_mc, at_medium and at_campaign. Empty parameters are removed. The remaining parameters are sorted by name (by UTF-16 code unit, keeping the order of parameters with the same name) and otherwise kept byte for byte; if none remain there is no ?.',
  'In the path, dot segments (. and ..) are resolved as WHATWG URL parsing resolves them; then percent-escapes of unreserved characters (A-Z a-z 0-9 - . _ ~) are decoded and the hex digits of all other escapes are upper-cased (%2f becomes %2F); runs of slashes become one slash; a final amp segment (/amp or /amp/, the AMP version of a page) is removed only after an article slug (a segment with a hyphen, as in /2024/05/taxes-doubled/amp), so /products/amp stays a page of its own; a final index.html, index.htm or index.php is removed; both repeatedly while one applies; a trailing slash is removed unless the path is just /. The case of the path is kept.',
  'The result is written as https://host[:port]/path[?query].',
])

const STRIPPED_HOST_LABELS = ['www.', 'm.', 'mobile.', 'amp.']

/** The Public Suffix List with its private section: github.io and blogspot.com are suffixes like co.uk. */
const PSL = { allowPrivateDomains: true }

/** Platforms whose subdomains are their users' sites, which the Public Suffix List does not (yet) list. */
const USER_SITE_PLATFORMS = new Set(['wordpress.com', 'tumblr.com', 'substack.com', 'medium.com', 'livejournal.com', 'typepad.com'])

/** Hosts where `?ref=` is a branch or tag, not a referrer. */
const SOURCE_CODE_DOMAINS = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org', 'sr.ht', 'gitea.com'])

const TRACKING_PARAMETERS = new Set([
  'fbclid', 'gclid', 'dclid', 'gclsrc', 'msclkid', 'mc_cid', 'mc_eid', 'yclid', 'igshid', '_ga', '_gl', 'ref',
  'ref_src', 'ref_url', 'cmpid', 'ocid', 's_cid', 'smid', 'spm', 'share', 'mkt_tok', '__twitter_impression',
  'oly_anon_id', 'oly_enc_id', 'vero_id', 'wt_mc', 'at_medium', 'at_campaign',
])

const UNRESERVED = /^[A-Za-z0-9\-._~]$/

/**
 * The canonical form of a page URL (see CANONICALIZATION_RULES), or null when `input` is not an absolute http or
 * https URL. Equivalent URLs give the same string, and canonicalizeUrl(canonicalizeUrl(x)) === canonicalizeUrl(x).
 */
export function canonicalizeUrl (input: string): string | null {
  let url: URL
  try {
    url = new URL(input.trim())
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null

  const { host, sourceCode } = hostOf(url.hostname)
  // URL only drops the default port of its own scheme; since every output is https, both defaults must go.
  const port = url.port === '80' || url.port === '443' ? '' : url.port
  const path = canonicalPath(url.pathname)
  const query = canonicalQuery(url.search, sourceCode)
  return `https://${host}${port ? `:${port}` : ''}${path}${query ? `?${query}` : ''}`
}

/**
 * The canonical host and whether it is a source-code host, by host name as URL parsing gives it. Looking a name up in
 * the Public Suffix List is most of a URL's canonicalisation, and the pages asked about come from few sites: the
 * answers are kept for the last 10,000 names.
 */
const hostOf = boundedMemo(10_000, (hostname): { host: string, sourceCode: boolean } => {
  const host = canonicalHost(hostname)
  return { host, sourceCode: SOURCE_CODE_DOMAINS.has(getDomain(host, PSL) ?? '') }
})

function canonicalHost (hostname: string): string {
  let host = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname
  // An IP address has no labels to strip.
  if (/^\[|^[\d.]+$/.test(host)) return host
  // Stripping to a fixed point keeps the function idempotent for stacked labels such as m.www.example.com.
  for (;;) {
    const label = STRIPPED_HOST_LABELS.find((prefix) => host.startsWith(prefix))
    if (label === undefined) return host
    const rest = host.slice(label.length)
    // What remains must still be a site of its own: not a bare public suffix (mobile.de, www.github.io), and not a
    // platform on which the label is a user's site (mobile.wordpress.com), unless the label is www.
    const domain = getDomain(rest, PSL)
    if (domain === null || getPublicSuffix(rest, PSL) === rest) return host
    if (label !== 'www.' && rest === domain && USER_SITE_PLATFORMS.has(domain)) return host
    host = rest
  }
}

function canonicalPath (pathname: string): string {
  // Each step is skipped when the path lacks what it looks for (most paths have no dot segment, escape, double
  // slash, amp or index segment): a batch lookup canonicalises 100 URLs per request.
  let path = pathname.includes('.') || pathname.includes('%') ? resolveDotSegments(pathname) : pathname
  if (path.includes('%')) {
    path = path.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => {
      const char = String.fromCharCode(Number.parseInt(hex, 16))
      return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
    })
  }
  if (path.includes('//')) path = path.replace(/\/{2,}/g, '/')
  // Repeated so that /story/amp/index.html and /amp/amp end where a second pass would leave them.
  for (;;) {
    const before = path
    // Only after an article slug: /products/amp may be a page about amplifiers.
    if (path.endsWith('/amp') || path.endsWith('/amp/')) path = path.replace(/(\/[^/]*-[^/]*)\/amp\/?$/, '$1/')
    if (path.includes('/index.')) path = path.replace(/\/index\.(?:html?|php)$/, '/')
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
    if (path === before) return path
  }
}

/**
 * Dot segments resolved as WHATWG URL parsing does (before slashes are collapsed, as browsers do). A no-op after a
 * conforming parser, but Node 20's URL leaves some in place (/b/.a/../c), which would make server and extension differ.
 */
function resolveDotSegments (pathname: string): string {
  const segments = pathname.slice(1).split('/')
  const resolved: string[] = []
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1
    const lower = segment.toLowerCase()
    if (lower === '..' || lower === '.%2e' || lower === '%2e.' || lower === '%2e%2e') {
      resolved.pop()
      if (last) resolved.push('')
    } else if (lower === '.' || lower === '%2e') {
      if (last) resolved.push('')
    } else {
      resolved.push(segment)
    }
  })
  return `/${resolved.join('/')}`
}

function canonicalQuery (search: string, sourceCode: boolean): string {
  if (search === '') return ''
  const pairs = search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => ({ pair, name: pair.split('=', 1)[0] ?? '' }))
    .filter(({ name }) => !isTrackingParameter(name, sourceCode))
  // Compared by name only, so the stable sort keeps repeated names (?tag=b&tag=a) in their original order.
  pairs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return pairs.map(({ pair }) => pair).join('&')
}

function isTrackingParameter (rawName: string, sourceCode: boolean): boolean {
  let name = rawName.toLowerCase()
  // Most names have nothing to decode.
  if (name.includes('%') || name.includes('+')) {
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase()
    } catch {}
  }
  if (name === 'ref' && sourceCode) return false
  return name.startsWith('utm_') || TRACKING_PARAMETERS.has(name)
}
