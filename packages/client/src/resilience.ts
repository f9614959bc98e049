import {
  KcsCircuitOpenError,
  type KcsError,
  KcsHttpError,
  KcsNetworkError,
  KcsTimeoutError,
  KcsValidationError,
} from './errors.js'
import { describeValue, optionsObject } from './guards.js'

/** Retry settings as a caller gives them; each omitted field takes its {@link DEFAULT_RETRY} value. */
export interface RetryOptions {
  /** Retries after the first attempt (0 disables retries). Default 3. */
  limit?: number
  /** First backoff delay; doubles each retry. Default 1000 ms. */
  baseDelayMs?: number
  /** Upper bound of one delay. Default 30 000 ms. */
  maxDelayMs?: number
}

/** Retry settings with every field filled in and validated. */
export interface ResolvedRetryOptions {
  /** Retries after the first attempt (0 means no retries). */
  limit: number
  /** Delay ceiling of the first retry, in ms; doubles each retry. */
  baseDelayMs: number
  /** Upper bound of one delay, in ms. */
  maxDelayMs: number
}

/** The default retry settings: 3 retries, 1000 ms base delay, 30 000 ms maximum delay. */
export const DEFAULT_RETRY: ResolvedRetryOptions = { limit: 3, baseDelayMs: 1000, maxDelayMs: 30_000 }

function nonNegative(value: unknown, name: string, integer: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new KcsValidationError(
      'retry',
      `${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${String(value)}.`,
      'Use e.g. retry: 3 or retry: { limit: 3, baseDelayMs: 1000, maxDelayMs: 30000 }; retry: 0 disables retries.',
    )
  }
  return value
}

export function resolveRetry(retry: number | RetryOptions | undefined): ResolvedRetryOptions {
  if (retry === undefined) return { ...DEFAULT_RETRY }
  if (typeof retry === 'number') return { ...DEFAULT_RETRY, limit: nonNegative(retry, 'retry', true) }
  if (typeof retry !== 'object' || retry === null) {
    throw new KcsValidationError(
      'retry',
      'retry must be a number or an object.',
      'Use retry: 3 or retry: { limit: 3 }.',
    )
  }
  const out = {
    limit: retry.limit === undefined ? DEFAULT_RETRY.limit : nonNegative(retry.limit, 'retry.limit', true),
    baseDelayMs:
      retry.baseDelayMs === undefined
        ? DEFAULT_RETRY.baseDelayMs
        : nonNegative(retry.baseDelayMs, 'retry.baseDelayMs', false),
    maxDelayMs:
      retry.maxDelayMs === undefined
        ? DEFAULT_RETRY.maxDelayMs
        : nonNegative(retry.maxDelayMs, 'retry.maxDelayMs', false),
  }
  return out
}

/**
 * Exponential backoff with jitter: the n-th retry waits a random time in [d/2, d] where
 * d = min(maxDelayMs, baseDelayMs × 2^(n−1)); a server's Retry-After raises it (still capped).
 */
export function backoffDelay(
  retryNumber: number,
  options: ResolvedRetryOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (!Number.isSafeInteger(retryNumber) || retryNumber < 1)
    throw new KcsValidationError(
      'retry',
      `retryNumber must be an integer ≥ 1 (1 for the first retry), got ${describeValue(retryNumber)}.`,
      'Count retries from 1.',
    )
  if (options === null || typeof options !== 'object')
    throw new KcsValidationError(
      'retry',
      `options must be resolved retry settings, got ${describeValue(options)}.`,
      'Pass DEFAULT_RETRY or { limit, baseDelayMs, maxDelayMs }.',
    )
  nonNegative(options.baseDelayMs, 'baseDelayMs', false)
  nonNegative(options.maxDelayMs, 'maxDelayMs', false)
  if (retryAfterMs !== undefined) nonNegative(retryAfterMs, 'retryAfterMs', false)
  if (typeof random !== 'function')
    throw new KcsValidationError(
      'retry',
      `random must be a function, got ${describeValue(random)}.`,
      'Leave it out for Math.random.',
    )
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retryNumber - 1))
  const jittered = ceiling / 2 + (random() * ceiling) / 2
  const wanted = retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs)
  return Math.round(Math.min(options.maxDelayMs, wanted))
}

/** Settings of a {@link CircuitBreaker}; invalid values make the constructor throw `KcsValidationError`. */
export interface CircuitBreakerOptions {
  /** Consecutive connection failures that open the breaker. Default 5. */
  failureThreshold?: number
  /** How long the breaker stays open before letting one probe through. Default 30 000 ms. */
  cooldownMs?: number
  /**
   * Told of every change of state (for logs and metrics): `closed → open` when the threshold is reached,
   * `open → half-open` when the cool-down ends, `half-open → open` when the probe failed, `… → closed`
   * when a request got through. Called synchronously; an exception it throws is ignored.
   */
  onStateChange?: (change: CircuitStateChange) => void
}

