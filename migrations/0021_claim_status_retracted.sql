ALTER TYPE "public"."claim_status" ADD VALUE 'retracted';--> statement-breakpoint
-- Claims whose only verdicts were retracted before this release show the latest retraction (their status stays as
-- it was: a value added to an enum cannot be used in the transaction that adds it).
UPDATE "claims" AS c SET "current_review_id" = r."id"
FROM (
  SELECT DISTINCT ON ("claim_id") "id", "claim_id" FROM "reviews"
  WHERE "status" = 'retracted' AND "deleted_at" IS NULL
  ORDER BY "claim_id", "retracted_at" DESC, "id" DESC
) AS r
WHERE c."current_review_id" IS NULL AND r."claim_id" = c."id";
