-- Term statistics for claim matching (BM25): how many claims contain each word of their text, and how long claim
-- texts are. Materialised, and refreshed by the application, because exact counts on every write would make every
-- claim write contend for the rows of common words.
-- Names are schema-qualified: since Postgres 17, materialised views are refreshed with a search_path of pg_catalog only.
CREATE MATERIALIZED VIEW "claim_term_stats" AS
  SELECT word AS lexeme, ndoc AS df
  FROM ts_stat($$SELECT ts_filter(search_vector, '{a}') FROM public.claims WHERE deleted_at IS NULL AND search_vector IS NOT NULL$$);--> statement-breakpoint
CREATE UNIQUE INDEX "claim_term_stats_lexeme_key" ON "claim_term_stats" ("lexeme");--> statement-breakpoint
CREATE MATERIALIZED VIEW "claim_corpus_stats" AS
  SELECT 1 AS id, count(*)::float8 AS n,
    coalesce(avg((SELECT sum(coalesce(array_length(positions, 1), 1)) FROM unnest(ts_filter(search_vector, '{a}')))), 1)::float8 AS avgdl,
    now() AS refreshed_at
  FROM public.claims WHERE deleted_at IS NULL AND search_vector IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "claim_corpus_stats_id_key" ON "claim_corpus_stats" ("id");
