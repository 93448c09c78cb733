// canonicalizeUrl against a table of page URLs, its idempotency, and the urlHash / hashPrefix lookup keys.
import t from 'tap'
import { CANONICALIZATION_RULES, canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { hashPrefix, urlHash } from '../../src/lib/url-hash.ts'
import { cases } from './url-canonical-cases.ts'

t.test('canonical forms', async (t) => {
  t.ok(cases.length >= 40)
  for (const [input, expected] of cases) t.equal(canonicalizeUrl(input), expected, JSON.stringify(input))
})

t.test('canonicalizeUrl is idempotent', async (t) => {
  for (const [input] of cases) {
    const once = canonicalizeUrl(input)
    if (once !== null) t.equal(canonicalizeUrl(once), once, JSON.stringify(input))
  }
})

t.test('equivalent URLs share a hash; different pages do not', async (t) => {
  const equivalent = [
    'https://example.com/story',
    'https://www.example.com/story?utm_source=x#top',
    'http://example.com:80/story/',
    'HTTPS://m.EXAMPLE.com.//story/',
    'https://user@example.com/story/index.html?fbclid=1',
  ]
  const hashes = equivalent.map((url) => urlHash(canonicalizeUrl(url) ?? ''))
  t.equal(new Set(hashes).size, 1)
  // A fixed vector, so an implementation on another platform (the extension) can check it hashes the same way.
  t.equal(hashes[0], 'ab116c15d8ac8b5285e0a8c70be0bf03ad55f8ca63cbfe0903142381dec8268d')
  t.not(urlHash('https://example.com/story?page=2'), hashes[0])
  const apart = (a: string, b: string) => t.not(canonicalizeUrl(a), canonicalizeUrl(b), `${a} and ${b} are different pages`)
  apart('https://github.com/org/repo/blob/f.ts?ref=main', 'https://github.com/org/repo/blob/f.ts?ref=evil-branch')
  apart('https://example.com/products/amp', 'https://example.com/products')
  apart('https://mobile.wordpress.com/', 'https://wordpress.com/')
  t.equal(canonicalizeUrl('https://example.com./story'), canonicalizeUrl('https://example.com/story'), 'a trailing-dot host is the same host')
  t.equal(urlHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
})

t.test('hashPrefix is the first 8 lower-case hex characters', async (t) => {
  const hash = urlHash('https://example.com/')
  t.match(hash, /^[0-9a-f]{64}$/)
  t.match(hashPrefix(hash), /^[0-9a-f]{8}$/)
  t.equal(hashPrefix(hash), hash.slice(0, 8))
  t.equal(hashPrefix(hash.toUpperCase()), hash.slice(0, 8))
  t.throws(() => hashPrefix('abc'), TypeError)
  t.throws(() => hashPrefix('z'.repeat(64)), TypeError)
})

t.test('the published rules are non-empty sentences', async (t) => {
  t.equal(CANONICALIZATION_RULES.length, 8)
  for (const rule of CANONICALIZATION_RULES) t.match(rule, /^[A-Z].+\.$/)
})
