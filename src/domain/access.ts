// Who is calling and what they may do: roles, the principal a request acts as, what it may see and change. API keys
// themselves (format, checksum, hash) are in src/lib/api-keys.ts.
import { ForbiddenError } from './errors.ts'

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

/**
 * A write must come from the owning organisation. Another organisation's object is a 404 while it is private (its
 * existence is not confirmed) and a 403 once it is public.
 */
export function assertOwner (
  writer: { organizationId: string },
  owned: { organizationId: string | null; isPublic: boolean },
  hidden: () => Error,
  what: string
): void {
  if (owned.organizationId === writer.organizationId) return
  if (!owned.isPublic) throw hidden()
  throw new ForbiddenError(`${what} belongs to another organization; only its own organization may change it.`)
}
