-- The prefix list (GET /v1/lookup/prefix-list) changes when an appearance of a public, live claim is added, removed
-- or moved to another page or claim, or when a claim becomes public or private, is deleted or restored. Every
-- transaction that does so leaves one row in prefix_list_changes (whatever path wrote it: the API, imports, SQL by
-- hand), so that each API process can tell with one indexed read whether the list it holds is still current.
CREATE FUNCTION "prefix_list_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO prefix_list_changes (tx_id) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;--> statement-breakpoint
-- Once per statement, and only when a row concerns a page that lookups can find.
CREATE FUNCTION "prefix_list_appearances_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM changed_appearances a JOIN claims c ON c.id = a.claim_id
    WHERE a.url_hash IS NOT NULL AND c.is_public AND c.deleted_at IS NULL
  ) THEN
    INSERT INTO prefix_list_changes (tx_id) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "prefix_list_appearances_insert" AFTER INSERT ON "appearances"
  REFERENCING NEW TABLE AS changed_appearances
  FOR EACH STATEMENT EXECUTE FUNCTION "prefix_list_appearances_changed"();--> statement-breakpoint
CREATE TRIGGER "prefix_list_appearances_delete" AFTER DELETE ON "appearances"
  REFERENCING OLD TABLE AS changed_appearances
  FOR EACH STATEMENT EXECUTE FUNCTION "prefix_list_appearances_changed"();--> statement-breakpoint
CREATE TRIGGER "prefix_list_appearances_update" AFTER UPDATE OF url_hash, claim_id ON "appearances"
  FOR EACH ROW WHEN (OLD.url_hash IS DISTINCT FROM NEW.url_hash OR OLD.claim_id IS DISTINCT FROM NEW.claim_id)
  EXECUTE FUNCTION "prefix_list_changed"();--> statement-breakpoint
CREATE TRIGGER "prefix_list_claims_visibility" AFTER UPDATE OF is_public, deleted_at ON "claims"
  FOR EACH ROW WHEN (OLD.is_public IS DISTINCT FROM NEW.is_public OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
  EXECUTE FUNCTION "prefix_list_changed"();--> statement-breakpoint
CREATE TRIGGER "prefix_list_appearances_truncate" AFTER TRUNCATE ON "appearances"
  FOR EACH STATEMENT EXECUTE FUNCTION "prefix_list_changed"();--> statement-breakpoint
CREATE TRIGGER "prefix_list_claims_truncate" AFTER TRUNCATE ON "claims"
  FOR EACH STATEMENT EXECUTE FUNCTION "prefix_list_changed"();
