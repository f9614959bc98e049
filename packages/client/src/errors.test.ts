import { describe, expect, it } from 'vitest'
import {
  createGatewayError,
  isKcsError,
  KcsAuthError,
  KcsCircuitOpenError,
  KcsError,
  KcsGatewayError,
  KcsHttpError,
  KcsNetworkError,
  KcsQuotaExceededError,
  KcsRateLimitError,
  KcsResponseFormatError,
  KcsServiceError,
  KcsTimeoutError,
  KcsValidationError,
  nextKstMidnight,
} from './errors.js'

describe('errors', () => {
  it('all extend KcsError with retryable and hint', () => {
    const all = [
      new KcsValidationError('from', 'bad', 'fix it'),
      new KcsServiceError('99', 'x'),
      createGatewayError(30, 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR'),
      new KcsHttpError(502, 'bad gateway'),
      new KcsTimeoutError(1000),
      new KcsNetworkError('refused'),
      new KcsResponseFormatError('truncated'),
      new KcsCircuitOpenError(new Date()),
    ]
    for (const e of all) {
      expect(e).toBeInstanceOf(KcsError)
      expect(e).toBeInstanceOf(Error)
      expect(isKcsError(e)).toBe(true)
      expect(typeof e.retryable).toBe('boolean')
      expect(e.hint.length).toBeGreaterThan(0)
      expect(e.message).toContain(e.hint)
    }
    expect(isKcsError(new Error('x'))).toBe(false)
  })

  it('maps gateway codes to subclasses and retryability', () => {
    for (const code of [20, 21, 30, 31, 32, 33]) {
      const e = createGatewayError(code, '')
      expect(e).toBeInstanceOf(KcsAuthError)
      expect(e.retryable).toBe(false)
    }
    expect(createGatewayError(22, '')).toBeInstanceOf(KcsQuotaExceededError)
    expect(createGatewayError(22, '').retryable).toBe(false)
    expect(createGatewayError(23, '')).toBeInstanceOf(KcsRateLimitError)
    expect(createGatewayError(23, '').retryable).toBe(true)
    for (const code of [1, 5]) expect(createGatewayError(code, '').retryable).toBe(true)
    for (const code of [4, 10, 11, 12, 29, 99]) {
      const e = createGatewayError(code, '')
      expect(e.constructor).toBe(KcsGatewayError)
      expect(e.retryable).toBe(false)
    }
    expect(createGatewayError(30, '').message).toMatch(/not approved for dataset 15100475/)
    expect(createGatewayError(10, '').hint).toMatch(/environment=/)
  })

  it('gives the quota reset as the next midnight in Korea (15:00 UTC)', () => {
    expect(nextKstMidnight(new Date('2026-11-24T10:00:00Z')).toISOString()).toBe('2026-11-24T15:00:00.000Z')
    expect(nextKstMidnight(new Date('2026-11-24T15:00:00Z')).toISOString()).toBe('2026-11-25T15:00:00.000Z')
    expect(nextKstMidnight(new Date('2026-12-31T20:00:00Z')).toISOString()).toBe('2027-01-01T15:00:00.000Z')
    const e = new KcsQuotaExceededError(22, 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR', {
      now: new Date('2026-11-24T18:00:00Z'),
    })
    expect(e.resetsAt.toISOString()).toBe('2026-11-25T15:00:00.000Z')
    expect(JSON.parse(JSON.stringify(e)).resetsAt).toBe('2026-11-25T15:00:00.000Z')
  })

  it('serialises to JSON with name, message and fields', () => {
    const e = new KcsHttpError(503, 'unavailable', { url: 'http://x/?serviceKey=***' })
    const json = JSON.parse(JSON.stringify(e))
    expect(json).toMatchObject({
      name: 'KcsHttpError',
      status: 503,
      retryable: true,
      url: 'http://x/?serviceKey=***',
    })
    expect(json.message).toMatch(/HTTP 503/)
  })

  it('classifies HTTP statuses', () => {
    expect(new KcsHttpError(500, '').retryable).toBe(true)
    expect(new KcsHttpError(429, '').retryable).toBe(true)
    expect(new KcsHttpError(408, '').retryable).toBe(true)
    expect(new KcsHttpError(404, '').retryable).toBe(false)
    expect(new KcsHttpError(400, '').retryable).toBe(false)
  })
})
