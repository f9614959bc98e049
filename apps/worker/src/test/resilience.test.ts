import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_TEST_CLOCK_OFFSET_MS, OFFSET_FILE_RECHECK_MS, offsetFileClock } from '../config/clock.js'
import { isLoopbackUrl } from '../config/env.js'
import { type CircuitEvent, createClientFetcher, neverSent } from '../sync/engine.js'
import { runCliInProcess } from '../test-utils/cli.js'

// Over a real socket: the emulator refuses connections, resets them, and answers; the worker's fetcher must tell a
// request that never left (its quota call goes back) from one that may have reached the API.

const KEY = 'resilience-test-key-5c1e0a9b7d'

async function drain(stream: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of stream) {
      // read everything
    }
    return undefined
  } catch (error) {
    return error
  }
}

describe('the client fetcher under connection faults', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await createEmulator({ keys: [KEY], seed: 5, today: '2026-11-30' })
  })
  afterAll(async () => {
    await emu?.close()
  })
  const slice = { country: 'US', from: '2025-01', to: '2025-01' }

  it('a refused connection is reported as never sent; a reset after sending is not', async () => {
    const fetcher = createClientFetcher({ serviceKey: KEY, baseUrl: emu.url, timeoutMs: 5_000 })
    const paused = emu.faults.refuseFor(2_000)
    await new Promise((r) => setTimeout(r, 50))
    const refused = fetcher.stream(slice)
    expect(await drain(refused)).toMatchObject({ name: 'KcsNetworkError' })
    expect(refused.notSent?.()).toBe(true)
    await paused

    emu.faults.next({ kind: 'reset', key: KEY })
    const reset = fetcher.stream(slice)
    expect(await drain(reset)).toMatchObject({ name: 'KcsNetworkError' })
    expect(reset.notSent?.()).toBe(false)

    const ok = fetcher.stream(slice)
    expect(await drain(ok)).toBeUndefined()
    expect(ok.notSent?.()).toBe(false)
  })

  it('reports the circuit breaker opening after the threshold and closing when the API answers again', async () => {
    const events: CircuitEvent[] = []
    const fetcher = createClientFetcher({
      serviceKey: KEY,
      baseUrl: emu.url,
      timeoutMs: 5_000,
      circuitBreaker: { failureThreshold: 2, cooldownMs: 2_000 },
      onCircuit: (e) => events.push(e),
    })
    const paused = emu.faults.refuseFor(500)
    await new Promise((r) => setTimeout(r, 50))
    await drain(fetcher.stream(slice))
    expect(events).toEqual([])
    await drain(fetcher.stream(slice))
    expect(events.map((e) => e.event)).toEqual(['opened'])
    expect(await drain(fetcher.stream(slice))).toMatchObject({ name: 'KcsCircuitOpenError' })
    const openedAt = Date.now()
    await paused
    // After the cool-down, one probe goes through and closes the breaker.
    await new Promise((r) => setTimeout(r, Math.max(0, openedAt + 2_100 - Date.now())))
    expect(await drain(fetcher.stream(slice))).toBeUndefined()
    expect(events.map((e) => e.event)).toEqual(['opened', 'closed'])
  })
})

describe('neverSent', () => {
  it('recognises connect-phase errors in the cause chain only', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    })
    expect(neverSent(refused)).toBe(true)
    expect(neverSent(new AggregateError([refused.cause, refused.cause]))).toBe(true)
    expect(neverSent(Object.assign(new Error('x'), { cause: { code: 'ECONNRESET' } }))).toBe(false)
    expect(neverSent(new Error('timeout'))).toBe(false)
    expect(neverSent(undefined)).toBe(false)
  })
})

