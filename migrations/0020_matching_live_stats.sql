-- Claim matching gets a document of its own and term statistics kept current by the claims' own writes.
--
-- The match document is the claim text alone, stemmed in the claim's language: es, de and fr with their own snowball
-- stemmer and stop words (stop words dropped before accents are removed, as the lists spell "für", "más", "été"; the
-- rest unaccented then stemmed, as in claimtrack_english), en in English, others word for word. Full-text search
-- keeps its own document (search_vector, claim_search_config) as it was. The column is generated, so every write of
-- a claim's text or language recomputes it; it is left out of the drizzle schema like the statistics below.
CREATE TEXT SEARCH DICTIONARY "claimtrack_spanish_stop" (TEMPLATE = simple, STOPWORDS = spanish, ACCEPT = false);--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION "claimtrack_spanish" (COPY = spanish);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "claimtrack_spanish" ALTER MAPPING FOR hword, hword_part, word WITH claimtrack_spanish_stop, unaccent, spanish_stem;--> statement-breakpoint
CREATE TEXT SEARCH DICTIONARY "claimtrack_german_stop" (TEMPLATE = simple, STOPWORDS = german, ACCEPT = false);--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION "claimtrack_german" (COPY = german);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "claimtrack_german" ALTER MAPPING FOR hword, hword_part, word WITH claimtrack_german_stop, unaccent, german_stem;--> statement-breakpoint
CREATE TEXT SEARCH DICTIONARY "claimtrack_french_stop" (TEMPLATE = simple, STOPWORDS = french, ACCEPT = false);--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION "claimtrack_french" (COPY = french);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "claimtrack_french" ALTER MAPPING FOR hword, hword_part, word WITH claimtrack_french_stop, unaccent, french_stem;--> statement-breakpoint
CREATE FUNCTION "claim_match_config"(lang text) RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE lower(split_part(lang, '-', 1))
    WHEN 'en' THEN 'claimtrack_english'::regconfig
    WHEN 'es' THEN 'claimtrack_spanish'::regconfig
    WHEN 'de' THEN 'claimtrack_german'::regconfig
    WHEN 'fr' THEN 'claimtrack_french'::regconfig
    ELSE 'claimtrack_simple'::regconfig
  END
$$;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "match_vector" tsvector GENERATED ALWAYS AS (to_tsvector(claim_match_config(language), text)) STORED;--> statement-breakpoint
CREATE INDEX "claims_match_vector_idx" ON "claims" USING gin ("match_vector");--> statement-breakpoint
-- Term statistics for claim matching (BM25), kept current in the transaction that writes the claims instead of a
-- materialised view refreshed every few minutes: a claim is matchable with correct weights as soon as it commits.
-- Both tables hold additive rows (a lexeme's document frequency is the sum of its rows, the corpus size and total
-- length the sums of theirs): each statement that changes claim texts appends its own delta, so concurrent writers
-- never wait for one another on the rows of common words. claim_stats_compact() folds the rows together now and then.
DROP MATERIALIZED VIEW "claim_term_stats";--> statement-breakpoint
DROP MATERIALIZED VIEW "claim_corpus_stats";--> statement-breakpoint
CREATE TABLE "claim_term_stats" ("lexeme" text NOT NULL, "df" integer NOT NULL);--> statement-breakpoint
CREATE INDEX "claim_term_stats_lexeme_idx" ON "claim_term_stats" ("lexeme") INCLUDE ("df");--> statement-breakpoint
CREATE TABLE "claim_corpus_stats" ("n" bigint NOT NULL, "total_length" bigint NOT NULL);--> statement-breakpoint
-- How many live claims hold a lexeme in their text.
CREATE FUNCTION "claim_term_df"(lexeme text) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(df), 0) FROM public.claim_term_stats WHERE claim_term_stats.lexeme = $1
$$;--> statement-breakpoint
-- What a live claim adds to the statistics: the words of its match document and their count.
CREATE FUNCTION "claim_text_length"(doc tsvector) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0) FROM unnest(doc)
$$;--> statement-breakpoint
-- Applies signed contributions (+1 for a claim text that became live, -1 for one that stopped being) to both tables.
CREATE FUNCTION "claim_stats_apply"(changes jsonb) RETURNS void LANGUAGE sql AS $$
  WITH c AS (
    SELECT (x->>'sign')::int AS sign, (x->>'doc')::tsvector AS doc FROM jsonb_array_elements(changes) x
  ), terms AS (
    INSERT INTO public.claim_term_stats (lexeme, df)
      SELECT d.lexeme, sum(c.sign) FROM c CROSS JOIN LATERAL unnest(c.doc) d
      GROUP BY d.lexeme HAVING sum(c.sign) <> 0 ORDER BY d.lexeme
  )
  INSERT INTO public.claim_corpus_stats (n, total_length)
    SELECT sum(sign), sum(sign * public.claim_text_length(doc)) FROM c HAVING count(*) > 0
