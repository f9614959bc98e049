import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidQueryError } from './errors.js'
import { assertDatabase, assertObject } from './guards.js'
import { hsPrefixCondition } from './hs-prefix.js'
import { rollupDigitsFor } from './rollup.js'
import { periodToDate, prefixUpperBound, queryCountry, queryHsPrefix, queryWindow } from './slice.js'
import { rowsOf, toSafeNumber } from './sql.js'
import type { TradeTotals } from './types.js'

/** Sums of the five measures. Sums are computed as numeric and returned as numbers only when safe. */
export interface MonthlyPoint extends TradeTotals {
  /** `YYYY-MM` */
  period: string
}

/**
 * Filter of `monthlySeries`: an optional country (two upper-case letters) and HS prefix (1–10
 * digits), and a month window. Malformed values throw InvalidQueryError.
 */
export interface SeriesQuery {
  country?: string | undefined
  hsPrefix?: string | undefined
  /** `YYYY-MM` or `YYYYMM` */
  from: string
  /** `YYYY-MM` or `YYYYMM`, inclusive */
  to: string
}

/** What to rank by: total trade (export + import dollars, default) or one measure. */
export type RankBy = 'tradeUsd' | 'exportUsd' | 'importUsd' | 'exportKg' | 'importKg' | 'balanceUsd'

/** Filter and size of `topPartners`: an optional HS prefix, a month window, and `limit` (an integer 1–100,000). */
export interface TopPartnersQuery {
  hsPrefix?: string | undefined
  /** `YYYY-MM` or `YYYYMM` */
  from: string
  /** `YYYY-MM` or `YYYYMM`, inclusive */
  to: string
  limit: number
  by?: RankBy | undefined
}

/**
 * Filter and size of `topItems`: an optional country and HS prefix, a month window, and `limit` (an integer
 * 1–100,000).
 */
export interface TopItemsQuery {
  country?: string | undefined
  /**
   * Only codes under this HS prefix (1–10 digits), e.g. `0202` for the lines of heading 0202. With `hsDigits` it
   * may not be longer than the groups (a heading prefix cannot filter chapters).
   */
  hsPrefix?: string | undefined
  /** `YYYY-MM` or `YYYYMM` */
  from: string
  /** `YYYY-MM` or `YYYYMM`, inclusive */
  to: string
  limit: number
  by?: RankBy | undefined
  /** Only codes of this many digits (e.g. 10 for tariff lines); by default every code counts. */
  hsLength?: number | undefined
  /**
   * Rank HS chapters (2) or headings (4) instead of codes: every code counts towards the group of its
   * first digits, read from the monthly rollup (fast on a large mirror). `itemName` is then `''`:
   * name the groups with `@kcs-trade/reference`. Not combinable with `hsLength`.
   */
  hsDigits?: 2 | 4 | undefined
}

/** One partner country in `topPartners`: its summed measures over the window. */
export interface PartnerTotal extends TradeTotals {
  country: string
  countryName: string
  /** `exportUsd + importUsd`, the default ranking. */
  tradeUsd: number
}

/** One HS code in `topItems`: its summed measures over the window. */
export interface ItemTotal extends TradeTotals {
  hsCode: string
  itemName: string
  /** `exportUsd + importUsd`, the default ranking. */
  tradeUsd: number
}

const SUMS = sql.raw(`sum(t.export_kg)::text as export_kg, sum(t.export_usd)::text as export_usd,
  sum(t.import_kg)::text as import_kg, sum(t.import_usd)::text as import_usd,
  sum(t.balance_usd)::text as balance_usd`)

interface SumRow {
  export_kg: string | null
  export_usd: string | null
  import_kg: string | null
  import_usd: string | null
  balance_usd: string | null
}

function totalsOf(r: SumRow): TradeTotals {
  return {
    exportKg: toSafeNumber('exportKg', r.export_kg),
    exportUsd: toSafeNumber('exportUsd', r.export_usd),
    importKg: toSafeNumber('importKg', r.import_kg),
    importUsd: toSafeNumber('importUsd', r.import_usd),
    balanceUsd: toSafeNumber('balanceUsd', r.balance_usd),
  }
}

/** A prefix of `trade_monthly.hs_prefix` (alias `t`) as an index range. */
function rollupPrefixCondition(prefix: string): SQL {
  const upper = prefixUpperBound(prefix)
  return upper === null
    ? sql`t.hs_prefix >= ${prefix}`
    : sql`(t.hs_prefix >= ${prefix} and t.hs_prefix < ${upper})`
}

/** `t.period` within the window (both ends inclusive); shared with aggregate.ts. */
export function windowCondition(from: string, to: string): SQL {
  return sql`t.period between ${periodToDate(from)}::date and ${periodToDate(to)}::date`
}

/**
 * Monthly sums of every row matching the country (or all) and HS prefix (or all) inside the window,
 * one point per month that has rows, oldest first.
 */
export async function monthlySeries(db: KcsDatabase, query: SeriesQuery): Promise<MonthlyPoint[]> {
  assertDatabase(db)
  assertObject(
    query,
    'query',
    'Pass { from: "2025-01", to: "2025-12", ... } (see the query type of this function).',
  )
  const { from, to } = queryWindow(query)
  const country = queryCountry(query.country)
  const prefix = queryHsPrefix(query.hsPrefix)
  const where = [windowCondition(from, to)]
  if (country) where.push(sql`t.country_code = ${country}`)
  // Prefixes of up to 4 digits (and none) are answered from the monthly rollup: the same sums.
  const digits = rollupDigitsFor(prefix)
  if (digits !== null) where.push(sql`t.digits = ${digits}::int2`)
  if (prefix) where.push(digits === null ? hsPrefixCondition(prefix) : rollupPrefixCondition(prefix))
  const rows = rowsOf<SumRow & { period: string }>(
    await db.execute(sql`
      select to_char(t.period, 'YYYY-MM') as period, ${SUMS}
      from ${digits === null ? sql.raw('trade_rows') : sql.raw('trade_monthly')} t
      where ${sql.join(where, sql` and `)}
      group by t.period order by t.period`),
  )
  return rows.map((r) => ({ period: r.period, ...totalsOf(r) }))
}

