import { type KcsDatabase, replaceSlice } from '@kcs-trade/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock, systemClock } from '../config/clock.js'
import { BadRequest, type DashboardSources, meta, windowParams } from '../serve/dashboard/api.js'
import { parseHash, viewHash } from '../serve/dashboard/assets/selection.js'
import { niceStep, niceTicks } from '../serve/dashboard/assets/ticks.js'
import { itemDigits, items } from '../serve/dashboard/trade.js'
import { openDatabase } from '../sync/engine.js'

// Item 16 of issue 14: the dashboard's "top items" ignored the selection's HS prefix (US · HS 0202 listed carbonates
// and petroleum), its y-axis read 6.3B / 12.5B / 18.8B, and the selection was not in the address.

describe('y-axis ticks', () => {
  it('are round steps (1, 2, 2.5, 5 × 10^n): 5B, 10B, 15B, 20B for a top of 19B, not 6.3B, 12.5B, 18.8B', () => {
    expect(niceTicks(0, 19e9)).toEqual([0, 5e9, 10e9, 15e9, 20e9])
    // What the old axis did: a round top (25B) cut in four.
    expect(niceTicks(0, 24e9)).toEqual([0, 10e9, 20e9, 30e9])
    expect(niceTicks(0, 23)).toEqual([0, 10, 20, 30])
    expect(niceTicks(-3.2e6, 7.9e6)).toEqual([-5e6, 0, 5e6, 10e6])
    expect(niceTicks(0, 0.7)).toEqual([0, 0.2, 0.4, 0.6, 0.8])
    expect(niceTicks(0, 0)).toEqual([0, 1])
    expect(niceTicks(5, 9)).toEqual([0, 2.5, 5, 7.5, 10])
    expect(niceTicks(0, 3, 2, true)).toEqual([0, 2, 4])
    expect(niceTicks(0, 1, 2, true)).toEqual([0, 1])
    for (const top of [1, 7, 93, 1_234, 6.3e9, 18.8e9, 2.5e11, 9.99e12]) {
      const ticks = niceTicks(0, top)
      const step = (ticks[1] as number) - (ticks[0] as number)
      const mantissa = step / 10 ** Math.floor(Math.log10(step))
      expect([1, 2, 2.5, 5], String(top)).toContain(Number(mantissa.toPrecision(6)))
      expect(ticks.at(-1) as number, String(top)).toBeGreaterThanOrEqual(top)
      expect(ticks.length, String(top)).toBeLessThanOrEqual(6)
    }
    expect(niceStep(Number.NaN)).toBe(1)
  })
})

describe('the selection in the address', () => {
  it('round-trips the view, country, HS prefix and window; leaves out what is malformed', () => {
    const sel = { country: 'US', hs: '0202', from: '2025-01', to: '2025-12' }
    expect(viewHash('trade', sel)).toBe('#trade?country=US&hs=0202&from=2025-01&to=2025-12')
    expect(parseHash(viewHash('trade', sel))).toEqual({ view: 'trade', selection: sel })
    expect(viewHash('trade', { country: '', hs: '85' })).toBe('#trade?hs=85')
    expect(viewHash('coverage')).toBe('#coverage')
    expect(parseHash('#quota')).toEqual({ view: 'quota', selection: {} })
    expect(parseHash('')).toEqual({ view: '', selection: {} })
    expect(parseHash('#trade?country=us&hs=02x&from=2025-13&to=2025-02&evil=<b>')).toEqual({
      view: 'trade',
      selection: { country: 'US', to: '2025-02' },
    })
    // A window that ends before it starts is dropped (the defaults apply).
    expect(parseHash('#trade?from=2025-06&to=2025-01').selection).toEqual({})
  })
})

