-- Full-text search: the claim search document is kept by triggers, so that every path that writes a claim, an
-- appearance or a claimant (the API, imports, SQL by hand) keeps it current.
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE FUNCTION "claim_search_config"(lang text) RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN lang ILIKE 'en%' THEN 'english'::regconfig ELSE 'simple'::regconfig END
$$;--> statement-breakpoint
CREATE FUNCTION "claim_search_document"(claim_id uuid, claim_text text, lang text, claimant_id uuid, topics text[]) RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector(claim_search_config(lang), unaccent(claim_text)), 'A')
    || setweight(to_tsvector(claim_search_config(lang), unaccent(coalesce((SELECT name FROM claimants WHERE id = claimant_id), ''))), 'B')
    || setweight(to_tsvector(claim_search_config(lang), unaccent(array_to_string(topics, ' '))), 'B')
    || setweight(to_tsvector(claim_search_config(lang), unaccent(coalesce(
         (SELECT string_agg(concat_ws(' ', title, quote), ' ') FROM appearances WHERE appearances.claim_id = claim_search_document.claim_id), ''))), 'C')
$$;--> statement-breakpoint
CREATE FUNCTION "claims_search_vector_refresh"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := claim_search_document(NEW.id, NEW.text, NEW.language, NEW.claimant_id, NEW.topics);
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "claims_search_vector" BEFORE INSERT OR UPDATE OF text, language, claimant_id, topics ON "claims"
  FOR EACH ROW EXECUTE FUNCTION "claims_search_vector_refresh"();--> statement-breakpoint
CREATE FUNCTION "claims_search_vector_touch"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'claimants' THEN
    UPDATE claims c SET search_vector = claim_search_document(c.id, c.text, c.language, c.claimant_id, c.topics) WHERE c.claimant_id = NEW.id;
  ELSE
    UPDATE claims c SET search_vector = claim_search_document(c.id, c.text, c.language, c.claimant_id, c.topics)
      WHERE c.id IN (SELECT (CASE WHEN TG_OP = 'DELETE' THEN OLD.claim_id ELSE NEW.claim_id END)
                     UNION SELECT (CASE WHEN TG_OP = 'UPDATE' THEN OLD.claim_id END));
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "appearances_search_vector" AFTER INSERT OR DELETE OR UPDATE OF title, quote, claim_id ON "appearances"
  FOR EACH ROW EXECUTE FUNCTION "claims_search_vector_touch"();--> statement-breakpoint
CREATE TRIGGER "claimants_search_vector" AFTER UPDATE OF name ON "claimants"
  FOR EACH ROW EXECUTE FUNCTION "claims_search_vector_touch"();--> statement-breakpoint
UPDATE "claims" SET "search_vector" = claim_search_document(id, text, language, claimant_id, topics);--> statement-breakpoint
CREATE INDEX "claims_text_trgm_idx" ON "claims" USING gin ("text" gin_trgm_ops);
