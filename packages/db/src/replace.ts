import { sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidArgumentError, KcsDbError, ReplaceSliceError } from './errors.js'
import { assertDatabase, optionsObject, positiveInteger } from './guards.js'
import { secretsRedactor } from './redact.js'
import { copyRows, ROW_COLUMNS } from './replace-copy.js'
import { applyDiff, CREATE_STAGE, type DiffOutcome } from './replace-diff.js'
import { assertOneCodeLength, lockSlice, scopeOf, writeLedgerSuccess } from './replace-ledger.js'
import { validateMeta } from './replace-rows.js'
import { refreshRollup, refreshRollupFrom } from './rollup.js'
import { StagedGroups } from './rollup-staged.js'
import { normalizeSlice } from './slice.js'
import { rowsOf } from './sql.js'
import { inTransaction } from './transaction.js'
import type { FetchMeta, Slice, TradeRow } from './types.js'

export type Executor = Pick<KcsDatabase, 'execute'>

/** work_mem of a replaceSlice transaction on PostgreSQL (sorts and hashes of one slice fit in it). */
const WORK_MEM = '64MB'

export { redactSecrets } from './redact.js'
export { scopeOf } from './replace-ledger.js'
export { guardSource } from './replace-rows.js'
export {
  recordSliceFailure,
  type SliceFailure,
  type SliceFailureOptions,
} from './slice-failure.js'
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
  /**
   * PGlite: rows per `COPY … FROM '/dev/blob'` statement (default 10,000; the batch is held in memory).
   * PostgreSQL streams the whole answer through one `COPY … FROM STDIN` and ignores it.
   */
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
      // A US year is 77,606 rows: with the default 4 MB the rollup's sort and the diff's hash spill
      // to disk (EXPLAIN showed an external merge and a two-batch hash join). For this transaction only.
      if (db.driver === 'postgres') await tx.execute(sql.raw(`set local work_mem = '${WORK_MEM}'`))
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
        // The rollup's 4-digit groups are summed while the rows stream (no second pass over them).
        const groups = new StagedGroups()
        const rowCount = await copyRows(
          tx,
          s,
          rows,
          { table: 'trade_rows', fetchedAt },
          { batchSize, redact, groups },
        )
        const meta = resolveMeta(rowCount)
        const change = { added: rowCount, changed: 0, withdrawn: 0 }
        if (rowCount > 0) await refreshRollupFrom(tx, s, groups)
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
      const rowCount = await copyRows(tx, s, rows, { table: 'kcs_stage' }, { batchSize, redact })
      const meta = resolveMeta(rowCount)
      await lockSlice(tx, s)
      await assertOneCodeLength(tx, s)
      await tx.execute(sql`select 1 from sync_ledger where slice_key = ${s.key} for update`)
      const { firstFetch, scopeHasRows } = await state()
      const record = !firstFetch || scopeHasRows
      let change: DiffOutcome
      if (!record) {
        // First fetch into an empty part of the mirror: a plain bulk insert, no diff, no revisions.
        await tx.execute(sql`
          insert into trade_rows (${sql.raw(ROW_COLUMNS)}, fetched_at)
          select ${sql.raw(ROW_COLUMNS)}, ${at}::timestamptz from kcs_stage`)
        change = { added: rowCount, changed: 0, withdrawn: 0, revisionsRecorded: 0 }
      } else {
        change = await applyDiff(tx, s, at)
      }
      const { added, changed, withdrawn, revisionsRecorded } = change
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
