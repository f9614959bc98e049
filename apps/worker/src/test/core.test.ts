import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { kstDay, kstMonth, manualClock, nextKstMidnight } from '../config/clock.js'
import { keyFingerprint, loadConfig, redactKey, requireServiceKey } from '../config/env.js'
import { ConfigError, UsageError } from '../config/errors.js'
import { createLogger } from '../config/logger.js'
import { freshnessWindow } from '../sync/freshness.js'
import { MemoryQuota, MemoryRateLimiter } from '../sync/limits.js'
import { estimateRows, planFromLedger } from '../sync/plan.js'
import { calendarYearWindows, parseSliceKey, sliceKey, splitSlice } from '../sync/slices.js'

describe('KST calendar', () => {
  it('puts 15:00 UTC on the next Korean day and resets at 15:00 UTC', () => {
    const t = Date.UTC(2026, 10, 24, 14, 59, 59)
    expect(kstDay(t)).toBe('2026-11-24')
    expect(kstDay(t + 1000)).toBe('2026-11-25')
    expect(nextKstMidnight(t)).toBe(Date.UTC(2026, 10, 24, 15, 0, 0))
    expect(nextKstMidnight(Date.UTC(2026, 10, 24, 15, 0, 0))).toBe(Date.UTC(2026, 10, 25, 15, 0, 0))
    expect(kstMonth(Date.UTC(2026, 11, 31, 16))).toBe('2027-01')
  })
  it('the freshness window ends in the current month in Korea, whatever the month in UTC', () => {
    // 2026-11-30 20:00 UTC is 1 December, 05:00 in Korea.
    expect(freshnessWindow(manualClock(Date.UTC(2026, 10, 30, 20)))).toEqual({
      from: '2025-12',
      to: '2026-12',
    })
    expect(freshnessWindow(manualClock(Date.UTC(2026, 10, 30, 14)), 3)).toEqual({
      from: '2026-09',
      to: '2026-11',
    })
  })
})

describe('slices', () => {
  it('splits ranges into calendar-year windows', () => {
    expect(calendarYearWindows('2024-03', '2026-02')).toEqual([
      { from: '2024-03', to: '2024-12' },
      { from: '2025-01', to: '2025-12' },
      { from: '2026-01', to: '2026-02' },
    ])
  })
  it('splits a failing year into quarters, a quarter into months, a month not at all', () => {
    const year = { country: 'US', from: '2025-01', to: '2025-12', hs: '85' }
    const quarters = splitSlice(year)
    expect(quarters.map((s) => `${s.from}..${s.to}`)).toEqual([
      '2025-01..2025-03',
      '2025-04..2025-06',
      '2025-07..2025-09',
      '2025-10..2025-12',
    ])
    expect(quarters.every((q) => q.hs === '85' && q.country === 'US')).toBe(true)
    expect(splitSlice(quarters[0] as never).map((s) => s.from)).toEqual(['2025-01', '2025-02', '2025-03'])
    expect(splitSlice({ country: 'US', from: '2025-05', to: '2025-05' })).toEqual([])
    expect(
      splitSlice({ country: 'US', from: '2025-02', to: '2025-08' }).map((s) => `${s.from}..${s.to}`),
    ).toEqual(['2025-02..2025-03', '2025-04..2025-06', '2025-07..2025-08'])
  })
  it('keys are deterministic, colon-free and round-trip', () => {
    const s = { country: 'NA', from: '2025-01', to: '2025-12' }
    expect(sliceKey(s)).toBe('NA_2025-01_2025-12_all')
    expect(parseSliceKey(sliceKey(s))).toEqual(s)
    expect(parseSliceKey(sliceKey({ ...s, hs: '0306' }))).toEqual({ ...s, hs: '0306' })
  })
})

