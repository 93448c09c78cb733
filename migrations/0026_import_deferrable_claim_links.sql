-- The links of appearances and reviews to their claim may be checked at commit (they are checked at once unless a
-- transaction says otherwise): the import's batch writer inserts a batch's appearances and reviews before its
-- claims, so that each claim is written once, its search document and verdict computed in its own insert, instead
-- of inserted, then updated by the appearances' search trigger, then updated again with its verdict.
ALTER TABLE "appearances" ALTER CONSTRAINT "appearances_claim_id_claims_id_fk" DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "reviews" ALTER CONSTRAINT "reviews_claim_id_claims_id_fk" DEFERRABLE INITIALLY IMMEDIATE;
