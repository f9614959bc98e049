import { nextKstMidnight as clientNextKstMidnight } from '@kcs-trade/client/calendar'

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

// The Korea-time calendar is the client's (the API's quota day and period), from its light
// `calendar` entry: the client itself loads only for the commands that call the API.
export { kstDay, kstMonth } from '@kcs-trade/client/calendar'

/** The instant (epoch ms) of the next midnight KST after `ms` (when the daily quota resets). */
export function nextKstMidnight(ms: number): number {
  return clientNextKstMidnight(new Date(ms)).getTime()
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

/** How often an {@link offsetFileClock} looks at its file again (real ms). */
export const OFFSET_FILE_RECHECK_MS = 200

/** The largest offset (either way) an {@link offsetFileClock} accepts: 7 days. */
export const MAX_TEST_CLOCK_OFFSET_MS = 7 * 86_400_000

/**
 * TEST ONLY — never set in production. A clock `offset` ms ahead of the system clock, the offset read from a file
 * (one decimal integer of milliseconds) and read again at most every {@link OFFSET_FILE_RECHECK_MS}, so a fault suite
 * can move running worker processes past midnight in Korea (together with the emulator's clock) without a restart.
 * The worker uses it only when `KCS_TEST_CLOCK_FILE` names such a file. A file that cannot be read or parsed at start
 * throws, and so does an offset beyond {@link MAX_TEST_CLOCK_OFFSET_MS} either way; later, a bad read or an
 * out-of-range offset keeps the last good offset (the suite rewrites the file while workers read it).
 */
export function offsetFileClock(path: string, readText: (path: string) => string): Clock {
  const parse = (text: string): number | undefined => {
    const t = text.trim()
    if (!/^-?\d{1,15}$/.test(t)) return undefined
    const n = Number(t)
    return Math.abs(n) <= MAX_TEST_CLOCK_OFFSET_MS ? n : undefined
  }
  let first: string
  try {
    first = readText(path)
  } catch (error) {
    throw new Error(`KCS_TEST_CLOCK_FILE: cannot read ${path}: ${(error as Error).message}`)
  }
  let offset = parse(first)
  if (offset === undefined) {
    throw new Error(
      `KCS_TEST_CLOCK_FILE: ${path} must hold one integer of milliseconds ahead of the system clock, at most ${MAX_TEST_CLOCK_OFFSET_MS} (7 days) either way`,
    )
  }
  let checkedAt = Date.now()
  return {
    now() {
      const real = Date.now()
      if (real - checkedAt >= OFFSET_FILE_RECHECK_MS) {
        checkedAt = real
        try {
          offset = parse(readText(path)) ?? offset
        } catch {
          // keep the last good offset
        }
      }
      return real + (offset as number)
    },
  }
}
