// Claim matching in SQL: BM25 over the words of claim texts (the match document, stemmed in each claim's language, and
// the term statistics the claims' own writes keep: migrations/0017), read through impact-ordered postings so that a
// frequent word costs its best claims only (migrations/0024), plus trigram similarity of the whole texts, for "has
// this claim been checked before?".
import { sql, type Placeholder, type SQL } from 'drizzle-orm'
import { queryRows, type Db, type Drizzle } from '../db/client.ts'
import type { Viewer } from '../domain/access.ts'
import type { IndexedClaim, QueryTerm } from '../lib/match-index.ts'
import type { SearchDocument } from '../lib/search-index.ts'
import { uuidArray } from '../lib/text/ids.ts'

export interface MatchCandidate {
  id: string
  /** BM25 of the claim text for the input. */
  bm25: number
  /** The BM25 the input could reach at most: a claim containing all its words, often. */
  bm25Max: number
  /** pg_trgm word similarity between the input and the claim text, 0..1. */
  trigram: number
  /** The words of the input found in the claim text (as written in the input, lower-cased), most weighty first. */
  matchedTerms: string[]
}

/** An input's terms as the in-process index ranks them (`terms`). */
export interface InputTerms {
  avgdl: number
  bm25Max: number
  /** The input's lexemes that claims hold, with their idf. */
  terms: QueryTerm[]
  /** The input's words (lower-cased) with their lexemes. */
  words: { word: string, lexeme: string }[]
  /** Whether claims changed since the snapshot asked about. */
  changed: boolean
}

export interface CandidateQuery {
  text: string
  language: string
  /** How many candidates to return, the best by BM25 first. */
  limit: number
  /** Other spellings of the input's words, looked up as if the input held them but not compared by trigrams. */
  alsoWords?: string
  /** Only claims this reader may see are ranked, so that the best `limit` are all visible. */
  visibleTo: Viewer
  /** Whether to compute trigram similarity (0 when not, as it costs as much as all the rest). */
  similarity?: boolean
}

/** How long folding the term statistics may take (src/services/matching.ts runs it in the background). */
const COMPACT_TIMEOUT_MS = 300_000

// BM25 parameters, as commonly used (Robertson et al.); other values measured no better (bench/matching.ts).
const K1 = 1.2
const B = 0.75

// Candidates are the claims containing one of the input's rarest words: at most MAX_TERMS of them, fewer once they
// add up to more than POSTINGS_BUDGET claims, but never fewer than MIN_TERMS. This bounds the claims scored per
// request by the data rather than by the input's length. Words no claim holds are looked up besides, as they cost
// next to nothing.
const MAX_TERMS = 16
const MIN_TERMS = 3
const POSTINGS_BUDGET = 2000
// Each picked word contributes at most its PER_TERM weightiest claims (all of them for a rarer word), and the claims
// found are scored exactly. A claim is missed only if, for every picked word it holds, PER_TERM visible claims weigh
// more for that word; PER_TERM is above the most candidates the service asks for, so a reader gets as many as match.
const PER_TERM = 500
// Unknown words of this many characters are tried as two words run together, each held by MIN_SPLIT_DF claims.
const MIN_SPLIT_LENGTH = 6
const MAX_SPLIT_LENGTH = 30
const MIN_SPLIT_DF = 5

/** Switches for measuring what each part of the candidate search contributes (bench/matching.ts --folds). */
export interface CandidateOptions {
  /** Look up unknown run-together words as two known words. */
  splitWords?: boolean
  /** Look up only the rarest words (MAX_TERMS within POSTINGS_BUDGET); false looks up every word of the input. */
  pruneTerms?: boolean
  /** How many claims each picked word contributes at most (PER_TERM). */
  perTerm?: number
}

/**
 * The input's words as CTEs, for the SQL ranking and for the index's terms alike: `corpus` (claim count and mean
 * length), `cfg`, `words` (as written, with their lexemes), `unknown_words` and `splits` (run-together words),
 * `lexemes` and `input` (each lexeme with its df and idf from the term statistics of now).
 */
