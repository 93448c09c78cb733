// Imports sent over HTTP, run by a job.
import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { importStatuses } from '../../domain/enums.ts'
import { id } from './columns.ts'
import { organizations } from './organizations.ts'

export const importStatus = pgEnum('import_status', importStatuses)

/** An import sent over HTTP (POST /v1/imports): the records as sent, run by a job, and how it went. */
export const imports = pgTable('imports', {
  id: id(),
  organizationId: uuid().notNull().references(() => organizations.id, { onDelete: 'restrict' }),
  status: importStatus().notNull().default('queued'),
  format: text().notNull(),
  scale: text().notNull(),
  /** The records as sent; the job reads them from here. */
  input: text().notNull(),
  /** The key that asked for it. */
  keyId: uuid(),
  created: integer().notNull().default(0),
  updated: integer().notNull().default(0),
  unchanged: integer().notNull().default(0),
  rejected: integer().notNull().default(0),
  /** Verdicts written without a review date, their records having none. */
  undated: integer().notNull().default(0),
  rejects: jsonb().$type<Array<{ line: number, key: string | null, reason: string }>>().notNull().default(sql`'[]'::jsonb`),
  /** How records are read: header or field renames, label mappings, the field naming each record's scale. */
  options: jsonb().$type<{ columns?: Record<string, string>, map?: Record<string, string>, scaleColumn?: string }>().notNull().default(sql`'{}'::jsonb`),
  /** Why a failed import stopped. */
  error: text(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  startedAt: timestamp({ withTimezone: true }),
  finishedAt: timestamp({ withTimezone: true }),
}, (t) => [
  index('imports_organization_id_idx').on(t.organizationId, t.id),
])
