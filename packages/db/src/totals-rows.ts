/**
 * The rows and fetch metadata of the sibling datasets, and how each is checked before anything is
 * written. Internal to the totals writers, apart from the exported row and meta types.
 */
import { DuplicateRowError, describeValue, InvalidArgumentError, RowValidationError } from './errors.js'
import { monthIndex, normalizePeriod } from './slice.js'
import type { NormalizedSlice } from './types.js'

/** One `nationtrade` row: a partner country's totals in one month, over every item. */
export interface CountryTotalsRow {
  /** `YYYY-MM` (`YYYYMM` accepted) */
  period: string
  /** KCS country code, pseudo-countries included (`ZZ`, `Z1`, …). */
  countryCode: string
  /** KCS Korean country name, e.g. `미국`. */
  countryName: string
  /** Export declarations (수출건수). */
  exportCount: number
  /** Export value, US dollars. */
  exportUsd: number
  /** Import declarations (수입건수). */
  importCount: number
  /** Import value, US dollars. */
  importUsd: number
  /** `exportUsd − importUsd`. */
  balanceUsd: number
}

/** One `Newtrade` row: Korea's overall totals in one month. */
export interface NationalTotalsRow {
  /** `YYYY-MM` (`YYYYMM` accepted) */
  period: string
  /** Export declarations (수출건수). */
  exportCount: number
  /** Export value, US dollars. */
  exportUsd: number
  /** Import declarations (수입건수). */
  importCount: number
  /** Import value, US dollars. */
  importUsd: number
  /** `exportUsd − importUsd`. */
  balanceUsd: number
}

/** Declaration counts and US-dollar values: a sibling answer's totals row (`Newtrade` sends one). */
export interface CountTotals {
  exportCount: number
  exportUsd: number
  importCount: number
  importUsd: number
  balanceUsd: number
}

/** What the fetch of a sibling answer knew about it (the client's `meta`, plus its `total`). */
export interface TotalsFetchMeta {
  /** SHA-256 of the body, hex. */
  bodySha256: string
  /** Duration of the fetch. */
  durationMs: number
  /** Attempts the fetch took. */
  attempts: number
  /** When the answer was fetched (default: when the write started). */
  fetchedAt?: Date | undefined
  /** Data rows the answer had; checked against the rows received. */
  rowCount?: number | undefined
  /** Whether the data rows summed to the totals row (null: no totals row). */
  sumsMatch?: boolean | null | undefined
  /** The answer's totals row (`Newtrade` has one, `nationtrade` none); stored in the ledger. */
  total?: CountTotals | null | undefined
}

export const COUNT_FIELDS = ['exportCount', 'exportUsd', 'importCount', 'importUsd', 'balanceUsd'] as const
const COUNTRY = /^[A-Z][A-Z0-9]$/

