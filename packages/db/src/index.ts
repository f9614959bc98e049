export {
  countTradeRows,
  type HsLevel,
  iterateTradeAggregates,
  iterateTradeRowPages,
  mirroredWindow,
  type TradeAggregate,
  type TradeSelection,
} from './aggregate.js'
export {
  type ConnectOptions,
  connect,
  DEFAULT_DATABASE_URL,
  type KcsDatabase,
  redactUrl,
  type Schema,
} from './connect.js'
export {
  type CopyMeasures,
  type CopyTradeRowsOptions,
  canCopyTradeRows,
  copyTradeRowsText,
} from './copy-rows.js'
export {
  DatabaseConnectionError,
  DatabaseLockedError,
  DuplicateRowError,
  InvalidArgumentError,
  InvalidDatabaseUrlError,
  InvalidQueryError,
  InvalidSliceError,
  KcsDbError,
  type LockOwner,
  MigrationError,
  MixedGranularityError,
  ReplaceSliceError,
  type RowKey,
  RowSourceError,
  RowValidationError,
  UnsafeIntegerError,
} from './errors.js'
export { type MigrateOptions, type MigrateResult, migrate, migrationsFolder } from './migrate.js'
export { PGLITE_LOCK_FILE } from './pglite-lock.js'
export {
  type ItemTotal,
  type MonthlyPoint,
  monthlySeries,
  type PartnerTotal,
  type RankBy,
  type SeriesQuery,
  type TopItemsQuery,
  type TopPartnersQuery,
  topItems,
  topPartners,
} from './read.js'
export { type CoverageEntry, coverage, type LedgerEntry, type LedgerFilter, ledger } from './read-ledger.js'
export { type Revision, type RevisionsQuery, type RevisionValues, revisions } from './read-revisions.js'
export {
  type IterateOptions,
  iterateTradeRows,
  mirroredCountries,
  periodRange,
  type TradeRowsQuery,
  tradeRows,
} from './read-rows.js'
export {
  type ReplaceOptions,
  type ReplaceSummary,
  RowCountMismatchError,
  recordSliceFailure,
  redactSecrets,
  replaceSlice,
  type SliceFailure,
  type SliceFailureOptions,
} from './replace.js'
export { ROLLUP_DIGITS, rebuildRollup, refreshRollup } from './rollup.js'
/**
 * The Drizzle table definitions of the mirror (`tradeRows`, `syncLedger`, `revisions`, `tradeMonthly`,
 * and the sibling datasets' `countryTotals`, `nationalTotals`), for typed queries with drizzle-orm.
 */
export * as schema from './schema.js'
export { normalizeSlice, sliceCodeLength, sliceKey, slicesOverlap } from './slice.js'
export { replaceCountryTotals, replaceNationalTotals } from './totals.js'
export {
  countryTotals,
  type MirrorMonth,
  type MonthWindow,
  mirrorMonthlySums,
  nationalTotals,
  type SyncedMonth,
  syncedMonths,
  type TotalsQuery,
  type TotalsRevision,
  type TotalsRevisionValues,
} from './totals-read.js'
export type { CountryTotalsRow, CountTotals, NationalTotalsRow, TotalsFetchMeta } from './totals-rows.js'
export { type Dataset, type TotalsDataset, type TotalsSlice, totalsSliceKey } from './totals-slice.js'
export type { FetchMeta, NormalizedSlice, Slice, TradeRow, TradeTotals } from './types.js'