describe('offsetFileClock (test-only clock of KCS_TEST_CLOCK_FILE)', () => {
  it('runs the file’s offset ahead of the system clock and notices a change without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcs-clock-'))
    try {
      const file = join(dir, 'offset')
      writeFileSync(file, '3600000')
      const read = (p: string) => readFileSync(p, 'utf8')
      const clock = offsetFileClock(file, read)
      expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(3_600_000 - 5)
      expect(clock.now() - Date.now()).toBeLessThanOrEqual(3_600_000 + 5)
      writeFileSync(file, '86400000\n')
      await new Promise((r) => setTimeout(r, OFFSET_FILE_RECHECK_MS + 20))
      expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(86_400_000 - 5)
      // A garbled rewrite keeps the last good offset.
      writeFileSync(file, 'oops')
      await new Promise((r) => setTimeout(r, OFFSET_FILE_RECHECK_MS + 20))
      expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(86_400_000 - 5)
      writeFileSync(file, 'soon')
      expect(() => offsetFileClock(file, read)).toThrow(/must hold one integer/)
      expect(() => offsetFileClock(join(dir, 'missing'), read)).toThrow(/cannot read/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('KCS_TEST_CLOCK_FILE safety limits', () => {
  it('refuses an offset of more than 7 days at start, and ignores one written later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcs-clock-'))
    try {
      const file = join(dir, 'offset')
      const read = (p: string) => readFileSync(p, 'utf8')
      writeFileSync(file, String(MAX_TEST_CLOCK_OFFSET_MS + 1))
      expect(() => offsetFileClock(file, read)).toThrow(/at most .*7 days/)
      writeFileSync(file, String(-MAX_TEST_CLOCK_OFFSET_MS - 1))
      expect(() => offsetFileClock(file, read)).toThrow(/at most .*7 days/)
      writeFileSync(file, '60000')
      const clock = offsetFileClock(file, read)
      writeFileSync(file, String(30 * 86_400_000))
      await new Promise((r) => setTimeout(r, OFFSET_FILE_RECHECK_MS + 20))
      expect(clock.now() - Date.now()).toBeLessThanOrEqual(60_000 + 5)
      expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(60_000 - 5)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('knows loopback API addresses (the only ones a test clock may be used with)', () => {
    for (const url of [
      'http://127.0.0.1:8080',
      'http://127.8.9.10/x',
      'http://localhost:3000',
      'http://[::1]:9',
    ])
      expect(isLoopbackUrl(url), url).toBe(true)
    for (const url of [
      'https://unipass.customs.go.kr:38010/ext/rest',
      'http://128.0.0.1',
      'http://127.0.0.1.example.com',
      'http://10.0.0.1',
      'not a url',
    ])
      expect(isLoopbackUrl(url), url).toBe(false)
  })
})

describe('KCS_OUTAGE_BUDGET_MS', () => {
  it('bounds how long sync waits out an API that answered once, then refuses every connection', async () => {
    // A one-shot loopback proxy to the emulator: the first request goes through (the API answers once, and the
    // connection closes after it), then the port is closed and every later connection is refused ("never left").
    const emu = await createEmulator({ keys: [KEY], seed: 5, ratePerSecond: 30 })
    const proxy = createServer((req, res) => {
      proxy.close()
      const upstream = request(new URL(req.url ?? '/', emu.url), { method: req.method }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, connection: 'close' })
        answer.pipe(res)
      })
      upstream.on('error', () => res.destroy())
      req.pipe(upstream)
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
    const port = (proxy.address() as AddressInfo).port
    const dir = mkdtempSync(join(tmpdir(), 'kcs-outage-budget-'))
    try {
      // With the default budget (1 h) this run would wait; with 0 each refusal uses an attempt at once.
      const run = await runCliInProcess(
        [
          'sync',
          '--inline',
          '--country',
          'US,CN',
          '--from',
          '2025-01',
          '--to',
          '2025-01',
          '--concurrency',
          '1',
        ],
        {
          KCS_SERVICE_KEY: KEY,
          KCS_BASE_URL: `http://127.0.0.1:${port}`,
          DATABASE_URL: join(dir, 'db'),
          KCS_OUTAGE_BUDGET_MS: '0',
          LOG_LEVEL: 'silent',
        },
      )
      expect(run.code, run.stderr).toBe(1)
      expect(run.stdout).toMatch(/synced 1\/2 slices/)
      expect(run.stdout).toMatch(/failed (US|CN) 2025-01\S*: outage lasted longer than 0 s/)
      expect(run.stderr).not.toMatch(/KCS_BASE_URL/)
    } finally {
      proxy.close()
      await emu.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
