// GET /v1/lookup/prefix-list: the sorted hash prefixes of every page lookups can find. Each process holds the list of
// each width it serves and builds it again only when the database says that a transaction its snapshot did not see
// changed which pages lookups find; each list it builds is stored as a version (the change from the one before), so
// that any process answers `since` with the additions and removals, read from the stored steps.
import { createHash } from 'node:crypto'
import { decodePrefixes, encodeValues } from '../lib/prefix-list.ts'
import type { PrefixListRepository, VersionStep } from '../repositories/prefix-list.ts'

export interface PrefixList {
  bytes: number
  /** Names this exact list: the first 16 hex characters of the SHA-256 of `${bytes}:${encoding}`. */
  version: string
  count: number
  /** The whole list (`prefixes`), or only the change since the version asked about (`additions`, `removals`). */
  full: boolean
  prefixes?: string
  additions?: string
  removals?: string
}

interface Held { snapshot: string, builtAt: number, version: string, count: number, encoded: string }

/**
 * How long a process answers from a list without building it again while no change is noted: a safety net, far
 * shorter than the day change rows are kept (src/repositories/prefix-list.ts).
 */
const HOLD_MS = 60 * 60_000

/** What `next` has that `previous` lacks (additions) and the reverse (removals); both sorted. */
function difference (
  previous: ArrayLike<number>,
  next: ArrayLike<number>
): { additions: number[], removals: number[] } {
  const additions: number[] = []
  const removals: number[] = []
  let i = 0
  let j = 0
  while (i < previous.length || j < next.length) {
    const a = i < previous.length ? (previous[i] as number) : Infinity
    const b = j < next.length ? (next[j] as number) : Infinity
    if (a === b) {
      i++
      j++
    } else if (a < b) {
      removals.push(a)
      i++
    } else {
      additions.push(b)
      j++
    }
  }
  return { additions, removals }
}

/** The net change of consecutive steps (or of the same steps undone, newest first, when not `forward`). */
function compose (steps: VersionStep[], forward: boolean): { additions: number[], removals: number[] } {
  const added = new Set<number>()
  const removed = new Set<number>()
  for (const step of forward ? steps : [...steps].reverse()) {
    const adds = decodePrefixes(forward ? step.additions : step.removals)
    const removes = decodePrefixes(forward ? step.removals : step.additions)
    for (const p of adds) {
      if (!removed.delete(p)) added.add(p)
    }
    for (const p of removes) {
      if (!added.delete(p)) removed.add(p)
    }
  }
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b)
  return { additions: sorted(added), removals: sorted(removed) }
}

export function createPrefixListService (repo: PrefixListRepository) {
  const held = new Map<number, Held>()
  // One check or build per width at a time; requests that arrive meanwhile share its answer.
  const pending = new Map<number, Promise<Held>>()

  async function build (bytes: number): Promise<Held> {
    // The snapshot is taken before the list is read: a change committed in between makes the next check build again,
    // never hides one.
    const snapshot = await repo.snapshot()
    const values = await repo.prefixes(bytes)
    const encoded = encodeValues(values)
    const version = createHash('sha256').update(`${bytes}:${encoded}`).digest('hex').slice(0, 16)
    await repo.append({ bytes, version, count: values.length, prefixes: encoded }, (previous) => {
      const { additions, removals } = difference(decodePrefixes(previous), values)
      return { additions: encodeValues(additions), removals: encodeValues(removals) }
    })
    return { snapshot, builtAt: Date.now(), version, count: values.length, encoded }
  }

  async function refresh (bytes: number): Promise<Held> {
    const current = held.get(bytes)
    if (
      current !== undefined &&
      Date.now() - current.builtAt < HOLD_MS &&
      !(await repo.changedSince(current.snapshot))
    ) {
      return current
    }
    const next = await build(bytes)
    held.set(bytes, next)
    return next
  }

  function currentList (bytes: number): Promise<Held> {
    let answer = pending.get(bytes)
    if (answer === undefined) {
      answer = refresh(bytes).finally(() => pending.delete(bytes))
      pending.set(bytes, answer)
    }
    return answer
  }

  return {
    /**
     * The list of `bytes`-byte prefixes. With `since`, a version any process of this deployment stored within the
     * KEEP_DAYS and KEEP_VERSIONS (src/repositories/prefix-list.ts), only the prefixes added and removed since; an
     * unknown or pruned version gets the full list (`full: true`).
     */
    async get (bytes: number, since?: string): Promise<PrefixList> {
      const list = await currentList(bytes)
      const base = { bytes, version: list.version, count: list.count }
      if (since === list.version) return { ...base, full: false, additions: '', removals: '' }
      const path = since === undefined ? null : await repo.steps(bytes, since, list.version)
      if (path !== null) {
        const delta = compose(path.steps, path.forward)
        return {
          ...base,
          full: false,
          additions: encodeValues(delta.additions),
          removals: encodeValues(delta.removals),
        }
      }
      return { ...base, full: true, prefixes: list.encoded }
    },
  }
}

export type PrefixListService = ReturnType<typeof createPrefixListService>
