/**
 * Readers of the sibling datasets' totals, and of the detail mirror's sums and fetches per country and
 * month — what `kcs-trade verify` compares.
 */
import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { InvalidQueryError } from './errors.js'
import { assertDatabase, assertObject } from './guards.js'
import { periodToDate, queryCountry, queryWindow } from './slice.js'
import { rowsOf, toDate, toSafeNumber } from './sql.js'
import type { CountryTotalsRow, CountTotals, NationalTotalsRow } from './totals-rows.js'
import type { TotalsDataset } from './totals-slice.js'

/**
 * A window of months and, optionally, the countries to read (two upper-case letters or a letter and
 * a digit each; absent or `[]` for every country). Malformed values throw InvalidQueryError.
 */
export interface TotalsQuery {
  /** `YYYY-MM` or `YYYYMM` */
  from: string
  /** `YYYY-MM` or `YYYYMM`, inclusive */
  to: string
  countries?: readonly string[] | undefined
}

/** A window of months (`YYYY-MM` or `YYYYMM`, both inclusive). */
export interface MonthWindow {
  from: string
  to: string
}

/** The detail mirror's sums for one country and month, and when its detail was last fetched. */
export interface MirrorMonth {
  /** `YYYY-MM` */
  period: string
  countryCode: string
  /** Rows of trade_rows in the country-month. */
  rowCount: number
  exportUsd: number
  importUsd: number
  exportKg: number
  importKg: number
  /**
   * The latest successful fetch of an nitemtrade country slice without an HS prefix covering the
   * month; null when none does (the rows came from HS-prefix slices only, which hold part of a
   * country-month and so cannot date all of it).
   */
  detailFetchedAt: Date | null
}

/** A month a country has a successful nitemtrade fetch for, and the latest such fetch. */
export interface SyncedMonth {
  countryCode: string
  /** `YYYY-MM` */
  period: string
  fetchedAt: Date
}

/** A sibling dataset's revision values: `countryName` (nationtrade only), the counts and US dollars. */
export interface TotalsRevisionValues {
  countryName?: string
  exportCount: number
  exportUsd: number
  importCount: number
  importUsd: number
  balanceUsd: number
}

/** One change a re-fetch of a sibling dataset made (`revisions(db, { since, dataset })`). */
export interface TotalsRevision {
  id: number
  dataset: TotalsDataset
  kind: 'added' | 'changed' | 'withdrawn'
  /** `YYYY-MM` */
  period: string
  /** The partner country (nationtrade); `''` for newtrade. */
  country: string
  /** Always `''`: the sibling datasets have no HS code. */
  hsCode: string
  /** null for `added` */
  before: TotalsRevisionValues | null
  /** null for `withdrawn` */
  after: TotalsRevisionValues | null
  /** When the change was fetched. */
  at: Date
  sliceKey: string
}

const QUERY_HINT = 'Pass { from: "2025-01", to: "2025-12", countries?: ["US"] }.'

/** The checked window and country list of a query (`[]`: every country). */
function parseQuery(db: unknown, q: unknown, withCountries: boolean) {
  assertDatabase(db)
  assertObject(q, 'query', QUERY_HINT)
  const query = q as TotalsQuery
  const { from, to } = queryWindow(query)
  const countries = new Set<string>()
  if (withCountries && query.countries !== undefined) {
    if (!Array.isArray(query.countries))
      throw new InvalidQueryError('countries must be an array of country codes', QUERY_HINT)
    for (const c of query.countries) {
      const code = queryCountry(c)
      if (code) countries.add(code)
    }
  }
  return { from, to, countries: [...countries].sort() }
}

function inWindow(alias: string, from: string, to: string): SQL {
  return sql`${sql.raw(alias)}.period between ${periodToDate(from)}::date and ${periodToDate(to)}::date`
}

function inCountries(alias: string, countries: string[]): SQL {
  return countries.length === 0
    ? sql`true`
    : sql`${sql.raw(alias)}.country_code = any(${sql.param(countries)}::text[])`
}

