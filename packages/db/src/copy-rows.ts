import type pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import type { TradeSelection } from './aggregate.js'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidArgumentError, InvalidQueryError } from './errors.js'
import { assertDatabase, assertObject, optionsObject } from './guards.js'
import { periodToDate, prefixUpperBound, queryCountry, queryHsPrefix, queryWindow } from './slice.js'
import { rowsOf } from './sql.js'

/** How `copyTradeRowsText` gives a row's five measures (export kg, export USD, import kg, import USD, balance USD). */
export type CopyMeasures = 'tsv' | 'csv'

/** Options of `copyTradeRowsText`. */
export interface CopyTradeRowsOptions {
  /**
   * The measures' field(s): `'tsv'` (default) five fields; `'csv'` one field `1,2,3,4,5` (built by
   * PostgreSQL with `concat_ws`).
   */
  measures?: CopyMeasures | undefined
  /**
   * Which rows carry their item name (the last field): those whose HS code is longer than 6 digits
   * and for which this returns true. It is asked once per distinct code of the mirror, before the
   * rows are read. Absent: no row carries it (the field is `\N`).
   */
  itemNameFor?: ((hsCode: string) => boolean) | undefined
}

/** `true` when `copyTradeRowsText` can read `db`: a PostgreSQL database opened with `connect` (not PGlite). */
export function canCopyTradeRows(db: KcsDatabase): boolean {
  return db !== null && typeof db === 'object' && (db as { driver?: unknown }).driver === 'postgres'
}

/** A value as an SQL string literal (standard_conforming_strings on, as on every supported server). */
function literal(value: string): string {
  if (value.includes('\u0000'))
    throw new InvalidQueryError('a value of the query holds a NUL character', 'Remove the NUL character.')
  return `'${value.replace(/'/g, "''")}'`
}

