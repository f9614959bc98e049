import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { InvalidQueryError } from './errors.js'
import { type IterateOptions, iterateTradeRows } from './read.js'
import { hsPrefixCondition } from './replace.js'
import { periodToDate, queryCountry, queryHsPrefix, queryWindow } from './slice.js'
import { rowsOf, toSafeNumber } from './sql.js'
import type { TradeTotals } from './types.js'

/**
 * Filter of `countTradeRows`, `mirroredWindow` and `iterateTradeAggregates`: any number of countries
 * (none or an empty list = every country), an optional HS prefix of 1–10 digits, and a month window.
 * Malformed values throw InvalidQueryError.
 */
export interface TradeSelection {
  /** Two upper-case letters each; absent or `[]` for every country. */
  countries?: readonly string[] | undefined
  hsPrefix?: string | undefined
  /** `YYYY-MM` or `YYYYMM` */
  from: string
  /** `YYYY-MM` or `YYYYMM`, inclusive */
  to: string
}

/** HS digit levels `iterateTradeAggregates` groups by. */
export type HsLevel = 2 | 4 | 6 | 10

/** One group of `iterateTradeAggregates`: a month × country × HS code cut to the level, with summed measures. */
export interface TradeAggregate extends TradeTotals {
  /** `YYYY-MM` */
  period: string
  countryCode: string
  /** The country name the mirror holds (KCS's Korean spelling) for the group's first row. */
  countryName: string
  /**
   * The first `level` digits of the mirrored codes; a mirrored code shorter than the level (the API
   * serves a few 6- and 9-digit codes) keeps its own length.
   */
  hsCode: string
  /** The item name of the group's first row, meaningful only when the group is a single code. */
  itemName: string
  /** Mirrored rows summed into this group. */
  rowCount: number
}

function selectionCountries(query: TradeSelection): string[] {
  const list = query.countries ?? []
  if (!Array.isArray(list)) throw new InvalidQueryError('countries must be an array of country codes')
  const out = new Set<string>()
  for (const c of list) {
    const code = queryCountry(c)
    if (code) out.add(code)
  }
  return [...out].sort()
}

function selectionWhere(query: TradeSelection): { where: SQL[]; countries: string[] } {
  const { from, to } = queryWindow(query)
  const countries = selectionCountries(query)
  const prefix = queryHsPrefix(query.hsPrefix)
  const where: SQL[] = [sql`t.period between ${periodToDate(from)}::date and ${periodToDate(to)}::date`]
  if (countries.length > 0)
    where.push(
      sql`t.country_code in (${sql.join(
        countries.map((c) => sql`${c}`),
        sql`, `,
      )})`,
    )
  if (prefix) where.push(hsPrefixCondition(prefix))
  return { where, countries }
}

/**
 * Number of mirrored rows matching the selection, per country (countries without rows are absent),
 * sorted by country code. One `count(*)` over the primary key range; use it to size a progress bar.
 */
export async function countTradeRows(
  db: KcsDatabase,
  query: TradeSelection,
): Promise<Array<{ country: string; rows: number }>> {
  const { where } = selectionWhere(query)
  const rows = rowsOf<{ country: string; n: string }>(
    await db.execute(sql`
      select t.country_code as country, count(*)::text as n
      from trade_rows t where ${sql.join(where, sql` and `)}
      group by t.country_code order by t.country_code`),
  )
  return rows.map((r) => ({ country: r.country, rows: toSafeNumber('rows', r.n) }))
}

/**
 * The first and last month (`YYYY-MM`) with mirrored rows for the countries (or all), or null when
 * the mirror has none. Two index probes on `period`.
 */
export async function mirroredWindow(
  db: KcsDatabase,
  query: Pick<TradeSelection, 'countries'> = {},
): Promise<{ from: string; to: string } | null> {
  const countries = selectionCountries({ from: '2000-01', to: '2000-01', ...query })
  const where =
    countries.length > 0
      ? sql`where t.country_code in (${sql.join(
          countries.map((c) => sql`${c}`),
          sql`, `,
        )})`
      : sql``
  const rows = rowsOf<{ lo: string | null; hi: string | null }>(
    await db.execute(sql`
      select to_char(min(t.period), 'YYYY-MM') as lo, to_char(max(t.period), 'YYYY-MM') as hi
      from trade_rows t ${where}`),
  )
  const r = rows[0]
  return r?.lo && r.hi ? { from: r.lo, to: r.hi } : null
}

function hsLevel(level: unknown): HsLevel {
  if (level !== 2 && level !== 4 && level !== 6 && level !== 10)
    throw new InvalidQueryError(`level must be 2, 4, 6 or 10, got ${JSON.stringify(level)}`)
  return level
}

/**
 * The mirrored rows of the selection summed by month × country × HS code cut to `level` digits,
 * ordered by (country, month, code), streamed in bounded memory on PGlite and PostgreSQL alike.
 *
 * The rows are read in primary-key order with keyset pages (as `iterateTradeRows` does, one country
 * after the other), where every group is a contiguous run, and summed as they pass: memory holds one
 * page and one group whatever the size of the selection. Throws InvalidQueryError when `level` is not
 * 2, 4, 6 or 10 or is shorter than the HS prefix, and UnsafeIntegerError if a sum leaves the safe
 * integer range.
 *
 * Summing assumes the mirror holds each trade once: a mirror synced both with and without an HS
 * prefix holds the same trade at two code lengths, and both count.
 */
export async function* iterateTradeAggregates(
  db: KcsDatabase,
  query: TradeSelection & { level: HsLevel },
  options: IterateOptions = {},
): AsyncGenerator<TradeAggregate> {
  const level = hsLevel(query.level)
  const prefix = queryHsPrefix(query.hsPrefix)
  if (prefix && prefix.length > level)
    throw new InvalidQueryError(
      `level ${level} is shorter than the HS prefix ${prefix}: every row already shares its first ${prefix.length} digits`,
    )
  const { from, to } = queryWindow(query)
  const countries = selectionCountries(query)
  let group: TradeAggregate | undefined
  for (const country of countries.length > 0 ? countries : [undefined]) {
    for await (const r of iterateTradeRows(
      db,
      { country, hsPrefix: prefix ?? undefined, from, to },
      options,
    )) {
      const code = r.hsCode.slice(0, level)
      if (
        group &&
        group.hsCode === code &&
        group.period === r.period &&
        group.countryCode === r.countryCode
      ) {
        group.exportKg = safeAdd('exportKg', group.exportKg, r.exportKg)
        group.exportUsd = safeAdd('exportUsd', group.exportUsd, r.exportUsd)
        group.importKg = safeAdd('importKg', group.importKg, r.importKg)
        group.importUsd = safeAdd('importUsd', group.importUsd, r.importUsd)
        group.balanceUsd = safeAdd('balanceUsd', group.balanceUsd, r.balanceUsd)
        group.rowCount++
        continue
      }
      if (group) yield group
      group = {
        period: r.period,
        countryCode: r.countryCode,
        countryName: r.countryName,
        hsCode: code,
        itemName: r.itemName,
        exportKg: r.exportKg,
        exportUsd: r.exportUsd,
        importKg: r.importKg,
        importUsd: r.importUsd,
        balanceUsd: r.balanceUsd,
        rowCount: 1,
      }
    }
  }
  if (group) yield group
}

function safeAdd(field: string, a: number, b: number): number {
  const n = a + b
  if (!Number.isSafeInteger(n)) return toSafeNumber(field, (BigInt(a) + BigInt(b)).toString())
  return n
}
