/**
 * What the client says about its failures so that callers need not infer it: whether a failed request
 * was sent, the socket code, the circuit breaker's changes of state, a brand that survives a second copy
 * of the package, and the message apart from its hint.
 */
import { once } from 'node:events'
import { createServer } from 'node:net'
import { describe, expect, it, vi } from 'vitest'
import { socketCodeOf } from './client-options.js'
import { isKcsError, KcsError, KcsNetworkError, KcsTimeoutError, KcsValidationError } from './errors.js'
import { createKcsClient } from './index.js'
import { CircuitBreaker, type CircuitStateChange } from './resilience.js'
import { TestServer } from './test-utils/server.js'

const QUERY = { from: '2025-01', to: '2025-01', country: 'US' } as const

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

describe('requestSent and socketCode', () => {
  it('a refused connection was not sent; the client says so and names the code', async () => {
    const port = await closedPort()
    const client = createKcsClient({ serviceKey: 'k', baseUrl: `http://127.0.0.1:${port}`, retry: 0 })
    const error = await client.tradeByItemCountry(QUERY).catch((e) => e)
    expect(error).toBeInstanceOf(KcsNetworkError)
    expect(error).toMatchObject({ requestSent: false, socketCode: 'ECONNREFUSED' })
    expect(error.toJSON()).toMatchObject({ requestSent: false, socketCode: 'ECONNREFUSED' })
  })

  it('a connection dropped after the request arrived was sent', async () => {
    const server = await new TestServer().start()
    server.handler = (req) => {
      req.socket.destroy()
    }
    try {
      const client = createKcsClient({ serviceKey: 'k', baseUrl: server.origin, retry: 0 })
      const error = await client.tradeByItemCountry(QUERY).catch((e) => e)
      expect(error).toBeInstanceOf(KcsNetworkError)
      expect(error.requestSent).toBe(true)
      expect(server.requests).toHaveLength(1)
    } finally {
      await server.stop()
    }
  })

  it('a timeout counts as sent', () => {
    expect(new KcsTimeoutError(1000).requestSent).toBe(true)
    expect(new KcsNetworkError('x').requestSent).toBe(true)
    expect(new KcsNetworkError('x', { requestSent: false }).requestSent).toBe(false)
  })

  it('finds the code in undici’s cause, and the common code of an AggregateError', () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' })
    const every = Object.assign(new AggregateError([refused('::1'), refused('127.0.0.1')]), {})
    expect(socketCodeOf(new TypeError('fetch failed', { cause: every }))).toBe('ECONNREFUSED')
    const mixed = new AggregateError([refused('::1'), Object.assign(new Error('x'), { code: 'ETIMEDOUT' })])
    expect(socketCodeOf(new TypeError('fetch failed', { cause: mixed }))).toBeUndefined()
    expect(socketCodeOf(new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }))).toBe('ENOTFOUND')
    // SQLSTATEs and other codes are not socket codes.
    expect(socketCodeOf(Object.assign(new Error('x'), { code: '57P01' }))).toBeUndefined()
    expect(socketCodeOf(null)).toBeUndefined()
  })
})

describe('CircuitBreaker onStateChange', () => {
  it('tells every change of state, once each', () => {
    let now = 0
    const changes: CircuitStateChange[] = []
    const b = new CircuitBreaker(
      { failureThreshold: 2, cooldownMs: 100, onStateChange: (c) => changes.push(c) },
      () => now,
    )
    b.beforeRequest()
    b.recordFailure()
    expect(changes).toEqual([])
    b.beforeRequest()
    b.recordFailure()
    b.recordFailure() // still open: no new change
    now = 200
    b.beforeRequest() // the cool-down is over: half-open
    b.recordFailure() // the probe failed
    now = 400
    b.beforeRequest()
    b.recordSuccess()
    b.recordSuccess() // still closed: no new change
    expect(changes.map((c) => `${c.from}→${c.to}`)).toEqual([
      'closed→open',
      'open→half-open',
      'half-open→open',
      'open→half-open',
      'half-open→closed',
    ])
    expect(changes[0]).toEqual({ from: 'closed', to: 'open', failures: 2, cooldownMs: 100 })
    expect(changes.at(-1)).toMatchObject({ failures: 0 })
  })

  it('ignores an observer that throws, and refuses one that is not a function', () => {
    const b = new CircuitBreaker({
      failureThreshold: 1,
      onStateChange: () => {
        throw new Error('observer broke')
      },
    })
    b.beforeRequest()
    expect(() => b.recordFailure()).not.toThrow()
    expect(b.state).toBe('open')
    expect(() => new CircuitBreaker({ onStateChange: 'log' as never })).toThrow(KcsValidationError)
  })

  it('reports the changes of a client’s breaker over a real socket', async () => {
    const port = await closedPort()
    const changes: string[] = []
    const client = createKcsClient({
      serviceKey: 'k',
      baseUrl: `http://127.0.0.1:${port}`,
      retry: 0,
      circuitBreaker: { failureThreshold: 2, onStateChange: (c) => changes.push(`${c.from}→${c.to}`) },
    })
    for (let i = 0; i < 3; i++) await client.tradeByItemCountry(QUERY).catch(() => {})
    expect(changes).toEqual(['closed→open'])
  })
})

describe('isKcsError', () => {
  it('recognises an error of another copy of the package, where instanceof does not', async () => {
    vi.resetModules()
    // A query string makes the module loader evaluate errors.ts a second time: a second copy of its classes.
    const other = (await import('./errors.js?copy' as string)) as typeof import('./errors.js')
    const foreign = new other.KcsNetworkError('from the other copy')
    expect(other.KcsError).not.toBe(KcsError)
    expect(foreign instanceof KcsError).toBe(false)
    expect(isKcsError(foreign)).toBe(true)
    expect(other.isKcsError(new KcsTimeoutError(5))).toBe(true)
  })

  it('is not fooled by a name', () => {
    const impostor = Object.assign(new Error('x'), { name: 'KcsNetworkError', hint: 'h', retryable: true })
    expect(isKcsError(impostor)).toBe(false)
    expect(isKcsError({ name: 'KcsError' })).toBe(false)
    expect(isKcsError(null)).toBe(false)
    expect(isKcsError('KcsError')).toBe(false)
  })
})

describe('detail', () => {
  it('is the message without its hint', () => {
    const e = new KcsNetworkError('socket hang up')
    expect(e.message).toBe(`${e.detail} Hint: ${e.hint}`)
    expect(e.detail).toBe('Network error: socket hang up')
    expect(new KcsError('plain').detail).toBe('plain')
    expect(Object.keys(e.toJSON())).not.toContain('detail')
  })
})
