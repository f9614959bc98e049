/**
 * The sibling datasets the mirror holds besides nitemtrade: country totals (`nationtrade`) and national
 * totals (`newtrade`). Item totals (`itemtrade`) are not mirrored: they are the sum of the detail rows.
 */
export type TotalsDataset = 'nationtrade' | 'newtrade'

/** A slice: one API call's worth of data — a country, a window of at most 12 months inside one calendar year, and an optional HS prefix. */
export interface Slice {
  /** A KCS country code; `*` (every country) only for the totals datasets. */
  country: string
  /** First month, `YYYY-MM`. */
  from: string
  /** Last month, `YYYY-MM`, same calendar year as `from`. */
  to: string
  /** HS prefix of 2, 4, 6 or 10 digits; absent means every code (the cheapest full mirror). */
  hs?: string
  /** Absent: nitemtrade (the detail). A totals dataset: its country (or national) totals, never with `hs`. */
  dataset?: TotalsDataset
}

export const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/
export const COUNTRY_RE = /^[A-Z][A-Z0-9]$/
export const HS_RE = /^(\d{2}|\d{4}|\d{6}|\d{10})$/

export function monthIndex(month: string): number {
  const m = MONTH_RE.exec(month)
  if (!m) throw new RangeError(`not a YYYY-MM month: ${JSON.stringify(month)}`)
  return Number(m[1]) * 12 + Number(m[2]) - 1
}

export function monthFromIndex(index: number): string {
  const year = Math.floor(index / 12)
  const month = (index % 12) + 1
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`
}

export function addMonths(month: string, n: number): string {
  return monthFromIndex(monthIndex(month) + n)
}

/** Number of months in the inclusive window. */
export function monthCount(from: string, to: string): number {
  return monthIndex(to) - monthIndex(from) + 1
}

/** Split an inclusive month range into calendar-year windows (the API's safe split: ≤ 12 months, never crossing a year). */
export function calendarYearWindows(from: string, to: string): Array<{ from: string; to: string }> {
  const start = monthIndex(from)
  const end = monthIndex(to)
  const windows: Array<{ from: string; to: string }> = []
  let cursor = start
  while (cursor <= end) {
    const yearEnd = Math.floor(cursor / 12) * 12 + 11
    const last = Math.min(yearEnd, end)
    windows.push({ from: monthFromIndex(cursor), to: monthFromIndex(last) })
    cursor = last + 1
  }
  return windows
}

/**
 * The parts a failing slice splits into: a window longer than a quarter splits into calendar quarters,
 * a quarter (or any window of 2–3 months) into months; a single month cannot split (returns []).
 */
export function splitSlice(slice: Slice): Slice[] {
  const start = monthIndex(slice.from)
  const end = monthIndex(slice.to)
  if (end <= start) return []
  const byQuarter = end - start + 1 > 3
  const parts: Slice[] = []
  let cursor = start
  while (cursor <= end) {
    const last = byQuarter ? Math.min(Math.floor(cursor / 3) * 3 + 2, end) : cursor
    const part = withHs(
      { country: slice.country, from: monthFromIndex(cursor), to: monthFromIndex(last) },
      slice.hs,
    )
    parts.push(slice.dataset ? { ...part, dataset: slice.dataset } : part)
    cursor = last + 1
  }
  return parts
}

function withHs(slice: Slice, hs: string | undefined): Slice {
  return hs === undefined ? slice : { ...slice, hs }
}

/**
 * A stable, human-readable key for a slice, e.g. `US_2025-01_2025-12_all`, or `nationtrade_ALL_2025-01_2025-12_all`
 * for a totals dataset (`ALL` for every country). Safe as a BullMQ job id (no `:`).
 */
export function sliceKey(slice: Slice): string {
  const country = slice.country === '*' ? 'ALL' : slice.country
  const key = `${country}_${slice.from}_${slice.to}_${slice.hs ?? 'all'}`
  return slice.dataset ? `${slice.dataset}_${key}` : key
}

/** Parse a key made by {@link sliceKey}. */
export function parseSliceKey(key: string): Slice {
  const m = /^(?:(nationtrade|newtrade)_)?([A-Z][A-Z0-9]|ALL)_(\d{4}-\d{2})_(\d{4}-\d{2})_(all|\d+)$/.exec(
    key,
  )
  if (!m || (m[2] === 'ALL' && !m[1])) throw new RangeError(`not a slice key: ${key}`)
  const country = m[2] === 'ALL' ? '*' : (m[2] as string)
  const slice: Slice = { country, from: m[3] as string, to: m[4] as string }
  if (m[1]) return { ...slice, dataset: m[1] as TotalsDataset }
  return withHs(slice, m[5] === 'all' ? undefined : m[5])
}

export function describeSlice(slice: Slice): string {
  if (slice.dataset === 'newtrade') return `newtrade ${slice.from}..${slice.to}`
  if (slice.dataset)
    return `${slice.dataset} ${slice.country === '*' ? 'all countries' : slice.country} ${slice.from}..${slice.to}`
  return `${slice.country} ${slice.from}..${slice.to}${slice.hs ? ` hs ${slice.hs}` : ''}`
}
