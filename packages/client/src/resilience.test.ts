import { describe, expect, it } from 'vitest'
import {
  KcsCircuitOpenError,
  KcsHttpError,
  KcsNetworkError,
  KcsServiceError,
  KcsTimeoutError,
  KcsValidationError,
} from './errors.js'
import { backoffDelay, CircuitBreaker, isConnectionFailure, resolveRetry } from './resilience.js'

describe('retry options', () => {
  it('accepts a count or an object, 0 disabling retries', () => {
    expect(resolveRetry(undefined)).toEqual({ limit: 3, baseDelayMs: 1000, maxDelayMs: 30_000 })
    expect(resolveRetry(0).limit).toBe(0)
    expect(resolveRetry({ limit: 5, baseDelayMs: 10 })).toEqual({
      limit: 5,
      baseDelayMs: 10,
      maxDelayMs: 30_000,
    })
    expect(() => resolveRetry(-1)).toThrow(KcsValidationError)
    expect(() => resolveRetry(1.5)).toThrow(KcsValidationError)
    expect(() => resolveRetry({ limit: Number.NaN })).toThrow(KcsValidationError)
  })

  it('backs off exponentially with jitter in [d/2, d], capped', () => {
    const opts = { limit: 10, baseDelayMs: 100, maxDelayMs: 1000 }
    expect(backoffDelay(1, opts, undefined, () => 0)).toBe(50)
    expect(backoffDelay(1, opts, undefined, () => 1)).toBe(100)
    expect(backoffDelay(2, opts, undefined, () => 1)).toBe(200)
    expect(backoffDelay(3, opts, undefined, () => 0.5)).toBe(300)
    expect(backoffDelay(8, opts, undefined, () => 1)).toBe(1000)
    expect(backoffDelay(1, opts, 700, () => 0)).toBe(700)
    expect(backoffDelay(1, opts, 5000, () => 0)).toBe(1000)
    for (let n = 1; n < 8; n++) {
      const d = backoffDelay(n, opts)
      const ceiling = Math.min(1000, 100 * 2 ** (n - 1))
      expect(d).toBeGreaterThanOrEqual(ceiling / 2)
      expect(d).toBeLessThanOrEqual(ceiling)
    }
  })
})

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures, then lets one probe through after the cool-down', () => {
    let now = 1000
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 500 }, () => now)
    for (let i = 0; i < 2; i++) {
      b.beforeRequest()
      b.recordFailure()
    }
    expect(b.state).toBe('closed')
    b.beforeRequest()
    b.recordFailure()
    expect(b.state).toBe('open')
    expect(() => b.beforeRequest()).toThrow(KcsCircuitOpenError)
    try {
      b.beforeRequest()
    } catch (e) {
      expect((e as KcsCircuitOpenError).retryable).toBe(true)
      expect((e as KcsCircuitOpenError).retryAt.getTime()).toBe(1500)
    }
    now = 1499
    expect(() => b.beforeRequest()).toThrow(KcsCircuitOpenError)
    now = 1500
    b.beforeRequest() // the probe
    expect(b.state).toBe('half-open')
    expect(() => b.beforeRequest()).toThrow(KcsCircuitOpenError) // only one probe at a time
    b.recordFailure()
    expect(b.state).toBe('open')
    now = 2000
    b.beforeRequest()
    b.recordSuccess()
    expect(b.state).toBe('closed')
    b.beforeRequest()
    b.beforeRequest()
  })

  it('a success resets the failure count', () => {
    const b = new CircuitBreaker({ failureThreshold: 2 })
    b.recordFailure()
    b.recordSuccess()
    b.recordFailure()
    expect(b.state).toBe('closed')
    b.recordFailure()
    expect(b.state).toBe('open')
  })

  it('a released probe frees the slot', () => {
    let now = 0
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10 }, () => now)
    b.recordFailure()
    now = 10
    b.beforeRequest()
    b.release()
    b.beforeRequest()
  })

  it('validates its options', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(KcsValidationError)
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).toThrow(KcsValidationError)
  })

  it('counts network errors, timeouts and 5xx as connection failures, nothing else', () => {
    expect(isConnectionFailure(new KcsNetworkError('x'))).toBe(true)
    expect(isConnectionFailure(new KcsTimeoutError(1))).toBe(true)
    expect(isConnectionFailure(new KcsHttpError(502, 'x'))).toBe(true)
    expect(isConnectionFailure(new KcsHttpError(404, 'x'))).toBe(false)
    expect(isConnectionFailure(new KcsServiceError('99', 'x'))).toBe(false)
  })
})
