-- Spanish, German and French claims are stemmed with their own snowball stemmer and stop words; other languages
-- keep the simple configuration. Stop words are dropped before accents are removed (the lists spell "für", "más",
-- "été"), the rest is unaccented then stemmed, as in claimtrack_english. Their search documents, and with
-- them the matching statistics (migrations/0017 triggers), are recomputed.
CREATE TEXT SEARCH DICTIONARY "claimtrack_spanish_stop" (TEMPLATE = simple, STOPWORDS = spanish, ACCEPT = false);--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION "claimtrack_spanish" (COPY = spanish);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "claimtrack_spanish" ALTER MAPPING FOR hword, hword_part, word WITH claimtrack_spanish_stop, unaccent, spanish_stem;--> statement-breakpoint
CREATE TEXT SEARCH DICTIONARY "claimtrack_german_stop" (TEMPLATE = simple, STOPWORDS = german, ACCEPT = false);--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION "claimtrack_german" (COPY = german);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "claimtrack_german" ALTER MAPPING FOR hword, hword_part, word WITH claimtrack_german_stop, unaccent, german_stem;--> statement-breakpoint
CREATE TEXT SEARCH DICTIONARY "claimtrack_french_stop" (TEMPLATE = simple, STOPWORDS = french, ACCEPT = false);--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION "claimtrack_french" (COPY = french);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION "claimtrack_french" ALTER MAPPING FOR hword, hword_part, word WITH claimtrack_french_stop, unaccent, french_stem;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "claim_search_config"(lang text) RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN lang ILIKE 'en%' THEN 'claimtrack_english'::regconfig
    WHEN lower(split_part(lang, '-', 1)) = 'es' THEN 'claimtrack_spanish'::regconfig
    WHEN lower(split_part(lang, '-', 1)) = 'de' THEN 'claimtrack_german'::regconfig
    WHEN lower(split_part(lang, '-', 1)) = 'fr' THEN 'claimtrack_french'::regconfig
    ELSE 'claimtrack_simple'::regconfig
  END
$$;--> statement-breakpoint
UPDATE "claims" SET "search_vector" = claim_search_document(id, text, language, claimant_id, topics)
  WHERE lower(split_part(language, '-', 1)) IN ('es', 'de', 'fr');
