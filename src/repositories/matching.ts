// Claim matching in SQL: BM25 over the words of claim texts (with the term statistics of migrations/0007), plus
// trigram similarity of the whole texts, for "has this claim been checked before?".
import { sql } from 'drizzle-orm'
import { queryRows, type Db } from '../db/client.ts'

export interface MatchCandidate {
  id: string
  /** BM25 of the claim text for the input. */
  bm25: number
  /** The BM25 the input could reach at most: a claim containing all its words, often. */
  bm25Max: number
  /** pg_trgm word similarity between the input and the claim text, 0..1. */
  trigram: number
}

// BM25 parameters, as commonly used (Robertson et al.); other values measured no better (bench/matching.ts).
const K1 = 1.2
const B = 0.75

// Candidates are the claims containing one of the input's rarest words: at most MAX_TERMS of them, fewer once they
// add up to more than POSTINGS_BUDGET claims, but never fewer than MIN_TERMS. This bounds the claims scored per
// request by the data rather than by the input's length. Words the statistics do not know (none or only claims
// newer than the statistics contain them) are looked up besides, as they cost next to nothing.
const MAX_TERMS = 16
const MIN_TERMS = 3
const POSTINGS_BUDGET = 2000
// A safety valve for inputs made only of common words; the budget keeps nearly every request far below it.
const MAX_CANDIDATES = 10000
// Unknown words of this many characters are tried as two words run together, each held by MIN_SPLIT_DF claims.
const MIN_SPLIT_LENGTH = 6
const MAX_SPLIT_LENGTH = 30
const MIN_SPLIT_DF = 5

export function createMatchingRepository (db: Db) {
  return {
    /**
     * Claims sharing words with the input, scored. Candidates come from the input's rarest words (see MAX_TERMS),
     * so that a long input does not turn into a scan of every claim containing a common word. `alsoWords` are looked
     * up as if the input held them (other spellings of its words), but not compared by trigrams.
     */
    async candidates (text: string, language: string, limit: number, alsoWords = ''): Promise<MatchCandidate[]> {
      return queryRows<MatchCandidate>(db, sql`
        with corpus as (
          select greatest(n, 1) as n, greatest(avgdl, 1) as avgdl from claim_corpus_stats
          union all select 1, 1 where not exists (select 1 from claim_corpus_stats)
          limit 1
        ),
        cfg as (select claim_search_config(${language}) as c),
        -- Words run together ("singlepayer", "alqaida", as transcripts often have them) that no claim holds: the
        -- split into two words claims do hold, the likeliest (most frequent) halves first, is looked up besides.
        unknown_words as (
          select distinct w from regexp_split_to_table(lower(${text}), '[^[:alnum:]]+') w, cfg
          cross join lateral unnest(to_tsvector(cfg.c, w)) l
          where length(w) between ${MIN_SPLIT_LENGTH}::int and ${MAX_SPLIT_LENGTH}::int
            and not exists (select 1 from claim_term_stats s where s.lexeme = l.lexeme)
        ),
        splits as (
          select distinct on (u.w) a.lexeme as head, b.lexeme as tail
          from unknown_words u, cfg
          cross join generate_series(2, length(u.w) - 3) i
          cross join lateral unnest(to_tsvector(cfg.c, left(u.w, i))) a
          cross join lateral unnest(to_tsvector(cfg.c, substr(u.w, i + 1))) b
          join claim_term_stats sa on sa.lexeme = a.lexeme and sa.df >= ${MIN_SPLIT_DF}::int
          join claim_term_stats sb on sb.lexeme = b.lexeme and sb.df >= ${MIN_SPLIT_DF}::int
          order by u.w, ln(sa.df) + ln(sb.df) desc
        ),
        lexemes as (
          select t.lexeme from cfg, unnest(to_tsvector(cfg.c, ${text} || ' ' || ${alsoWords})) t
          union select head from splits
          union select tail from splits
        ),
        input as (
          select t.lexeme, coalesce(s.df, 0) as df,
            ln(1 + (c.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5)) as idf
          from lexemes t
          cross join corpus c
          left join claim_term_stats s on s.lexeme = t.lexeme
        ),
        ranked as (
          select lexeme, row_number() over w as rn, sum(df) over w as postings
          from input where df > 0
          window w as (order by df, lexeme rows unbounded preceding)
        ),
        picked as (
          select lexeme from ranked where rn <= ${MAX_TERMS}::int and (rn <= ${MIN_TERMS}::int or postings <= ${POSTINGS_BUDGET}::int)
          union all (select lexeme from input where df = 0 order by lexeme limit ${MAX_TERMS}::int)
        ),
        query as (select string_agg(quote_literal(lexeme) || ':A', ' | ')::tsquery as q from picked),
        candidates as (
          select c.id, c.text, ts_filter(c.search_vector, '{a}') as doc
          from claims c, query
          where query.q is not null and c.deleted_at is null and c.search_vector @@ query.q
          limit ${MAX_CANDIDATES}::int
        ),
        scored as (
          select cand.id, cand.text,
            coalesce(sum(i.idf * (d.tf * ${K1 + 1}::float8) / (d.tf + ${K1}::float8 * (1 - ${B}::float8 + ${B}::float8 * dl.len / (select avgdl from corpus)))), 0) as bm25
          from candidates cand
          cross join lateral (select coalesce(sum(coalesce(array_length(positions, 1), 1)), 1) as len from unnest(cand.doc)) dl
          cross join lateral (select lexeme, coalesce(array_length(positions, 1), 1) as tf from unnest(cand.doc)) d
          join input i on i.lexeme = d.lexeme
          group by cand.id, cand.text
        ),
        -- The best by BM25 first: trigram similarity costs as much as all the rest, so it is only computed for these.
        best as (select id, text, bm25 from scored order by bm25 desc, id limit ${limit}::int)
        select id,
          bm25::float8 as "bm25",
          (select coalesce(sum(idf), 0) * ${K1 + 1}::float8 from input) as "bm25Max",
          word_similarity(${text}, text)::float8 as "trigram"
        from best
        order by bm25 desc, id
      `)
    },

    /** Recomputes the term statistics; concurrent reads go on meanwhile. One process at a time. */
    async refreshStats (): Promise<boolean> {
      return db.transaction(async (tx) => {
        const [lock] = await queryRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(7243911002) as locked`)
        if (!lock?.locked) return false
        // As the views' owner (migrations/0017): the serving role may have no rights over them but to read.
        await tx.execute(sql`select refresh_matching_stats()`)
        return true
      })
    },

    /** When the statistics were last refreshed, and how many live claims they counted. */
    async statsAge (): Promise<{ n: number, refreshedAt: Date } | undefined> {
      const [row] = await queryRows<{ n: number, refreshedAt: string | Date }>(db, sql`select n::float8 as n, refreshed_at as "refreshedAt" from claim_corpus_stats`)
      return row && { n: Number(row.n), refreshedAt: new Date(row.refreshedAt) }
    },
  }
}

export type MatchingRepository = ReturnType<typeof createMatchingRepository>
