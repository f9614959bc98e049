/**
 * The writers of the sibling datasets: `replaceCountryTotals` (`nationtrade` → country_totals) and
 * `replaceNationalTotals` (`Newtrade` → national_totals), with the guarantees of `replaceSlice`: one
 * transaction, an advisory lock on the slice, idempotent, every change recorded as a revision (except
 * on a first fetch into an empty part), the ledger row updated, nothing written on any error.
 */
import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidArgumentError, KcsDbError, ReplaceSliceError } from './errors.js'
import { assertDatabase, optionsObject, positiveInteger } from './guards.js'
import { NATION_LOCK_SPACE, NATIONAL_LOCK_SPACE, sliceLockId } from './locks.js'
import {
  guardSource,
  type ReplaceOptions,
  type ReplaceSummary,
  RowCountMismatchError,
  type Tx,
} from './replace.js'
import { periodToDate } from './slice.js'
import { rowsOf } from './sql.js'
import {
  COUNT_FIELDS,
  type CountryTotalsRow,
  type NationalTotalsRow,
  type TotalsFetchMeta,
  validateTotalsMeta,
  validateTotalsRow,
} from './totals-rows.js'
import { normalizeTotalsSlice, type TotalsDataset, type TotalsSlice } from './totals-slice.js'
import { inTransaction } from './transaction.js'
import type { NormalizedSlice } from './types.js'

/** How one dataset's table is written: constant SQL text, never user input. */
interface Target {
  dataset: TotalsDataset
  table: string
  withCountry: boolean
  /** Key columns, then value columns (the names and measures a revision compares). */
  keys: readonly string[]
  values: readonly string[]
  /** Column → JSON field of a revision's before/after. */
  json: Readonly<Record<string, string>>
  lockSpace: number
}

const MEASURE_JSON = {
  export_count: 'exportCount',
  export_usd: 'exportUsd',
  import_count: 'importCount',
  import_usd: 'importUsd',
  balance_usd: 'balanceUsd',
} as const
const MEASURES = Object.keys(MEASURE_JSON)

const NATION: Target = {
  dataset: 'nationtrade',
  table: 'country_totals',
  withCountry: true,
  keys: ['period', 'country_code'],
  values: ['country_name', ...MEASURES],
  json: { country_name: 'countryName', ...MEASURE_JSON },
  lockSpace: NATION_LOCK_SPACE,
}

const NATIONAL: Target = {
  dataset: 'newtrade',
  table: 'national_totals',
  withCountry: false,
  keys: ['period'],
  values: MEASURES,
  json: MEASURE_JSON,
  lockSpace: NATIONAL_LOCK_SPACE,
}

type Rows<T> = Iterable<T> | AsyncIterable<T>

/**
 * Replaces the country totals the mirror holds inside `slice` (a country, or every country, and 1–12
 * months) with `rows`, the complete `nationtrade` answer for it. Rows are checked as they arrive:
 * period inside the window, the slice's country, names without NUL, counts and dollars non-negative
 * safe integers, `balanceUsd = exportUsd − importUsd`, each (month, country) once. In one transaction,
 * under the slice's advisory lock: new rows inserted, changed ones updated (`fetched_at` = this fetch),
 * withdrawn ones deleted, each change recorded in `revisions` with `dataset = 'nationtrade'` and
 * `hs_code = ''` (not on a first fetch into an empty part of the table), and the ledger row
 * `nationtrade:US:2025-01..2025-12` (or `nationtrade:*:…`) upserted. The same answer twice changes no
 * row and records nothing. Any error leaves the database as it was and is a typed `KcsDbError`.
 *
 * `meta` may be a function, called once after the last row (for a streamed answer).
 */
export function replaceCountryTotals(
  db: KcsDatabase,
  slice: TotalsSlice,
  rows: Iterable<CountryTotalsRow> | AsyncIterable<CountryTotalsRow>,
  meta: TotalsFetchMeta | (() => TotalsFetchMeta),
  options: ReplaceOptions = {},
): Promise<ReplaceSummary> {
  return replaceTotals(NATION, db, slice, rows, meta, options)
}

/**
 * Replaces Korea's national totals the mirror holds inside `slice` (1–12 months, no country) with
 * `rows`, the complete `Newtrade` answer for it (its totals row left out: pass it as `meta.total`).
 * The same checks and guarantees as `replaceCountryTotals`; revisions carry `dataset = 'newtrade'`
 * with `country_code` and `hs_code` `''`; the ledger key is `newtrade:2025-01..2025-12`.
 */
