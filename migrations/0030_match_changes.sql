-- The change feed of claim matching's in-process index (src/services/match-index.ts): every transaction that changes
-- what the matching reads of a claim (its match document, visibility or deletion: the same changes that rewrite its
-- postings, migrations/0028) leaves one row per claim here, whatever path wrote it. Each API process holds the
-- snapshot its index reflects and asks, with one indexed range read, which claims transactions it has not seen
-- changed (transactions that commit out of order included), then reads those claims again. A truncation leaves a row
-- without a claim: build everything again. Rows are pruned after a day. Left out of the drizzle schema like the
-- postings.
CREATE TABLE "claim_match_changes" (
  "tx_id" xid8 NOT NULL DEFAULT pg_current_xact_id(),
  "claim_id" uuid,
  "at" timestamp with time zone NOT NULL DEFAULT clock_timestamp()
);--> statement-breakpoint
CREATE INDEX "claim_match_changes_tx_idx" ON "claim_match_changes" ("tx_id") INCLUDE ("claim_id");--> statement-breakpoint
CREATE FUNCTION "claims_match_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.claim_match_changes (claim_id) SELECT n.id FROM new_claims n WHERE n.deleted_at IS NULL;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "claims_match_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.claim_match_changes (claim_id)
    SELECT n.id FROM old_claims o JOIN new_claims n ON n.id = o.id
    WHERE (o.deleted_at IS NULL) IS DISTINCT FROM (n.deleted_at IS NULL)
      OR o.match_vector IS DISTINCT FROM n.match_vector
      OR o.is_public IS DISTINCT FROM n.is_public
      OR o.organization_id IS DISTINCT FROM n.organization_id;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "claims_match_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.claim_match_changes (claim_id) SELECT o.id FROM old_claims o WHERE o.deleted_at IS NULL;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "claims_match_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.claim_match_changes (claim_id) VALUES (NULL);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "claims_match_insert" AFTER INSERT ON "claims" REFERENCING NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_match_inserted"();--> statement-breakpoint
CREATE TRIGGER "claims_match_update" AFTER UPDATE ON "claims" REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_match_updated"();--> statement-breakpoint
CREATE TRIGGER "claims_match_delete" AFTER DELETE ON "claims" REFERENCING OLD TABLE AS old_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_match_deleted"();--> statement-breakpoint
CREATE TRIGGER "claims_match_truncate" AFTER TRUNCATE ON "claims"
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_match_truncated"();
