import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import {
  DuplicateRowError,
  describeValue,
  InvalidArgumentError,
  KcsDbError,
  MixedGranularityError,
  ReplaceSliceError,
  RowSourceError,
  RowValidationError,
} from './errors.js'
import { assertDatabase, assertObject, optionsObject, positiveInteger } from './guards.js'
import { hsPrefixCondition, rawAlias } from './hs-prefix.js'
import { SLICE_LOCK_SPACE, sliceLockId } from './locks.js'
import { redactSecrets, secretsRedactor } from './redact.js'
import { refreshRollup } from './rollup.js'
import { codeLengthOf, monthIndex, normalizePeriod, normalizeSlice, periodToDate } from './slice.js'
import { rowsOf } from './sql.js'
import { type Dataset, normalizeTotalsSlice, type TotalsSlice, totalsDataset } from './totals-slice.js'
import { inTransaction, type Tx } from './transaction.js'
import type { FetchMeta, NormalizedSlice, Slice, TradeRow, TradeTotals } from './types.js'

export type Executor = Pick<KcsDatabase, 'execute'>
export type { Tx } from './transaction.js'

/** What `replaceSlice` did. `added + changed + unchanged === rowCount`. */
export interface ReplaceSummary {
  sliceKey: string
  /** No successful fetch of this slice was recorded before. */
  firstFetch: boolean
  /** Rows in the answer. */
  rowCount: number
  added: number
  changed: number
  withdrawn: number
  unchanged: number
  /** Revision rows written (0 on a first fetch into an empty part of the mirror). */
  revisionsRecorded: number
  /** Wall time of the database work, including staging the rows. */
  durationMs: number
}

/** Tuning and safety options of `replaceSlice`. */
export interface ReplaceOptions {
  /** Rows sent to the database per statement while staging (default 10,000). */
  batchSize?: number
  /**
   * Secrets (the service key) removed from the rows' text (country and item names) before they are
   * stored, in every spelling `redactSecrets` knows: a broken or hostile server may echo the key.
   */
  redact?: readonly string[] | undefined
}

/** A mismatch between `fetchMeta.rowCount` and the rows actually received. */
export class RowCountMismatchError extends KcsDbError {
  readonly expected: number
  readonly received: number
  constructor(sliceKey: string, expected: number, received: number) {
    super(
      'ROW_COUNT_MISMATCH',
      `Slice ${sliceKey}: fetchMeta.rowCount is ${expected} but ${received} rows arrived`,
    )
    this.expected = expected
    this.received = received
  }
}

const STAGE_COLUMNS = [
  'period',
  'country_code',
  'hs_code',
  'country_name',
  'item_name',
  'export_kg',
  'export_usd',
  'import_kg',
  'import_usd',
  'balance_usd',
] as const

const MEASURES = ['exportKg', 'exportUsd', 'importKg', 'importUsd', 'balanceUsd'] as const

/**
 * Replaces everything the mirror holds inside `slice` with `rows` (the API's complete answer for it),
 * in one transaction: new rows are inserted, changed rows updated, rows the answer no longer has
 * deleted, each change recorded in `revisions` (except on the slice's first fetch into an empty part
 * of the mirror), and the ledger row updated. The same answer twice changes no trade row and records
 * nothing. Concurrent calls on overlapping slices are serialised by advisory locks. On any error the
 * previous state is intact and a typed error is thrown.
 *
 * `rows` may be an array or an async iterable (rows stream into a staging table as they arrive; the
 * slice lock is only taken once the answer is complete).
 *
 * `fetchMeta` may be a function: it is called once, after the last row has been read, for a caller
 * that streams an answer whose hash and totals are only known at its end (the client's
 * `stream.summary`). A meta object is checked before any row is read; a function's result when it
 * is called. With a function, `fetchedAt` is the time the call started.
 */
