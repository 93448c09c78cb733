ALTER TABLE "claimants" ADD COLUMN "aliases" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
-- What a claimant search (GET /v1/claimants?q=) looks in and for: lower case, without accents, every run of other
-- characters one space, and (for the text) a leading space, so that `like '% ' || q || '%'` finds q at the start of
-- any word of the name or an alias. unaccent() is only STABLE; naming the dictionary makes these safe to index.
CREATE OR REPLACE FUNCTION claimant_search_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, value)), '[^[:alnum:]]+', ' ', 'g')) $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION claimant_search_text(name text, aliases text[]) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT ' ' || public.claimant_search_fold(name || ' ' || array_to_string(aliases, ' ')) $$;--> statement-breakpoint
CREATE INDEX "claimants_search_trgm_idx" ON "claimants" USING gin (claimant_search_text("name", "aliases") gin_trgm_ops) WHERE "claimants"."deleted_at" is null;