/** A change of a {@link CircuitBreaker}'s state, as told to `onStateChange`. */
export interface CircuitStateChange {
  from: CircuitState
  to: CircuitState
  /** Consecutive connection failures counted when the change happened (0 once closed). */
  failures: number
  /** The breaker's cool-down. */
  cooldownMs: number
}

/** The state of a {@link CircuitBreaker}: requests pass (`closed`), fail fast (`open`), or one probe passes (`half-open`). */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** True for failures that say "the portal is unreachable": network errors, timeouts, 5xx. */
export function isConnectionFailure(error: KcsError): boolean {
  return (
    error instanceof KcsNetworkError ||
    error instanceof KcsTimeoutError ||
    (error instanceof KcsHttpError && error.status >= 500)
  )
}

/**
 * Fails fast after a burst of connection failures. Closed: requests pass and consecutive connection
 * failures are counted. Open (threshold reached): requests fail at once with `KcsCircuitOpenError`
 * until the cool-down ends. Half-open: exactly one probe passes; its success closes the breaker, its
 * failure opens it for another cool-down.
 */
export class CircuitBreaker {
  readonly failureThreshold: number
  readonly cooldownMs: number
  #state: CircuitState = 'closed'
  #failures = 0
  #openedAt = 0
  #probeInFlight = false
  readonly #now: () => number
  readonly #onStateChange: ((change: CircuitStateChange) => void) | undefined

  constructor(options: CircuitBreakerOptions = {}, now: () => number = Date.now) {
    options = optionsObject(
      options,
      'circuitBreaker',
      'Pass { failureThreshold: 5, cooldownMs: 30000 }, a CircuitBreaker, or false.',
    )
    if (typeof now !== 'function')
      throw new KcsValidationError(
        'circuitBreaker',
        `now must be a function, got ${describeValue(now)}.`,
        'Leave it out for Date.now.',
      )
    const threshold = options.failureThreshold ?? 5
    const cooldown = options.cooldownMs ?? 30_000
    if (!Number.isInteger(threshold) || threshold < 1) {
      throw new KcsValidationError(
        'circuitBreaker',
        `failureThreshold must be a positive integer, got ${String(threshold)}.`,
        'Use e.g. circuitBreaker: { failureThreshold: 5, cooldownMs: 30000 }, or false to disable it.',
      )
    }
    if (typeof cooldown !== 'number' || !Number.isFinite(cooldown) || cooldown < 0) {
      throw new KcsValidationError(
        'circuitBreaker',
        `cooldownMs must be a non-negative number, got ${String(cooldown)}.`,
        'Use e.g. circuitBreaker: { failureThreshold: 5, cooldownMs: 30000 }, or false to disable it.',
      )
    }
    const onStateChange = options.onStateChange
    if (onStateChange !== undefined && typeof onStateChange !== 'function')
      throw new KcsValidationError(
        'circuitBreaker',
        `onStateChange must be a function, got ${describeValue(onStateChange)}.`,
        'Pass (change) => { … } or leave it out.',
      )
    this.failureThreshold = threshold
    this.cooldownMs = cooldown
    this.#now = now
    this.#onStateChange = onStateChange
  }

  #moveTo(to: CircuitState): void {
    const from = this.#state
    this.#state = to
    if (from === to || this.#onStateChange === undefined) return
    try {
      this.#onStateChange({ from, to, failures: this.#failures, cooldownMs: this.cooldownMs })
    } catch {
      // An observer must not break the request it observes.
    }
  }

  get state(): CircuitState {
    return this.#state
  }

  /** Consecutive connection failures counted so far. */
  get failures(): number {
    return this.#failures
  }

  /** Call before sending; throws `KcsCircuitOpenError` when the request must not be sent. */
  beforeRequest(): void {
    if (this.#state === 'closed') return
    const retryAt = this.#openedAt + this.cooldownMs
    if (this.#state === 'open') {
      if (this.#now() < retryAt) throw new KcsCircuitOpenError(new Date(retryAt))
      this.#moveTo('half-open')
      this.#probeInFlight = false
    }
    // half-open: one probe at a time
    if (this.#probeInFlight) throw new KcsCircuitOpenError(new Date(Math.max(retryAt, this.#now())))
    this.#probeInFlight = true
  }

  /** Call after a request that reached the portal: resets the failure count and closes the breaker. */
  recordSuccess(): void {
    this.#failures = 0
    this.#probeInFlight = false
    this.#moveTo('closed')
  }

  /**
   * Call after a connection failure: counts it, and opens the breaker (starting the cool-down) when
   * the threshold is reached or the half-open probe failed.
   */
  recordFailure(): void {
    this.#failures++
    if (this.#state === 'half-open' || this.#failures >= this.failureThreshold) {
      this.#openedAt = this.#now()
      this.#probeInFlight = false
      this.#moveTo('open')
      return
    }
    this.#probeInFlight = false
  }

  /** The request ended without telling anything about the portal (e.g. aborted by the caller). */
  release(): void {
    this.#probeInFlight = false
  }
}

/** Resolves after `ms`, or rejects with the signal's reason if it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