function inputCtes (
  text: string | Placeholder,
  language: string | Placeholder,
  alsoWords: string | Placeholder,
  maxSplitLength: number | Placeholder
): SQL {
  return sql`
    corpus as (
      select greatest(coalesce(sum(n), 0), 1)::float8 as n,
        greatest(coalesce(sum(total_length)::float8 / nullif(sum(n), 0), 1), 1) as avgdl
      from claim_corpus_stats
    ),
    cfg as (select claim_match_config(${language}::text) as c),
    -- The input's words as written, with their lexemes: the explanation names the words, not their stems.
    words as (
      select distinct w, l.lexeme from regexp_split_to_table(lower(${text}::text), '[^[:alnum:]]+') w, cfg
      cross join lateral unnest(to_tsvector(cfg.c, w)) l
    ),
    -- Words run together ("singlepayer", "alqaida", as transcripts often have them) that no claim holds: the
    -- split into two words claims do hold, the likeliest (most frequent) halves first, is looked up besides.
    unknown_words as (
      select distinct w from words
      where length(w) between ${MIN_SPLIT_LENGTH}::int and ${maxSplitLength}::int
        and (select coalesce(sum(s.df), 0) from claim_term_stats s where s.lexeme = words.lexeme) = 0
    ),
    splits as (
      select distinct on (u.w) a.lexeme as head, b.lexeme as tail
      from unknown_words u, cfg
      cross join generate_series(2, length(u.w) - 3) i
      cross join lateral unnest(to_tsvector(cfg.c, left(u.w, i))) a
      cross join lateral unnest(to_tsvector(cfg.c, substr(u.w, i + 1))) b
      cross join lateral (select coalesce(sum(s.df), 0) as df from claim_term_stats s where s.lexeme = a.lexeme) sa
      cross join lateral (select coalesce(sum(s.df), 0) as df from claim_term_stats s where s.lexeme = b.lexeme) sb
      where sa.df >= ${MIN_SPLIT_DF}::int and sb.df >= ${MIN_SPLIT_DF}::int
      order by u.w, ln(sa.df) + ln(sb.df) desc
    ),
    lexemes as (
      select t.lexeme from cfg, unnest(to_tsvector(cfg.c, ${text}::text || ' ' || ${alsoWords}::text)) t
      union select head from splits
      union select tail from splits
    ),
    input as (
      select t.lexeme, s.df, ln(1 + (c.n - s.df + 0.5) / (s.df + 0.5)) as idf
      from lexemes t
      cross join lateral (select coalesce(sum(st.df), 0) as df from claim_term_stats st where st.lexeme = t.lexeme) s
      cross join corpus c
    )`
}

/**
 * The rows of `claim_match_changes` (migrations/0030) written by transactions `snapshot` did not see. The upper bound
 * changes no answer (a transaction past the statement's own snapshot is not visible to it) but makes the range one a
 * generic plan reads through the index: with the lower bound alone it planned a scan of every change of the last day
 * (118 ms a match at 100k claims).
 */
const unseenChanges = (snapshot: string | Placeholder) => sql`
  tx_id >= pg_snapshot_xmin(${snapshot}::text::pg_snapshot)
    and tx_id < pg_snapshot_xmax(pg_current_snapshot())
    and not pg_visible_in_snapshot(tx_id, ${snapshot}::text::pg_snapshot)`

/** Whether a transaction the snapshot (placeholder `snapshot`) did not see changed a claim, for prepared statements. */
const changedAfterSnapshot = sql`exists (select from claim_match_changes where ${unseenChanges(sql.placeholder('snapshot'))})`

/** `changedAfterSnapshot` alone, prepared once: what every indexed full-text search asks first. */
const changedStatement = (instance: Drizzle) => instance.select({ changed: sql<boolean>`${changedAfterSnapshot}` })
  .from(sql`(select) one`).prepare('match_changed_after')

/**
 * What the in-process index needs to rank an input (`terms`), as one statement prepared once: parsing and planning its
 * CTEs took 1.6 ms of the 2.1 ms Postgres spent on it per match (server log, 100k claims). On the primary, as raw
 * statements are: its change check compares with a snapshot the primary gave.
 */
const termsStatement = (instance: Drizzle) => instance.select({
  avgdl: sql<number>`avgdl`,
  bm25Max: sql<number>`bm25_max`,
  terms: sql<QueryTerm[]>`terms`,
  words: sql<{ word: string, lexeme: string }[]>`words`,
  changed: sql<boolean>`changed`,
}).from(sql`(
  with ${inputCtes(sql.placeholder('text'), sql.placeholder('language'), sql.placeholder('alsoWords'), sql.placeholder('maxSplitLength'))}
  select (select avgdl from corpus) as avgdl,
    (select coalesce(sum(idf), 0) * ${K1 + 1}::float8 from input) as bm25_max,
    coalesce((select json_agg(json_build_object('lexeme', lexeme, 'idf', idf)) from input where df > 0), '[]') as terms,
    coalesce((select json_agg(json_build_object('word', w, 'lexeme', lexeme)) from words), '[]') as words,
    ${changedAfterSnapshot} as changed
) input_terms`).prepare('match_input_terms')