describe('/api/top-items honours the HS prefix', () => {
  let db: KcsDatabase
  const codes = ['0201100000', '0202200000', '0202300000', '2836500000', '2709000000']
  beforeAll(async () => {
    db = await openDatabase('memory://')
    const rows = codes.map((hsCode, i) => ({
      period: '2025-03',
      countryCode: 'US',
      countryName: '미국',
      hsCode,
      itemName: `품목 ${hsCode}`,
      exportKg: 10,
      exportUsd: 1_000 * (i + 1),
      importKg: 5,
      importUsd: 500 * (i + 1),
      balanceUsd: 500 * (i + 1),
    }))
    await replaceSlice(db, { country: 'US', from: '2025-03', to: '2025-03' }, rows, {
      total: null,
      bodySha256: 'a'.repeat(64),
      durationMs: 1,
      attempts: 1,
      rowCount: rows.length,
    })
  })
  afterAll(async () => {
    await db?.close()
  })
  const sources = (): DashboardSources => ({
    db,
    quota: undefined,
    metrics: undefined,
    queueCounts: undefined,
    clock: systemClock,
    staleAfterHours: 48,
  })
  const top = async (query: string) => {
    const r = await items(sources(), new URL(`http://x/api/top-items?from=2025-03&to=2025-03&${query}`))
    return r.json as { hs: string | null; digits: number; items: Array<{ hsCode: string; nameKo: string }> }
  }

  it('US · HS 0202 lists only 0202… (the codes under the heading), in rank order, with names', async () => {
    const heading = await top('country=US&hs=0202')
    expect(heading.digits).toBe(10)
    expect(heading.items.map((i) => i.hsCode)).toEqual(['0202300000', '0202200000'])
    expect(heading.items.every((i) => i.nameKo !== '')).toBe(true)
    // A chapter prefix ranks its headings; a one-digit prefix its chapters; no prefix: every heading.
    expect((await top('country=US&hs=02')).items.map((i) => i.hsCode)).toEqual(['0202', '0201'])
    expect((await top('country=US&hs=2')).items.map((i) => i.hsCode)).toEqual(['27', '28'])
    // (0202 and 2709 tie at 11,250: the code breaks the tie.)
    expect((await top('country=US&digits=4')).items.map((i) => i.hsCode)).toEqual([
      '0202',
      '2709',
      '2836',
      '0201',
    ])
    expect((await top('country=US&hs=0202&digits=10')).items).toHaveLength(2)
    const csv = await items(
      sources(),
      new URL('http://x/api/top-items?country=US&hs=0202&from=2025-03&to=2025-03'),
    )
    expect(csv.csv?.filename).toBe('top-items-US-0202-hs10-2025-03-2025-03.csv')
    expect(csv.csv?.rows.map((r) => r[0])).toEqual(['0202300000', '0202200000'])
  })

  it('a level finer than the prefix, or an unknown one, is a 400 with a hint', async () => {
    await expect(top('hs=0202&digits=2')).rejects.toThrow(/hs 0202 is longer than the 2-digit groups/)
    await expect(top('digits=6')).rejects.toBeInstanceOf(BadRequest)
    expect(itemDigits(null, undefined)).toBe(4)
    expect(itemDigits('', '8')).toBe(2)
    expect(itemDigits(null, '851')).toBe(4)
    expect(itemDigits(null, '8517')).toBe(10)
    expect(itemDigits('4', '85')).toBe(4)
    expect(() => itemDigits('4', '85171')).toThrow(BadRequest)
  })
})

describe('the default window of the Trade view', () => {
  it('ends at the current month in Korea on an empty mirror, not the month in UTC', async () => {
    const db = await openDatabase('memory://')
    try {
      // 20:00 UTC on 30 November 2026 is 05:00 on 1 December in Korea.
      const now = Date.parse('2026-11-30T20:00:00Z')
      const url = new URL('http://127.0.0.1/api/series')
      expect(await windowParams(db, url, now)).toEqual({ from: '2026-01', to: '2026-12' })
      // An hour before midnight in Korea it is still November there.
      expect(await windowParams(db, url, Date.parse('2026-11-30T14:00:00Z'))).toEqual({
        from: '2025-12',
        to: '2026-11',
      })
    } finally {
      await db.close()
    }
  })
})

describe('/api/meta on an empty mirror', () => {
  it("gives the current month in Korea for the Trade view's default window, not the browser's UTC month", async () => {
    const db = await openDatabase('memory://')
    try {
      // 20:00 UTC on 30 November is 05:00 on 1 December in Seoul.
      const clock = manualClock(Date.UTC(2026, 10, 30, 20))
      const r = await meta({
        db,
        quota: undefined,
        metrics: undefined,
        queueCounts: undefined,
        clock,
        staleAfterHours: 48,
      })
      expect(r.json).toEqual({ earliest: null, latest: null, month: '2026-12', countries: [] })
    } finally {
      await db.close()
    }
  })
})
