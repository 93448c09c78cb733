CREATE TYPE "public"."appearance_medium" AS ENUM('article', 'broadcast', 'social', 'speech', 'transcript', 'other');--> statement-breakpoint
CREATE TYPE "public"."claim_status" AS ENUM('new', 'researching', 'reviewed', 'archived');--> statement-breakpoint
CREATE TYPE "public"."evidence_stance" AS ENUM('supports', 'refutes', 'context');--> statement-breakpoint
CREATE TABLE "appearances" (
	"id" uuid PRIMARY KEY NOT NULL,
	"claim_id" uuid NOT NULL,
	"url" text,
	"title" text,
	"publisher" text,
	"medium" "appearance_medium" DEFAULT 'other' NOT NULL,
	"published_at" timestamp with time zone,
	"quote" text,
	"is_first_appearance" boolean DEFAULT false NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "claimants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"job_title" text,
	"affiliation" text,
	"same_as" text[] DEFAULT '{}'::text[] NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "claims" (
	"id" uuid PRIMARY KEY NOT NULL,
	"text" text NOT NULL,
	"claimant_id" uuid,
	"claim_date" date,
	"language" text DEFAULT 'en' NOT NULL,
	"topics" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" "claim_status" DEFAULT 'new' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "claims_text_length" CHECK (char_length("claims"."text") between 1 and 2000)
);
--> statement-breakpoint
CREATE TABLE "evidence" (
	"id" uuid PRIMARY KEY NOT NULL,
	"claim_id" uuid NOT NULL,
	"url" text NOT NULL,
	"title" text,
	"publisher" text,
	"stance" "evidence_stance" NOT NULL,
	"summary" text,
	"archived_url" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "appearances" ADD CONSTRAINT "appearances_claim_id_claims_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claims" ADD CONSTRAINT "claims_claimant_id_claimants_id_fk" FOREIGN KEY ("claimant_id") REFERENCES "public"."claimants"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_claim_id_claims_id_fk" FOREIGN KEY ("claim_id") REFERENCES "public"."claims"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "appearances_claim_id_idx" ON "appearances" USING btree ("claim_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "appearances_first_per_claim_key" ON "appearances" USING btree ("claim_id") WHERE "appearances"."is_first_appearance";--> statement-breakpoint
CREATE UNIQUE INDEX "claimants_slug_live_key" ON "claimants" USING btree ("slug") WHERE "claimants"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "claims_claimant_id_idx" ON "claims" USING btree ("claimant_id","id");--> statement-breakpoint
CREATE INDEX "evidence_claim_id_idx" ON "evidence" USING btree ("claim_id","id");