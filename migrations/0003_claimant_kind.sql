CREATE TYPE "public"."claimant_kind" AS ENUM('person', 'organization');--> statement-breakpoint
ALTER TABLE "claimants" ADD COLUMN "kind" "claimant_kind" DEFAULT 'person' NOT NULL;