import { nextKstMidnight as clientNextKstMidnight, kstDay } from '@kcs-trade/client/calendar'

/** The calendar day in Korea (`YYYY-MM-DD`) of an instant: the day the daily quota counts by. */
export { kstDay }

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

// Korea time is the client's calendar (the quota day the live API counts by): one definition for
// the client, the worker and the emulator.

/** The calendar date in Korea (KST = UTC+9, no daylight saving) of an epoch-ms instant. */
export function kstDate(epochMs: number): CalendarDate {
  return parseDate(kstDay(epochMs)) as CalendarDate
}

/** The next midnight in Korea after an instant, as epoch ms. */
export function nextKstMidnight(epochMs: number): number {
  return clientNextKstMidnight(new Date(epochMs)).getTime()
}
