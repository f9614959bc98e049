CREATE TABLE "revisions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "revisions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"period" date NOT NULL,
	"country_code" varchar(2) NOT NULL,
	"hs_code" varchar(10) NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone NOT NULL,
	"slice_key" text NOT NULL,
	CONSTRAINT "revisions_kind_check" CHECK ("revisions"."kind" in ('added', 'changed', 'withdrawn'))
);
--> statement-breakpoint
CREATE TABLE "sync_ledger" (
	"slice_key" text PRIMARY KEY NOT NULL,
	"country_code" varchar(2),
	"hs_prefix" varchar(10),
	"period_from" date NOT NULL,
	"period_to" date NOT NULL,
	"status" text NOT NULL,
	"row_count" integer,
	"total_export_kg" bigint,
	"total_export_usd" bigint,
	"total_import_kg" bigint,
	"total_import_usd" bigint,
	"total_balance_usd" bigint,
	"sums_match" boolean,
	"body_sha256" text,
	"last_added" integer,
	"last_changed" integer,
	"last_withdrawn" integer,
	"fetched_at" timestamp with time zone,
	"first_fetched_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"error_code" text,
	"failed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_ledger_status_check" CHECK ("sync_ledger"."status" in ('ok', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "trade_rows" (
	"period" date NOT NULL,
	"country_code" varchar(2) NOT NULL,
	"hs_code" varchar(10) NOT NULL,
	"country_name" text NOT NULL,
	"item_name" text NOT NULL,
	"export_kg" bigint NOT NULL,
	"export_usd" bigint NOT NULL,
	"import_kg" bigint NOT NULL,
	"import_usd" bigint NOT NULL,
	"balance_usd" bigint NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trade_rows_pkey" PRIMARY KEY("country_code","period","hs_code")
);
--> statement-breakpoint
CREATE INDEX "revisions_at_idx" ON "revisions" USING btree ("at","id");--> statement-breakpoint
CREATE INDEX "revisions_key_idx" ON "revisions" USING btree ("country_code","hs_code","period");--> statement-breakpoint
CREATE INDEX "sync_ledger_country_period_idx" ON "sync_ledger" USING btree ("country_code","period_from");--> statement-breakpoint
CREATE INDEX "trade_rows_hs_period_idx" ON "trade_rows" USING btree ("hs_code","period");--> statement-breakpoint
CREATE INDEX "trade_rows_period_idx" ON "trade_rows" USING btree ("period");