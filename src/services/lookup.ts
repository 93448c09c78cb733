// "Is there a fact-check for this page?": canonicalise the URLs asked about and find the claims that appeared there.
import { createHash } from 'node:crypto'
import { ValidationError } from '../domain/errors.ts'
import { encodePrefixes } from '../lib/prefix-list.ts'
import { canonicalizeUrl } from '../lib/url-canonical.ts'
import { urlHash } from '../lib/url-hash.ts'
import type { LookupRepository, PageClaim } from '../repositories/lookup.ts'

export interface PageLookup {
  /** The URL as the client sent it. */
  url: string
  canonicalUrl: string
  claims: PageClaim[]
}

function canonical (url: string, path: string): string {
  const result = canonicalizeUrl(url)
  if (result === null) {
    throw new ValidationError(`${url.slice(0, 200)} is not an absolute http or https URL.`, [{ path, message: 'must be an absolute http or https URL' }])
  }
  return result
}

export interface PrefixList {
  bytes: number
  /** Names this exact list: the first 16 hex characters of the SHA-256 of its encoding. */
  version: string
  count: number
  /** The whole list (`prefixes`), or only the change since the version asked about (`additions`, `removals`). */
  full: boolean
  prefixes?: string
  additions?: string
  removals?: string
}

/** How many recent lists each process keeps to answer `since` with a delta; older versions get the full list. */
const KEPT_VERSIONS = 16

export function createLookupService (lookup: LookupRepository) {
  // version -> sorted hex prefixes, oldest first (a Map keeps insertion order).
  const recent = new Map<string, { bytes: number, prefixes: string[] }>()

  return {
    /**
     * The sorted prefixes of every public page hash. With `since`, a version this process served recently, only the
     * prefixes added and removed since; an unknown or forgotten version gets the full list (`full: true`).
     */
    async prefixList (bytes: number, since?: string): Promise<PrefixList> {
      const prefixes = await lookup.hashPrefixes(bytes * 2)
      const encoded = encodePrefixes(prefixes)
      const version = createHash('sha256').update(`${bytes}:${encoded}`).digest('hex').slice(0, 16)
      recent.delete(version)
      recent.set(version, { bytes, prefixes })
      while (recent.size > KEPT_VERSIONS) recent.delete(recent.keys().next().value as string)
      const base = { bytes, version, count: prefixes.length }
      const old = since === undefined ? undefined : recent.get(since)
      if (old === undefined || old.bytes !== bytes) return { ...base, full: true, prefixes: encoded }
      const now = new Set(prefixes)
      const before = new Set(old.prefixes)
      return {
        ...base,
        full: false,
        additions: encodePrefixes(prefixes.filter((p) => !before.has(p))),
        removals: encodePrefixes(old.prefixes.filter((p) => !now.has(p))),
      }
    },

    async page (url: string): Promise<PageLookup> {
      const canonicalUrl = canonical(url, 'url')
      return { url, canonicalUrl, claims: await lookup.byHash(urlHash(canonicalUrl)) }
    },

    /** Several pages in one query; results keep the order and spelling of the URLs as sent. */
    async pages (urls: string[]): Promise<PageLookup[]> {
      const keyed = urls.map((url, i) => {
        const canonicalUrl = canonical(url, `urls.${i}`)
        return { url, canonicalUrl, hash: urlHash(canonicalUrl) }
      })
      const rows = await lookup.byHashes([...new Set(keyed.map((k) => k.hash))])
      const byHash = new Map<string, PageClaim[]>()
      for (const row of rows) {
        const claims = byHash.get(row.urlHash)
        if (claims) claims.push(row)
        else byHash.set(row.urlHash, [row])
      }
      return keyed.map(({ url, canonicalUrl, hash }) => ({ url, canonicalUrl, claims: byHash.get(hash) ?? [] }))
    },

    /** Every page whose hash starts with the prefix, so the client can match its own hash without revealing it. */
    async prefix (prefix: string): Promise<Map<string, PageClaim[]>> {
      const rows = await lookup.byHashPrefix(prefix.toLowerCase())
      const byHash = new Map<string, PageClaim[]>()
      for (const row of rows) {
        const claims = byHash.get(row.urlHash)
        if (claims) claims.push(row)
        else byHash.set(row.urlHash, [row])
      }
      return byHash
    },
  }
}

export type LookupService = ReturnType<typeof createLookupService>