export function replaceNationalTotals(
  db: KcsDatabase,
  slice: TotalsSlice,
  rows: Iterable<NationalTotalsRow> | AsyncIterable<NationalTotalsRow>,
  meta: TotalsFetchMeta | (() => TotalsFetchMeta),
  options: ReplaceOptions = {},
): Promise<ReplaceSummary> {
  return replaceTotals(NATIONAL, db, slice, rows, meta, options)
}

async function replaceTotals<T extends CountryTotalsRow | NationalTotalsRow>(
  target: Target,
  db: KcsDatabase,
  slice: TotalsSlice,
  rows: Rows<T>,
  meta: TotalsFetchMeta | (() => TotalsFetchMeta),
  options: ReplaceOptions,
): Promise<ReplaceSummary> {
  assertDatabase(db)
  const s = normalizeTotalsSlice(target.dataset, slice)
  const iterable =
    rows !== null &&
    typeof rows === 'object' &&
    (typeof (rows as Iterable<T>)[Symbol.iterator] === 'function' ||
      typeof (rows as AsyncIterable<T>)[Symbol.asyncIterator] === 'function')
  if (!iterable)
    throw new InvalidArgumentError(
      'rows',
      `expected an array or an (async) iterable of rows, got ${describeValue(rows)}`,
      'Pass the rows of the answer, e.g. result.rows or the client stream.',
    )
  if (typeof meta !== 'function' && (meta === null || typeof meta !== 'object'))
    throw new InvalidArgumentError(
      'meta',
      `expected an object or a function returning one, got ${describeValue(meta)}`,
      'Pass { bodySha256, durationMs, attempts } (the client’s meta), or () => meta.',
    )
  options = optionsObject(options, 'options', 'Pass { batchSize } or nothing.')
  const batchSize = positiveInteger(options.batchSize, 'options.batchSize', 1_000, 100_000)
  const early = typeof meta === 'function' ? null : meta
  if (early) validateTotalsMeta(early)
  const fetchedAt = early?.fetchedAt ?? new Date()
  const at = fetchedAt.toISOString()
  const started = performance.now()
  try {
    return await inTransaction(db, async (tx) => {
      await tx.execute(sql.raw(stageDefinition(target)))
      // The answer is staged before the lock: a slow download holds no lock.
      const rowCount = await stage(tx, target, s, rows, batchSize)
      const m = early ?? (meta as () => TotalsFetchMeta)()
      if (!early) validateTotalsMeta(m)
      if (m.rowCount !== undefined && m.rowCount !== rowCount)
        throw new RowCountMismatchError(s.key, m.rowCount, rowCount)
      await lock(tx, target, s)
      await tx.execute(sql`select 1 from sync_ledger where slice_key = ${s.key} for update`)
      const state = rowsOf<{ fetched: boolean | null; has_rows: boolean }>(
        await tx.execute(sql`
          select (select fetched_at is not null from sync_ledger where slice_key = ${s.key}) as fetched,
                 exists (select 1 from ${sql.raw(target.table)} t where ${scope(target, s)}) as has_rows`),
      )[0]
      const firstFetch = !state?.fetched
      const record = !firstFetch || state?.has_rows === true
      const change = await applyDiff(tx, target, s, at, record)
      await writeLedger(tx, target, s, m, at, rowCount, change)
      return {
        sliceKey: s.key,
        firstFetch,
        rowCount,
        ...change,
        unchanged: rowCount - change.added - change.changed,
        revisionsRecorded: record ? change.added + change.changed + change.withdrawn : 0,
        durationMs: Math.round(performance.now() - started),
      }
    })
  } catch (error) {
    if (error instanceof KcsDbError) throw error
    throw new ReplaceSliceError(s.key, error)
  }
}

const COLUMN_TYPES: Readonly<Record<string, string>> = {
  period: 'date',
  country_code: 'varchar(2)',
  country_name: 'text',
  export_count: 'int8',
  export_usd: 'int8',
  import_count: 'int8',
  import_usd: 'int8',
  balance_usd: 'int8',
}

const columnsOf = (target: Target): string[] => [...target.keys, ...target.values]

function stageDefinition(target: Target): string {
  const columns = columnsOf(target).map((c) => `${c} ${COLUMN_TYPES[c]} not null`)
  return `create temp table kcs_totals_stage (${columns.join(', ')}) on commit drop`
}