const RANK: Record<RankBy, string> = {
  tradeUsd: 'sum(t.export_usd) + sum(t.import_usd)',
  exportUsd: 'sum(t.export_usd)',
  importUsd: 'sum(t.import_usd)',
  exportKg: 'sum(t.export_kg)',
  importKg: 'sum(t.import_kg)',
  balanceUsd: 'sum(t.balance_usd)',
}

function rankOf(by: RankBy | undefined): SQL {
  const key = by ?? 'tradeUsd'
  // Own keys only: "constructor" or "toString" must not reach sql.raw.
  const expr = typeof key === 'string' && Object.hasOwn(RANK, key) ? RANK[key] : undefined
  if (typeof expr !== 'string')
    throw new InvalidQueryError(`by must be one of ${Object.keys(RANK).join(', ')}`)
  return sql.raw(expr)
}

export function limitOf(limit: unknown): number {
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 100_000) {
    throw new InvalidQueryError(`limit must be an integer from 1 to 100000, got ${describeValue(limit)}`)
  }
  return limit as number
}

/** Partner countries ranked by total trade (or `by`) for an HS prefix (or everything) in the window. */
export async function topPartners(db: KcsDatabase, query: TopPartnersQuery): Promise<PartnerTotal[]> {
  assertDatabase(db)
  assertObject(
    query,
    'query',
    'Pass { from: "2025-01", to: "2025-12", ... } (see the query type of this function).',
  )
  const { from, to } = queryWindow(query)
  const prefix = queryHsPrefix(query.hsPrefix)
  const limit = limitOf(query.limit)
  const where = [windowCondition(from, to)]
  const digits = rollupDigitsFor(prefix)
  if (digits !== null) where.push(sql`t.digits = ${digits}::int2`)
  if (prefix) where.push(digits === null ? hsPrefixCondition(prefix) : rollupPrefixCondition(prefix))
  const rows = rowsOf<SumRow & { country: string; country_name: string; trade_usd: string }>(
    await db.execute(sql`
      select t.country_code as country, max(t.country_name) as country_name, ${SUMS},
        (sum(t.export_usd) + sum(t.import_usd))::text as trade_usd
      from ${digits === null ? sql.raw('trade_rows') : sql.raw('trade_monthly')} t
      where ${sql.join(where, sql` and `)}
      group by t.country_code
      order by ${rankOf(query.by)} desc, t.country_code
      limit ${limit}`),
  )
  return rows.map((r) => ({
    country: r.country,
    countryName: r.country_name,
    ...totalsOf(r),
    tradeUsd: toSafeNumber('tradeUsd', r.trade_usd),
  }))
}

/** HS codes ranked by total trade (or `by`) with one country (or all) in the window. */
export async function topItems(db: KcsDatabase, query: TopItemsQuery): Promise<ItemTotal[]> {
  assertDatabase(db)
  assertObject(
    query,
    'query',
    'Pass { from: "2025-01", to: "2025-12", ... } (see the query type of this function).',
  )
  const { from, to } = queryWindow(query)
  const country = queryCountry(query.country)
  const prefix = queryHsPrefix(query.hsPrefix)
  const limit = limitOf(query.limit)
  const where = [windowCondition(from, to)]
  if (country) where.push(sql`t.country_code = ${country}`)
  const grouped = query.hsDigits !== undefined
  if (grouped) {
    if (query.hsDigits !== 2 && query.hsDigits !== 4) {
      throw new InvalidQueryError(`hsDigits must be 2 or 4, got ${String(query.hsDigits)}`)
    }
    if (query.hsLength !== undefined) throw new InvalidQueryError('give hsDigits or hsLength, not both')
    if (prefix && prefix.length > query.hsDigits)
      throw new InvalidQueryError(
        `hsPrefix ${prefix} is longer than the ${query.hsDigits}-digit groups of hsDigits: rank longer groups or codes (no hsDigits)`,
      )
    where.push(sql`t.digits = ${query.hsDigits}::int2`)
  }
  if (prefix) where.push(grouped ? rollupPrefixCondition(prefix) : hsPrefixCondition(prefix))
  if (query.hsLength !== undefined) {
    if (!Number.isInteger(query.hsLength) || query.hsLength < 1 || query.hsLength > 10) {
      throw new InvalidQueryError(
        `hsLength must be an integer from 1 to 10, got ${describeValue(query.hsLength)}`,
      )
    }
    where.push(sql`length(t.hs_code) = ${query.hsLength}::int`)
  }
  const rows = rowsOf<SumRow & { hs_code: string; item_name: string; trade_usd: string }>(
    await db.execute(sql`
      select ${grouped ? sql.raw(`t.hs_prefix as hs_code, '' as item_name`) : sql.raw('t.hs_code, max(t.item_name) as item_name')},
        ${SUMS}, (sum(t.export_usd) + sum(t.import_usd))::text as trade_usd
      from ${grouped ? sql.raw('trade_monthly') : sql.raw('trade_rows')} t where ${sql.join(where, sql` and `)}
      group by 1
      order by ${rankOf(query.by)} desc, 1
      limit ${limit}`),
  )
  return rows.map((r) => ({
    hsCode: r.hs_code,
    itemName: r.item_name,
    ...totalsOf(r),
    tradeUsd: toSafeNumber('tradeUsd', r.trade_usd),
  }))
}
