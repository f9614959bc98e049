import { describeValue, InvalidQueryError, InvalidSliceError } from './errors.js'
import type { NormalizedSlice, Slice } from './types.js'

const PERIOD = /^(\d{4})-?(0[1-9]|1[0-2])$/
const COUNTRY = /^[A-Z][A-Z0-9]$/
const HS_PREFIX = /^(\d{2}|\d{4}|\d{6}|\d{10})$/

/** `YYYY-MM` or `YYYYMM` → `YYYY-MM`, or null when it is neither. */
export function normalizePeriod(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const m = PERIOD.exec(value)
  return m ? `${m[1]}-${m[2]}` : null
}

/** Months since year 0 of a `YYYY-MM` period. */
export function monthIndex(period: string): number {
  return Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1
}

/** `YYYY-MM` → the `date` literal the schema stores. */
export function periodToDate(period: string): string {
  return `${period}-01`
}

/**
 * Validates a slice and gives it its stable key. Rules follow the API: country is two upper-case
 * letters or absent, hs is a 2/4/6/10-digit prefix or absent, at least one of them is given, and the
 * window `from..to` (inclusive) spans 1 to 12 months.
 */
export function normalizeSlice(slice: Slice): NormalizedSlice {
  if (slice === null || typeof slice !== 'object') throw new InvalidSliceError('slice must be an object')
  const from = normalizePeriod(slice.from)
  const to = normalizePeriod(slice.to)
  if (!from)
    throw new InvalidSliceError(`slice.from must be YYYY-MM or YYYYMM, got ${describeValue(slice.from)}`)
  if (!to) throw new InvalidSliceError(`slice.to must be YYYY-MM or YYYYMM, got ${describeValue(slice.to)}`)
  const months = monthIndex(to) - monthIndex(from) + 1
  if (months < 1) throw new InvalidSliceError(`slice window ${from}..${to} ends before it starts`)
  if (months > 12)
    throw new InvalidSliceError(`slice window ${from}..${to} spans ${months} months (at most 12)`)
  const country =
    slice.country === undefined || slice.country === null || slice.country === '' ? null : slice.country
  if (country !== null && (typeof country !== 'string' || !COUNTRY.test(country))) {
    throw new InvalidSliceError(`slice.country must be two upper-case letters, got ${describeValue(country)}`)
  }
  const hs = slice.hs === undefined || slice.hs === null || slice.hs === '' ? null : slice.hs
  if (hs !== null && (typeof hs !== 'string' || !HS_PREFIX.test(hs))) {
    throw new InvalidSliceError(`slice.hs must be a 2, 4, 6 or 10-digit HS prefix, got ${describeValue(hs)}`)
  }
  if (country === null && hs === null) {
    throw new InvalidSliceError('a slice needs a country, an HS prefix or both (as the API requires)')
  }
  return { key: sliceKey({ country, hs, from, to }), country, hs, from, to }
}

/**
 * How many digits the HS codes of a slice have: the API answers one level finer than the prefix sent
 * (2 → 4, 4 → 6, 6 → 10, 10 → 10) and with 10-digit codes when no prefix is sent. Two slices with
 * different lengths describe the same trade at two levels of detail, so a mirror must not hold both
 * where they overlap (see `slicesOverlap` and `MixedGranularityError`).
 */
export function sliceCodeLength(slice: Slice): 4 | 6 | 10 {
  return codeLengthOf(normalizeSlice(slice).hs)
}

/** The code length of an already validated prefix (null: no prefix). */
export function codeLengthOf(hs: string | null): 4 | 6 | 10 {
  return hs?.length === 2 ? 4 : hs?.length === 4 ? 6 : 10
}

/**
 * Whether two slices cover some of the same trade: a month in common, the same country (or either
 * for every country) and prefixes of which one starts with the other (or either without a prefix).
 */
export function slicesOverlap(a: Slice, b: Slice): boolean {
  const x = normalizeSlice(a)
  const y = normalizeSlice(b)
  if (x.from > y.to || y.from > x.to) return false
  if (x.country !== null && y.country !== null && x.country !== y.country) return false
  if (x.hs !== null && y.hs !== null && !x.hs.startsWith(y.hs) && !y.hs.startsWith(x.hs)) return false
  return true
}

/**
 * `US:2025-01..2025-12`, `*:2025-01..2025-01:85`, `KR:2024-01..2024-06:8542`. Months may be given as
 * `YYYYMM` too (the key always uses `YYYY-MM`); a malformed part throws InvalidSliceError.
 */
export function sliceKey(slice: {
  country: string | null
  hs: string | null
  from: string
  to: string
}): string {
  if (slice === null || typeof slice !== 'object')
    throw new InvalidSliceError(`a slice must be an object, got ${describeValue(slice)}`)
  const from = normalizePeriod(slice.from)
  const to = normalizePeriod(slice.to)
  if (!from || !to)
    throw new InvalidSliceError(
      `slice.from and slice.to must be YYYY-MM or YYYYMM, got ${describeValue(slice.from)} and ${describeValue(slice.to)}`,
    )
  const country = slice.country ?? null
  const hs = slice.hs ?? null
  if (country !== null && (typeof country !== 'string' || !COUNTRY.test(country)))
    throw new InvalidSliceError(
      `slice.country must be two upper-case letters or null, got ${describeValue(country)}`,
    )
  if (hs !== null && (typeof hs !== 'string' || !(hs === '' || HS_PREFIX.test(hs))))
    throw new InvalidSliceError(
      `slice.hs must be a 2, 4, 6 or 10-digit HS prefix or null, got ${describeValue(hs)}`,
    )
  return `${country ?? '*'}:${from}..${to}${hs ? `:${hs}` : ''}`
}

/** The smallest string greater than every string starting with `prefix` (digits only), or null. */
export function prefixUpperBound(prefix: string): string | null {
  const trimmed = prefix.replace(/9+$/, '')
  if (trimmed === '') return null
  return trimmed.slice(0, -1) + String.fromCharCode(trimmed.charCodeAt(trimmed.length - 1) + 1)
}

// ---- read-helper argument checks ----------------------------------------------------------------

export function queryPeriod(name: string, value: unknown): string {
  const period = normalizePeriod(value)
  if (!period) throw new InvalidQueryError(`${name} must be YYYY-MM or YYYYMM, got ${describeValue(value)}`)
  return period
}

export function queryCountry(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null
  if (typeof value !== 'string' || !COUNTRY.test(value)) {
    throw new InvalidQueryError(`country must be two upper-case letters, got ${describeValue(value)}`)
  }
  return value
}

export function queryHsPrefix(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) {
    throw new InvalidQueryError(`hsPrefix must be 1 to 10 digits, got ${describeValue(value)}`)
  }
  return value
}

export function queryWindow(q: { from: unknown; to: unknown }): { from: string; to: string } {
  const from = queryPeriod('from', q.from)
  const to = queryPeriod('to', q.to)
  if (monthIndex(to) < monthIndex(from))
    throw new InvalidQueryError(`window ${from}..${to} ends before it starts`)
  return { from, to }
}
