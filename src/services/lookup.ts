// "Is there a fact-check for this page?": canonicalise the URLs asked about and find the claims that appeared there.
import { ValidationError } from '../domain/errors.ts'
import { canonicalizeUrl } from '../lib/url-canonical.ts'
import { urlHash } from '../lib/url-hash.ts'
import type { LookupRepository, PageClaim, PageClaimSummary } from '../repositories/lookup.ts'

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

/** The URLs as sent with their canonical form and its hash; a URL that is not an absolute http(s) one is a 400. */
const keyedUrls = (urls: string[]) => urls.map((url, i) => {
  const canonicalUrl = canonical(url, `urls.${i}`)
  return { url, canonicalUrl, hash: urlHash(canonicalUrl) }
})

export function createLookupService (lookup: LookupRepository) {
  return {
    async page (url: string): Promise<PageLookup> {
      const canonicalUrl = canonical(url, 'url')
      return { url, canonicalUrl, claims: await lookup.byHash(urlHash(canonicalUrl)) }
    },

    /** Several pages in one query; results keep the order and spelling of the URLs as sent. */
    async pages (urls: string[]): Promise<PageLookup[]> {
      const keyed = keyedUrls(urls)
      const rows = await lookup.byHashes([...new Set(keyed.map((k) => k.hash))])
      const byHash = new Map<string, PageClaim[]>()
      for (const row of rows) {
        const claims = byHash.get(row.urlHash)
        if (claims) claims.push(row)
        else byHash.set(row.urlHash, [row])
      }
      return keyed.map(({ url, canonicalUrl, hash }) => ({ url, canonicalUrl, claims: byHash.get(hash) ?? [] }))
    },

    /** Several pages as verdict summaries, keyed by the URLs as sent; only the pages with claims. */
    async summaries (urls: string[]): Promise<Map<string, PageClaimSummary[]>> {
      const keyed = keyedUrls(urls)
      const byHash = new Map<string, PageClaimSummary[]>()
      for (const row of await lookup.summariesByHashes([...new Set(keyed.map((k) => k.hash))])) {
        const claims = byHash.get(row.urlHash)
        if (claims) claims.push(row)
        else byHash.set(row.urlHash, [row])
      }
      const found = new Map<string, PageClaimSummary[]>()
      for (const { url, hash } of keyed) {
        const claims = byHash.get(hash)
        if (claims) found.set(url, claims)
      }
      return found
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
