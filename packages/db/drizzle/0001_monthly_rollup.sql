CREATE TABLE "trade_monthly" (
	"digits" smallint NOT NULL,
	"country_code" varchar(2) NOT NULL,
	"period" date NOT NULL,
	"hs_prefix" varchar(4) NOT NULL,
	"country_name" text NOT NULL,
	"row_count" integer NOT NULL,
	"export_kg" numeric NOT NULL,
	"export_usd" numeric NOT NULL,
	"import_kg" numeric NOT NULL,
	"import_usd" numeric NOT NULL,
	"balance_usd" numeric NOT NULL,
	CONSTRAINT "trade_monthly_pkey" PRIMARY KEY("digits","country_code","period","hs_prefix"),
	CONSTRAINT "trade_monthly_digits_check" CHECK ("trade_monthly"."digits" in (2, 4))
);
--> statement-breakpoint
CREATE INDEX "trade_monthly_period_idx" ON "trade_monthly" USING btree ("digits","period");--> statement-breakpoint
CREATE INDEX "trade_monthly_hs_period_idx" ON "trade_monthly" USING btree ("digits","hs_prefix","period");--> statement-breakpoint
INSERT INTO "trade_monthly" ("digits", "country_code", "period", "hs_prefix", "country_name", "row_count", "export_kg", "export_usd", "import_kg", "import_usd", "balance_usd")
SELECT 4, t.country_code, t.period, left(t.hs_code, 4), max(t.country_name), count(*)::int, sum(t.export_kg), sum(t.export_usd), sum(t.import_kg), sum(t.import_usd), sum(t.balance_usd)
FROM "trade_rows" t GROUP BY t.country_code, t.period, left(t.hs_code, 4);--> statement-breakpoint
INSERT INTO "trade_monthly" ("digits", "country_code", "period", "hs_prefix", "country_name", "row_count", "export_kg", "export_usd", "import_kg", "import_usd", "balance_usd")
SELECT 2, m.country_code, m.period, left(m.hs_prefix, 2), max(m.country_name), sum(m.row_count)::int, sum(m.export_kg), sum(m.export_usd), sum(m.import_kg), sum(m.import_usd), sum(m.balance_usd)
FROM "trade_monthly" m WHERE m.digits = 4 GROUP BY m.country_code, m.period, left(m.hs_prefix, 2);
