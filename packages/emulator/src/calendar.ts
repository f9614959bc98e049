/** Months are handled as integers: months since 0000-01 (year * 12 + month - 1). */

const PERIOD = /^(\d{4})-(\d{2})$/
const YYYYMM = /^(\d{4})(\d{2})$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

export function monthIndex(year: number, month: number): number {
  return year * 12 + (month - 1)
}

/** Parses `YYYY-MM` or `YYYYMM`; returns undefined for anything else (including month 00 or 13). */
export function parseMonth(text: string): number | undefined {
  const m = PERIOD.exec(text) ?? YYYYMM.exec(text)
  if (!m) return undefined
  const month = Number(m[2])
  if (month < 1 || month > 12) return undefined
  return monthIndex(Number(m[1]), month)
}

export function monthYear(index: number): number {
  return Math.floor(index / 12)
}

export function monthOfYear(index: number): number {
  return (index % 12) + 1
}

/** `YYYY-MM` (the client's period). */
export function formatPeriod(index: number): string {
  return `${monthYear(index)}-${String(monthOfYear(index)).padStart(2, '0')}`
}

/** `YYYY.MM` (the API's `year` field). */
export function formatApiYear(index: number): string {
  return `${monthYear(index)}.${String(monthOfYear(index)).padStart(2, '0')}`
}

export interface CalendarDate {
  year: number
  month: number
  day: number
}

export function parseDate(text: string): CalendarDate | undefined {
  const m = DATE.exec(text)
  if (!m) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const probe = new Date(Date.UTC(year, month - 1, day))
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return undefined
  }
  return { year, month, day }
}

export function formatDate(date: CalendarDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`
}

const KST_OFFSET_MS = 9 * 60 * 60 * 1000
const DAY_MS = 24 * 60 * 60 * 1000

/** The day number in Korea (KST = UTC+9, no daylight saving) of an epoch-ms instant. */
export function kstDay(epochMs: number): number {
  return Math.floor((epochMs + KST_OFFSET_MS) / DAY_MS)
}

/** The calendar date in Korea of an epoch-ms instant. */
export function kstDate(epochMs: number): CalendarDate {
  const d = new Date(epochMs + KST_OFFSET_MS)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

/** The next midnight in Korea after an instant, as epoch ms. */
export function nextKstMidnight(epochMs: number): number {
  return (kstDay(epochMs) + 1) * DAY_MS - KST_OFFSET_MS
}
