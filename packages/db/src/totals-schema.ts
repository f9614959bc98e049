import { bigint, date, index, pgTable, primaryKey, text, timestamp, varchar } from 'drizzle-orm/pg-core'

/**
 * Country totals as `nationtrade` publishes them: one row per partner country and month, summed over
 * every item, with the declaration counts no other dataset carries. Written by `replaceCountryTotals`.
 */
export const countryTotals = pgTable(
  'country_totals',
  {
    /** First day of the month. */
    period: date('period', { mode: 'string' }).notNull(),
    /** KCS country code, pseudo-countries included (`ZZ` 기타국, `Z1` 국제통화기금, …). */
    countryCode: varchar('country_code', { length: 2 }).notNull(),
    countryName: text('country_name').notNull(),
    exportCount: bigint('export_count', { mode: 'number' }).notNull(),
    exportUsd: bigint('export_usd', { mode: 'number' }).notNull(),
    importCount: bigint('import_count', { mode: 'number' }).notNull(),
    importUsd: bigint('import_usd', { mode: 'number' }).notNull(),
    balanceUsd: bigint('balance_usd', { mode: 'number' }).notNull(),
    /** When these values were first seen; an unchanged re-fetch leaves it alone. */
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'country_totals_pkey', columns: [t.countryCode, t.period] }),
    // Every country of a month or a window (verify, all-country slices).
    index('country_totals_period_idx').on(t.period),
  ],
)

/** Korea's overall totals per month as `Newtrade` publishes them. Written by `replaceNationalTotals`. */
export const nationalTotals = pgTable('national_totals', {
  /** First day of the month. */
  period: date('period', { mode: 'string' }).primaryKey(),
  exportCount: bigint('export_count', { mode: 'number' }).notNull(),
  exportUsd: bigint('export_usd', { mode: 'number' }).notNull(),
  importCount: bigint('import_count', { mode: 'number' }).notNull(),
  importUsd: bigint('import_usd', { mode: 'number' }).notNull(),
  balanceUsd: bigint('balance_usd', { mode: 'number' }).notNull(),
  /** When these values were first seen; an unchanged re-fetch leaves it alone. */
  fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull(),
})
