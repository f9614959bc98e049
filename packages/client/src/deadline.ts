/** Thrown into the waits of an attempt whose deadline has passed; the client turns it into `KcsTimeoutError`. */
export class DeadlineExpired extends Error {
  constructor() {
    super('the attempt ran out of time')
    this.name = 'DeadlineExpired'
  }
}

/**
 * The time limit of one attempt (headers and body), enforced by the client itself: its own timer
 * rejects whatever the attempt is waiting for, and {@link Deadline.check} stops a body that keeps
 * arriving (or expanding from gzip) faster than timers fire. It does not rely on `fetch` honouring
 * its abort signal — on Node 20, `fetch(new Request(url, { signal }))` stops honouring it once the
 * `Request` has been garbage-collected, and a body that never ends then hung the call for good.
 *
 * The clock can be paused (while a stream's consumer holds a batch) and resumed with what is left.
 * The timer is referenced, so the process stays alive until the deadline settles the attempt.
 */
export class Deadline {
  #remainingMs: number
  #startedAt = 0
  #running = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #expired = false
  #cancelled: { reason: unknown } | undefined
  readonly #waiters = new Set<(reason: unknown) => void>()
  readonly #onExpire: () => void

  /** `onExpire` runs once when time is up, before the waits are rejected (abort, cancel the body). */
  constructor(budgetMs: number, onExpire: () => void) {
    this.#remainingMs = budgetMs
    this.#onExpire = onExpire
  }

  /** True once the time is up. */
  get expired(): boolean {
    return this.#expired
  }

  /** True once the time is up or the attempt was cancelled: nothing more will be read. */
  get over(): boolean {
    return this.#expired || this.#cancelled !== undefined
  }

  /** Starts (or resumes) the clock with the time left. */
  start(): void {
    if (this.#running || this.#expired || this.#cancelled) return
    this.#running = true
    this.#startedAt = performance.now()
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, this.#remainingMs))
  }

  /** Stops the clock, keeping the time left. */
  pause(): void {
    if (!this.#running) return
    this.#running = false
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#remainingMs -= performance.now() - this.#startedAt
  }

  /** Throws {@link DeadlineExpired} (after expiring) if the time is up; call it between chunks. */
  check(): void {
    if (!this.#expired && this.#running && performance.now() - this.#startedAt >= this.#remainingMs)
      this.#expire()
    if (this.#cancelled) throw this.#cancelled.reason
    if (this.#expired) throw new DeadlineExpired()
  }

  /** Settles like `promise`, unless the deadline passes (or the attempt is cancelled) first. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#cancelled || this.#expired) {
      promise.catch(() => {})
      return Promise.reject(this.#cancelled ? this.#cancelled.reason : new DeadlineExpired())
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiters.add(reject)
      promise.then(
        (value) => {
          this.#waiters.delete(reject)
          resolve(value)
        },
        (error: unknown) => {
          this.#waiters.delete(reject)
          reject(error)
        },
      )
    })
  }

  /** Ends the attempt's waits with `reason` (the caller's abort), whatever `fetch` does with its signal. */
  cancel(reason: unknown): void {
    if (this.#cancelled || this.#expired) return
    this.#cancelled = { reason }
    this.clear()
    this.#rejectAll(reason)
  }

  /** Stops the timer for good (the attempt is over). */
  clear(): void {
    this.#running = false
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #expire(): void {
    if (this.#expired || this.#cancelled) return
    this.#expired = true
    this.clear()
    try {
      this.#onExpire()
    } catch {
      // Freeing the connection is best effort; the attempt fails with a timeout either way.
    }
    this.#rejectAll(new DeadlineExpired())
  }

  #rejectAll(reason: unknown): void {
    for (const reject of this.#waiters) reject(reason)
    this.#waiters.clear()
  }
}