/** Checks and inserts the rows into the staging table, a batch per statement; returns the row count. */
async function stage<T extends CountryTotalsRow | NationalTotalsRow>(
  tx: Tx,
  target: Target,
  s: NormalizedSlice,
  rows: Rows<T>,
  batchSize: number,
): Promise<number> {
  const columns = columnsOf(target)
  const seen = new Set<string>()
  let batch: unknown[][] = columns.map(() => [])
  let count = 0
  const flush = async () => {
    if (batch[0]?.length === 0) return
    const arrays = batch.map((values, i) => {
      const type = COLUMN_TYPES[columns[i] as string] === 'int8' ? 'int8' : 'text'
      return sql`${sql.param(values)}::${sql.raw(type)}[]`
    })
    batch = columns.map(() => [])
    await tx.execute(sql`
      insert into kcs_totals_stage (${sql.raw(columns.join(', '))})
      select ${sql.raw(columns.map((c) => (c === 'period' ? 'u.period::date' : `u.${c}`)).join(', '))}
      from unnest(${sql.join(arrays, sql`, `)}) as u(${sql.raw(columns.join(', '))})`)
  }
  const take = async (row: T) => {
    const { period, countryCode } = validateTotalsRow(row, count, s, target.withCountry, seen)
    const value: Record<string, unknown> = {
      period: periodToDate(period),
      country_code: countryCode,
      country_name: (row as CountryTotalsRow).countryName,
      export_count: row.exportCount,
      export_usd: row.exportUsd,
      import_count: row.importCount,
      import_usd: row.importUsd,
      balance_usd: row.balanceUsd,
    }
    columns.forEach((c, i) => {
      batch[i]?.push(value[c])
    })
    count++
    if (count % batchSize === 0) await flush()
  }
  if (Array.isArray(rows)) {
    for (const row of rows as T[]) await take(row)
  } else {
    for await (const row of guardSource(s.key, rows)) await take(row)
  }
  await flush()
  return count
}

/** The rows of the target table (alias `t`) inside the slice. */
function scope(target: Target, s: NormalizedSlice): SQL {
  const window = sql`t.period between ${periodToDate(s.from)}::date and ${periodToDate(s.to)}::date`
  return target.withCountry && s.country !== null ? sql`${window} and t.country_code = ${s.country}` : window
}

async function lock(tx: Tx, target: Target, s: NormalizedSlice): Promise<void> {
  // Per calendar year, in ascending order (no deadlocks): an all-country slice takes the year's lock
  // exclusively; a country slice takes it shared and its (country, year) lock exclusively.
  for (let year = Number(s.from.slice(0, 4)); year <= Number(s.to.slice(0, 4)); year++) {
    const all = sliceLockId(year, null)
    if (s.country === null) {
      await tx.execute(sql`select pg_advisory_xact_lock(${target.lockSpace}::int, ${all}::int)`)
    } else {
      await tx.execute(sql`select pg_advisory_xact_lock_shared(${target.lockSpace}::int, ${all}::int)`)
      await tx.execute(
        sql`select pg_advisory_xact_lock(${target.lockSpace}::int, ${sliceLockId(year, s.country)}::int)`,
      )
    }
  }
}

interface Change {
  added: number
  changed: number
  withdrawn: number
}

