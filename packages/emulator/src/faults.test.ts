import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmulator, type Emulator, parseFaultSpec } from './index.js'
import { get, query, reasonCode, resultCode } from './test-utils/http.js'

const KEY = 'test-key'
const OTHER = 'other-key'
const small = (key = KEY) => query({ serviceKey: key, strtYymm: '202501', endYymm: '202501', cntyCd: 'FJ' })
const large = query({ serviceKey: KEY, strtYymm: '202501', endYymm: '202503', cntyCd: 'US' })

/** Resolves with the error code of a request that fails at the socket level. */
function socketError(origin: string, path: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const req = request(`${origin}${path}`, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume()
      res.on('end', () => resolve('completed'))
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
    })
    req.on('timeout', () => {
      req.destroy()
      resolve('timeout')
    })
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
    req.end()
  })
}

describe('faults', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await createEmulator({ port: 0, seed: 7, keys: [KEY, OTHER], today: '2026-11-23' })
  })
  afterAll(() => emu.close())

  it('http5xx: an HTML error page with a 5xx status', async () => {
    emu.faults.next({ kind: 'http5xx', status: 502 })
    const r = await get(emu.url, small())
    expect(r.status).toBe(502)
    expect(r.headers['content-type']).toBe('text/html')
    expect(r.text).toContain('<title>502 Bad Gateway</title>')
    expect((await get(emu.url, small())).status).toBe(200)
  })

  it('text401: plain-text Unauthorized; notFound: plain-text API not found', async () => {
    emu.faults.next({ kind: 'text401' })
    emu.faults.next({ kind: 'notFound' })
    const a = await get(emu.url, small())
    expect([a.status, a.headers['content-type'], a.text]).toEqual([401, 'text/plain', 'Unauthorized'])
    const b = await get(emu.url, small())
    expect([b.status, b.text]).toEqual([404, 'API not found'])
  })

  it('rate23 and quota22: one-off gateway errors that do not use the quota', async () => {
    const before = emu.quota(KEY).used
    emu.faults.next({ kind: 'rate23' })
    emu.faults.next({ kind: 'quota22' })
    expect(reasonCode((await get(emu.url, small())).text)).toBe('23')
    expect(reasonCode((await get(emu.url, small())).text)).toBe('22')
    expect(emu.quota(KEY).used).toBe(before)
  })

  it('gateway and provider: any gateway reason code or provider result code', async () => {
    emu.faults.next({ kind: 'gateway', code: '05', status: 504 })
    emu.faults.next({ kind: 'provider', resultCode: '03', resultMsg: 'NODATA_ERROR' })
    const g = await get(emu.url, small())
    expect(g.status).toBe(504)
    expect(g.text).toContain('SERVICETIMEOUT_ERROR')
    const p = await get(emu.url, small())
    expect(resultCode(p.text)).toBe('03')
  })

  it('reset: the connection is reset before any response', async () => {
    emu.faults.next({ kind: 'reset' })
    expect(await socketError(emu.url, small())).toBe('ECONNRESET')
  })

  it('hang: no response at all until the client gives up', async () => {
    emu.faults.next({ kind: 'hang' })
    expect(await socketError(emu.url, small(), 300)).toBe('timeout')
    expect((await get(emu.url, small())).status).toBe(200)
  })

  it('truncate: the body stops mid-document (end or destroy)', async () => {
    emu.faults.next({ kind: 'truncate', afterBytes: 5000 })
    const r = await get(emu.url, large)
    expect(r.status).toBe(200)
    expect(r.body.length).toBe(5000)
    expect(r.text.endsWith('</response>')).toBe(false)
    emu.faults.next({ kind: 'truncate', afterBytes: 300_000, mode: 'destroy' })
    const code = await socketError(emu.url, large)
    expect(['ECONNRESET', 'aborted']).toContain(code)
  })

  it('slow: delays the first byte, optionally throttles the body', async () => {
    emu.faults.next({ kind: 'slow', delayMs: 300 })
    const started = Date.now()
    const r = await get(emu.url, small())
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    expect(resultCode(r.text)).toBe('00')
    emu.faults.next({ kind: 'slow', delayMs: 0, bytesPerSecond: 200_000 })
    const t0 = Date.now()
    const body = await get(emu.url, small())
    expect(body.text.endsWith('</response>')).toBe(true)
    expect(Date.now() - t0).toBeGreaterThanOrEqual((body.body.length / 200_000) * 1000 * 0.8)
  })

  it('scripted faults honour count and key', async () => {
    emu.faults.next({ kind: 'text401', count: 2, key: OTHER })
    expect((await get(emu.url, small())).status).toBe(200)
    expect((await get(emu.url, small(OTHER))).status).toBe(401)
    expect(emu.faults.pending).toBe(1)
    expect((await get(emu.url, small(OTHER))).status).toBe(401)
    expect((await get(emu.url, small(OTHER))).status).toBe(200)
    expect(emu.faults.pending).toBe(0)
  })

  it('refuseFor: connections are refused for a while, then served again', async () => {
    const paused = emu.faults.refuseFor(300)
    expect(await socketError(emu.url, small())).toBe('ECONNREFUSED')
    await paused
    expect((await get(emu.url, small())).status).toBe(200)
  })

  it('counts outcomes and faults in stats', () => {
    const s = emu.stats.snapshot()
    expect(s.faults.http5xx).toBe(1)
    expect(s.faults.reset).toBe(1)
    expect(s.faults.refuse).toBe(1)
    expect(s.byKey[KEY]!['fault-http5xx']).toBe(1)
    expect(s.byKey[OTHER]!['fault-text401']).toBe(2)
    expect(emu.stats.count('ok', KEY)).toBeGreaterThan(3)
    expect(s.total).toBe(emu.stats.perSecond().reduce((n, x) => n + x.count, 0))
  })
})