/** A `text[]` literal of the values. */
function arrayLiteral(values: readonly string[]): string {
  return `${literal(`{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`)}::text[]`
}

const MEASURES: Record<CopyMeasures, string> = {
  tsv: 't.export_kg, t.export_usd, t.import_kg, t.import_usd, t.balance_usd',
  csv: "concat_ws(',', t.export_kg, t.export_usd, t.import_kg, t.import_usd, t.balance_usd)",
}

/** Every distinct HS code of the mirror longer than 6 digits: a loose scan of the (hs_code, period) index. */
async function longCodes(pool: pg.Pool, prefix: string | null): Promise<string[]> {
  const start = prefix
    ? `(select hs_code from trade_rows where hs_code >= ${literal(prefix)} order by hs_code limit 1)`
    : '(select hs_code from trade_rows order by hs_code limit 1)'
  const result = await pool.query(`
    with recursive c(code) as (
      ${start}
      union all
      select (select t.hs_code from trade_rows t where t.hs_code > c.code order by t.hs_code limit 1)
      from c where c.code is not null${prefix ? ` and c.code like ${literal(`${prefix}%`)}` : ''}
    )
    select code from c where code is not null and length(code) > 6`)
  return rowsOf<{ code: string }>(result).map((r) => r.code)
}

/**
 * The `COPY (select …) TO STDOUT` statement of a selection. It orders by the `YYYY-MM` text (the same
 * order as the date): no index gives that order, so PostgreSQL reads a large selection with a
 * (parallel) sequential scan and sorts it, as `COPY (select to_char(period, …) as period … order by
 * country_code, period, hs_code)` does; ordered by the date it walks the primary key instead, which
 * took 24–27 s against 18–24 s for 5 M rows on a 2-core machine (see the worker's BENCHMARKS.md).
 */
function copyStatement(query: TradeSelection, options: CopyTradeRowsOptions): (item: string) => string {
  const { from, to } = queryWindow(query)
  const list = query.countries ?? []
  if (!Array.isArray(list))
    throw new InvalidQueryError(
      'countries must be an array of country codes',
      'Pass countries: ["US", "CN"], or leave it out for every country.',
    )
  const countries = [...new Set(list.map((c) => queryCountry(c)).filter((c) => c !== null))].sort()
  const prefix = queryHsPrefix(query.hsPrefix)
  const where = [
    `t.period between ${literal(periodToDate(from))}::date and ${literal(periodToDate(to))}::date`,
  ]
  if (countries.length > 0) where.push(`t.country_code in (${countries.map(literal).join(', ')})`)
  if (prefix) {
    const upper = prefixUpperBound(prefix)
    where.push(`t.hs_code >= ${literal(prefix)}`)
    if (upper !== null) where.push(`t.hs_code < ${literal(upper)}`)
    where.push(`t.hs_code like ${literal(`${prefix}%`)}`)
  }
  const measures = options.measures === undefined ? 'tsv' : options.measures
  if (!Object.hasOwn(MEASURES, measures))
    throw new InvalidArgumentError(
      'options.measures',
      `must be 'tsv' or 'csv', got ${describeValue(measures)}`,
      "Pass 'tsv' (five fields) or 'csv' (one field), or leave it out.",
    )
  if (options.itemNameFor !== undefined && typeof options.itemNameFor !== 'function')
    throw new InvalidArgumentError(
      'options.itemNameFor',
      `must be a function of an HS code, got ${describeValue(options.itemNameFor)}`,
      'Pass (hsCode) => boolean, or leave it out for no item names.',
    )
  return (item) => `copy (
    select to_char(t.period, 'YYYY-MM') as month, t.country_code, t.hs_code, ${MEASURES[measures]}, ${item}
    from trade_rows t where ${where.join(' and ')}
    order by t.country_code, month, t.hs_code
  ) to stdout`
}

/**
 * The mirrored rows of the selection as PostgreSQL streams them with `COPY (select …) TO STDOUT` in
 * its text format, ordered by (country, period, HS code) like `iterateTradeRowPages`, read in one
 * statement (one snapshot). Each row is one line ending in `\n`, fields separated by tabs: `YYYY-MM`,
 * country code, HS code, the measures (see {@link CopyTradeRowsOptions.measures}), then the item name
 * or `\N`. Text fields use COPY's escapes (`\\`, `\t`, `\n`, `\r`…); codes and numbers never need
 * them. The chunks are Buffers cut anywhere, even inside a line or a UTF-8 character: join them
 * before decoding. Memory: one chunk; the stream waits while the caller works.
 *
 * PostgreSQL only ({@link canCopyTradeRows}); PGlite databases throw InvalidArgumentError. Measures
 * come as PostgreSQL prints bigints, with no safe-integer check.
 */
export async function* copyTradeRowsText(
  db: KcsDatabase,
  query: TradeSelection,
  options: CopyTradeRowsOptions = {},
): AsyncGenerator<Buffer> {
  assertDatabase(db)
  assertObject(
    query,
    'query',
    'Pass { from: "2025-01", to: "2025-12", countries?: ["US"], hsPrefix?: "85" }.',
  )
  options = optionsObject(options, 'options', "Pass { measures: 'csv' } or nothing.")
  const statement = copyStatement(query, options)
  if (!canCopyTradeRows(db))
    throw new InvalidArgumentError(
      'db',
      'COPY TO STDOUT needs a PostgreSQL database (this is PGlite)',
      'Check canCopyTradeRows(db) first and read PGlite with iterateTradeRowPages.',
    )
  const pool = db.$client as pg.Pool
  let item = 'null::text'
  const wanted = options.itemNameFor
  if (wanted) {
    const codes = (await longCodes(pool, queryHsPrefix(query.hsPrefix))).filter((c) => wanted(c))
    if (codes.length > 0) item = `case when t.hs_code = any(${arrayLiteral(codes)}) then t.item_name end`
  }
  const client = await pool.connect()
  let done = false
  let failure: unknown
  const stream = client.query(copyTo(statement(item)))
  try {
    for await (const chunk of stream) yield chunk as Buffer
    done = true
  } catch (error) {
    failure = error
    throw error
  } finally {
    if (!done) stream.destroy()
    // A COPY left unfinished (the caller stopped, or it failed) leaves the connection mid-protocol:
    // it is closed, not returned to the pool.
    client.release(done ? undefined : failure instanceof Error ? failure : true)
  }
}
