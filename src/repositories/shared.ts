// Helpers shared by the repositories: keyset paging, and timestamps.

export interface PageRequest {
  limit: number
  /** The id of the last row of the previous page; rows come newest (highest UUIDv7) first. */
  afterId?: string | undefined
}

export interface PageResult<T> {
  rows: T[]
  /** The id to continue after, or null when this is the last page. */
  nextAfterId: string | null
}

export function toPage<T> (rows: T[], limit: number, idOf: (row: T) => string): PageResult<T> {
  if (rows.length <= limit) return { rows, nextAfterId: null }
  const page = rows.slice(0, limit)
  return { rows: page, nextAfterId: idOf(page[page.length - 1] as T) }
}

/**
 * Timestamps for a new row, made here rather than by the database so that they are the same instant, to the
 * millisecond, as the revision that records the row (the database keeps microseconds; JSON carries milliseconds).
 */
export function freshTimestamps () {
  const now = new Date()
  return { createdAt: now, updatedAt: now }
}

/** A value made safe to embed in a LIKE pattern: its %, _ and \ match only themselves. */
export const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`)
