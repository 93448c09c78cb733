// Data access for imports sent over HTTP: the request with its records, and the job's progress and outcome.
import { and, eq, sql } from 'drizzle-orm'
import type { Db, Executor } from '../db/client.ts'
import { imports, type ImportRow } from '../db/schema.ts'

export type NewImport = Pick<typeof imports.$inferInsert, 'organizationId' | 'format' | 'scale' | 'input' | 'keyId' | 'options'>
export type ImportOutcomePatch = Partial<Pick<ImportRow, 'status' | 'created' | 'updated' | 'unchanged' | 'rejected' | 'undated' | 'rejects' | 'error' | 'finishedAt'>>

export function createImportsRepository (db: Db) {
  return {
    async insert (values: NewImport, tx?: Executor): Promise<ImportRow> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.insert(imports).values(values).returning()
        if (!row) throw new Error('insert returned no row')
        return row
      })
    },

    /** An import of this organisation. */
    async findById (organizationId: string, id: string, tx?: Executor): Promise<ImportRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx
          .select()
          .from(imports)
          .where(and(eq(imports.id, id), eq(imports.organizationId, organizationId)))
        return row
      })
    },

    /** Marks a queued (or, on a retry, running) import running; undefined when it has already finished. */
    async start (id: string, tx?: Executor): Promise<ImportRow | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.update(imports)
          .set({ status: 'running', startedAt: sql`coalesce(${imports.startedAt}, now())` })
          .where(and(eq(imports.id, id), sql`${imports.status} in ('queued', 'running')`))
          .returning()
        return row
      })
    },

    async finish (id: string, patch: ImportOutcomePatch, tx?: Executor): Promise<void> {
      return db.use(tx, async (tx) => {
        await tx.update(imports).set({ finishedAt: new Date(), ...patch }).where(eq(imports.id, id))
      })
    },
  }
}

export type ImportsRepository = ReturnType<typeof createImportsRepository>
