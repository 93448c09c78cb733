-- Impact-ordered postings for claim matching: one row per live claim and lexeme of its match document, with the
-- lexeme's BM25 term weight in that claim (its "impact", from tf and document length: claim_match_impact). Read
-- through (lexeme, impact desc), the claims that weigh most for a word come first, so matching reads the best few
-- hundred claims of each of the input's words instead of every claim that holds one (src/repositories/matching.ts);
-- read through (claim_id, lexeme), the tf and length of each give the claims found their exact BM25 with the
-- statistics of now, without reading the claims. Visibility is in the index (private_to: null for a public claim,
-- else the organisation that may see it), so that a reader's best claims are found among those it may see.
-- Kept current by statement triggers beside the term statistics' (migrations/0020): a claim is matchable as soon as
-- its transaction commits. Left out of the drizzle schema like the statistics.
-- BM25's term weight (k1 1.2, b 0.75) with a fixed mean length of 12 words (claims hold 11-12): the order it gives a
-- word's claims does not depend on when each was written, and the weights the matching returns are computed from tf
-- and len with the statistics of now.
CREATE FUNCTION "claim_match_impact"(tf integer, len bigint) RETURNS real LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / 12.0)))::real
$$;--> statement-breakpoint
CREATE TABLE "claim_match_postings" (
  "lexeme" text NOT NULL,
  "impact" real NOT NULL,
  "claim_id" uuid NOT NULL,
  "private_to" uuid,
  "tf" integer NOT NULL,
  "len" integer NOT NULL
);--> statement-breakpoint
INSERT INTO "claim_match_postings" (lexeme, impact, claim_id, private_to, tf, len)
  SELECT d.lexeme, claim_match_impact(coalesce(array_length(d.positions, 1), 1), l.len),
    c.id, CASE WHEN c.is_public THEN NULL ELSE c.organization_id END, coalesce(array_length(d.positions, 1), 1), l.len
  FROM claims c CROSS JOIN LATERAL (SELECT claim_text_length(c.match_vector) AS len) l
  CROSS JOIN LATERAL unnest(c.match_vector) d
  WHERE c.deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "claim_match_postings_impact_idx" ON "claim_match_postings" ("lexeme", "impact" DESC) INCLUDE ("claim_id", "private_to");--> statement-breakpoint
CREATE INDEX "claim_match_postings_claim_idx" ON "claim_match_postings" ("claim_id", "lexeme") INCLUDE ("tf", "len");--> statement-breakpoint
CREATE FUNCTION "claims_postings_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.claim_match_postings (lexeme, impact, claim_id, private_to, tf, len)
    SELECT d.lexeme, claim_match_impact(coalesce(array_length(d.positions, 1), 1), l.len),
      n.id, CASE WHEN n.is_public THEN NULL ELSE n.organization_id END, coalesce(array_length(d.positions, 1), 1), l.len
    FROM new_claims n CROSS JOIN LATERAL (SELECT claim_text_length(n.match_vector) AS len) l
    CROSS JOIN LATERAL unnest(n.match_vector) d
    WHERE n.deleted_at IS NULL;
  RETURN NULL;
END
$$;--> statement-breakpoint
-- A claim's rows are written again when its text, language, visibility or deletion changed (not for other edits).
CREATE FUNCTION "claims_postings_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH changed AS (
    SELECT n.id FROM old_claims o JOIN new_claims n ON n.id = o.id
    WHERE (o.deleted_at IS NULL) IS DISTINCT FROM (n.deleted_at IS NULL)
      OR o.match_vector IS DISTINCT FROM n.match_vector
      OR o.is_public IS DISTINCT FROM n.is_public
      OR o.organization_id IS DISTINCT FROM n.organization_id
  ), gone AS (
    DELETE FROM public.claim_match_postings p USING changed WHERE p.claim_id = changed.id
  )
  INSERT INTO public.claim_match_postings (lexeme, impact, claim_id, private_to, tf, len)
    SELECT d.lexeme, claim_match_impact(coalesce(array_length(d.positions, 1), 1), l.len),
      n.id, CASE WHEN n.is_public THEN NULL ELSE n.organization_id END, coalesce(array_length(d.positions, 1), 1), l.len
    FROM new_claims n JOIN changed ON changed.id = n.id
    CROSS JOIN LATERAL (SELECT claim_text_length(n.match_vector) AS len) l
    CROSS JOIN LATERAL unnest(n.match_vector) d
    WHERE n.deleted_at IS NULL;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "claims_postings_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM public.claim_match_postings p USING old_claims o WHERE p.claim_id = o.id;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "claims_postings_insert" AFTER INSERT ON "claims" REFERENCING NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_postings_inserted"();--> statement-breakpoint
CREATE TRIGGER "claims_postings_update" AFTER UPDATE ON "claims" REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_postings_updated"();--> statement-breakpoint
CREATE TRIGGER "claims_postings_delete" AFTER DELETE ON "claims" REFERENCING OLD TABLE AS old_claims
  FOR EACH STATEMENT EXECUTE FUNCTION "claims_postings_deleted"();--> statement-breakpoint
ANALYZE "claim_match_postings";