export async function replaceSlice(
  db: KcsDatabase,
  slice: Slice,
  rows: Iterable<TradeRow> | AsyncIterable<TradeRow>,
  fetchMeta: FetchMeta | (() => FetchMeta),
  options: ReplaceOptions = {},
): Promise<ReplaceSummary> {
  assertDatabase(db)
  const s = normalizeSlice(slice)
  const rowsOk =
    rows !== null &&
    typeof rows === 'object' &&
    (typeof (rows as Iterable<TradeRow>)[Symbol.iterator] === 'function' ||
      typeof (rows as AsyncIterable<TradeRow>)[Symbol.asyncIterator] === 'function')
  if (!rowsOk)
    throw new InvalidArgumentError(
      'rows',
      `expected an array or an (async) iterable of rows, got ${describeValue(rows)}`,
      'Pass the rows of the answer, e.g. result.rows or the client stream.',
    )
  if (typeof fetchMeta !== 'function' && (fetchMeta === null || typeof fetchMeta !== 'object'))
    throw new InvalidArgumentError(
      'fetchMeta',
      `expected an object or a function returning one, got ${describeValue(fetchMeta)}`,
      'Pass { total, bodySha256, durationMs, attempts } (from the client’s meta), or () => meta.',
    )
  options = optionsObject(options, 'options', 'Pass { batchSize, redact } or nothing.')
  if (options.redact !== undefined && !Array.isArray(options.redact))
    throw new InvalidArgumentError(
      'options.redact',
      `expected an array of secrets, got ${describeValue(options.redact)}`,
      'Pass e.g. redact: [serviceKey].',
    )
  const redact = secretsRedactor(options.redact ?? [])
  const early = typeof fetchMeta === 'function' ? null : fetchMeta
  if (early) validateMeta(s.key, early)
  const resolveMeta = (rowCount: number): FetchMeta => {
    const meta = early ?? (fetchMeta as () => FetchMeta)()
    if (!early) validateMeta(s.key, meta)
    if (meta.rowCount !== undefined && meta.rowCount !== rowCount) {
      throw new RowCountMismatchError(s.key, meta.rowCount, rowCount)
    }
    return meta
  }
  const batchSize = positiveInteger(options.batchSize, 'options.batchSize', 10_000, 1_000_000)
  const fetchedAt = early?.fetchedAt ?? new Date()
  const started = performance.now()
  try {
    return await inTransaction(db, async (tx) => {
      const at = fetchedAt.toISOString()
      const scope = scopeOf(s)
      const state = async () => {
        const r = rowsOf<{ fetched: boolean | null; has_rows: boolean }>(
          await tx.execute(sql`
            select (select fetched_at is not null from sync_ledger where slice_key = ${s.key}) as fetched,
                   exists (select 1 from trade_rows t where ${scope}) as has_rows`),
        )[0]
        return { firstFetch: !r?.fetched, scopeHasRows: r?.has_rows === true }
      }
      // A first fetch into an empty part of the mirror (every slice of a backfill) streams straight
      // into trade_rows: no staging, no diff. That needs the slice lock while the rows arrive; the
      // locks are per country and year, so only a writer of the same slice waits.
      let direct = false
      // Refused before the answer is read, and again under the lock (a writer of another level of
      // detail may have committed in between).
      await assertOneCodeLength(tx, s)
      const guess = await state()
      if (guess.firstFetch && !guess.scopeHasRows) {
        await lockSlice(tx, s)
        await assertOneCodeLength(tx, s)
        const sure = await state()
        direct = sure.firstFetch && !sure.scopeHasRows
      }
      if (direct) {
        const rowCount = await stageRows(tx, s, rows, { batchSize, redact }, at)
        const meta = resolveMeta(rowCount)
        const change = { added: rowCount, changed: 0, withdrawn: 0 }
        if (rowCount > 0) await refreshRollup(tx, s)
        await writeLedgerSuccess(tx, s, meta, at, rowCount, change)
        return {
          sliceKey: s.key,
          firstFetch: true,
          rowCount,
          ...change,
          unchanged: 0,
          revisionsRecorded: 0,
          durationMs: Math.round(performance.now() - started),
        }
      }
      await tx.execute(sql.raw(CREATE_STAGE))
      const rowCount = await stageRows(tx, s, rows, { batchSize, redact }, null)
      const meta = resolveMeta(rowCount)
      await lockSlice(tx, s)
      await assertOneCodeLength(tx, s)
      await tx.execute(sql`select 1 from sync_ledger where slice_key = ${s.key} for update`)
      const { firstFetch, scopeHasRows } = await state()
      const record = !firstFetch || scopeHasRows
      let added = 0
      let changed = 0
      let withdrawn = 0
      let revisionsRecorded = 0
      if (!record) {
        // First fetch into an empty part of the mirror: a plain bulk insert, no diff, no revisions.
        await tx.execute(sql`
          insert into trade_rows (${sql.raw(STAGE_COLUMNS.join(', '))}, fetched_at)
          select ${sql.raw(STAGE_COLUMNS.join(', '))}, ${at}::timestamptz from kcs_stage`)
        added = rowCount
      } else {
        // One pass compares the answer with the slice's rows; only the differences are kept, so an
        // unchanged or slightly revised answer costs one join and a few small statements.
        // (Temp tables have no statistics until analysed; the planner needs them to size the join.)
        await tx.execute(sql`analyze kcs_stage`)
        await tx.execute(sql`
          create temp table kcs_diff on commit drop as
          select
            case when t.hs_code is null then 'added' when s.hs_code is null then 'withdrawn' else 'changed' end as kind,
            coalesce(s.period, t.period) as period,
            coalesce(s.country_code, t.country_code) as country_code,
            coalesce(s.hs_code, t.hs_code) as hs_code,
            s.country_name, s.item_name, s.export_kg, s.export_usd, s.import_kg, s.import_usd, s.balance_usd,
            case when t.hs_code is null then null else ${afterJson('t')} end as before,
            case when s.hs_code is null then null else ${afterJson('s')} end as after
          from kcs_stage s
          full join (select * from trade_rows t where ${scope}) t
            on t.country_code = s.country_code and t.period = s.period and t.hs_code = s.hs_code
          where t.hs_code is null or s.hs_code is null or ${DIFFERS}`)
        const kinds = rowsOf<{ kind: string; n: number }>(
          await tx.execute(sql`select kind, count(*)::int as n from kcs_diff group by kind`),
        )
        const n = (kind: string) => Number(kinds.find((k) => k.kind === kind)?.n ?? 0)
        added = n('added')
        changed = n('changed')
        withdrawn = n('withdrawn')
        if (withdrawn > 0) {
          await tx.execute(sql`
            delete from trade_rows t using kcs_diff d
            where d.kind = 'withdrawn'
              and t.country_code = d.country_code and t.period = d.period and t.hs_code = d.hs_code`)
        }
        if (changed > 0) {
          await tx.execute(sql`
            update trade_rows t set
              country_name = d.country_name, item_name = d.item_name,
              export_kg = d.export_kg, export_usd = d.export_usd,
              import_kg = d.import_kg, import_usd = d.import_usd, balance_usd = d.balance_usd,
              fetched_at = ${at}::timestamptz
            from kcs_diff d
            where d.kind = 'changed'
              and t.country_code = d.country_code and t.period = d.period and t.hs_code = d.hs_code`)
        }
        if (added > 0) {
          await tx.execute(sql`
            insert into trade_rows (${sql.raw(STAGE_COLUMNS.join(', '))}, fetched_at)
            select ${sql.raw(STAGE_COLUMNS.join(', '))}, ${at}::timestamptz from kcs_diff where kind = 'added'`)
        }
        if (record && added + changed + withdrawn > 0) {
          revisionsRecorded = counts(
            await tx.execute(sql`
              with r as (
                insert into revisions (kind, period, country_code, hs_code, before, after, at, slice_key)
                select kind, period, country_code, hs_code, before, after, ${at}::timestamptz, ${s.key}
                from kcs_diff
                order by country_code, period, hs_code
                returning 1
              )
              select count(*)::int as n, 0 as r from r`),
          ).n
        }
        await tx.execute(sql`drop table kcs_diff`)
      }
      // Keep trade_monthly equal to trade_rows: the groups this slice touches are recomputed.
      if (added + changed + withdrawn > 0) await refreshRollup(tx, s)
      await writeLedgerSuccess(tx, s, meta, at, rowCount, { added, changed, withdrawn })
      return {
        sliceKey: s.key,
        firstFetch,
        rowCount,
        added,
        changed,
        withdrawn,
        unchanged: rowCount - added - changed,
        revisionsRecorded,
        durationMs: Math.round(performance.now() - started),
      }
    })
  } catch (error) {
    if (error instanceof KcsDbError) throw error
    throw new ReplaceSliceError(s.key, error)
  }
}

