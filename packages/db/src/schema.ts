import { sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  varchar,
} from 'drizzle-orm/pg-core'

/**
 * One row of the mirror: a month × partner country × HS code, as the KCS API served it.
 * Measures are bigint (no overflow at any realistic scale); `period` is the first day of the month.
 */
export const tradeRows = pgTable(
  'trade_rows',
  {
    period: date('period', { mode: 'string' }).notNull(),
    countryCode: varchar('country_code', { length: 2 }).notNull(),
    hsCode: varchar('hs_code', { length: 10 }).notNull(),
    countryName: text('country_name').notNull(),
    itemName: text('item_name').notNull(),
    exportKg: bigint('export_kg', { mode: 'number' }).notNull(),
    exportUsd: bigint('export_usd', { mode: 'number' }).notNull(),
    importKg: bigint('import_kg', { mode: 'number' }).notNull(),
    importUsd: bigint('import_usd', { mode: 'number' }).notNull(),
    balanceUsd: bigint('balance_usd', { mode: 'number' }).notNull(),
    /** When these values were first seen; an unchanged re-fetch leaves it alone (see the ledger). */
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Country slices (the common case: country × year) read and replace a contiguous key range.
    primaryKey({ name: 'trade_rows_pkey', columns: [t.countryCode, t.period, t.hsCode] }),
    // HS-prefix queries across all countries: a prefix is a contiguous range of hs_code.
    index('trade_rows_hs_period_idx').on(t.hsCode, t.period),
    // Whole-market queries over a window (all countries, no prefix).
    index('trade_rows_period_idx').on(t.period),
  ],
)

/**
 * The datasets the ledger and the revisions log record: `nitemtrade` (the detail in trade_rows, the
 * default of every existing row), `nationtrade` (country_totals) and `newtrade` (national_totals).
 */
const DATASET_CHECK = "('nitemtrade', 'nationtrade', 'newtrade')"

/** One row per slice (country or all, window, HS prefix or none): what the last fetch found. */
export const syncLedger = pgTable(
  'sync_ledger',
  {
    sliceKey: text('slice_key').primaryKey(),
    /** Which API the slice was fetched from; sibling slices' keys carry it as a prefix (`nationtrade:US:…`). */
    dataset: text('dataset').notNull().default('nitemtrade'),
    countryCode: varchar('country_code', { length: 2 }),
    hsPrefix: varchar('hs_prefix', { length: 10 }),
    periodFrom: date('period_from', { mode: 'string' }).notNull(),
    periodTo: date('period_to', { mode: 'string' }).notNull(),
    /** Outcome of the latest attempt. */
    status: text('status').notNull(),
    /** The following describe the last successful fetch (the data in trade_rows). */
    rowCount: integer('row_count'),
    totalExportKg: bigint('total_export_kg', { mode: 'number' }),
    totalExportUsd: bigint('total_export_usd', { mode: 'number' }),
    totalImportKg: bigint('total_import_kg', { mode: 'number' }),
    totalImportUsd: bigint('total_import_usd', { mode: 'number' }),
    totalBalanceUsd: bigint('total_balance_usd', { mode: 'number' }),
    /** Declaration counts of the totals row (sibling datasets only; null for nitemtrade). */
    totalExportCount: bigint('total_export_count', { mode: 'number' }),
    totalImportCount: bigint('total_import_count', { mode: 'number' }),
    sumsMatch: boolean('sums_match'),
    bodySha256: text('body_sha256'),
    lastAdded: integer('last_added'),
    lastChanged: integer('last_changed'),
    lastWithdrawn: integer('last_withdrawn'),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }),
    firstFetchedAt: timestamp('first_fetched_at', { withTimezone: true }),
    /** The following describe the latest attempt, successful or not. */
    attempts: integer('attempts').notNull().default(0),
    durationMs: integer('duration_ms').notNull().default(0),
    lastError: text('last_error'),
    errorCode: text('error_code'),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('sync_ledger_status_check', sql`${t.status} in ('ok', 'failed')`),
    check('sync_ledger_dataset_check', sql`${t.dataset} in ${sql.raw(DATASET_CHECK)}`),
    index('sync_ledger_country_period_idx').on(t.countryCode, t.periodFrom),
  ],
)

/**
 * Every change a re-fetch brought to trade_rows (or, with `dataset`, to country_totals or
 * national_totals). `before`/`after` hold names and measures.
 */
export const revisions = pgTable(
  'revisions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** `nitemtrade` (trade_rows), `nationtrade` (hs_code `''`) or `newtrade` (country_code and hs_code `''`). */
    dataset: text('dataset').notNull().default('nitemtrade'),
    kind: text('kind').notNull(),
    period: date('period', { mode: 'string' }).notNull(),
    countryCode: varchar('country_code', { length: 2 }).notNull(),
    hsCode: varchar('hs_code', { length: 10 }).notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    sliceKey: text('slice_key').notNull(),
  },
  (t) => [
    check('revisions_kind_check', sql`${t.kind} in ('added', 'changed', 'withdrawn')`),
    check('revisions_dataset_check', sql`${t.dataset} in ${sql.raw(DATASET_CHECK)}`),
    index('revisions_at_idx').on(t.at, t.id),
    index('revisions_key_idx').on(t.countryCode, t.hsCode, t.period),
  ],
)

/**
 * Monthly rollup of trade_rows by country, month and the first `digits` (2 or 4) digits of the HS
 * code: the sums of the five measures and the row count of every group that has rows. replaceSlice
 * keeps it equal to trade_rows in the same transaction; whole-market reads (series, top partners,
 * top chapters/headings) read it instead of millions of base rows.
 */
export const tradeMonthly = pgTable(
  'trade_monthly',
  {
    digits: smallint('digits').notNull(),
    countryCode: varchar('country_code', { length: 2 }).notNull(),
    period: date('period', { mode: 'string' }).notNull(),
    hsPrefix: varchar('hs_prefix', { length: 4 }).notNull(),
    /** max(country_name) of the group's rows (what topPartners reports). */
    countryName: text('country_name').notNull(),
    rowCount: integer('row_count').notNull(),
    exportKg: numeric('export_kg', { mode: 'string' }).notNull(),
    exportUsd: numeric('export_usd', { mode: 'string' }).notNull(),
    importKg: numeric('import_kg', { mode: 'string' }).notNull(),
    importUsd: numeric('import_usd', { mode: 'string' }).notNull(),
    balanceUsd: numeric('balance_usd', { mode: 'string' }).notNull(),
  },
  (t) => [
    // One country's series and top items: a contiguous range.
    primaryKey({ name: 'trade_monthly_pkey', columns: [t.digits, t.countryCode, t.period, t.hsPrefix] }),
    // Whole-market reads over a window.
    index('trade_monthly_period_idx').on(t.digits, t.period),
    // An HS prefix across all countries.
    index('trade_monthly_hs_period_idx').on(t.digits, t.hsPrefix, t.period),
    check('trade_monthly_digits_check', sql`${t.digits} in (2, 4)`),
  ],
)

export { countryTotals, nationalTotals } from './totals-schema.js'
