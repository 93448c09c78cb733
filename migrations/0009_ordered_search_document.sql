-- The appearance titles and quotes of a claim's search document, in a fixed order (oldest appearance first), so that
-- word positions, and with them ranking, do not depend on where rows happen to lie on disk.
CREATE OR REPLACE FUNCTION "claim_search_document"(claim_id uuid, claim_text text, lang text, claimant_id uuid, topics text[]) RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector(claim_search_config(lang), claim_text), 'A')
    || setweight(to_tsvector(claim_search_config(lang), coalesce((SELECT name FROM claimants WHERE id = claimant_id), '')), 'B')
    || setweight(to_tsvector(claim_search_config(lang), array_to_string(topics, ' ')), 'B')
    || setweight(to_tsvector(claim_search_config(lang), coalesce(
         (SELECT string_agg(concat_ws(' ', title, quote), ' ' ORDER BY id) FROM appearances WHERE appearances.claim_id = claim_search_document.claim_id), '')), 'C')
$$;