type CountRecord = Record<
  'export_count' | 'export_usd' | 'import_count' | 'import_usd' | 'balance_usd',
  string
>

const COUNT_COLUMNS = sql.raw(`t.export_count::text as export_count, t.export_usd::text as export_usd,
  t.import_count::text as import_count, t.import_usd::text as import_usd, t.balance_usd::text as balance_usd`)

function countsOf(r: CountRecord): CountTotals {
  return {
    exportCount: toSafeNumber('exportCount', r.export_count),
    exportUsd: toSafeNumber('exportUsd', r.export_usd),
    importCount: toSafeNumber('importCount', r.import_count),
    importUsd: toSafeNumber('importUsd', r.import_usd),
    balanceUsd: toSafeNumber('balanceUsd', r.balance_usd),
  }
}

/**
 * The country totals the mirror holds (`nationtrade`, written by `replaceCountryTotals`) inside the
 * window, for the countries given (or all), ordered by country code and month. `fetchedAt` is when
 * each row's values were first seen.
 */
export async function countryTotals(
  db: KcsDatabase,
  q: TotalsQuery,
): Promise<(CountryTotalsRow & { fetchedAt: Date })[]> {
  const { from, to, countries } = parseQuery(db, q, true)
  const rows = rowsOf<
    CountRecord & { period: string; country_code: string; country_name: string; fetched_at: unknown }
  >(
    await db.execute(sql`
      select to_char(t.period, 'YYYY-MM') as period, t.country_code, t.country_name, ${COUNT_COLUMNS}, t.fetched_at
      from country_totals t where ${inWindow('t', from, to)} and ${inCountries('t', countries)}
      order by t.country_code, t.period`),
  )
  return rows.map((r) => ({
    period: r.period,
    countryCode: r.country_code,
    countryName: r.country_name,
    ...countsOf(r),
    fetchedAt: toDate(r.fetched_at) ?? new Date(0),
  }))
}

/**
 * Korea's national totals the mirror holds (`Newtrade`, written by `replaceNationalTotals`) inside
 * the window, oldest first. `fetchedAt` is when each row's values were first seen.
 */
export async function nationalTotals(
  db: KcsDatabase,
  q: MonthWindow,
): Promise<(NationalTotalsRow & { fetchedAt: Date })[]> {
  const { from, to } = parseQuery(db, q, false)
  const rows = rowsOf<CountRecord & { period: string; fetched_at: unknown }>(
    await db.execute(sql`
      select to_char(t.period, 'YYYY-MM') as period, ${COUNT_COLUMNS}, t.fetched_at
      from national_totals t where ${inWindow('t', from, to)}
      order by t.period`),
  )
  return rows.map((r) => ({
    period: r.period,
    ...countsOf(r),
    fetchedAt: toDate(r.fetched_at) ?? new Date(0),
  }))
}

/**
 * Per country and month in the window, the latest successful fetch of an nitemtrade country slice
 * without an HS prefix covering it. HS-prefix slices do not count: one holds only the codes under its
 * prefix, so it cannot say the whole country-month was fetched (and all-country slices always carry
 * a prefix, as the API needs a country or a prefix).
 */
function syncedSql(from: string, to: string, countries: string[]): SQL {
  const f = periodToDate(from)
  const t = periodToDate(to)
  return sql`
    select l.country_code, m.month::date as period, max(l.fetched_at) as fetched_at
    from sync_ledger l
    cross join lateral generate_series(greatest(l.period_from, ${f}::date)::timestamp,
      least(l.period_to, ${t}::date)::timestamp, interval '1 month') as m(month)
    where l.dataset = 'nitemtrade' and l.fetched_at is not null and l.country_code is not null
      and coalesce(l.hs_prefix, '') = '' and l.period_from <= ${t}::date and l.period_to >= ${f}::date
      and ${inCountries('l', countries)}
    group by l.country_code, m.month`
}

