// The prefix list's storage: the hash prefixes of the pages lookups can find, whether they may have changed since a
// snapshot (prefix_list_changes, kept by triggers), and the list's versions, shared by every API process.
import { and, asc, desc, eq, gt, lte, sql } from 'drizzle-orm'
import { planLimit } from '../db/limit.ts'
import { queryRows, type Db } from '../db/client.ts'
import { prefixListChanges, prefixListVersions as versions } from '../db/schema.ts'

export interface NewVersion { bytes: number, version: string, count: number, prefixes: string }
export interface VersionStep { additions: string, removals: string }

/** A version is kept this many days, and at most this many per width; older ones get the full list. */
const KEEP_DAYS = 7
const KEEP_VERSIONS = 500
/** Change rows are kept a day: far longer than a process holds a list without building it again. */
const KEEP_CHANGES = '1 day'
// Any constant: the writers of one width's next version take turns on (this, bytes).
const VERSION_LOCK = 72_439_110

export function createPrefixListRepository (db: Db) {
  // Asked on every request that a process answers from the list it holds: an index range read of the transactions
  // its snapshot did not see (those before the snapshot's xmin are all visible in it).
  const changedSince = db.drizzle.select({ txId: prefixListChanges.txId }).from(prefixListChanges)
    .where(and(
      sql`${prefixListChanges.txId} >= pg_snapshot_xmin(${sql.placeholder('snapshot')}::pg_snapshot)`,
      sql`not pg_visible_in_snapshot(${prefixListChanges.txId}, ${sql.placeholder('snapshot')}::pg_snapshot)`
    ))
    .limit(planLimit(1))
    .prepare('prefix_list_changed_since')

  return {
    /** The current snapshot, to ask later whether anything changed since (`changedSince`). */
    async snapshot (): Promise<string> {
      return db.use(undefined, async (db) => {
        const [row] = await queryRows<{ snapshot: string }>(db, sql`select pg_current_snapshot()::text as snapshot`)
        if (row === undefined) throw new Error('pg_current_snapshot() returned no row')
        return row.snapshot
      })
    },

    /** Whether a transaction the snapshot did not see has changed which pages lookups find. */
    async changedSince (snapshot: string): Promise<boolean> {
      return (await db.use(undefined, () => changedSince.execute({ snapshot }))).length > 0
    },

    /**
     * The distinct first `bytes` bytes of the hash of every page a lookup finds (public, live claims), sorted, as
     * numbers. Read as one string of equal-width hex prefixes: one row, not one per page, from the driver.
     */
    async prefixes (bytes: number): Promise<Float64Array> {
      return db.use(undefined, async (db) => {
        const hexChars = bytes * 2
        const [row] = await queryRows<{ hex: string | null }>(db, sql`
        select string_agg(prefix, '' order by prefix) as hex from (
          select distinct left(a.url_hash, ${hexChars}::int) collate "C" as prefix
          from appearances a join claims c on c.id = a.claim_id
          where a.url_hash is not null and c.deleted_at is null and c.is_public
        ) p`)
        const hex = row?.hex ?? ''
        const values = new Float64Array(hex.length / hexChars)
        for (let i = 0; i < values.length; i++) {
          values[i] = Number.parseInt(hex.slice(i * hexChars, (i + 1) * hexChars), 16)
        }
        return values
      })
    },

    /**
     * Stores `next` as the newest version of its width, unless it already is: `delta` gets the whole list of the
     * newest stored version ('' when there is none) and returns the change from it. Writers of one width take turns,
     * so each stored step is the change from the version stored just before it. Old versions and changes are pruned.
     */
    async append (next: NewVersion, delta: (previous: string) => VersionStep): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${VERSION_LOCK}::int, ${next.bytes}::int)`)
        const [latest] = await tx.select({ seq: versions.seq, version: versions.version, prefixes: versions.prefixes })
          .from(versions).where(eq(versions.bytes, next.bytes)).orderBy(desc(versions.seq)).limit(planLimit(1))
        if (latest?.version === next.version) return
        if (latest !== undefined && latest.prefixes === null) {
          // Only the newest version holds its whole list; without it no step can be computed: start the chain again.
          await tx.delete(versions).where(eq(versions.bytes, next.bytes))
        }
        const step = delta(latest?.prefixes ?? '')
        await tx.insert(versions).values({ ...next, ...step })
        if (latest?.prefixes) await tx.update(versions).set({ prefixes: null }).where(eq(versions.seq, latest.seq))
        await tx.delete(versions).where(and(eq(versions.bytes, next.bytes), sql`(
          ${versions.createdAt} < now() - make_interval(days => ${KEEP_DAYS}::int)
          or ${versions.seq} <= (select seq from prefix_list_versions where bytes = ${next.bytes}::int
                                 order by seq desc offset ${KEEP_VERSIONS}::int limit 1))`))
        await tx.delete(prefixListChanges).where(sql`${prefixListChanges.at} < now() - ${KEEP_CHANGES}::interval`)
      })
    },

    /**
     * The stored steps between two versions of a width, in the order they were stored, and whether they lead from
     * `from` to `to` (`forward`) or back; null when either version is not kept.
     */
    async steps (bytes: number, from: string, to: string): Promise<{ steps: VersionStep[], forward: boolean } | null> {
      return db.use(undefined, async (db) => {
        const [ends] = await db.select({
          from: sql<string | null>`max(${versions.seq}) filter (where ${versions.version} = ${from})`,
          to: sql<string | null>`max(${versions.seq}) filter (where ${versions.version} = ${to})`,
        }).from(versions).where(and(eq(versions.bytes, bytes), sql`${versions.version} in (${from}, ${to})`))
        if (ends?.from == null || ends.to == null) return null
        const [fromSeq, toSeq] = [Number(ends.from), Number(ends.to)]
        const forward = fromSeq < toSeq
        const steps = await db
          .select({ additions: versions.additions, removals: versions.removals })
          .from(versions)
          .where(
            and(
              eq(versions.bytes, bytes),
              gt(versions.seq, Math.min(fromSeq, toSeq)),
              lte(versions.seq, Math.max(fromSeq, toSeq))
            )
          )
          .orderBy(asc(versions.seq))
        return { steps, forward }
      })
    },
  }
}

export type PrefixListRepository = ReturnType<typeof createPrefixListRepository>