describe('planFromLedger', () => {
  const countryCodes = ['US', 'CN', 'JP', 'NA']
  it('plans one call per country and calendar year with hs omitted', () => {
    const plan = planFromLedger(
      { countries: ['US', 'CN'], from: '2024-01', to: '2025-12' },
      { quota: 3, ledger: [], countryCodes },
    )
    expect(plan.calls).toBe(4)
    expect(plan.quotaDays).toBe(2)
    expect(plan.slices.map((s) => s.id)).toEqual([
      'US_2024-01_2024-12_all',
      'US_2025-01_2025-12_all',
      'CN_2024-01_2024-12_all',
      'CN_2025-01_2025-12_all',
    ])
    expect(plan.expectedRows).toBe(4 * estimateRows({ country: 'US', from: '2024-01', to: '2024-12' }))
    expect(plan.slices.every((s) => s.expectedFrom === 'estimate')).toBe(true)
  })
  it("'all' means every country in the table", () => {
    const plan = planFromLedger(
      { countries: 'all', from: '2025-01', to: '2025-06' },
      { quota: 10, ledger: [], countryCodes },
    )
    expect(plan.slices.map((s) => s.country)).toEqual(['CN', 'JP', 'NA', 'US'])
  })
  it('skips slices fetched OK, uses ledger history for expected rows, and refresh re-plans', () => {
    const ledger = [
      { country: 'US', from: '2024-01', to: '2024-12', status: 'ok', rowCount: 1200 },
      { country: 'US', from: '2025-01', to: '2025-06', status: 'ok', rowCount: 600 },
      { country: 'CN', from: '2024-01', to: '2024-12', status: 'failed', rowCount: null },
    ]
    const plan = planFromLedger(
      { countries: ['US', 'CN'], from: '2024-01', to: '2025-12' },
      { quota: 100, ledger, countryCodes },
    )
    expect(plan.skipped.map(sliceKey)).toEqual(['US_2024-01_2024-12_all'])
    const us2025 = plan.slices.find((s) => s.id === 'US_2025-01_2025-12_all')
    expect(us2025?.expectedFrom).toBe('history')
    expect(us2025?.expectedRows).toBe(Math.round((1800 / 18) * 12))
    const refresh = planFromLedger(
      { countries: ['US'], from: '2024-01', to: '2024-12', refresh: true },
      { quota: 100, ledger, countryCodes },
    )
    expect(refresh.slices).toHaveLength(1)
    expect(refresh.slices[0]?.expectedFrom).toBe('ledger')
    expect(refresh.slices[0]?.expectedRows).toBe(1200)
  })
  it('refuses a level of detail the mirror already holds at another level, before any call', () => {
    const ledger = [
      { country: 'US', from: '2025-01', to: '2025-12', status: 'ok', rowCount: 70_000 },
      { country: 'CN', from: '2025-01', to: '2025-12', hs: '85', status: 'ok', rowCount: 900 },
      { country: 'JP', from: '2025-01', to: '2025-12', hs: '85', status: 'failed', rowCount: null },
      { country: 'NA', from: '2025-01', to: '2025-12', hs: '85', status: 'ok', rowCount: 0 },
    ]
    const plan = (input: Parameters<typeof planFromLedger>[0]) =>
      planFromLedger(input, { quota: 100, ledger, countryCodes })
    let error: unknown
    try {
      plan({ countries: ['US'], from: '2024-01', to: '2025-12', hs: '85' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toBe(
      '--hs 85 would mirror US 2025-01..2025-12 as 4-digit HS codes, but the mirror already holds 10-digit codes ' +
        'there (US 2025-01..2025-12, no --hs); sums over both would count that trade twice',
    )
    expect((error as UsageError).hint).toMatch(
      /export --country US --hs 85 --level 4 --out <file>\); .*DATABASE_URL/,
    )
    expect(() => plan({ countries: ['CN'], from: '2025-01', to: '2025-12' })).toThrow(
      /a plan without --hs would mirror CN .* already holds 4-digit codes there \(CN 2025-01\.\.2025-12, --hs 85\)/,
    )
    expect(() => plan({ countries: ['CN'], from: '2025-01', to: '2025-12', hs: '8504' })).toThrow(UsageError)
    // Same level of detail, no overlap, or nothing stored: planned as usual.
    expect(
      plan({ countries: ['US'], from: '2025-01', to: '2025-12', hs: '850440', refresh: true }).calls,
    ).toBe(1)
    expect(plan({ countries: ['US'], from: '2024-01', to: '2024-12', hs: '85' }).calls).toBe(1)
    expect(plan({ countries: ['CN'], from: '2025-01', to: '2025-12', hs: '84' }).calls).toBe(1)
    expect(plan({ countries: ['CN'], from: '2025-01', to: '2025-12', hs: '85', refresh: true }).calls).toBe(1)
    expect(plan({ countries: ['JP', 'NA'], from: '2025-01', to: '2025-12' }).calls).toBe(2)
    // Within one plan too.
    expect(() =>
      plan({ countries: ['JP'], from: '2025-01', to: '2025-12', hs: ['0202', '85', '8504'] }),
    ).toThrow('--hs 85 and --hs 8504 overlap but are answered with 4-digit and 6-digit codes')
    expect(
      plan({ countries: ['JP'], from: '2025-01', to: '2025-12', hs: ['850440', '8504401000'] }).calls,
    ).toBe(2)
  })
  it('rejects bad input with a hint', () => {
    const bad = (input: Parameters<typeof planFromLedger>[0]) => () =>
      planFromLedger(input, { quota: 10, ledger: [], countryCodes })
    expect(bad({ countries: ['us'], from: '2025-01', to: '2025-12' })).toThrow(/upper-case/)
    expect(bad({ countries: ['QQ'], from: '2025-01', to: '2025-12' })).toThrow(/unknown country/)
    expect(bad({ countries: ['US'], from: '2025-13', to: '2025-12' })).toThrow(/YYYY-MM/)
    expect(bad({ countries: ['US'], from: '2025-06', to: '2025-01' })).toThrow(/before/)
    expect(bad({ countries: ['US'], from: '2025-01', to: '2025-12', hs: '123' })).toThrow(UsageError)
    expect(bad({ countries: [], from: '2025-01', to: '2025-12' })).toThrow(/no country/)
  })
  it("plans KCS's one code with a digit (Z1, the IMF)", () => {
    const planned = planFromLedger(
      { countries: ['Z1'], from: '2025-01', to: '2025-12' },
      { quota: 10, ledger: [], countryCodes: [...countryCodes, 'Z1'] },
    )
    expect(planned.calls).toBe(1)
  })
})

describe('config', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({
      baseUrl: 'http://apis.data.go.kr',
      databaseUrl: './.kcs-trade/db',
      redisUrl: 'redis://127.0.0.1:6379',
      dailyQuota: 10_000,
      ratePerSecond: 5,
      logLevel: 'info',
      queuePrefix: 'kcs-trade',
      outageBudgetMs: 3_600_000,
    })
    expect(loadConfig({ KCS_OUTAGE_BUDGET_MS: '0' }).outageBudgetMs).toBe(0)
    expect(c.serviceKey).toBeUndefined()
    expect(() => requireServiceKey(c)).toThrow(/KCS_SERVICE_KEY/)
  })
  it('names every variable to fix, never echoing the key', () => {
    let error: unknown
    try {
      loadConfig({
        KCS_RATE_PER_SECOND: '50',
        KCS_DAILY_QUOTA: 'lots',
        REDIS_URL: 'localhost',
        KCS_QUEUE_PREFIX: 'a:b',
        KCS_SERVICE_KEY: 'SECRET',
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as Error).message
    expect(message).toMatch(/KCS_RATE_PER_SECOND.*at most 30/)
    expect(message).toMatch(/KCS_DAILY_QUOTA/)
    expect(message).toMatch(/REDIS_URL/)
    expect(message).toMatch(/KCS_QUEUE_PREFIX/)
    expect(message).not.toContain('SECRET')
  })
  it('fingerprints and redacts every spelling of the key', () => {
    const key = 'abc+def/ghi=='
    expect(keyFingerprint(key)).toMatch(/^[0-9a-f]{16}$/)
    expect(redactKey(`k=${key} u=${encodeURIComponent(key)}`, key)).toBe('k=[redacted] u=[redacted]')
  })
  it('redacts the key twice-encoded, form-encoded and in lower-case hex, and a 40 KB key (issue 14 item 11)', () => {
    const lower = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
    for (const key of ['abc+def/ghi==', 'Zz+/ '.repeat(8192).trim()]) {
      const once = encodeURIComponent(key)
      const spellings = [
        key,
        once,
        lower(once),
        encodeURIComponent(once),
        lower(encodeURIComponent(once)),
        new URLSearchParams({ k: key }).toString().slice(2),
      ]
      for (const given of [key, once]) {
        const text = spellings.map((s) => `<${s}>`).join(' ')
        expect(redactKey(text, given)).toBe(spellings.map(() => '<[redacted]>').join(' '))
      }
    }
    expect(redactKey('nothing to hide', 'abc+def/ghi==')).toBe('nothing to hide')
    expect(redactKey('short', undefined)).toBe('short')
  })
})

describe('logger', () => {
  it('scrubs the key from messages, fields and errors', async () => {
    const key = 'TOPSECRETKEY1234'
    let out = ''
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk.toString()
        cb()
      },
    })
    const log = createLogger({ serviceKey: key, pretty: false, destination: sink })
    log.info({ url: `http://x/?serviceKey=${key}`, serviceKey: key }, `calling with ${key}`)
    log.error({ err: new Error(`bad key ${encodeURIComponent(key)}`) }, 'failed')
    expect(out).toContain('[redacted]')
    expect(out).not.toContain(key)
  })
})

