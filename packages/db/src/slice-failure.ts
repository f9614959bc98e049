import { sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidArgumentError, ReplaceSliceError } from './errors.js'
import { assertDatabase, assertObject, optionsObject } from './guards.js'
import { redactSecrets } from './redact.js'
import { normalizeSlice, periodToDate } from './slice.js'
import { type Dataset, normalizeTotalsSlice, type TotalsSlice, totalsDataset } from './totals-slice.js'
import type { Slice } from './types.js'

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
