import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidQueryError } from './errors.js'
import { assertDatabase, assertObject, optionsObject, positiveInteger } from './guards.js'
import { hsPrefixCondition } from './hs-prefix.js'
import { windowCondition } from './read.js'
import { type IterateOptions, readTradePage, type TradeRowRecord, toTradeRow } from './read-rows.js'
import { queryCountry, queryHsPrefix, queryWindow } from './slice.js'
import { rowsOf, toSafeNumber } from './sql.js'
import type { TradeRow, TradeTotals } from './types.js'

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

function selectionCountries(query: Pick<TradeSelection, 'countries'>): string[] {
  const list = query.countries ?? []
  if (!Array.isArray(list)) throw new InvalidQueryError('countries must be an array of country codes')
  const out = new Set<string>()
  for (const c of list) {
    const code = queryCountry(c)
    if (code) out.add(code)
  }
  return [...out].sort()
}

/** `t.country_code in (…)` for a non-empty list of checked codes, each a parameter. */
function countryIn(countries: string[]): SQL {
  return sql`t.country_code in (${sql.join(
    countries.map((c) => sql`${c}`),
    sql`, `,
  )})`
}

const SELECTION_HINT =
  'Pass { from: "2025-01", to: "2025-12", countries?: ["US"], hsPrefix?: "85" } (see TradeSelection).'

/** The database and selection checks every function here starts with. */
function checkArgs(db: unknown, query: unknown): void {
  assertDatabase(db)
  assertObject(query, 'query', SELECTION_HINT)
}

function selectionWhere(query: TradeSelection): SQL[] {
  const { from, to } = queryWindow(query)
  const countries = selectionCountries(query)
  const prefix = queryHsPrefix(query.hsPrefix)
  const where: SQL[] = [windowCondition(from, to)]
  if (countries.length > 0) where.push(countryIn(countries))
  if (prefix) where.push(hsPrefixCondition(prefix))
  return where
}

/**
 * Number of mirrored rows matching the selection, per country (countries without rows are absent),
 * sorted by country code. One `count(*)` over the primary key range; use it to size a progress bar.
 */
export async function countTradeRows(
  db: KcsDatabase,
  query: TradeSelection,
): Promise<Array<{ country: string; rows: number }>> {
  checkArgs(db, query)
  const where = selectionWhere(query)
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
  assertDatabase(db)
  query = optionsObject(query, 'query', 'Pass { countries: ["US"] } or nothing for every country.')
  const countries = selectionCountries(query)
  const where = countries.length > 0 ? sql`where ${countryIn(countries)}` : sql``
  const rows = rowsOf<{ lo: string | null; hi: string | null }>(
    await db.execute(sql`
      select to_char(min(t.period), 'YYYY-MM') as lo, to_char(max(t.period), 'YYYY-MM') as hi
      from trade_rows t ${where}`),
  )
  const r = rows[0]
  return r?.lo && r.hi ? { from: r.lo, to: r.hi } : null
}

/**
 * Every mirrored row of the selection, a page (an array of up to `pageSize` rows, default 10,000) at a
 * time, ordered by (country, period, HS code): one country after the other with keyset pages on the
 * primary key, the next page's query sent before the current page is handed over, so the database
 * works while the caller processes. Memory: two pages. Rows are the same as `iterateTradeRows` gives.
 */
export async function* iterateTradeRowPages(
  db: KcsDatabase,
  query: TradeSelection,
  options: IterateOptions = {},
): AsyncGenerator<TradeRow[]> {
  checkArgs(db, query)
  options = optionsObject(options, 'options', 'Pass { pageSize: 10000 } or nothing.')
  const { from, to } = queryWindow(query)
  const countries = selectionCountries(query)
  const prefix = queryHsPrefix(query.hsPrefix)
  const pageSize = positiveInteger(options.pageSize, 'options.pageSize', 10_000, 1_000_000)
  for (const country of countries.length > 0 ? countries : [null]) {
    const page = (after: TradeRowRecord | undefined) =>
      readTradePage(db, { from, to, country, prefix, pageSize, after })
    let pending: Promise<TradeRowRecord[]> | undefined = page(undefined)
    while (pending) {
      const rows: TradeRowRecord[] = await pending
      const last = rows[rows.length - 1]
      // Ask for the next page now; it is awaited after the caller has taken this one.
      pending = rows.length === pageSize && last ? page(last) : undefined
      // An abandoned prefetch must not surface as an unhandled rejection.
      pending?.catch(() => {})
      yield rows.map(toTradeRow)
    }
  }
}

function hsLevel(level: unknown): HsLevel {
  if (level !== 2 && level !== 4 && level !== 6 && level !== 10)
    throw new InvalidQueryError(`level must be 2, 4, 6 or 10, got ${describeValue(level)}`)
  return level
}

/**
 * The mirrored rows of the selection summed by month × country × HS code cut to `level` digits,
 * ordered by (country, month, code), streamed in bounded memory on PGlite and PostgreSQL alike.
 *
 * The rows are read with `iterateTradeRowPages` (primary-key order, one country after the other),
 * where every group is a contiguous run, and summed as they pass: memory holds two pages and the
 * groups of one page whatever the size of the selection. Throws InvalidQueryError when `level` is not
 * 2, 4, 6 or 10 or is shorter than the HS prefix, and UnsafeIntegerError if a sum leaves the safe
 * integer range.
 *
 * Each trade counts once: `replaceSlice` never stores the same trade at two code lengths
 * (MixedGranularityError). A mirror written before that check could; its sums would count both.
 */
export async function* iterateTradeAggregates(
  db: KcsDatabase,
  query: TradeSelection & { level: HsLevel },
  options: IterateOptions = {},
): AsyncGenerator<TradeAggregate> {
  checkArgs(db, query)
  const level = hsLevel(query.level)
  const prefix = queryHsPrefix(query.hsPrefix)
  if (prefix && prefix.length > level)
    throw new InvalidQueryError(
      `level ${level} is shorter than the HS prefix ${prefix}: every row already shares its first ${prefix.length} digits`,
    )
  let group: TradeAggregate | undefined
  for await (const page of iterateTradeRowPages(db, query, options)) {
    const done: TradeAggregate[] = []
    for (const r of page) {
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
      if (group) done.push(group)
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
    yield* done
  }
  if (group) yield group
}

function safeAdd(field: string, a: number, b: number): number {
  const n = a + b
  if (!Number.isSafeInteger(n)) return toSafeNumber(field, (BigInt(a) + BigInt(b)).toString())
  return n
}