export function createMatchingRepository (db: Db) {
  const terms = termsStatement(db.drizzle)
  const changed = changedStatement(db.drizzle)
  return {
    /**
     * Claims the reader may see that share words with the input, scored. Candidates come from the input's rarest
     * words (see MAX_TERMS), each word's weightiest claims first (see PER_TERM), so that neither a long input nor a
     * common word turns into a scan of every claim containing it.
     */
    async candidates (query: CandidateQuery, options: CandidateOptions = {}): Promise<MatchCandidate[]> {
      return db.use(undefined, async (db) => {
        const { text, language, limit } = query
        const alsoWords = query.alsoWords ?? ''
        const maxSplitLength = options.splitWords === false ? 0 : MAX_SPLIT_LENGTH
        const maxTerms = options.pruneTerms === false ? 100_000 : MAX_TERMS
        const budget = options.pruneTerms === false ? 1_000_000_000 : POSTINGS_BUDGET
        const perTerm = options.perTerm ?? PER_TERM
        const organizationId = query.visibleTo.organizationId
        return queryRows<MatchCandidate>(db, sql`
        with ${inputCtes(text, language, alsoWords, maxSplitLength)},
        ranked as (
          select lexeme, row_number() over w as rn, sum(df) over w as postings
          from input where df > 0
          window w as (order by df, lexeme rows unbounded preceding)
        ),
        picked as (
          select lexeme from ranked where rn <= ${maxTerms}::int and (rn <= ${MIN_TERMS}::int or postings <= ${budget}::int)
          union all (select lexeme from input where df = 0 order by lexeme limit ${MAX_TERMS}::int)
        ),
        -- Each picked word's claims that weigh most for it (impact-ordered postings, migrations/0024), among those
        -- the reader may see: a frequent word costs PER_TERM rows, not every claim that holds it.
        found as (
          select distinct h.claim_id
          from picked p
          cross join lateral (
            select m.claim_id from claim_match_postings m
            where m.lexeme = p.lexeme and (m.private_to is null or m.private_to = ${organizationId}::uuid)
            order by m.impact desc limit ${perTerm}::int
          ) h
        ),
        -- The claims found, scored: BM25 over every word of the input, from their postings' tf and document length
        -- and the statistics of now (the same as from their texts).
        scored as (
          select f.claim_id as id, s.bm25, s.lexemes
          from found f
          cross join lateral (
            select coalesce(sum(i.idf * (m.tf * ${K1 + 1}::float8) / (m.tf + ${K1}::float8 * (1 - ${B}::float8 + ${B}::float8 * m.len / (select avgdl from corpus)))), 0) as bm25,
              array_agg(m.lexeme order by i.idf desc, m.lexeme) as lexemes
            from claim_match_postings m join input i on i.lexeme = m.lexeme
            where m.claim_id = f.claim_id
          ) s
        ),
        -- The best by BM25 first: trigram similarity costs as much as all the rest, so it is only computed for these.
        best as (
          select c.id, c.text, scored.bm25, scored.lexemes
          from (select * from scored order by bm25 desc, id limit ${limit}::int) scored
          join claims c on c.id = scored.id
          where c.deleted_at is null and (c.is_public or c.organization_id = ${organizationId}::uuid)
        )
        select id,
          bm25::float8 as "bm25",
          (select coalesce(sum(idf), 0) * ${K1 + 1}::float8 from input) as "bm25Max",
          case when ${query.similarity ?? true} then word_similarity(${text}, text)::float8 else 0::float8 end as "trigram",
          array(
            select w from (select distinct on (w) w, array_position(best.lexemes, lexeme) as p from words where lexeme = any(best.lexemes) order by w, p) x
            order by p, w
          ) as "matchedTerms"
        from best
        order by bm25 desc, id
      `)
      })
    },

    /**
     * What the in-process index needs to rank for an input as `candidates` does: its lexemes (with the run-together
     * words' splits) and their idf from the term statistics of now, the corpus' mean length, the most BM25 could
     * reach, and the input's words with their lexemes (for the explanation); and whether a transaction `snapshot`
     * did not see changed a claim for matching (migrations/0030), in the same statement.
     */
    async terms (query: Omit<CandidateQuery, 'limit' | 'visibleTo'>, options: CandidateOptions, snapshot: string): Promise<InputTerms> {
      const row = await db.use(undefined, async () => (await terms.execute({
        text: query.text,
        language: query.language,
        alsoWords: query.alsoWords ?? '',
        maxSplitLength: options.splitWords === false ? 0 : MAX_SPLIT_LENGTH,
        snapshot,
      }))[0])
      if (row === undefined) throw new Error('the input terms query returned no row')
      return { ...row, avgdl: Number(row.avgdl), bm25Max: Number(row.bm25Max) }
    },

    /** pg_trgm word similarity between the input and each claim's text (claims gone are left out). */
    async similarity (text: string, ids: string[]): Promise<Map<string, number>> {
      return db.use(undefined, async (db) => {
        if (ids.length === 0) return new Map()
        const rows = await queryRows<{ id: string, trigram: number }>(db, sql`
        select id, word_similarity(${text}, text)::float8 as trigram from claims where id = any(${uuidArray(ids)}::uuid[])`)
        return new Map(rows.map((r) => [r.id, Number(r.trigram)]))
      })
    },

    /** The current snapshot, to ask later which claims transactions it did not see changed (`changedSince`). */
    async snapshot (): Promise<string> {
      return db.use(undefined, async (db) => {
        const [row] = await queryRows<{ snapshot: string }>(db, sql`select pg_current_snapshot()::text as snapshot`)
        if (row === undefined) throw new Error('pg_current_snapshot() returned no row')
        return row.snapshot
      })
    },

    /**
     * The claims that transactions `snapshot` did not see changed for matching (migrations/0030), null for a
     * truncation, with the snapshot of the same statement (which saw every one of them).
     */
    async changedSince (snapshot: string): Promise<{ snapshot: string, ids: (string | null)[] }> {
      return db.use(undefined, async (db) => {
        const [row] = await queryRows<{ snapshot: string, ids: (string | null)[] | null }>(db, sql`
        select pg_current_snapshot()::text as snapshot, (
          select array_agg(distinct claim_id)::text[] from claim_match_changes where ${unseenChanges(snapshot)}
        ) as ids`)
        if (row === undefined) throw new Error('the change feed query returned no row')
        return { snapshot: row.snapshot, ids: row.ids ?? [] }
      })
    },

    /**
     * Live claims as the index holds them: after the id `after` in id order (a page of `limit`), or those of `ids`;
     * with `search`, their search documents too (full-text search's candidate index, src/lib/search-index.ts).
     */
    async indexed (
      page: { after: string, limit: number } | { ids: string[] },
      search = false
    ): Promise<Array<IndexedClaim & { search?: SearchDocument }>> {
      return db.use(undefined, async (db) => {
        const which = 'ids' in page
          ? sql`c.id = any(${uuidArray(page.ids)}::uuid[])`
          : sql`c.id > ${page.after}::uuid order by c.id limit ${page.limit}::int`
        const document = search
          ? sql`, json_build_object(
              'english', claim_search_config(c.language) = 'claimtrack_english'::regconfig,
              'lexemes', array(select d.lexeme from unnest(c.search_vector) d),
              'weights', array(select coalesce(array_to_string(d.weights, ''), 'D') from unnest(c.search_vector) d)
            ) as search`
          : sql``
        return queryRows<IndexedClaim & { search?: SearchDocument }>(db, sql`
        select c.id, case when c.is_public then null else c.organization_id end as "privateTo",
          array(select d.lexeme from unnest(c.match_vector) d) as lexemes,
          array(select coalesce(array_length(d.positions, 1), 1) from unnest(c.match_vector) d) as tfs${document}
        from claims c where c.deleted_at is null and ${which}`)
      })
    },

    /** Whether a transaction `snapshot` did not see changed a claim for matching or search (migrations/0030). */
    async changedAfter (snapshot: string): Promise<boolean> {
      const [row] = await db.use(undefined, () => changed.execute({ snapshot }))
      return row?.changed === true
    },

    /** Forgets changes older than a day: far longer than a process goes without reading them. */
    async pruneChanges (): Promise<void> {
      return db.use(undefined, async (db) => {
        await db.execute(sql`delete from claim_match_changes where at < now() - interval '1 day'`)
      })
    },

    /**
     * Folds the term statistics' delta rows together (their sums, and so every answer, stay the same); one process at
     * a time, and none waits for another.
     */
    async compactStats (): Promise<boolean> {
      return db.transaction(async (tx) => {
        const [lock] = await queryRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(7243911002) as locked`)
        if (!lock?.locked) return false
        // After a bulk load (an import, millions of delta rows) folding takes longer than a request's statement
        // timeout; it runs in the background, so it gets minutes.
        await tx.execute(sql`select set_config('statement_timeout', ${String(COMPACT_TIMEOUT_MS)}, true)`)
        await tx.execute(sql`select claim_stats_compact()`)
        return true
      })
    },
  }
}

export type MatchingRepository = ReturnType<typeof createMatchingRepository>
