ALTER TABLE "claims" ADD COLUMN "external_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "claims_organization_external_id_key" ON "claims" USING btree ("organization_id","external_id") WHERE "claims"."external_id" is not null;--> statement-breakpoint
CREATE INDEX "reviews_url_idx" ON "reviews" USING btree ("url");