/**
 * The provider's first checks, common to every KCS trade operation: the window (`strtYymm`, `endYymm`) and
 * the shape of an HS prefix. Each operation adds its own filters after these.
 */
import { parseMonth } from './calendar.js'
import { PROVIDER_MESSAGES } from './xml.js'

/** An HS prefix the API accepts: 2, 4, 6 or 10 digits. */
export const HS_PREFIX = /^(\d{2}|\d{4}|\d{6}|\d{10})$/

export type WindowCheck = { ok: true; from: number; to: number } | { ok: false; message: string }

/** `strtYymm`..`endYymm` as months, or the provider's message for the first thing wrong with them. */
export function checkWindow(params: URLSearchParams): WindowCheck {
  const strt = params.get('strtYymm') ?? ''
  const end = params.get('endYymm') ?? ''
  if (strt === '' || end === '') return { ok: false, message: PROVIDER_MESSAGES.missingParameter }
  const from = /^\d{6}$/.test(strt) ? parseMonth(strt) : undefined
  const to = /^\d{6}$/.test(end) ? parseMonth(end) : undefined
  if (from === undefined || to === undefined) return { ok: false, message: PROVIDER_MESSAGES.badPeriodFormat }
  if (to < from) return { ok: false, message: PROVIDER_MESSAGES.endBeforeStart }
  if (to - from + 1 > 12) return { ok: false, message: PROVIDER_MESSAGES.periodTooLong }
  return { ok: true, from, to }
}
