/**
 * Korea time (KST, UTC+9 all year: Korea has no daylight saving). The API counts its daily quota per
 * Korean calendar day and publishes by Korean calendar month, so "today" and "this month" mean Korea's.
 * `nextKstMidnight` (when the quota resets) is defined in errors.ts, where `KcsQuotaExceededError` uses
 * it, and exported here too: `@kcs-trade/client/calendar` is this module alone, light enough for a
 * program's start-up path (no HTTP client, XML parser or schemas).
 */
import { describeValue } from './describe.js'
import { KcsValidationError } from './errors.js'

export { nextKstMidnight } from './errors.js'

const KST_OFFSET_MS = 9 * 3_600_000

function kstIso(at: Date | number, name: string): string {
  const ms = at instanceof Date ? at.getTime() : at
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15 - KST_OFFSET_MS)
    throw new KcsValidationError(
      'now',
      `${name} takes a valid Date or epoch milliseconds, got ${describeValue(at)}.`,
      'Pass a Date (e.g. new Date()), a number such as Date.now(), or nothing for the current time.',
    )
  return new Date(ms + KST_OFFSET_MS).toISOString()
}

/** The calendar day in Korea (`YYYY-MM-DD`) at an instant (default: now); the API's daily quota counts per such day. */
export function kstDay(at: Date | number = Date.now()): string {
  return kstIso(at, 'kstDay').slice(0, 10)
}

/** The calendar month in Korea (`YYYY-MM`, the client's period) at an instant (default: now). */
export function kstMonth(at: Date | number = Date.now()): string {
  return kstIso(at, 'kstMonth').slice(0, 7)
}
