/**
 * What the ledger says: per-slice entries (`ledger`) and per country-year coverage (`coverage`).
 */
import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidQueryError } from './errors.js'
import { assertDatabase, optionsObject } from './guards.js'
import { normalizePeriod, periodToDate, queryCountry, queryHsPrefix } from './slice.js'
import { rowsOf, toDate, toNullableNumber, toSafeNumber } from './sql.js'
import { siblingLedgerFields } from './totals-read.js'
import type { CountTotals } from './totals-rows.js'
import { type Dataset, queryDataset, type TotalsDataset } from './totals-slice.js'
import type { Slice, TradeTotals } from './types.js'

/** What the ledger knows about one country (or all countries: `country: null`) and calendar year. */
export interface CoverageEntry {
  /** null for slices without a country (HS-only slices). */
  country: string | null
  year: number
  /** Ledger slices touching this year. */
  slices: number
  okSlices: number
  /**
   * Failed slices still open: a failed slice whose every month was later fetched successfully (its
   * split parts, or a retry with other windows, at the same or a wider HS scope) no longer counts.
   */
  failedSlices: number
  /** Failed slices made good by later successful fetches of all their months (not in `failedSlices`). */
  supersededFailures: number
  /** Months of the year covered by at least one successful slice (0–12). */
  monthsSynced: number
  /** Rows of the successful slices touching this year. */
  rowCount: number
  /** Latest successful fetch. */
  lastFetchedAt: Date | null
  /** Latest ledger update (success or failure). */
  updatedAt: Date
  /** false if any successful slice's rows did not sum to its totals row; null if never checked. */
  sumsMatch: boolean | null
  /** The most recent error among the open failed slices. */
  lastError: string | null
}

