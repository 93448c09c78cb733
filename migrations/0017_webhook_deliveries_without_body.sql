-- A delivery attempt keeps its status, duration and an error class, never the endpoint's answer (issue 16): the
-- answers recorded so far go, and the error messages (addresses, ports) become their class.
ALTER TABLE "webhook_deliveries" DROP COLUMN "response_body";--> statement-breakpoint
UPDATE "webhook_deliveries" SET "error" = CASE
  WHEN "error" LIKE 'refused:%' OR "error" LIKE 'EWEBHOOKADDRESS%' THEN 'address-refused'
  WHEN "error" ~ '^(ENOTFOUND|EAI_)' THEN 'dns-failure'
  WHEN "error" LIKE 'ECONNREFUSED%' THEN 'connection-refused'
  WHEN "error" ~ '^(UND_ERR_[A-Z_]*TIMEOUT|ETIMEDOUT)' OR "error" ILIKE '%timeout%' OR "error" ILIKE '%aborted%' THEN 'timeout'
  WHEN "error" ~ '^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED)' THEN 'connection-reset'
  WHEN "error" ~ '^(ERR_TLS|ERR_SSL)' OR "error" ~ '(CERT|SELF_SIGNED)' THEN 'tls-error'
  ELSE 'connection-error'
END WHERE "error" IS NOT NULL;