$$;--> statement-breakpoint
CREATE FUNCTION "claims_stats_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM claim_stats_apply(coalesce((SELECT jsonb_agg(jsonb_build_object('sign', 1, 'doc', match_vector))
    FROM new_claims WHERE deleted_at IS NULL), '[]'));
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "claims_stats_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM claim_stats_apply(coalesce((
    SELECT jsonb_agg(x) FROM old_claims o JOIN new_claims n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES
      (CASE WHEN o.deleted_at IS NULL THEN jsonb_build_object('sign', -1, 'doc', o.match_vector) END),
      (CASE WHEN n.deleted_at IS NULL THEN jsonb_build_object('sign', 1, 'doc', n.match_vector) END)
    ) v(x)
    WHERE x IS NOT NULL
      AND ((o.deleted_at IS NULL) IS DISTINCT FROM (n.deleted_at IS NULL)
        OR o.match_vector IS DISTINCT FROM n.match_vector)), '[]'));
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "claims_stats_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM claim_stats_apply(coalesce((SELECT jsonb_agg(jsonb_build_object('sign', -1, 'doc', match_vector))
    FROM old_claims WHERE deleted_at IS NULL), '[]'));
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "claims_stats_insert" AFTER INSERT ON "claims" REFERENCING NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_stats_inserted"();--> statement-breakpoint
CREATE TRIGGER "claims_stats_update" AFTER UPDATE ON "claims" REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_stats_updated"();--> statement-breakpoint
CREATE TRIGGER "claims_stats_delete" AFTER DELETE ON "claims" REFERENCING OLD TABLE AS old_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_stats_deleted"();--> statement-breakpoint
-- Folds each lexeme's rows into one (and the corpus rows into one); sums, and so every reader's answer, stay the same.
CREATE FUNCTION "claim_stats_compact"() RETURNS void LANGUAGE sql AS $$
  WITH several AS (
    SELECT lexeme FROM public.claim_term_stats GROUP BY lexeme HAVING count(*) > 1
  ), gone AS (
    DELETE FROM public.claim_term_stats t USING several WHERE t.lexeme = several.lexeme RETURNING t.lexeme, t.df
  ), terms AS (
    INSERT INTO public.claim_term_stats (lexeme, df) SELECT lexeme, sum(df) FROM gone GROUP BY lexeme HAVING sum(df) <> 0
  ), corpus AS (
    DELETE FROM public.claim_corpus_stats RETURNING n, total_length
  )
  INSERT INTO public.claim_corpus_stats (n, total_length) SELECT coalesce(sum(n), 0), coalesce(sum(total_length), 0) FROM corpus
$$;--> statement-breakpoint
INSERT INTO "claim_term_stats" (lexeme, df)
  SELECT word, ndoc FROM ts_stat($$SELECT match_vector FROM public.claims WHERE deleted_at IS NULL$$);--> statement-breakpoint
INSERT INTO "claim_corpus_stats" (n, total_length)
  SELECT count(*), coalesce(sum(claim_text_length(match_vector)), 0) FROM "claims" WHERE deleted_at IS NULL;
