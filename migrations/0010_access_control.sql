CREATE TYPE "public"."api_key_role" AS ENUM('reader', 'editor', 'reviewer', 'admin', 'partner');--> statement-breakpoint
CREATE TYPE "public"."audit_outcome" AS ENUM('succeeded', 'denied', 'failed');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"role" "api_key_role" NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_by_key_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_keyHash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"key_id" uuid NOT NULL,
	"key_name" text NOT NULL,
	"role" "api_key_role" NOT NULL,
	"method" text NOT NULL,
	"route" text,
	"path" text NOT NULL,
	"operation_id" text,
	"status" integer NOT NULL,
	"outcome" "audit_outcome" NOT NULL,
	"request_id" text,
	"ip" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"status" integer,
	"headers" jsonb,
	"body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"url" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "rate_limit_counters" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "claimants" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "is_public" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Rows recorded before organisations existed belong to one organisation made for them (none on a new database).
INSERT INTO "organizations" ("id", "slug", "name")
  SELECT '00000000-0000-7000-8000-000000000100', 'default', 'Default organisation'
  WHERE EXISTS (SELECT 1 FROM "claims") OR EXISTS (SELECT 1 FROM "claimants") OR EXISTS (SELECT 1 FROM "rating_scales" WHERE NOT "built_in");--> statement-breakpoint
UPDATE "claimants" SET "organization_id" = '00000000-0000-7000-8000-000000000100';--> statement-breakpoint
UPDATE "claims" SET "organization_id" = '00000000-0000-7000-8000-000000000100',
  "is_public" = EXISTS (SELECT 1 FROM "reviews" r WHERE r."claim_id" = "claims"."id" AND r."status" IN ('published', 'retracted'));--> statement-breakpoint
ALTER TABLE "claimants" ALTER COLUMN "organization_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "claims" ALTER COLUMN "organization_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "rating_scales" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
UPDATE "rating_scales" SET "organization_id" = '00000000-0000-7000-8000-000000000100' WHERE NOT "built_in";--> statement-breakpoint
ALTER TABLE "revisions" ADD COLUMN "actor_key_id" uuid;--> statement-breakpoint
ALTER TABLE "revisions" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_organization_id_idx" ON "api_keys" USING btree ("organization_id","id");--> statement-breakpoint
CREATE INDEX "audit_events_organization_idx" ON "audit_events" USING btree ("organization_id","seq");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
ALTER TABLE "claimants" ADD CONSTRAINT "claimants_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claims" ADD CONSTRAINT "claims_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rating_scales" ADD CONSTRAINT "rating_scales_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "claims_organization_id_idx" ON "claims" USING btree ("organization_id","id");