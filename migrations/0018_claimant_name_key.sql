-- A claimant's name as compared for duplicates: lower case, without accents, runs of spaces as one. unaccent() is
-- only STABLE (its dictionary could change); naming the dictionary makes this safe to index.
CREATE OR REPLACE FUNCTION claimant_name_key(name text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, name)), '\s+', ' ', 'g') $$;--> statement-breakpoint
CREATE INDEX "claimants_organization_name_key_idx" ON "claimants" USING btree ("organization_id",claimant_name_key("name")) WHERE "claimants"."deleted_at" is null;