describe('memory limits', () => {
  it('quota counts per KST day, stops at the limit and resets at midnight KST', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 24, 14, 0))
    const quota = new MemoryQuota(2, clock)
    expect((await quota.reserve()).ok).toBe(true)
    expect((await quota.reserve()).ok).toBe(true)
    const no = await quota.reserve()
    expect(no).toMatchObject({ ok: false, resetAt: Date.UTC(2026, 10, 24, 15, 0) })
    clock.set(Date.UTC(2026, 10, 24, 15, 0, 1))
    expect((await quota.reserve()).ok).toBe(true)
    await quota.exhaust()
    expect((await quota.reserve()).ok).toBe(false)
  })
  it('quota is corrected from X-RateLimit-Remaining', async () => {
    const quota = new MemoryQuota(100, manualClock(0))
    await quota.reserve()
    await quota.correct(90)
    expect((await quota.snapshot()).used).toBe(10)
    await quota.correct(95) // never gives back calls we know were made
    expect((await quota.snapshot()).used).toBe(10)
    await quota.correct(0)
    expect((await quota.reserve()).ok).toBe(false)
  })
  it('the rate limiter admits at most N calls in any window', async () => {
    const limiter = new MemoryRateLimiter(10, 200)
    const stamps: number[] = []
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        await limiter.acquire()
        stamps.push(Date.now())
      }),
    )
    stamps.sort((a, b) => a - b)
    for (let i = 10; i < stamps.length; i++)
      expect((stamps[i] as number) - (stamps[i - 10] as number)).toBeGreaterThanOrEqual(199)
    expect(() => new MemoryRateLimiter(31)).toThrow(/30/)
  })
})
