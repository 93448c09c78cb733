// Helpers shared by the repositories: keyset paging, timestamps, and inserting many rows at once.
import { getTableColumns, sql } from 'drizzle-orm'
import { toSnakeCase } from 'drizzle-orm/casing'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { Executor } from '../db/client.ts'
import { ratingScales, reviews } from '../db/schema.ts'

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

/**
 * Inserts whole rows (every column the first row has) in one statement, sent as one JSON parameter: an import inserts
 * thousands at a time, and building a statement with a parameter per column and row costs more than Postgres takes
 * to run it. Column names and types come from the table's definition, never from the rows.
 */
export async function insertJsonRows<T extends PgTable> (
  tx: Executor, table: T, rows: ReadonlyArray<Partial<T['$inferSelect']>>
): Promise<void> {
  const first = rows[0]
  if (first === undefined) return
  // The database's names, as the client's `casing: 'snake_case'` makes them from the keys.
  const columns = Object.entries(getTableColumns(table)).filter(([key]) => key in first)
    .map(([key, column]) => ({
      key,
      name: column.keyAsName ? toSnakeCase(column.name) : column.name,
      type: column.getSQLType(),
    }))
  const json = JSON.stringify(rows.map((row) => Object.fromEntries(
    columns.map(({ key, name }) => [name, (row as Record<string, unknown>)[key] ?? null]))))
  const names = sql.join(columns.map(({ name }) => sql.identifier(name)), sql`, `)
  const types = sql.raw(columns.map(({ name, type }) => `"${name}" ${type}`).join(', '))
  await tx.execute(sql`insert into ${table} (${names})
    select ${names} from jsonb_to_recordset(${json}::jsonb) as r(${types})`)
}

/**
 * The review and scale columns a claim's current verdict shows (VerdictPair): what lists, lookups and the sync feed
 * select for each claim (with the versions a claim's ETag is made of), rather than the whole rows (18 and 10 columns):
 * each column of each row is parsed and mapped in this process.
 */
export const verdictColumns = {
  review: {
    id: reviews.id,
    version: reviews.version,
    status: reviews.status,
    ratingKey: reviews.ratingKey,
    ratingExplanation: reviews.ratingExplanation,
    headline: reviews.headline,
    url: reviews.url,
    authorName: reviews.authorName,
    authorUrl: reviews.authorUrl,
    datePublished: reviews.datePublished,
    retractedAt: reviews.retractedAt,
    retractionReason: reviews.retractionReason,
    updatedAt: reviews.updatedAt,
  },
  scale: { id: ratingScales.id, version: ratingScales.version, slug: ratingScales.slug, values: ratingScales.values },
}
