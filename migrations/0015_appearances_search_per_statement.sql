-- The search document of a claim includes its appearances' titles and quotes. Inserting appearances refreshed it
-- once per row (one UPDATE of the claim per appearance); an import inserts thousands at once, so inserts now refresh
-- each claim concerned once per statement, from the transition table. Deletes and updates keep the row trigger.
DROP TRIGGER "appearances_search_vector" ON "appearances";--> statement-breakpoint
CREATE TRIGGER "appearances_search_vector" AFTER DELETE OR UPDATE OF title, quote, claim_id ON "appearances"
  FOR EACH ROW EXECUTE FUNCTION "claims_search_vector_touch"();--> statement-breakpoint
CREATE FUNCTION "claims_search_vector_touch_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE claims c SET search_vector = claim_search_document(c.id, c.text, c.language, c.claimant_id, c.topics)
    WHERE c.id IN (SELECT DISTINCT claim_id FROM inserted_appearances);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "appearances_search_vector_insert" AFTER INSERT ON "appearances"
  REFERENCING NEW TABLE AS inserted_appearances
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_search_vector_touch_inserted"();
