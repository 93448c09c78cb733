-- Refreshing a materialised view needs its owner's rights. The matching statistics are refreshed by the serving
-- processes, which may run as a role without DDL rights (MIGRATE_ON_START=false): they call this function, which runs
-- as the role that migrated (the views' owner), and can do nothing else.
CREATE OR REPLACE FUNCTION refresh_matching_stats() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  REFRESH MATERIALIZED VIEW CONCURRENTLY claim_term_stats;
  REFRESH MATERIALIZED VIEW CONCURRENTLY claim_corpus_stats;
END
$$;
