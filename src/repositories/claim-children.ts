// Data access for what hangs off a claim (appearances, evidence): one implementation for both tables.
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import type { Db, Executor } from '../db/client.ts'
import { preparedRead } from '../db/routing.ts'
import { appearances, evidence } from '../db/schema.ts'
import { canonicalizeUrl } from '../lib/url-canonical.ts'
import { urlHash } from '../lib/url-hash.ts'
import { freshTimestamps, toPage, type PageRequest, type PageResult } from './shared.ts'

type ChildTable = typeof appearances | typeof evidence

/** The lookup keys of a row's URL (canonical form and its SHA-256), kept with the URL whenever it is written. */
function withUrlKeys<V extends { url?: string | null }> (
  values: V
): V & { urlCanonical?: string | null; urlHash?: string | null } {
  if (values.url === undefined) return values
  const canonical = values.url === null ? null : canonicalizeUrl(values.url)
  return { ...values, urlCanonical: canonical, urlHash: canonical === null ? null : urlHash(canonical) }
}

function createClaimChildRepository<T extends ChildTable> (db: Db, table: T, name: string) {
  type Row = T['$inferSelect']
  type Insert = Omit<T['$inferInsert'], 'id' | 'version' | 'createdAt' | 'updatedAt'>
  // The two tables share these columns; TypeScript cannot see through the union to prove it, so name them once.
  const t = table as typeof appearances
  const byIdQuery = (ex: Executor) => ex.select().from(t)
    .where(and(eq(t.claimId, sql.placeholder('claimId')), eq(t.id, sql.placeholder('id'))))
  const byId = preparedRead(db, (instance) => byIdQuery(instance).prepare(`${name}_by_id`))
  const allQuery = (ex: Executor) => ex.select().from(t)
    .where(eq(t.claimId, sql.placeholder('claimId')))
    .orderBy(desc(t.id))
  const all = preparedRead(db, (instance) => allQuery(instance).prepare(`${name}_by_claim`))

  return {
    async findById (claimId: string, id: string, tx?: Executor): Promise<Row | undefined> {
      const values = { claimId, id }
      const [row] = await db.use(tx, (ex) => (tx ? byIdQuery(ex).execute(values) : byId().execute(values)))
      return row as Row | undefined
    },

    /** Reads a row and locks it until the transaction ends, so that a precondition checked on it holds. */
    async lockById (claimId: string, id: string, tx: Executor): Promise<Row | undefined> {
      const [row] = await tx.select().from(t).where(and(eq(t.claimId, claimId), eq(t.id, id))).for('update')
      return row as Row | undefined
    },

    /** Every row of a claim, newest first (for embedding in the claim). */
    async listAll (claimId: string, tx?: Executor): Promise<Row[]> {
      return (await db.use(tx, (ex) => (tx ? allQuery(ex).execute({ claimId }) : all().execute({ claimId })))) as Row[]
    },

    /** Every row of these claims, newest first. */
    async listAllOf (claimIds: string[], tx?: Executor): Promise<Row[]> {
      return db.use(tx, async (tx) => {
        if (claimIds.length === 0) return []
        return (await tx.select().from(t).where(inArray(t.claimId, claimIds)).orderBy(desc(t.id))) as Row[]
      })
    },

    async list (claimId: string, { limit, afterId }: PageRequest, tx?: Executor): Promise<PageResult<Row>> {
      return db.use(tx, async (tx) => {
        const rows = await tx.select().from(t)
          .where(and(eq(t.claimId, claimId), afterId ? lt(t.id, afterId) : undefined))
          .orderBy(desc(t.id))
          .limit(planLimit(limit + 1))
        return toPage(rows as Row[], limit, (row) => row.id)
      })
    },

    async insert (values: Insert, tx?: Executor): Promise<Row> {
      return db.use(tx, async (tx) => {
        const [row] = await this.insertMany([values], tx)
        if (!row) throw new Error('insert returned no row')
        return row
      })
    },

    /** Inserts the rows in one statement; they come back in the order given. */
    async insertMany (values: Insert[], tx?: Executor): Promise<Row[]> {
      return db.use(tx, async (tx) => {
        if (values.length === 0) return []
        const now = freshTimestamps()
        const rows = await tx
          .insert(t)
          .values(values.map((v) => ({ ...withUrlKeys(v as typeof appearances.$inferInsert), ...now })))
          .returning()
        return rows as Row[]
      })
    },

    async update (claimId: string, id: string, patch: Partial<Insert>, tx?: Executor): Promise<Row | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.update(t)
          .set({ ...withUrlKeys(patch as Partial<typeof appearances.$inferInsert>), version: sql`${t.version} + 1`, updatedAt: new Date() })
          .where(and(eq(t.claimId, claimId), eq(t.id, id)))
          .returning()
        return row as Row | undefined
      })
    },

    async delete (claimId: string, id: string, tx?: Executor): Promise<Row | undefined> {
      return db.use(tx, async (tx) => {
        const [row] = await tx.delete(t).where(and(eq(t.claimId, claimId), eq(t.id, id))).returning()
        return row as Row | undefined
      })
    },
  }
}

export function createAppearancesRepository (db: Db) {
  return {
    ...createClaimChildRepository(db, appearances, 'appearance'),

    /** The claim's first appearance, locked until the transaction ends. */
    async lockFirstAppearance (claimId: string, tx: Executor): Promise<typeof appearances.$inferSelect | undefined> {
      const [row] = await tx.select().from(appearances)
        .where(and(eq(appearances.claimId, claimId), eq(appearances.isFirstAppearance, true)))
        .for('update')
      return row
    },
  }
}

export const createEvidenceRepository = (db: Db) => createClaimChildRepository(db, evidence, 'evidence')

export type AppearancesRepository = ReturnType<typeof createAppearancesRepository>
export type EvidenceRepository = ReturnType<typeof createEvidenceRepository>
