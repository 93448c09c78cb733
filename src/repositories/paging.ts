// Keyset paging shared by the repositories: fetch one row more than asked to learn whether a next page exists.

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
