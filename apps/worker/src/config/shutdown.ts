/**
 * Stopping in-flight work on SIGTERM/SIGINT: a grace period for slices to finish, then an abort that
 * gives them back (never half-written: the database writes a slice in one transaction).
 */

/** Default grace (ms) in-flight slices get after the first SIGTERM/SIGINT before they are aborted and given back. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000

/**
 * How long the binary waits after the first SIGINT/SIGTERM before it exits regardless: the grace
 * (`KCS_SHUTDOWN_TIMEOUT_MS`, default 10 s) plus 15 s to give slices back and close connections.
 */
export function shutdownBackstopMs(env: Record<string, string | undefined>): number {
  const raw = env.KCS_SHUTDOWN_TIMEOUT_MS?.trim() ?? ''
  const grace = /^\d{1,9}$/.test(raw) ? Number(raw) : DEFAULT_SHUTDOWN_GRACE_MS
  return grace + 15_000
}

/** The error a read stopped by {@link raceAbort} fails with (unless the signal carries its own reason). */
export class ShutdownAbortError extends Error {
  override name = 'AbortError'
  constructor() {
    super('stopped: the process is shutting down')
  }
}

/**
 * A signal that aborts `graceMs` after `stop` aborts (at once for 0). `dispose` clears the timer,
 * e.g. when the work finished within the grace.
 */
export function graceSignal(
  stop: AbortSignal | undefined,
  graceMs: number,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const onStop = () => {
    if (graceMs <= 0) controller.abort(new ShutdownAbortError())
    else timer = setTimeout(() => controller.abort(new ShutdownAbortError()), graceMs)
  }
  if (stop?.aborted) onStop()
  else stop?.addEventListener('abort', onStop, { once: true })
  return {
    signal: controller.signal,
    dispose: () => {
      if (timer) clearTimeout(timer)
      stop?.removeEventListener('abort', onStop)
    },
  }
}

/**
 * Settle with `promise`, or reject as soon as `signal` aborts (whatever the promise does then: an HTTP
 * layer that stopped honouring its own signal cannot hold the shutdown).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(abortReason(signal))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {})
      reject(abortReason(signal))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new ShutdownAbortError()
}

/** Resolves when `signal` aborts (at once if it already has): a long-running command's wait for SIGINT/SIGTERM. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
}