/** For each country and year: what is synced, when, and with which result (from the ledger). */
export async function coverage(db: KcsDatabase): Promise<CoverageEntry[]> {
  assertDatabase(db)
  const rows = rowsOf<{
    country: string | null
    year: number
    slices: number
    ok_slices: number
    failed_slices: number
    superseded_failures: number
    months: number
    row_count: string | null
    last_fetched_at: unknown
    updated_at: unknown
    sums_false: boolean
    sums_true: boolean
    last_error: string | null
  }>(
    // The month expansions (generate_series per ledger row) are estimated at 1,000 rows each, so on a
    // full mirror's ledger (~4,000 slices) PostgreSQL judges the query costly and JIT-compiles it:
    // 0.65 s of compiling for 70 ms of work. `set local jit = off` keeps it to the work.
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local jit = off`)
      return tx.execute(sql`
      -- the detail's slices only (dataset nitemtrade): the sibling datasets' slices cover other tables
      with open_failure as (
        -- a failed slice stays open unless every one of its months was fetched successfully after
        -- the failure by a slice of the same country whose HS scope contains the failed one's
        select f.slice_key, exists (
          select 1
          from generate_series(f.period_from::timestamp, f.period_to::timestamp, interval '1 month') as fm(month)
          where not exists (
            select 1 from sync_ledger o
            where o.status = 'ok' and o.dataset = 'nitemtrade'
              and o.country_code is not distinct from f.country_code
              and (o.hs_prefix is null or (f.hs_prefix is not null and left(f.hs_prefix, length(o.hs_prefix)) = o.hs_prefix))
              and fm.month::date between o.period_from and o.period_to
              and o.fetched_at >= f.failed_at
          )
        ) as open
        from sync_ledger f where f.status = 'failed' and f.dataset = 'nitemtrade'
      ), y as (
        select l.*, g.year, coalesce(fo.open, false) as open_failure
        from sync_ledger l
        left join open_failure fo on fo.slice_key = l.slice_key
        cross join lateral generate_series(extract(year from l.period_from)::int, extract(year from l.period_to)::int) as g(year)
        where l.dataset = 'nitemtrade'
      ), m as (
        select l.country_code, extract(year from mm)::int as year, count(distinct mm)::int as months
        from sync_ledger l
        cross join lateral generate_series(l.period_from::timestamp, l.period_to::timestamp, interval '1 month') as mm
        where l.fetched_at is not null and l.dataset = 'nitemtrade'
        group by 1, 2
      )
      select y.country_code as country, y.year,
        count(*)::int as slices,
        count(*) filter (where y.status = 'ok')::int as ok_slices,
        count(*) filter (where y.status = 'failed' and y.open_failure)::int as failed_slices,
        count(*) filter (where y.status = 'failed' and not y.open_failure)::int as superseded_failures,
        coalesce(max(m.months), 0)::int as months,
        coalesce(sum(y.row_count) filter (where y.fetched_at is not null), 0)::text as row_count,
        max(y.fetched_at) as last_fetched_at,
        max(y.updated_at) as updated_at,
        coalesce(bool_or(y.sums_match = false), false) as sums_false,
        coalesce(bool_or(y.sums_match = true), false) as sums_true,
        (array_agg(y.last_error order by y.failed_at desc nulls last) filter (where y.status = 'failed' and y.open_failure))[1] as last_error
      from y
      left join m on coalesce(m.country_code, '') = coalesce(y.country_code, '') and m.year = y.year
      group by y.country_code, y.year
      order by y.country_code nulls first, y.year`)
    }),
  )
  return rows.map((r) => ({
    country: r.country,
    year: Number(r.year),
    slices: Number(r.slices),
    okSlices: Number(r.ok_slices),
    failedSlices: Number(r.failed_slices),
    supersededFailures: Number(r.superseded_failures),
    monthsSynced: Number(r.months),
    rowCount: toSafeNumber('rowCount', r.row_count),
    lastFetchedAt: toDate(r.last_fetched_at),
    updatedAt: toDate(r.updated_at) ?? new Date(0),
    sumsMatch: r.sums_false ? false : r.sums_true ? true : null,
    lastError: r.last_error,
  }))
}

/** One ledger row: the latest attempt at a slice and what its last successful fetch found. */
export interface LedgerEntry {
  sliceKey: string
  slice: Slice
  status: 'ok' | 'failed'
  /** Rows of the last successful fetch (null if never fetched successfully). */
  rowCount: number | null
  /** Totals row of the last successful fetch. */
  totals: TradeTotals | null
  sumsMatch: boolean | null
  bodySha256: string | null
  /** Of the latest attempt. */
  attempts: number
  /** Of the latest attempt. */
  durationMs: number
  /** Error of the latest attempt when it failed; cleared by a success. */
  lastError: string | null
  errorCode: string | null
  /** Changes of the last successful fetch. */
  lastChanges: { added: number; changed: number; withdrawn: number } | null
  fetchedAt: Date | null
  firstFetchedAt: Date | null
  failedAt: Date | null
  updatedAt: Date
  /** Only on a sibling dataset's entries (`ledger(db, { dataset })`): which one. */
  dataset?: TotalsDataset | undefined
  /** Only on a sibling dataset's entries: the totals row of the last successful fetch (`totals` is null there). */
  countTotals?: CountTotals | null | undefined
}

/** Filter of `ledger`; every absent field matches every slice. Malformed values throw InvalidQueryError. */
export interface LedgerFilter {
  /** A country code; `null` for all-country slices only; absent for any. */
  country?: string | null | undefined
  /** An HS prefix; `null` for slices without one; absent for any. */
  hs?: string | null | undefined
  /** Slices overlapping this window. */
  from?: string | undefined
  to?: string | undefined
  status?: 'ok' | 'failed' | undefined
  sliceKey?: string | undefined
  /** Whose slices: `nitemtrade` (default), `nationtrade` or `newtrade`. */
  dataset?: Dataset | undefined
}

/** Ledger rows, ordered by country (all-country slices first), window start, prefix. */
export async function ledger(db: KcsDatabase, filter: LedgerFilter = {}): Promise<LedgerEntry[]> {
  assertDatabase(db)
  filter = optionsObject(
    filter,
    'filter',
    'Pass { country?, hs?, from?, to?, status?, sliceKey? } or nothing.',
  )
  if (filter.status !== undefined && filter.status !== 'ok' && filter.status !== 'failed')
    throw new InvalidQueryError(
      `status must be 'ok' or 'failed', got ${describeValue(filter.status)}`,
      "Leave status out for every slice, or pass 'ok' or 'failed'.",
    )
  if (
    filter.sliceKey !== undefined &&
    (typeof filter.sliceKey !== 'string' ||
      filter.sliceKey.length > 200 ||
      filter.sliceKey.includes('\u0000'))
  )
    throw new InvalidQueryError(
      `sliceKey must be a slice key string (at most 200 characters, no NUL), got ${describeValue(filter.sliceKey)}`,
      'Slice keys look like "US:2025-01..2025-12"; sliceKey() makes one.',
    )
  const where: SQL[] = [sql`true`]
  if (filter.country === null) where.push(sql`l.country_code is null`)
  else if (filter.country !== undefined) where.push(sql`l.country_code = ${queryCountry(filter.country)}`)
  if (filter.hs === null) where.push(sql`l.hs_prefix is null`)
  else if (filter.hs !== undefined) where.push(sql`l.hs_prefix = ${queryHsPrefix(filter.hs)}`)
  if (filter.from !== undefined) {
    const from = normalizePeriod(filter.from)
    if (!from)
      throw new InvalidQueryError(`from must be YYYY-MM or YYYYMM, got ${describeValue(filter.from)}`)
    where.push(sql`l.period_to >= ${periodToDate(from)}::date`)
  }
  if (filter.to !== undefined) {
    const to = normalizePeriod(filter.to)
    if (!to) throw new InvalidQueryError(`to must be YYYY-MM or YYYYMM, got ${describeValue(filter.to)}`)
    where.push(sql`l.period_from <= ${periodToDate(to)}::date`)
  }
  if (filter.status !== undefined) where.push(sql`l.status = ${filter.status}`)
  if (filter.sliceKey !== undefined) where.push(sql`l.slice_key = ${filter.sliceKey}`)
  const dataset = queryDataset(filter.dataset)
  where.push(sql`l.dataset = ${dataset}`)
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select l.slice_key, l.country_code, l.hs_prefix, to_char(l.period_from, 'YYYY-MM') as period_from,
        to_char(l.period_to, 'YYYY-MM') as period_to, l.status, l.row_count,
        l.total_export_kg::text as total_export_kg, l.total_export_usd::text as total_export_usd,
        l.total_import_kg::text as total_import_kg, l.total_import_usd::text as total_import_usd,
        l.total_balance_usd::text as total_balance_usd, l.total_export_count::text as total_export_count,
        l.total_import_count::text as total_import_count, l.sums_match, l.body_sha256,
        l.last_added, l.last_changed, l.last_withdrawn, l.attempts, l.duration_ms, l.last_error, l.error_code,
        l.fetched_at, l.first_fetched_at, l.failed_at, l.updated_at
      from sync_ledger l where ${sql.join(where, sql` and `)}
      order by l.country_code nulls first, l.period_from, l.hs_prefix nulls first, l.period_to`),
  )
  return rows.map((r) => {
    const slice: Slice = { from: String(r.period_from), to: String(r.period_to) }
    if (r.country_code !== null) slice.country = String(r.country_code)
    if (r.hs_prefix !== null) slice.hs = String(r.hs_prefix)
    const hasTotals = r.total_export_usd !== null && dataset === 'nitemtrade'
    const entry: LedgerEntry = {
      sliceKey: String(r.slice_key),
      slice,
      status: r.status as 'ok' | 'failed',
      rowCount: toNullableNumber('rowCount', r.row_count as number | null),
      totals: hasTotals
        ? {
            exportKg: toSafeNumber('exportKg', r.total_export_kg as string),
            exportUsd: toSafeNumber('exportUsd', r.total_export_usd as string),
            importKg: toSafeNumber('importKg', r.total_import_kg as string),
            importUsd: toSafeNumber('importUsd', r.total_import_usd as string),
            balanceUsd: toSafeNumber('balanceUsd', r.total_balance_usd as string),
          }
        : null,
      sumsMatch: (r.sums_match as boolean | null) ?? null,
      bodySha256: (r.body_sha256 as string | null) ?? null,
      attempts: Number(r.attempts),
      durationMs: Number(r.duration_ms),
      lastError: (r.last_error as string | null) ?? null,
      errorCode: (r.error_code as string | null) ?? null,
      lastChanges:
        r.last_added === null
          ? null
          : {
              added: Number(r.last_added),
              changed: Number(r.last_changed),
              withdrawn: Number(r.last_withdrawn),
            },
      fetchedAt: toDate(r.fetched_at),
      firstFetchedAt: toDate(r.first_fetched_at),
      failedAt: toDate(r.failed_at),
      updatedAt: toDate(r.updated_at) ?? new Date(0),
    }
    // A sibling dataset's entry says whose it is and carries its counts; the detail's keep their shape.
    return dataset === 'nitemtrade' ? entry : { ...entry, ...siblingLedgerFields(dataset, r) }
  })
}
