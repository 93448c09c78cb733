-- The statement triggers on claims and appearances, rewritten so that their cost grows with the rows of the statement,
-- not with the table (issue 18, the import). Measured on the PolitiFact import into a fresh database (19 batches of
-- 1,000 claims), where the tables have no statistics yet and the planner takes them for empty:
-- - prefix_list_appearances_changed joined the statement's appearances with claims by a nested loop over a sequential
--   scan of claims (every claim × every appearance, per batch): now only appearances with a page are looked at, each
--   by its claim's primary key;
-- - prefix_list_claims_inserted: likewise, each inserted public claim probes its appearances by their claim_id index;
-- - claims_postings_inserted and _updated computed a claim's length (claim_text_length, a SQL function over the whole
--   match document) once per lexeme instead of once per claim;
-- - claims_postings_updated, fired by an UPDATE that changed nothing (the appearances' search trigger, before the
--   batch's claims exist), deleted by a sequential scan of all postings; it now stops when no claim changed, and
--   deletes by the claim_id index otherwise.
-- What each writes is unchanged.
CREATE OR REPLACE FUNCTION "prefix_list_appearances_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM changed_appearances a
    WHERE a.url_hash IS NOT NULL
      AND (SELECT c.is_public AND c.deleted_at IS NULL FROM claims c WHERE c.id = a.claim_id)
  ) THEN
    INSERT INTO prefix_list_changes (tx_id) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "prefix_list_claims_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM inserted_claims c
    WHERE c.is_public AND c.deleted_at IS NULL
      AND (SELECT true FROM appearances a WHERE a.claim_id = c.id AND a.url_hash IS NOT NULL LIMIT 1)
  ) THEN
    INSERT INTO prefix_list_changes (tx_id) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "claims_postings_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.claim_match_postings (lexeme, impact, claim_id, private_to, tf, len)
    SELECT d.lexeme, claim_match_impact(coalesce(array_length(d.positions, 1), 1), n.len),
      n.id, n.private_to, coalesce(array_length(d.positions, 1), 1), n.len
    FROM (
      -- OFFSET 0 keeps the subquery whole, so that the length is computed once per claim.
      SELECT id, match_vector, CASE WHEN is_public THEN NULL ELSE organization_id END AS private_to,
        claim_text_length(match_vector) AS len
      FROM new_claims WHERE deleted_at IS NULL OFFSET 0
    ) n CROSS JOIN LATERAL unnest(n.match_vector) d;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "claims_postings_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed uuid[];
BEGIN
  SELECT array_agg(n.id) INTO changed FROM old_claims o JOIN new_claims n ON n.id = o.id
    WHERE (o.deleted_at IS NULL) IS DISTINCT FROM (n.deleted_at IS NULL)
      OR o.match_vector IS DISTINCT FROM n.match_vector
      OR o.is_public IS DISTINCT FROM n.is_public
      OR o.organization_id IS DISTINCT FROM n.organization_id;
  IF changed IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM public.claim_match_postings p WHERE p.claim_id = ANY (changed);
  INSERT INTO public.claim_match_postings (lexeme, impact, claim_id, private_to, tf, len)
    SELECT d.lexeme, claim_match_impact(coalesce(array_length(d.positions, 1), 1), n.len),
      n.id, n.private_to, coalesce(array_length(d.positions, 1), 1), n.len
    FROM (
      SELECT id, match_vector, CASE WHEN is_public THEN NULL ELSE organization_id END AS private_to,
        claim_text_length(match_vector) AS len
      FROM new_claims WHERE id = ANY (changed) AND deleted_at IS NULL OFFSET 0
    ) n CROSS JOIN LATERAL unnest(n.match_vector) d;
  RETURN NULL;
END
$$;
