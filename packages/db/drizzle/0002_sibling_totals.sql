CREATE TABLE "country_totals" (
	"period" date NOT NULL,
	"country_code" varchar(2) NOT NULL,
	"country_name" text NOT NULL,
	"export_count" bigint NOT NULL,
	"export_usd" bigint NOT NULL,
	"import_count" bigint NOT NULL,
	"import_usd" bigint NOT NULL,
	"balance_usd" bigint NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL,
	CONSTRAINT "country_totals_pkey" PRIMARY KEY("country_code","period")
);
--> statement-breakpoint
CREATE TABLE "national_totals" (
	"period" date PRIMARY KEY NOT NULL,
	"export_count" bigint NOT NULL,
	"export_usd" bigint NOT NULL,
	"import_count" bigint NOT NULL,
	"import_usd" bigint NOT NULL,
	"balance_usd" bigint NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "revisions" ADD COLUMN "dataset" text DEFAULT 'nitemtrade' NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_ledger" ADD COLUMN "dataset" text DEFAULT 'nitemtrade' NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_ledger" ADD COLUMN "total_export_count" bigint;--> statement-breakpoint
ALTER TABLE "sync_ledger" ADD COLUMN "total_import_count" bigint;--> statement-breakpoint
CREATE INDEX "country_totals_period_idx" ON "country_totals" USING btree ("period");--> statement-breakpoint
ALTER TABLE "revisions" ADD CONSTRAINT "revisions_dataset_check" CHECK ("revisions"."dataset" in ('nitemtrade', 'nationtrade', 'newtrade'));--> statement-breakpoint
ALTER TABLE "sync_ledger" ADD CONSTRAINT "sync_ledger_dataset_check" CHECK ("sync_ledger"."dataset" in ('nitemtrade', 'nationtrade', 'newtrade'));