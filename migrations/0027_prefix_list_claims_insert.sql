-- A claim inserted after its appearances (the import's batch writer defers the appearances' link to their claim and
-- writes each claim once, after them) makes their pages findable at its own insert: the appearances' trigger saw no
-- claim yet. Noted here, so the prefix list changes with every transaction that adds a findable page.
CREATE FUNCTION "prefix_list_claims_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM inserted_claims c JOIN appearances a ON a.claim_id = c.id
    WHERE a.url_hash IS NOT NULL AND c.is_public AND c.deleted_at IS NULL
  ) THEN
    INSERT INTO prefix_list_changes (tx_id) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "prefix_list_claims_insert" AFTER INSERT ON "claims"
  REFERENCING NEW TABLE AS inserted_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "prefix_list_claims_inserted"();
