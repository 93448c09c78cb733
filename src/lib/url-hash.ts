// The SHA-256 keys under which canonical URLs are stored and looked up (a browser computes the same with
// crypto.subtle.digest('SHA-256', ...)).
import { hash } from 'node:crypto'

/** Lower-case hex SHA-256 of a canonical URL (UTF-8); the key under which lookups are stored. */
export function urlHash (canonical: string): string {
  // One call, no Hash object: a batch lookup hashes 100 URLs per request.
  return hash('sha256', canonical, 'hex')
}

/**
 * The first 8 hex characters of a urlHash, lower-cased; throws a TypeError on anything that is not a SHA-256 hex
 * digest.
 */
export function hashPrefix (hash: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new TypeError('hashPrefix expects a 64-character hex SHA-256 digest')
  return hash.slice(0, 8).toLowerCase()
}
