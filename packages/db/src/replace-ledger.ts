import { type SQL, sql } from 'drizzle-orm'
import { MixedGranularityError } from './errors.js'
import { hsPrefixCondition, rawAlias } from './hs-prefix.js'
import { SLICE_LOCK_SPACE, sliceLockId } from './locks.js'
import { codeLengthOf, periodToDate } from './slice.js'
import { rowsOf } from './sql.js'
import type { Tx } from './transaction.js'
import type { FetchMeta, NormalizedSlice, TradeTotals } from './types.js'

/** The rows of trade_rows (aliased `t`) that belong to the slice. */
export function scopeOf(s: NormalizedSlice, alias = 't'): SQL {
  const a = rawAlias(alias)
  const parts: SQL[] = [
    sql`${a}.period between ${periodToDate(s.from)}::date and ${periodToDate(s.to)}::date`,
  ]
  if (s.country) parts.push(sql`${a}.country_code = ${s.country}`)
  if (s.hs) parts.push(hsPrefixCondition(s.hs, alias))
  return sql.join(parts, sql` and `)
}

/** The code length of a ledger row's slice, in SQL (see `sliceCodeLength`). */
const LEDGER_CODE_LENGTH = sql.raw(
  "case coalesce(length(nullif(l.hs_prefix, '')), 0) when 2 then 4 when 4 then 6 else 10 end",
)

/**
 * Throws MixedGranularityError when a slice holding rows in the mirror overlaps this one (a month, the
 * country and a code prefix in common) but stores codes of another length.
 */
export async function assertOneCodeLength(tx: Tx, s: NormalizedSlice): Promise<void> {
  const length = codeLengthOf(s.hs)
  const parts: SQL[] = [
    // Only the detail's slices store HS codes (a sibling dataset's rows live in other tables).
    sql`l.dataset = 'nitemtrade'`,
    sql`l.slice_key <> ${s.key}`,
    sql`l.fetched_at is not null and coalesce(l.row_count, 0) > 0`,
    sql`l.period_from <= ${periodToDate(s.to)}::date and l.period_to >= ${periodToDate(s.from)}::date`,
    sql`${LEDGER_CODE_LENGTH} <> ${length}::int`,
  ]
  if (s.country) parts.push(sql`(l.country_code is null or l.country_code = ${s.country})`)
  if (s.hs) {
    parts.push(sql`(coalesce(l.hs_prefix, '') = '' or l.hs_prefix = left(${s.hs}, length(l.hs_prefix))
      or ${s.hs} = left(l.hs_prefix, ${s.hs.length}::int))`)
  }
  const found = rowsOf<{ slice_key: string; code_length: number }>(
    await tx.execute(sql`
      select l.slice_key, ${LEDGER_CODE_LENGTH} as code_length from sync_ledger l
      where ${sql.join(parts, sql` and `)}
      order by l.slice_key limit 1`),
  )[0]
  if (found) throw new MixedGranularityError(s.key, length, found.slice_key, Number(found.code_length))
}

export async function lockSlice(tx: Tx, s: NormalizedSlice): Promise<void> {
  // Per calendar year touched: all-country slices take the year's "all countries" lock exclusively;
  // country slices share it and take their (country, year) lock exclusively. Overlapping slices never
  // interleave, different countries or years write in parallel, and every writer acquires in the
  // same ascending key order, so the locks cannot deadlock.
  const keys: SQL[] = []
  for (let year = Number(s.from.slice(0, 4)); year <= Number(s.to.slice(0, 4)); year++) {
    const all = sliceLockId(year, null)
    if (s.country === null) {
      keys.push(sql`pg_advisory_xact_lock(${SLICE_LOCK_SPACE}::int, ${all}::int)`)
    } else {
      keys.push(sql`pg_advisory_xact_lock_shared(${SLICE_LOCK_SPACE}::int, ${all}::int)`)
      keys.push(sql`pg_advisory_xact_lock(${SLICE_LOCK_SPACE}::int, ${sliceLockId(year, s.country)}::int)`)
    }
  }
  for (const key of keys) await tx.execute(sql`select ${key}`)
}

function totalsValues(total: TradeTotals | null): SQL {
  if (total === null) return sql`null, null, null, null, null`
  return sql`${total.exportKg}::int8, ${total.exportUsd}::int8, ${total.importKg}::int8, ${total.importUsd}::int8, ${total.balanceUsd}::int8`
}

export async function writeLedgerSuccess(
  tx: Tx,
  s: NormalizedSlice,
  meta: FetchMeta,
  at: string,
  rowCount: number,
  change: { added: number; changed: number; withdrawn: number },
): Promise<void> {
  await tx.execute(sql`
    insert into sync_ledger (
      slice_key, country_code, hs_prefix, period_from, period_to, status, row_count,
      total_export_kg, total_export_usd, total_import_kg, total_import_usd, total_balance_usd,
      sums_match, body_sha256, last_added, last_changed, last_withdrawn, fetched_at, first_fetched_at,
      attempts, duration_ms, last_error, error_code, updated_at)
    values (
      ${s.key}, ${s.country}, ${s.hs}, ${periodToDate(s.from)}::date, ${periodToDate(s.to)}::date, 'ok', ${rowCount}::int,
      ${totalsValues(meta.total)},
      ${meta.sumsMatch ?? null}::boolean, ${meta.bodySha256}, ${change.added}::int, ${change.changed}::int,
      ${change.withdrawn}::int, ${at}::timestamptz, ${at}::timestamptz,
      ${meta.attempts}::int, ${Math.round(meta.durationMs)}::int, null, null, now())
    on conflict (slice_key) do update set
      status = 'ok', row_count = excluded.row_count,
      total_export_kg = excluded.total_export_kg, total_export_usd = excluded.total_export_usd,
      total_import_kg = excluded.total_import_kg, total_import_usd = excluded.total_import_usd,
      total_balance_usd = excluded.total_balance_usd, sums_match = excluded.sums_match,
      body_sha256 = excluded.body_sha256, last_added = excluded.last_added,
      last_changed = excluded.last_changed, last_withdrawn = excluded.last_withdrawn,
      fetched_at = excluded.fetched_at,
      first_fetched_at = coalesce(sync_ledger.first_fetched_at, excluded.first_fetched_at),
      attempts = excluded.attempts, duration_ms = excluded.duration_ms,
      last_error = null, error_code = null, updated_at = now()`)
}
