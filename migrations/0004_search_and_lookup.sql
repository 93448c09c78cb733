ALTER TABLE "appearances" ADD COLUMN "url_canonical" text;--> statement-breakpoint
ALTER TABLE "appearances" ADD COLUMN "url_hash" text;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "current_verdict" "normalized_verdict";--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "search_vector" "tsvector";--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "url_canonical" text;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "url_hash" text;--> statement-breakpoint
ALTER TABLE "revisions" ADD COLUMN "tx_id" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
CREATE INDEX "appearances_url_hash_idx" ON "appearances" USING btree ("url_hash");--> statement-breakpoint
CREATE INDEX "appearances_url_hash_prefix_idx" ON "appearances" USING btree (left("url_hash", 8));--> statement-breakpoint
CREATE INDEX "claims_search_vector_idx" ON "claims" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "claims_topics_idx" ON "claims" USING gin ("topics");--> statement-breakpoint
CREATE INDEX "claims_status_idx" ON "claims" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "claims_current_verdict_idx" ON "claims" USING btree ("current_verdict","id");--> statement-breakpoint
CREATE INDEX "claims_claim_date_idx" ON "claims" USING btree ("claim_date","id");--> statement-breakpoint
CREATE INDEX "claims_updated_at_idx" ON "claims" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "evidence_url_hash_idx" ON "evidence" USING btree ("url_hash");--> statement-breakpoint
CREATE INDEX "evidence_url_hash_prefix_idx" ON "evidence" USING btree (left("url_hash", 8));--> statement-breakpoint
CREATE INDEX "revisions_tx_id_idx" ON "revisions" USING btree ("tx_id","seq");