-- Full-text search's candidate index (src/lib/search-index.ts) is kept current from the same change feed as matching's
-- (migrations/0030): a transaction that changes a claim's search document (its claimant renamed, an appearance added,
-- its topics) now leaves a row too. Matching reads such a claim again and finds it unchanged.
CREATE OR REPLACE FUNCTION "claims_match_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.claim_match_changes (claim_id)
    SELECT n.id FROM old_claims o JOIN new_claims n ON n.id = o.id
    WHERE (o.deleted_at IS NULL) IS DISTINCT FROM (n.deleted_at IS NULL)
      OR o.match_vector IS DISTINCT FROM n.match_vector
      OR o.search_vector IS DISTINCT FROM n.search_vector
      OR o.is_public IS DISTINCT FROM n.is_public
      OR o.organization_id IS DISTINCT FROM n.organization_id;
  RETURN NULL;
END
$$;
