/** Time source for everything that depends on the calendar (quota day, freshness window). Injectable so tests can cross midnight KST. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock tests move by hand. */
export interface ManualClock extends Clock {
  set(ms: number): void
  advance(ms: number): void
}

export function manualClock(start: number | Date): ManualClock {
  let t = typeof start === 'number' ? start : start.getTime()
  return {
    now: () => t,
    set: (ms) => {
      t = ms
    },
    advance: (ms) => {
      t += ms
    },
  }
}

/** Korea has no daylight saving time: KST is UTC+9 all year. */
const KST_OFFSET_MS = 9 * 3_600_000
const DAY_MS = 86_400_000

/** The Korean calendar day (`YYYY-MM-DD`) at `ms`; the API's daily quota is counted per such day. */
export function kstDay(ms: number): string {
  return new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 10)
}

/** The Korean calendar month (`YYYY-MM`) at `ms`. */
export function kstMonth(ms: number): string {
  return new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 7)
}

/** The instant of the next midnight KST after `ms` (when the daily quota resets). */
export function nextKstMidnight(ms: number): number {
  const shifted = ms + KST_OFFSET_MS
  return Math.floor(shifted / DAY_MS) * DAY_MS + DAY_MS - KST_OFFSET_MS
}

/** Wait `ms` of real time; resolves early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, Math.max(0, ms))
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