describe('random faults', () => {
  async function outcomes(seed: number, n: number, setup?: (emu: Emulator) => void): Promise<number[]> {
    const emu = await createEmulator({
      port: 0,
      seed,
      keys: [KEY, OTHER],
      today: '2026-11-23',
      faults: { http5xx: 0.3, text401: 0.2 },
    })
    try {
      setup?.(emu)
      const statuses: number[] = []
      for (let i = 0; i < n; i++) statuses.push((await get(emu.url, small())).status)
      return statuses
    } finally {
      await emu.close()
    }
  }

  it('are seeded: the same seed and request order give the same faults', async () => {
    const a = await outcomes(3, 40)
    const b = await outcomes(3, 40)
    expect(a).toEqual(b)
    const fives = a.filter((s) => s >= 500).length
    const fours = a.filter((s) => s === 401).length
    expect(fives).toBeGreaterThan(4)
    expect(fours).toBeGreaterThan(2)
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(10)
    expect(await outcomes(4, 40)).not.toEqual(a)
  })

  it('can be set per key, replacing the global rates for that key', async () => {
    const statuses = await outcomes(3, 20, (emu) => emu.faults.set({ text401: 1 }, KEY))
    expect(statuses.every((s) => s === 401)).toBe(true)
  })

  it('can be cleared', async () => {
    const statuses = await outcomes(3, 20, (emu) => emu.faults.clear())
    expect(statuses.every((s) => s === 200)).toBe(true)
  })

  it('parses a CLI spec and rejects bad ones', () => {
    expect(
      parseFaultSpec('http5xx=0.05,hang=0.03,truncate=0.02,reset=0.01,text401=0.01,rate23=0.01'),
    ).toEqual({
      http5xx: 0.05,
      hang: 0.03,
      truncate: 0.02,
      reset: 0.01,
      text401: 0.01,
      rate23: 0.01,
    })
    expect(() => parseFaultSpec('boom=0.1')).toThrow(/unknown fault kind 'boom'/)
    expect(() => parseFaultSpec('http5xx=2')).toThrow(/\[0, 1\]/)
    expect(() => parseFaultSpec('http5xx')).toThrow(/kind=rate/)
  })
})

describe('stats', () => {
  it('records requests per second per key, the peak, and resets', async () => {
    let clock = Date.UTC(2026, 10, 23, 3, 0, 0)
    const emu = await createEmulator({ port: 0, keys: [KEY, OTHER], today: '2026-11-23', now: () => clock })
    try {
      for (let i = 0; i < 3; i++) await get(emu.url, small())
      await get(emu.url, small(OTHER))
      clock += 1000
      await get(emu.url, small())
      await get(emu.url, query({ strtYymm: '202501' }))
      const second = Math.floor(Date.UTC(2026, 10, 23, 3, 0, 0) / 1000)
      expect(emu.stats.perSecond(KEY)).toEqual([
        { second, count: 3 },
        { second: second + 1, count: 1 },
      ])
      expect(emu.stats.peakPerSecond(KEY)).toBe(3)
      expect(emu.stats.peakPerSecond(OTHER)).toBe(1)
      expect(emu.stats.peakPerSecond()).toBe(4)
      expect(emu.stats.total).toBe(6)
      expect(emu.stats.count('ok')).toBe(5)
      expect(emu.stats.count('gateway-20', '(none)')).toBe(1)
      expect(emu.stats.rows).toBeGreaterThan(0)
      emu.stats.reset()
      expect(emu.stats.snapshot()).toEqual({
        total: 0,
        byOutcome: {},
        byKey: {},
        faults: {},
        rows: 0,
        bytes: 0,
      })
    } finally {
      await emu.close()
    }
  })
})
