import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidArgumentError, InvalidSliceError } from './errors.js'
import { assertDatabase } from './guards.js'
import { hsPrefixCondition } from './hs-prefix.js'
import type { StagedGroups } from './rollup-staged.js'
import { normalizeSlice, periodToDate } from './slice.js'
import { rowsOf } from './sql.js'
import type { NormalizedSlice } from './types.js'

/** Digit levels of `trade_monthly`. */
export const ROLLUP_DIGITS = [2, 4] as const

const SUMS = sql.raw(`max(t.country_name), count(*)::int, sum(t.export_kg), sum(t.export_usd),
  sum(t.import_kg), sum(t.import_usd), sum(t.balance_usd)`)
const SUMS_OF_GROUPS =
  sql.raw(`max(m.country_name), sum(m.row_count)::int, sum(m.export_kg), sum(m.export_usd),
  sum(m.import_kg), sum(m.import_usd), sum(m.balance_usd)`)
const COLUMNS = sql.raw(
  'digits, country_code, period, hs_prefix, country_name, row_count, export_kg, export_usd, import_kg, import_usd, balance_usd',
)

/**
 * Recomputes the rollup groups a slice's rows belong to, from trade_rows, inside the caller's
 * transaction: the 4-digit groups from the base rows, then the 2-digit groups from those. A slice with
 * an HS prefix longer than a level's digits refreshes the one group containing it (its other rows are
 * outside the slice but in the same group).
 */
export async function refreshRollup(tx: Pick<KcsDatabase, 'execute'>, slice: NormalizedSlice): Promise<void> {
  return refreshRollupFrom(tx, slice, null)
}

/**
 * Internal: `refreshRollup`, with the 4-digit groups already summed from the rows just written when
 * `staged` is given (a first write whose 4-digit groups lie wholly inside the slice, see
 * `StagedGroups.covers`), so trade_rows is not read back; else as `refreshRollup`.
 */
export async function refreshRollupFrom(
  tx: Pick<KcsDatabase, 'execute'>,
  slice: NormalizedSlice,
  staged: StagedGroups | null,
): Promise<void> {
  const t = tx as { execute?: unknown } | null
  if (t === null || typeof t !== 'object' || typeof t.execute !== 'function')
    throw new InvalidArgumentError(
      'tx',
      `expected a database or a transaction, got ${describeValue(tx)}`,
      "Call it inside `db.transaction(async (tx) => ...)` with `tx`, after changing the slice's rows.",
    )
  // Validated and normalised again: the prefix and window below become SQL parameters and ranges.
  if (slice === null || typeof slice !== 'object') throw new InvalidSliceError('slice must be an object')
  const s = normalizeSlice({
    country: slice.country ?? undefined,
    hs: slice.hs ?? undefined,
    from: slice.from,
    to: slice.to,
  })
  const window = (alias: string) =>
    sql`${sql.raw(alias)}.period between ${periodToDate(s.from)}::date and ${periodToDate(s.to)}::date`
  const country = (alias: string): SQL[] =>
    s.country ? [sql`${sql.raw(alias)}.country_code = ${s.country}`] : []
  // Groups of `digits` touched by the slice's prefix: all, those under it, or the one containing it.
  const groups = (digits: number, alias: string): SQL[] => {
    if (!s.hs) return []
    const a = sql.raw(alias)
    if (s.hs.length <= digits) return [sql`${a}.hs_prefix like ${`${s.hs}%`}`]
    return [sql`${a}.hs_prefix = ${s.hs.slice(0, digits)}`]
  }
  const rowsOfGroups = (digits: number): SQL[] => {
    if (!s.hs) return []
    return [hsPrefixCondition(s.hs.length <= digits ? s.hs : s.hs.slice(0, digits), 't')]
  }
  const and = (parts: SQL[]) => sql.join(parts, sql` and `)
  for (const digits of [4, 2]) {
    await tx.execute(sql`
      delete from trade_monthly m
      where ${and([sql`m.digits = ${digits}::int2`, window('m'), ...country('m'), ...groups(digits, 'm')])}`)
  }
  if (staged?.exact && staged.covers(s)) {
    await staged.insert(tx)
  } else {
    await tx.execute(sql`
      insert into trade_monthly (${COLUMNS})
      select 4, t.country_code, t.period, left(t.hs_code, 4), ${SUMS}
      from trade_rows t where ${and([window('t'), ...country('t'), ...rowsOfGroups(4)])}
      group by t.country_code, t.period, left(t.hs_code, 4)`)
  }
  const hs2 = s.hs ? [sql`m.hs_prefix like ${`${s.hs.slice(0, 2)}%`}`] : []
  await tx.execute(sql`
    insert into trade_monthly (${COLUMNS})
    select 2, m.country_code, m.period, left(m.hs_prefix, 2), ${SUMS_OF_GROUPS}
    from trade_monthly m where ${and([sql`m.digits = 4`, window('m'), ...country('m'), ...hs2])}
    group by m.country_code, m.period, left(m.hs_prefix, 2)`)
}

/**
 * Rebuilds the whole of `trade_monthly` from `trade_rows` in one transaction (after a bulk load
 * that bypassed replaceSlice, or to repair). Takes a while on a large mirror: one pass over every row.
 */
export async function rebuildRollup(db: KcsDatabase): Promise<{ groups: number }> {
  assertDatabase(db)
  return db.transaction(async (tx) => {
    await tx.execute(sql`lock table trade_monthly in exclusive mode`)
    await tx.execute(sql`delete from trade_monthly`)
    await tx.execute(sql`
      insert into trade_monthly (${COLUMNS})
      select 4, t.country_code, t.period, left(t.hs_code, 4), ${SUMS}
      from trade_rows t group by t.country_code, t.period, left(t.hs_code, 4)`)
    await tx.execute(sql`
      insert into trade_monthly (${COLUMNS})
      select 2, m.country_code, m.period, left(m.hs_prefix, 2), ${SUMS_OF_GROUPS}
      from trade_monthly m where m.digits = 4
      group by m.country_code, m.period, left(m.hs_prefix, 2)`)
    const r = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from trade_monthly`))
    return { groups: Number(r[0]?.n ?? 0) }
  })
}

/**
 * Which rollup level can answer a filter on this HS prefix exactly: 2 for none or 1–2 digits, 4 for
 * 3–4 digits, null for longer prefixes (those read trade_rows).
 */
export function rollupDigitsFor(prefix: string | null): 2 | 4 | null {
  if (prefix === null || prefix.length <= 2) return 2
  if (prefix.length <= 4) return 4
  return null
}
