import { ReplaceSliceError, RowSourceError, RowValidationError } from './errors.js'
import { monthIndex, normalizePeriod } from './slice.js'
import type { FetchMeta, NormalizedSlice, TradeRow } from './types.js'

export const MEASURES = ['exportKg', 'exportUsd', 'importKg', 'importUsd', 'balanceUsd'] as const

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

const COUNTRY = /^[A-Z][A-Z0-9]$/
const HS_CODE = /^\d{2,10}$/

export function validateRow(
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

export function validateMeta(key: string, meta: FetchMeta): void {
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
