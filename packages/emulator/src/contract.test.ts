/**
 * Contract with the project's client: it parses everything the emulator serves, errors map to the
 * right classes, and a client sync of several countries equals the emulator's ground truth.
 */
import {
  createKcsClient,
  KcsAuthError,
  type KcsClient,
  KcsError,
  KcsGatewayError,
  KcsHttpError,
  KcsNetworkError,
  KcsQuotaExceededError,
  KcsRateLimitError,
  KcsResponseFormatError,
  KcsServiceError,
  KcsTimeoutError,
} from '@kcs-trade/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmulator, type Emulator, type FaultSpec, PROVIDER_MESSAGES } from './index.js'

const KEY = 'contract+key/with=signs'

describe('contract with @kcs-trade/client', () => {
  let emu: Emulator
  let kcs: KcsClient
  beforeAll(async () => {
    emu = await createEmulator({
      port: 0,
      seed: 11,
      keys: [KEY],
      today: '2026-11-23',
      quirks: { negativeWeight: 0.002, oddCode: 0.002, zeroRow: 0.01 },
    })
    kcs = createKcsClient({
      serviceKey: KEY,
      baseUrl: emu.url,
      retry: 0,
      circuitBreaker: false,
      timeoutMs: 20_000,
    })
  })
  afterAll(() => emu.close())

  it.each([
    [{ country: 'US', from: '2025-01', to: '2025-03' }],
    [{ country: 'NA', from: '2024-01', to: '2024-12' }],
    [{ country: 'DE', from: '2025-01', to: '2025-06', hs: '85' }],
    [{ from: '2025-04', to: '2025-04', hs: '0202' }],
    [{ from: '2025-04', to: '2025-05', hs: '870323' }],
  ])('parses %j exactly as the truth', async (query) => {
    const result = await kcs.tradeByItemCountry(query)
    expect(result.rows).toEqual(emu.truth.rows(query))
    expect(result.total).toEqual(emu.truth.total(query))
    expect(result.meta.sumsMatch).toBe(true)
    expect(result.meta.inconsistentRows).toBe(0)
    expect(result.meta.limit).toBe(10_000)
    expect(result.meta.remaining).toBeLessThan(10_000)
  })

  it('streams the quirks: negative weights, zero rows, 6- and 9-digit codes', async () => {
    const query = { country: 'CN', from: '2025-01', to: '2025-02' }
    const rows = []
    for await (const row of kcs.streamTradeByItemCountry(query)) rows.push(row)
    expect(rows).toEqual(emu.truth.rows(query))
    expect(rows.some((r) => r.exportKg < 0 || r.importKg < 0)).toBe(true)
    expect(rows.some((r) => r.hsCode.length === 6 || r.hsCode.length === 9)).toBe(true)
    expect(
      rows.some((r) => r.exportUsd === 0 && r.importUsd === 0 && r.exportKg === 0 && r.importKg === 0),
    ).toBe(true)
  })

  it('reads an empty answer and a lone totals row', async () => {
    const empty = await kcs.tradeByItemCountry({ country: 'US', from: '2026-12', to: '2026-12' })
    expect(empty.rows).toEqual([])
    expect(empty.total).toBeNull()
    const lone = await kcs.tradeByItemCountry({ country: 'US', from: '2026-10', to: '2026-10' })
    expect(lone.rows).toEqual([])
    expect(lone.total).toEqual(emu.truth.total({ country: 'US', from: '2026-10', to: '2026-10' }))
  })

  it('a client sync of several countries over several years equals the truth', async () => {
    for (const country of ['AE', 'KE', 'NA', 'FJ']) {
      const got = []
      for await (const window of kcs.tradeByItemCountryRange({ country, from: '2024-07', to: '2026-11' })) {
        got.push(...window.rows)
      }
      const want = [
        ...emu.truth.rows({ country, from: '2024-07', to: '2024-12' }),
        ...emu.truth.rows({ country, from: '2025-01', to: '2025-12' }),
        ...emu.truth.rows({ country, from: '2026-01', to: '2026-11' }),
      ]
      expect(got.length).toBe(want.length)
      expect(got).toEqual(want)
    }
  })

  it('sees a revision exactly as truth.changes describes it', async () => {
    const query = { country: 'GB', from: '2026-01', to: '2026-09' }
    const before = (await kcs.tradeByItemCountry(query)).rows
    emu.setRevision(2)
    try {
      const after = (await kcs.tradeByItemCountry(query)).rows
      const changes = emu.truth.changes(1, 2, { country: 'GB', from: '2026-01', to: '2026-09' })
      const key = (r: { period: string; hsCode: string }) => `${r.period}|${r.hsCode}`
      const patched = new Map(before.map((r) => [key(r), r]))
      for (const c of changes) {
        if (c.after) patched.set(`${c.period}|${c.hsCode}`, c.after)
        else patched.delete(`${c.period}|${c.hsCode}`)
      }
      const sort = (rows: typeof after) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1))
      expect(sort([...patched.values()])).toEqual(sort(after))
    } finally {
      emu.setRevision(1)
    }
  })

  describe('errors map to the right classes', () => {
    const query = { country: 'FJ', from: '2025-01', to: '2025-01' }

    async function failure(spec?: FaultSpec, client: KcsClient = kcs, q: object = query): Promise<unknown> {
      if (spec) emu.faults.next(spec)
      try {
        await client.tradeByItemCountry(q as typeof query)
      } catch (error) {
        return error
      }
      throw new Error('expected the call to fail')
    }

    it.each([
      ['period-too-long', PROVIDER_MESSAGES.periodTooLong],
      ['end-before-start', PROVIDER_MESSAGES.endBeforeStart],
      ['bad-period-format', PROVIDER_MESSAGES.badPeriodFormat],
      ['missing-parameter', PROVIDER_MESSAGES.missingParameter],
      ['unknown-country', PROVIDER_MESSAGES.unknownCountry],
      ['bad-hs-length', PROVIDER_MESSAGES.badHsLength],
      ['filter-required', PROVIDER_MESSAGES.filterRequired],
    ])('provider 99 %s → KcsServiceError', async (reason, resultMsg) => {
      const error = await failure({ kind: 'provider', resultCode: '99', resultMsg })
      expect(error).toBeInstanceOf(KcsServiceError)
      expect(error).toMatchObject({ resultCode: '99', reason, retryable: false })
    })

    it('an unknown country sent for real → KcsServiceError unknown-country', async () => {
      const error = await failure(undefined, kcs, { country: 'QQ', from: '2025-01', to: '2025-01' })
      expect(error).toBeInstanceOf(KcsServiceError)
      expect(error).toMatchObject({ reason: 'unknown-country' })
    })

    it('unknown key → KcsAuthError 30, in both layouts, and the key never shows', async () => {
      const stranger = createKcsClient({
        serviceKey: 'not-approved',
        baseUrl: emu.url,
        retry: 0,
        circuitBreaker: false,
      })
      const error = await failure(undefined, stranger)
      expect(error).toBeInstanceOf(KcsAuthError)
      expect(error).toMatchObject({ reasonCode: 30 })
      const current = await createEmulator({
        port: 0,
        keys: [KEY],
        today: '2026-11-23',
        gatewayLayout: 'legacy',
      })
      try {
        const c = createKcsClient({
          serviceKey: 'not-approved',
          baseUrl: current.url,
          retry: 0,
          circuitBreaker: false,
        })
        const e2 = await failure(undefined, c)
        expect(e2).toBeInstanceOf(KcsAuthError)
        expect(e2).toMatchObject({ reasonCode: 30 })
        expect(JSON.stringify(e2)).not.toContain('not-approved')
        expect(String((e2 as Error).stack)).not.toContain('not-approved')
      } finally {
        await current.close()
      }
    })

    it('quota 22 → KcsQuotaExceededError; per-second 23 → KcsRateLimitError', async () => {
      expect(await failure({ kind: 'quota22' })).toBeInstanceOf(KcsQuotaExceededError)
      expect(await failure({ kind: 'rate23' })).toBeInstanceOf(KcsRateLimitError)
    })

    it('real quota exhaustion with status 429 and the current layout → KcsQuotaExceededError', async () => {
      const tight = await createEmulator({
        port: 0,
        keys: [KEY],
        today: '2026-11-23',
        dailyQuota: 1,
        quotaLayout: 'current',
      })
      try {
        const c = createKcsClient({ serviceKey: KEY, baseUrl: tight.url, retry: 0, circuitBreaker: false })
        await c.tradeByItemCountry(query)
        const error = await failure(undefined, c)
        expect(error).toBeInstanceOf(KcsQuotaExceededError)
        expect((error as KcsQuotaExceededError).resetsAt).toBeDefined()
      } finally {
        await tight.close()
      }
    })

    it('other gateway codes → KcsGatewayError with the code', async () => {
      const error = await failure({ kind: 'gateway', code: '05', status: 200 })
      expect(error).toBeInstanceOf(KcsGatewayError)
      expect(error).toMatchObject({ reasonCode: 5 })
    })

    it('5xx HTML → KcsHttpError; plain-text Unauthorized → a KcsError', async () => {
      const http = await failure({ kind: 'http5xx', status: 503 })
      expect(http).toBeInstanceOf(KcsHttpError)
      expect(http).toMatchObject({ status: 503, retryable: true })
      const text = await failure({ kind: 'text401' })
      expect(text).toBeInstanceOf(KcsError)
      expect(text).toBeInstanceOf(KcsAuthError)
    })

    it('truncated body → KcsResponseFormatError; reset → KcsNetworkError; hang → KcsTimeoutError', async () => {
      const big = { country: 'US', from: '2025-01', to: '2025-02' }
      expect(await failure({ kind: 'truncate', afterBytes: 20_000 }, kcs, big)).toBeInstanceOf(
        KcsResponseFormatError,
      )
      expect(await failure({ kind: 'reset' })).toBeInstanceOf(KcsNetworkError)
      const impatient = createKcsClient({
        serviceKey: KEY,
        baseUrl: emu.url,
        retry: 0,
        circuitBreaker: false,
        timeoutMs: 300,
      })
      expect(await failure({ kind: 'hang' }, impatient)).toBeInstanceOf(KcsTimeoutError)
    })

    it('retries transient faults and then succeeds', async () => {
      const patient = createKcsClient({
        serviceKey: KEY,
        baseUrl: emu.url,
        retry: { limit: 3, baseDelayMs: 10, maxDelayMs: 20 },
        circuitBreaker: false,
      })
      emu.faults.next({ kind: 'http5xx', count: 2 })
      const result = await patient.tradeByItemCountry(query)
      expect(result.rows).toEqual(emu.truth.rows(query))
      expect(result.meta.attempts).toBe(3)
    })
  })
})