/** Checks one row against the slice; returns its normalised period and its key (for duplicates). */
export function validateTotalsRow(
  row: CountryTotalsRow | NationalTotalsRow,
  index: number,
  s: NormalizedSlice,
  withCountry: boolean,
  seen: Set<string>,
): { period: string; countryCode: string } {
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    throw new RowValidationError(index, 'row', 'is not an object', row)
  const period = normalizePeriod(row.period)
  if (period === null) throw new RowValidationError(index, 'period', 'must be YYYY-MM', row)
  const m = monthIndex(period)
  if (m < monthIndex(s.from) || m > monthIndex(s.to))
    throw new RowValidationError(index, 'period', `is outside the slice window ${s.from}..${s.to}`, row)
  let countryCode = ''
  if (withCountry) {
    const r = row as CountryTotalsRow
    if (typeof r.countryCode !== 'string' || !COUNTRY.test(r.countryCode))
      throw new RowValidationError(index, 'countryCode', 'must be a KCS country code (e.g. US, Z1)', row)
    if (s.country !== null && r.countryCode !== s.country)
      throw new RowValidationError(index, 'countryCode', `is not the slice's country ${s.country}`, row)
    if (typeof r.countryName !== 'string')
      throw new RowValidationError(index, 'countryName', 'must be a string', row)
    if (r.countryName.includes('\u0000'))
      throw new RowValidationError(
        index,
        'countryName',
        'contains a NUL character, which PostgreSQL text cannot store',
        row,
      )
    countryCode = r.countryCode
  }
  for (const field of COUNT_FIELDS) {
    const value = row[field]
    if (!Number.isSafeInteger(value))
      throw new RowValidationError(index, field, `must be a safe integer, got ${describeValue(value)}`, row)
    if (field !== 'balanceUsd' && value < 0)
      throw new RowValidationError(index, field, `must not be negative, got ${value}`, row)
  }
  if (row.balanceUsd !== row.exportUsd - row.importUsd)
    throw new RowValidationError(
      index,
      'balanceUsd',
      `must be exportUsd − importUsd = ${row.exportUsd - row.importUsd}, got ${row.balanceUsd}`,
      row,
    )
  const key = `${period}|${countryCode}`
  if (seen.has(key))
    throw new DuplicateRowError(
      index,
      { period, countryCode, hsCode: '' },
      `Nothing was written. An answer lists each ${withCountry ? '(month, country)' : 'month'} once: fetch the slice again.`,
    )
  seen.add(key)
  return { period, countryCode }
}

const META_HINT =
  'Pass { bodySha256, durationMs, attempts, fetchedAt?, rowCount?, sumsMatch?, total? } (the client’s meta and total).'

/** Checks a fetch meta; every problem is an InvalidArgumentError naming the field. */
export function validateTotalsMeta(meta: TotalsFetchMeta): void {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new InvalidArgumentError(`meta.${field}`, `${expected}, got ${describeValue(value)}`, META_HINT)
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
    throw new InvalidArgumentError('meta', `expected an object, got ${describeValue(meta)}`, META_HINT)
  if (
    typeof meta.bodySha256 !== 'string' ||
    meta.bodySha256.length > 200 ||
    meta.bodySha256.includes('\u0000')
  )
    fail('bodySha256', 'must be a hash string (at most 200 characters, no NUL)', meta.bodySha256)
  if (
    typeof meta.durationMs !== 'number' ||
    !Number.isFinite(meta.durationMs) ||
    meta.durationMs < 0 ||
    meta.durationMs > 2 ** 31 - 1
  )
    fail('durationMs', 'must be a non-negative number of milliseconds (below 2^31)', meta.durationMs)
  if (!Number.isSafeInteger(meta.attempts) || meta.attempts < 0 || meta.attempts > 2 ** 31 - 1)
    fail('attempts', 'must be a non-negative integer', meta.attempts)
  if (
    meta.rowCount !== undefined &&
    (!Number.isSafeInteger(meta.rowCount) || meta.rowCount < 0 || meta.rowCount > 2 ** 31 - 1)
  )
    fail('rowCount', 'must be a non-negative integer', meta.rowCount)
  if (
    meta.fetchedAt !== undefined &&
    !(meta.fetchedAt instanceof Date && !Number.isNaN(meta.fetchedAt.getTime()))
  )
    fail('fetchedAt', 'must be a valid Date', meta.fetchedAt)
  if (meta.sumsMatch !== undefined && meta.sumsMatch !== null && typeof meta.sumsMatch !== 'boolean')
    fail('sumsMatch', 'must be true, false or null', meta.sumsMatch)
  if (meta.total !== undefined && meta.total !== null) {
    if (typeof meta.total !== 'object' || Array.isArray(meta.total))
      fail(
        'total',
        'must be the totals row { exportCount, exportUsd, importCount, importUsd, balanceUsd } or null',
        meta.total,
      )
    for (const field of COUNT_FIELDS) {
      if (!Number.isSafeInteger(meta.total[field]))
        fail(`total.${field}`, 'must be a safe integer', meta.total[field])
    }
  }
}
