CREATE TABLE "prefix_list_changes" (
	"tx_id" "xid8" PRIMARY KEY DEFAULT pg_current_xact_id() NOT NULL,
	"at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prefix_list_versions" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"bytes" integer NOT NULL,
	"version" text NOT NULL,
	"count" integer NOT NULL,
	"additions" text NOT NULL,
	"removals" text NOT NULL,
	"prefixes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "prefix_list_versions_bytes_seq_idx" ON "prefix_list_versions" USING btree ("bytes","seq");--> statement-breakpoint
CREATE INDEX "prefix_list_versions_version_idx" ON "prefix_list_versions" USING btree ("version","seq");