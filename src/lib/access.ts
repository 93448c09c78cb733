// Who is calling and what they may do: roles, the principal a request acts as, and API keys (format, checksum, hash).
import { createHash, randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { ForbiddenError } from '../domain/errors.ts'

export const roles = ['reader', 'editor', 'reviewer', 'admin', 'partner'] as const
export type Role = (typeof roles)[number]

/**
 * What a route needs: `public` (anyone, anonymous too) or a role. The newsroom roles are ordered, each including
 * the one before (reader < editor < reviewer < admin); `partner` stands apart and meets only `public` and `partner`.
 */
export type Access = 'public' | Role

const newsroomRank: Record<Exclude<Role, 'partner'>, number> = { reader: 1, editor: 2, reviewer: 3, admin: 4 }

/** Whether a key of `role` may use a route that needs `access`. */
export function allows (role: Role | null, access: Access): boolean {
  if (access === 'public') return true
  if (role === null) return false
  if (role === 'partner' || access === 'partner') return role === access
  return newsroomRank[role] >= newsroomRank[access]
}

/** Whether a role sees its organisation's private data (drafts, claims under research, their history). */
export const seesPrivate = (role: Role | null): boolean => role !== null && role !== 'partner'

/** The caller: anonymous, or an API key of an organisation. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'key', keyId: string, keyName: string, role: Role, organizationId: string, organizationSlug: string, lastWriteLsn: string | null }

export const anonymous: Principal = { kind: 'anonymous' }
export type KeyPrincipal = Extract<Principal, { kind: 'key' }>

/** Whose private data a read may include: the caller's organisation when its role sees private data, else none. */
export interface Viewer { organizationId: string | null }
export const publicViewer: Viewer = { organizationId: null }

export const viewerOf = (principal: Principal): Viewer =>
  principal.kind === 'key' && seesPrivate(principal.role) ? { organizationId: principal.organizationId } : publicViewer

/** Whether a reader may see a claim: published ones to everyone, the rest to its own organisation. */
export const canSee = (viewer: Viewer, claim: { organizationId: string, isPublic: boolean }): boolean =>
  claim.isPublic || claim.organizationId === viewer.organizationId

// API keys: `ct_` + 43 base62 characters (32 random bytes) + `_` + a 6-character base62 CRC-32 of the random part.
// The checksum lets secret scanners (and this service, before any database work) tell a real key from a typo.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const RANDOM_LENGTH = 43
const CHECKSUM_LENGTH = 6
const KEY_PATTERN = new RegExp(`^ct_([0-9A-Za-z]{${RANDOM_LENGTH}})_([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`)

function base62 (value: bigint, length: number): string {
  let out = ''
  for (let v = value; out.length < length; v /= 62n) out = BASE62[Number(v % 62n)] + out
  return out
}

const checksumOf = (random: string) => base62(BigInt(crc32(random)), CHECKSUM_LENGTH)

/** A new key: the secret to show once, the prefix to show always, and the hash to store. */
export function generateApiKey (): { key: string, prefix: string, hash: string } {
  // 32 random bytes as a 256-bit number in 43 base62 digits (62^43 > 2^256).
  const random = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), RANDOM_LENGTH)
  const key = `ct_${random}_${checksumOf(random)}`
  return { key, prefix: keyPrefix(key), hash: hashApiKey(key) }
}

/** Whether a string is shaped like a key and its checksum holds. */
export function isWellFormedApiKey (key: string): boolean {
  const match = KEY_PATTERN.exec(key)
  return match !== null && match[1] !== undefined && checksumOf(match[1]) === match[2]
}

export const keyPrefix = (key: string) => key.slice(0, 11)

/** Keys carry 256 random bits, so a fast hash is as safe as a slow one, and costs nothing per request. */
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex')

/**
 * A write must come from the owning organisation. Another organisation's object is a 404 while it is private (its
 * existence is not confirmed) and a 403 once it is public.
 */
export function assertOwner (writer: { organizationId: string }, owned: { organizationId: string | null, isPublic: boolean }, hidden: () => Error, what: string): void {
  if (owned.organizationId === writer.organizationId) return
  if (!owned.isPublic) throw hidden()
  throw new ForbiddenError(`${what} belongs to another organization; only its own organization may change it.`)
}
