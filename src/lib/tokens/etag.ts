// Strong ETags derived from versions, and the If-Match / If-None-Match rules built on them (RFC 9110 §13).
import { createHash } from 'node:crypto'
import { PreconditionFailedError, PreconditionRequiredError } from '../../domain/errors.ts'

/** The ETag of an entity at a version: `"3"`. */
export const versionEtag = (version: number) => `"${version}"`

/** The ETag of an entity together with the entities it embeds: its own version and a digest of theirs. */
export function compositeEtag (version: number, embedded: Array<{ id: string, version: number }>): string {
  if (embedded.length === 0) return `"${version}"`
  const digest = createHash('sha256')
  for (const { id, version } of [...embedded].sort((a, b) => a.id.localeCompare(b.id))) digest.update(`${id}:${version};`)
  return `"${version}-${digest.digest('base64url').slice(0, 16)}"`
}

/**
 * The entity tags of an If-Match or If-None-Match header. `'*'` (the string) is any version: the service's own writes
 * (imports, the demo) pass it, as they change what they have just read. A client's header `*` is kept as the list
 * `['*']`: it matches any representation for If-None-Match, and is refused for If-Match (see assertIfMatch).
 */
export type EtagCondition = '*' | string[]

export function parseEtagHeader (value: string | string[] | undefined): EtagCondition | undefined {
  if (value === undefined) return undefined
  const joined = Array.isArray(value) ? value.join(',') : value
  if (joined.trim() === '*') return ['*']
  // Weak tags never match a strong comparison (If-Match), but a client may still send them.
  return joined.split(',').map((tag) => tag.trim()).filter(Boolean)
}

function matches (condition: EtagCondition, current: string, weak: boolean): boolean {
  if (condition === '*') return true
  return condition.some((tag) => tag === current || (weak && (tag === `W/${current}` || tag === '*')))
}

/** For GET: whether the client's copy is current, so a 304 can be sent. Weak comparison, as RFC 9110 asks. */
export const isNotModified = (ifNoneMatch: EtagCondition | undefined, current: string) =>
  ifNoneMatch !== undefined && matches(ifNoneMatch, current, true)

/**
 * For writes: the change goes ahead only when If-Match names the current ETag (strong comparison).
 * Without the header the answer is 428, so that no client overwrites a change it has not seen. `If-Match: *` (any
 * version, RFC 9110) names no version either: it would let concurrent writers overwrite each other, last one wins,
 * so it is a 428 too.
 */
export function assertIfMatch (ifMatch: EtagCondition | undefined, current: string): void {
  if (ifMatch === undefined) {
    throw new PreconditionRequiredError('This change needs an If-Match header with the ETag of the version you edited; GET the resource to learn it.')
  }
  if (ifMatch !== '*' && ifMatch.includes('*')) {
    throw new PreconditionRequiredError('If-Match: * does not say which version you edited, so it could overwrite a change you have not seen. Send the ETag you read; GET the resource to learn it.', current)
  }
  if (!matches(ifMatch, current, false)) {
    throw new PreconditionFailedError(`The resource has changed since you read it (its ETag is now ${current}). GET it again, reapply your change and retry.`, current)
  }
}
