-- Accent-insensitive text search configurations: `unaccent` runs before stemming inside the configuration, so that
-- ts_headline marks "José" for a search on "jose" (an unaccent() call around the text could not do that).
CREATE TEXT SEARCH CONFIGURATION "claimtrack_english" (COPY = english);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "claimtrack_english" ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION "claimtrack_simple" (COPY = simple);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "claimtrack_simple" ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "claim_search_config"(lang text) RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN lang ILIKE 'en%' THEN 'claimtrack_english'::regconfig ELSE 'claimtrack_simple'::regconfig END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "claim_search_document"(claim_id uuid, claim_text text, lang text, claimant_id uuid, topics text[]) RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector(claim_search_config(lang), claim_text), 'A')
    || setweight(to_tsvector(claim_search_config(lang), coalesce((SELECT name FROM claimants WHERE id = claimant_id), '')), 'B')
    || setweight(to_tsvector(claim_search_config(lang), array_to_string(topics, ' ')), 'B')
    || setweight(to_tsvector(claim_search_config(lang), coalesce(
         (SELECT string_agg(concat_ws(' ', title, quote), ' ') FROM appearances WHERE appearances.claim_id = claim_search_document.claim_id), '')), 'C')
$$;--> statement-breakpoint
UPDATE "claims" SET "search_vector" = claim_search_document(id, text, language, claimant_id, topics);