/**
 * The detail mirror's sums per country and month inside the window (countries given, or all), from
 * the monthly rollup (`trade_monthly`, 2-digit level: fast on a 22-million-row mirror), ordered by
 * country and month. Only country-months with rows appear; `syncedMonths` lists the months fetched
 * empty too. Sums are exact; one beyond ±(2^53 − 1) throws UnsafeIntegerError.
 */
export async function mirrorMonthlySums(db: KcsDatabase, q: TotalsQuery): Promise<MirrorMonth[]> {
  const { from, to, countries } = parseQuery(db, q, true)
  const rows = rowsOf<{
    period: string
    country_code: string
    row_count: string
    export_usd: string
    import_usd: string
    export_kg: string
    import_kg: string
    fetched_at: unknown
  }>(
    await db.execute(sql`
      with sums as (
        select t.country_code, t.period, sum(t.row_count) as row_count,
          sum(t.export_usd) as export_usd, sum(t.import_usd) as import_usd,
          sum(t.export_kg) as export_kg, sum(t.import_kg) as import_kg
        from trade_monthly t
        where t.digits = 2 and ${inWindow('t', from, to)} and ${inCountries('t', countries)}
        group by t.country_code, t.period
      ), synced as (${syncedSql(from, to, countries)})
      select to_char(s.period, 'YYYY-MM') as period, s.country_code, s.row_count::text as row_count,
        s.export_usd::text as export_usd, s.import_usd::text as import_usd,
        s.export_kg::text as export_kg, s.import_kg::text as import_kg, y.fetched_at
      from sums s left join synced y on y.country_code = s.country_code and y.period = s.period
      order by s.country_code, s.period`),
  )
  return rows.map((r) => ({
    period: r.period,
    countryCode: r.country_code,
    rowCount: toSafeNumber('rowCount', r.row_count),
    exportUsd: toSafeNumber('exportUsd', r.export_usd),
    importUsd: toSafeNumber('importUsd', r.import_usd),
    exportKg: toSafeNumber('exportKg', r.export_kg),
    importKg: toSafeNumber('importKg', r.import_kg),
    detailFetchedAt: toDate(r.fetched_at),
  }))
}

/**
 * The months inside the window each country (of those given, or all) has a successful nitemtrade
 * fetch for — with rows or without (a month with no trade) — and the latest such fetch, ordered by
 * country and month. Counted from the ledger: country slices without an HS prefix (see
 * `MirrorMonth.detailFetchedAt` for why prefix slices do not count).
 */
export async function syncedMonths(db: KcsDatabase, q: TotalsQuery): Promise<SyncedMonth[]> {
  const { from, to, countries } = parseQuery(db, q, true)
  const rows = rowsOf<{ country_code: string; period: string; fetched_at: unknown }>(
    await db.execute(sql`
      select s.country_code, to_char(s.period, 'YYYY-MM') as period, s.fetched_at
      from (${syncedSql(from, to, countries)}) s
      order by s.country_code, s.period`),
  )
  return rows.map((r) => ({
    countryCode: r.country_code,
    period: r.period,
    fetchedAt: toDate(r.fetched_at) ?? new Date(0),
  }))
}

/** Internal: the fields a sibling dataset's ledger entry adds (`dataset`, `countTotals`). */
export function siblingLedgerFields(
  dataset: TotalsDataset,
  r: Record<string, unknown>,
): { dataset: TotalsDataset; countTotals: CountTotals | null; totals: null } {
  const has = r.total_export_usd !== null && r.total_export_usd !== undefined
  return {
    dataset,
    countTotals: has
      ? countsOf({
          export_count: r.total_export_count as string,
          export_usd: r.total_export_usd as string,
          import_count: r.total_import_count as string,
          import_usd: r.total_import_usd as string,
          balance_usd: r.total_balance_usd as string,
        })
      : null,
    totals: null,
  }
}