/** Compares the staged answer with the slice's rows and applies the differences (and their revisions). */
async function applyDiff(
  tx: Tx,
  target: Target,
  s: NormalizedSlice,
  at: string,
  record: boolean,
): Promise<Change> {
  const raw = (text: string) => sql.raw(text)
  const list = (f: (c: string) => string, columns: readonly string[]) => columns.map(f).join(', ')
  const json = (alias: string) =>
    `jsonb_build_object(${target.values.map((c) => `'${target.json[c]}', ${alias}.${c}`).join(', ')})`
  const joinOn = list((k) => `t.${k} = s.${k}`, target.keys).replaceAll(', ', ' and ')
  await tx.execute(sql`
    create temp table kcs_totals_diff on commit drop as
    select
      case when t.period is null then 'added' when s.period is null then 'withdrawn' else 'changed' end as kind,
      ${raw(list((k) => `coalesce(s.${k}, t.${k}) as ${k}`, target.keys))},
      ${raw(list((c) => `s.${c}`, target.values))},
      case when t.period is null then null else ${raw(json('t'))} end as before,
      case when s.period is null then null else ${raw(json('s'))} end as after
    from kcs_totals_stage s
    full join (select * from ${raw(target.table)} t where ${scope(target, s)}) t on ${raw(joinOn)}
    where t.period is null or s.period is null
      or (${raw(list((c) => `t.${c}`, target.values))}) is distinct from (${raw(list((c) => `s.${c}`, target.values))})`)
  const kinds = rowsOf<{ kind: string; n: number }>(
    await tx.execute(sql`select kind, count(*)::int as n from kcs_totals_diff group by kind`),
  )
  const n = (kind: string) => Number(kinds.find((k) => k.kind === kind)?.n ?? 0)
  const change = { added: n('added'), changed: n('changed'), withdrawn: n('withdrawn') }
  const matches = raw(target.keys.map((k) => `t.${k} = d.${k}`).join(' and '))
  const table = raw(target.table)
  if (change.withdrawn > 0)
    await tx.execute(
      sql`delete from ${table} t using kcs_totals_diff d where d.kind = 'withdrawn' and ${matches}`,
    )
  if (change.changed > 0)
    await tx.execute(sql`
      update ${table} t set ${raw(list((c) => `${c} = d.${c}`, target.values))}, fetched_at = ${at}::timestamptz
      from kcs_totals_diff d where d.kind = 'changed' and ${matches}`)
  if (change.added > 0) {
    const columns = raw(columnsOf(target).join(', '))
    await tx.execute(sql`
      insert into ${table} (${columns}, fetched_at)
      select ${columns}, ${at}::timestamptz from kcs_totals_diff where kind = 'added'`)
  }
  if (record && change.added + change.changed + change.withdrawn > 0) {
    const country = target.withCountry ? 'country_code' : "''"
    await tx.execute(sql`
      insert into revisions (dataset, kind, period, country_code, hs_code, before, after, at, slice_key)
      select ${target.dataset}, kind, period, ${raw(country)}, '', before, after, ${at}::timestamptz, ${s.key}
      from kcs_totals_diff order by ${raw(target.keys.slice().reverse().join(', '))}`)
  }
  await tx.execute(sql`drop table kcs_totals_diff`)
  return change
}

async function writeLedger(
  tx: Tx,
  target: Target,
  s: NormalizedSlice,
  meta: TotalsFetchMeta,
  at: string,
  rowCount: number,
  change: Change,
): Promise<void> {
  const total = meta.total ?? null
  const totals =
    total === null
      ? sql`null, null, null, null, null`
      : sql.join(
          COUNT_FIELDS.map((f) => sql`${total[f]}::int8`),
          sql`, `,
        )
  await tx.execute(sql`
    insert into sync_ledger (
      slice_key, dataset, country_code, hs_prefix, period_from, period_to, status, row_count,
      total_export_count, total_export_usd, total_import_count, total_import_usd, total_balance_usd,
      sums_match, body_sha256, last_added, last_changed, last_withdrawn, fetched_at, first_fetched_at,
      attempts, duration_ms, last_error, error_code, updated_at)
    values (
      ${s.key}, ${target.dataset}, ${s.country}, null, ${periodToDate(s.from)}::date, ${periodToDate(s.to)}::date,
      'ok', ${rowCount}::int, ${totals}, ${meta.sumsMatch ?? null}::boolean, ${meta.bodySha256},
      ${change.added}::int, ${change.changed}::int, ${change.withdrawn}::int, ${at}::timestamptz,
      ${at}::timestamptz, ${meta.attempts}::int, ${Math.round(meta.durationMs)}::int, null, null, now())
    on conflict (slice_key) do update set
      status = 'ok', row_count = excluded.row_count,
      total_export_count = excluded.total_export_count, total_export_usd = excluded.total_export_usd,
      total_import_count = excluded.total_import_count, total_import_usd = excluded.total_import_usd,
      total_balance_usd = excluded.total_balance_usd, sums_match = excluded.sums_match,
      body_sha256 = excluded.body_sha256, last_added = excluded.last_added,
      last_changed = excluded.last_changed, last_withdrawn = excluded.last_withdrawn,
      fetched_at = excluded.fetched_at,
      first_fetched_at = coalesce(sync_ledger.first_fetched_at, excluded.first_fetched_at),
      attempts = excluded.attempts, duration_ms = excluded.duration_ms,
      last_error = null, error_code = null, updated_at = now()`)
}
