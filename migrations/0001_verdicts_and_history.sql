CREATE TYPE "public"."normalized_verdict" AS ENUM('true', 'mostly-true', 'mixed', 'mostly-false', 'false', 'misleading', 'unproven', 'not-checkable');--> statement-breakpoint
CREATE TYPE "public"."review_status" AS ENUM('draft', 'published', 'retracted');--> statement-breakpoint
CREATE TYPE "public"."revision_action" AS ENUM('create', 'update', 'delete', 'publish', 'retract');--> statement-breakpoint
CREATE TABLE "rating_scales" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"built_in" boolean DEFAULT false NOT NULL,
	"values" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rating_scales_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" uuid PRIMARY KEY NOT NULL,
	"claim_id" uuid NOT NULL,
	"rating_scale_id" uuid NOT NULL,
	"rating_key" text NOT NULL,
	"rating_explanation" text,
	"headline" text,
	"url" text,
	"author_name" text,
	"author_url" text,
	"in_language" text DEFAULT 'en' NOT NULL,
	"status" "review_status" DEFAULT 'draft' NOT NULL,
	"date_published" timestamp with time zone,
	"retracted_at" timestamp with time zone,
	"retraction_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "revisions" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"claim_id" uuid,
	"version" integer NOT NULL,
	"action" "revision_action" NOT NULL,
	"actor" text NOT NULL,
	"request_id" text,
	"at" timestamp with time zone NOT NULL,
	"before" jsonb,
	"after" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "current_review_id" uuid;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_claim_id_claims_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_rating_scale_id_rating_scales_id_fk" FOREIGN KEY ("rating_scale_id") REFERENCES "public"."rating_scales"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reviews_claim_id_idx" ON "reviews" USING btree ("claim_id","id");--> statement-breakpoint
CREATE INDEX "reviews_rating_scale_id_idx" ON "reviews" USING btree ("rating_scale_id");--> statement-breakpoint
CREATE UNIQUE INDEX "revisions_entity_version_key" ON "revisions" USING btree ("entity_type","entity_id","version");--> statement-breakpoint
CREATE INDEX "revisions_claim_id_idx" ON "revisions" USING btree ("claim_id","seq");--> statement-breakpoint
CREATE INDEX "revisions_entity_at_idx" ON "revisions" USING btree ("entity_id","at");--> statement-breakpoint
ALTER TABLE "claims" ADD CONSTRAINT "claims_current_review_id_reviews_id_fk" FOREIGN KEY ("current_review_id") REFERENCES "public"."reviews"("id") ON DELETE set null ON UPDATE no action;