const CREATE_STAGE = `create temp table kcs_stage (
  period date not null, country_code varchar(2) not null, hs_code varchar(10) not null,
  country_name text not null, item_name text not null,
  export_kg bigint not null, export_usd bigint not null, import_kg bigint not null,
  import_usd bigint not null, balance_usd bigint not null
) on commit drop`

const DIFFERS = sql.raw(
  `(t.country_name, t.item_name, t.export_kg, t.export_usd, t.import_kg, t.import_usd, t.balance_usd)
   is distinct from
   (s.country_name, s.item_name, s.export_kg, s.export_usd, s.import_kg, s.import_usd, s.balance_usd)`,
)

function afterJson(alias: string): SQL {
  rawAlias(alias)
  return sql.raw(
    `jsonb_build_object('countryName', ${alias}.country_name, 'itemName', ${alias}.item_name,
      'exportKg', ${alias}.export_kg, 'exportUsd', ${alias}.export_usd, 'importKg', ${alias}.import_kg,
      'importUsd', ${alias}.import_usd, 'balanceUsd', ${alias}.balance_usd)`,
  )
}

function counts(result: unknown): { n: number; r: number } {
  const row = rowsOf<{ n: number; r: number }>(result)[0]
  return { n: Number(row?.n ?? 0), r: Number(row?.r ?? 0) }
}

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
async function assertOneCodeLength(tx: Tx, s: NormalizedSlice): Promise<void> {
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

async function lockSlice(tx: Tx, s: NormalizedSlice): Promise<void> {
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

/** Validates and streams the rows into `kcs_stage`, a batch per statement; returns the row count. */
async function stageRows(
  tx: Tx,
  s: NormalizedSlice,
  rows: Iterable<TradeRow> | AsyncIterable<TradeRow>,
  { batchSize, redact }: { batchSize: number; redact: (text: string) => string },
  /** null: into kcs_stage; a timestamp: straight into trade_rows with that fetched_at. */
  directAt: string | null,
): Promise<number> {
  const fromIndex = monthIndex(s.from)
  const toIndex = monthIndex(s.to)
  const seen = new Set<string>()
  let columns = emptyColumns()
  let index = 0
  const flush = async () => {
    if (columns[0].length === 0) return
    const c = columns
    columns = emptyColumns()
    const source = sql`unnest(${sql.param(c[0])}::date[], ${sql.param(c[1])}::text[], ${sql.param(c[2])}::text[],
        ${sql.param(c[3])}::text[], ${sql.param(c[4])}::text[], ${sql.param(c[5])}::int8[],
        ${sql.param(c[6])}::int8[], ${sql.param(c[7])}::int8[], ${sql.param(c[8])}::int8[], ${sql.param(c[9])}::int8[])`
    if (directAt === null) {
      await tx.execute(
        sql`insert into kcs_stage (${sql.raw(STAGE_COLUMNS.join(', '))}) select * from ${source}`,
      )
    } else {
      await tx.execute(sql`
        insert into trade_rows (${sql.raw(STAGE_COLUMNS.join(', '))}, fetched_at)
        select u.*, ${directAt}::timestamptz from ${source} as u`)
    }
  }
  const take = async (row: TradeRow) => {
    const period = validateRow(row, index, s, fromIndex, toIndex)
    const key = `${period}|${row.countryCode}|${row.hsCode}`
    if (seen.has(key)) {
      throw new DuplicateRowError(index, { period, countryCode: row.countryCode, hsCode: row.hsCode })
    }
    seen.add(key)
    columns[0].push(periodToDate(period))
    columns[1].push(row.countryCode)
    columns[2].push(row.hsCode)
    columns[3].push(redact(row.countryName))
    columns[4].push(redact(row.itemName))
    columns[5].push(row.exportKg)
    columns[6].push(row.exportUsd)
    columns[7].push(row.importKg)
    columns[8].push(row.importUsd)
    columns[9].push(row.balanceUsd)
    index++
    if (columns[0].length >= batchSize) await flush()
  }
  if (Array.isArray(rows)) {
    for (const row of rows as TradeRow[]) await take(row)
  } else {
    for await (const row of guardSource(s.key, rows)) await take(row)
  }
  await flush()
  return index
}

/** Internal (shared with the totals writers): iterates rows, turning the source's own errors into RowSourceError. */
export async function* guardSource<T>(key: string, rows: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  // Errors thrown by the source (a broken stream, a parse error) become RowSourceError; errors of
  // the consumer never pass through here.
  const iterator =
    Symbol.asyncIterator in rows
      ? (rows as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (rows as Iterable<T>)[Symbol.iterator]()
  let finished = false
  try {
    while (true) {
      let step: IteratorResult<T>
      try {
        step = await iterator.next()
      } catch (error) {
        finished = true
        throw new RowSourceError(key, error)
      }
      if (step.done) {
        finished = true
        return
      }
      yield step.value
    }
  } finally {
    // Stop the source (e.g. abort the HTTP body) when the consumer gives up early.
    if (!finished) await iterator.return?.()
  }
}

type Columns = [
  string[],
  string[],
  string[],
  string[],
  string[],
  number[],
  number[],
  number[],
  number[],
  number[],
]

function emptyColumns(): Columns {
  return [[], [], [], [], [], [], [], [], [], []]
}

const COUNTRY = /^[A-Z][A-Z0-9]$/
const HS_CODE = /^\d{2,10}$/

function validateRow(
  row: TradeRow,
  index: number,
  s: NormalizedSlice,
  fromIndex: number,
  toIndex: number,
): string {
  if (row === null || typeof row !== 'object')
    throw new RowValidationError(index, 'row', 'is not an object', row)
  const period = normalizePeriod(row.period)
  if (period === null) throw new RowValidationError(index, 'period', 'must be YYYY-MM', row)
  const m = monthIndex(period)
  if (m < fromIndex || m > toIndex) {
    throw new RowValidationError(index, 'period', `is outside the slice window ${s.from}..${s.to}`, row)
  }
  if (typeof row.countryCode !== 'string' || !COUNTRY.test(row.countryCode)) {
    throw new RowValidationError(index, 'countryCode', 'must be two upper-case letters', row)
  }
  if (s.country !== null && row.countryCode !== s.country) {
    throw new RowValidationError(index, 'countryCode', `is not the slice's country ${s.country}`, row)
  }
  if (typeof row.hsCode !== 'string' || !HS_CODE.test(row.hsCode)) {
    throw new RowValidationError(index, 'hsCode', 'must be 2 to 10 digits', row)
  }
  if (s.hs !== null && !row.hsCode.startsWith(s.hs)) {
    throw new RowValidationError(index, 'hsCode', `does not start with the slice's prefix ${s.hs}`, row)
  }
  if (typeof row.countryName !== 'string')
    throw new RowValidationError(index, 'countryName', 'must be a string', row)
  if (typeof row.itemName !== 'string')
    throw new RowValidationError(index, 'itemName', 'must be a string', row)
  // PostgreSQL text cannot hold NUL: refuse it here, with the row, instead of a driver error mid-write.
  if (row.countryName.includes('\u0000'))
    throw new RowValidationError(
      index,
      'countryName',
      'contains a NUL character, which PostgreSQL text cannot store',
      row,
    )
  if (row.itemName.includes('\u0000'))
    throw new RowValidationError(
      index,
      'itemName',
      'contains a NUL character, which PostgreSQL text cannot store',
      row,
    )
  for (const field of MEASURES) {
    if (!Number.isSafeInteger(row[field])) {
      throw new RowValidationError(index, field, `must be a safe integer, got ${String(row[field])}`, row)
    }
  }
  return period
}

function validateMeta(key: string, meta: FetchMeta): void {
  const fail = (what: string) => {
    throw new ReplaceSliceError(key, new TypeError(`fetchMeta.${what}`))
  }
  if (meta === null || typeof meta !== 'object') fail('must be an object')
  if (meta.total !== null) {
    if (typeof meta.total !== 'object') fail('total must be an object or null')
    for (const field of MEASURES) {
      if (!Number.isSafeInteger(meta.total?.[field])) fail(`total.${field} must be a safe integer`)
    }
  }
  if (typeof meta.bodySha256 !== 'string') fail('bodySha256 must be a string')
  if (!Number.isFinite(meta.durationMs) || meta.durationMs < 0)
    fail('durationMs must be a non-negative number')
  if (!Number.isInteger(meta.attempts) || meta.attempts < 0) fail('attempts must be a non-negative integer')
  if (meta.rowCount !== undefined && (!Number.isInteger(meta.rowCount) || meta.rowCount < 0)) {
    fail('rowCount must be a non-negative integer')
  }
  if (
    meta.fetchedAt !== undefined &&
    !(meta.fetchedAt instanceof Date && !Number.isNaN(meta.fetchedAt.getTime()))
  ) {
    fail('fetchedAt must be a valid Date')
  }
}

function totalsValues(total: TradeTotals | null): SQL {
  if (total === null) return sql`null, null, null, null, null`
  return sql`${total.exportKg}::int8, ${total.exportUsd}::int8, ${total.importKg}::int8, ${total.importUsd}::int8, ${total.balanceUsd}::int8`
}

async function writeLedgerSuccess(
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

/** A failed fetch, as the worker saw it. */
export interface SliceFailure {
  /** The error text; the service key must already be gone, and anything in `redact` is removed too. */
  error: string
  errorCode?: string | undefined
  attempts: number
  durationMs: number
  /** Secrets (the service key) to strip from `error`, raw and percent-encoded. */
  redact?: readonly string[] | undefined
  failedAt?: Date | undefined
}

/** Longest error text kept in the ledger. */
const MAX_ERROR_LENGTH = 2000

/** Which dataset a failed slice belongs to (`recordSliceFailure`'s fourth argument). */
export interface SliceFailureOptions {
  /**
   * `nitemtrade` (default: `slice` is a detail slice), or a sibling dataset: `slice` is then a
   * `TotalsSlice` and the ledger row is the one `replaceCountryTotals`/`replaceNationalTotals` write
   * (`nationtrade:US:2025-01..2025-12`, `newtrade:2025-01..2025-12`).
   */
  dataset?: Dataset | undefined
}

/**
 * Marks the slice's ledger row as failed (creating it if needed) without touching trade rows. The
 * data of the last successful fetch (rowCount, totals, fetchedAt...) stays as it was. With
 * `{ dataset: 'nationtrade' | 'newtrade' }` the slice is a sibling dataset's (see `TotalsSlice`).
 */
export async function recordSliceFailure(
  db: KcsDatabase,
  slice: Slice | TotalsSlice,
  failure: SliceFailure,
  options: SliceFailureOptions = {},
): Promise<void> {
  assertDatabase(db)
  options = optionsObject(options, 'options', "Pass { dataset: 'nationtrade' } or nothing.")
  const dataset =
    options.dataset === undefined || options.dataset === 'nitemtrade'
      ? 'nitemtrade'
      : totalsDataset(options.dataset, 'options.dataset')
  const s = dataset === 'nitemtrade' ? normalizeSlice(slice as Slice) : normalizeTotalsSlice(dataset, slice)
  assertObject(failure, 'failure', 'Pass { error, attempts, durationMs, errorCode?, redact?, failedAt? }.')
  if (
    failure.failedAt !== undefined &&
    !(failure.failedAt instanceof Date && !Number.isNaN(failure.failedAt.getTime()))
  )
    throw new InvalidArgumentError(
      'failure.failedAt',
      `expected a valid Date, got ${describeValue(failure.failedAt)}`,
      'Leave it out for the current time.',
    )
  if (failure.redact !== undefined && !Array.isArray(failure.redact))
    throw new InvalidArgumentError(
      'failure.redact',
      `expected an array of secrets, got ${describeValue(failure.redact)}`,
      'Pass e.g. redact: [serviceKey].',
    )
  const error = redactSecrets(textOf(failure.error), failure.redact ?? []).slice(0, MAX_ERROR_LENGTH)
  const errorCode =
    failure.errorCode === undefined
      ? null
      : redactSecrets(textOf(failure.errorCode), failure.redact ?? []).slice(0, 200)
  const failedAt = (failure.failedAt ?? new Date()).toISOString()
  const attempts = Number.isInteger(failure.attempts) && failure.attempts >= 0 ? failure.attempts : 0
  const durationMs =
    Number.isFinite(failure.durationMs) && failure.durationMs >= 0 ? Math.round(failure.durationMs) : 0
  try {
    await db.execute(sql`
      insert into sync_ledger (slice_key, dataset, country_code, hs_prefix, period_from, period_to, status,
        attempts, duration_ms, last_error, error_code, failed_at, updated_at)
      values (${s.key}, ${dataset}, ${s.country}, ${s.hs}, ${periodToDate(s.from)}::date, ${periodToDate(s.to)}::date, 'failed',
        ${attempts}::int, ${durationMs}::int, ${error}, ${errorCode}, ${failedAt}::timestamptz, now())
      on conflict (slice_key) do update set
        status = 'failed', attempts = excluded.attempts, duration_ms = excluded.duration_ms,
        last_error = excluded.last_error, error_code = excluded.error_code,
        failed_at = excluded.failed_at, updated_at = now()`)
  } catch (cause) {
    throw new ReplaceSliceError(s.key, cause)
  }
}

/** Text of an error field for the ledger: strings as they are, anything else described (never throws). */
function textOf(value: unknown): string {
  // Diagnostic text: a NUL (which PostgreSQL text cannot store) is written as \0.
  if (typeof value === 'string') return value.replaceAll('\u0000', '\\0')
  if (value === undefined || value === null) return ''
  if (value instanceof Error) return value.message.replaceAll('\u0000', '\\0')
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : describeValue(value)
}

export { redactSecrets } from './redact.js'
