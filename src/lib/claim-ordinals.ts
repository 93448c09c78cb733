// The claims an in-process index holds (claim matching's, src/lib/match-index.ts; full-text search's,
// src/lib/search-index.ts), by ordinal: a claim written again gets a new ordinal, so every term's postings stay in
// ordinal order; the old ordinal is marked gone and its postings are skipped until a compaction drops them. Per
// ordinal also who may see the claim: the public, or one organisation.

/** Owner of a public claim. */
export const PUBLIC = -1
/** Owner of an ordinal whose claim was removed or written again. */
export const GONE = -2
/** A viewer of no organisation the index knows: sees public claims only. */
const NOBODY = -3

/** `array`, or a copy at least `size` long (doubling), for typed arrays that grow as claims and terms are added. */
export function grown<T extends Int32Array | Uint16Array | Float32Array | Float64Array> (
  array: T,
  size: number,
  make: (n: number) => T
): T {
  if (size <= array.length) return array
  const next = make(Math.max(size, array.length * 2, 1024))
  next.set(array)
  return next
}

export function createClaimOrdinals () {
  /** The claim id of each ordinal ('' once gone). */
  const ids: string[] = []
  let owner = new Int32Array(0)
  let count = 0
  const ordinalOf = new Map<string, number>()
  const organizations = new Map<string, number>()

  return {
    ids,
    /** Who may see each ordinal (PUBLIC, an organisation's number, or GONE); replaced as it grows: read it per use. */
    owner: (): Int32Array => owner,
    /** Ordinals handed out so far, gone ones included. */
    count: (): number => count,
    /** Live claims. */
    size: (): number => ordinalOf.size,

    /** Marks the claim's ordinal gone; returns it, or undefined for a claim not held. */
    remove (id: string): number | undefined {
      const ordinal = ordinalOf.get(id)
      if (ordinal === undefined) return undefined
      ordinalOf.delete(id)
      owner[ordinal] = GONE
      ids[ordinal] = ''
      return ordinal
    },

    /** A new ordinal for a claim not held (remove it first), visible to all or to `privateTo`'s organisation. */
    add (id: string, privateTo: string | null): number {
      const ordinal = count++
      ids[ordinal] = id
      ordinalOf.set(id, ordinal)
      owner = grown(owner, count, (n) => new Int32Array(n))
      let org = PUBLIC
      if (privateTo !== null) {
        org = organizations.get(privateTo) ?? organizations.size
        organizations.set(privateTo, org)
      }
      owner[ordinal] = org
      return ordinal
    },

    /** The viewer's number, for `visible`: its organisation's, or one that sees public claims only. */
    viewer: (organization: string | null): number =>
      organization === null ? NOBODY : organizations.get(organization) ?? NOBODY,

    /** Whether the viewer (`viewer`'s number) may see the claim of this ordinal; never a gone one. */
    visible (ordinal: number, viewer: number): boolean {
      const who = owner[ordinal] ?? GONE
      return who === PUBLIC || (who >= 0 && who === viewer)
    },
  }
}

export type ClaimOrdinals = ReturnType<typeof createClaimOrdinals>
