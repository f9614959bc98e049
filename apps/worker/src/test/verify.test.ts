import { describe, expect, it } from 'vitest'
import { planTotalsFromLedger } from '../sync/plan-totals.js'
import { parseSliceKey, sliceKey, splitSlice } from '../sync/slices.js'
import { compareWithPublished, type DetailFetch, fixSlices, type VerifyInput } from '../sync/verify.js'

const at = (day: string) => new Date(`${day}T00:00:00Z`)

/** US and CN, 2025-01..2025-03: published = mirror, one year slice each, fetched on 2025-04-20. */
function base(): VerifyInput {
  const published = [
    { period: '2025-01', countryCode: 'US', exportUsd: 100, importUsd: 50 },
    { period: '2025-02', countryCode: 'US', exportUsd: 110, importUsd: 60 },
    { period: '2025-03', countryCode: 'US', exportUsd: 120, importUsd: 70 },
    { period: '2025-01', countryCode: 'CN', exportUsd: 200, importUsd: 150 },
    { period: '2025-02', countryCode: 'CN', exportUsd: 210, importUsd: 160 },
    { period: '2025-03', countryCode: 'CN', exportUsd: 220, importUsd: 170 },
  ]
  const mirror = published.map((p) => ({ ...p, rowCount: 10 }))
  const fetch = (country: string): DetailFetch => {
    const rows = mirror.filter((m) => m.countryCode === country)
    return {
      country,
      from: '2025-01',
      to: '2025-03',
      totals: {
        exportUsd: rows.reduce((s, r) => s + r.exportUsd, 0),
        importUsd: rows.reduce((s, r) => s + r.importUsd, 0),
      },
      sumsMatch: true,
      rowCount: 30,
      fetchedAt: at('2025-04-20'),
    }
  }
  return {
    from: '2025-01',
    to: '2025-03',
    countries: ['CN', 'US'],
    totalsMonths: new Set(['2025-01', '2025-02', '2025-03']),
    published,
    national: [
      { period: '2025-01', exportUsd: 300, importUsd: 200 },
      { period: '2025-02', exportUsd: 320, importUsd: 220 },
      { period: '2025-03', exportUsd: 340, importUsd: 240 },
    ],
    mirror,
    fetches: [fetch('US'), fetch('CN')],
  }
}

describe('compareWithPublished', () => {
  it('calls a mirror equal to the published totals complete, nationally too', () => {
    const r = compareWithPublished(base())
    expect(r.counts).toMatchObject({ complete: 6, short: 0, over: 0, stale: 0, pending: 0, partial: 0 })
    expect(r.national.map((n) => n.verdict)).toEqual(['complete', 'complete', 'complete'])
    expect(r.unjudgedMonths).toEqual([])
  })

  it('finds a month whose rows were lost since the fetch: short, and the nation short', () => {
    const input = base()
    input.mirror = input.mirror.filter((m) => !(m.countryCode === 'US' && m.period === '2025-02'))
    const r = compareWithPublished(input)
    const off = r.checks.filter((c) => c.verdict !== 'complete')
    expect(off).toHaveLength(1)
    expect(off[0]).toMatchObject({ countryCode: 'US', period: '2025-02', verdict: 'short' })
    expect(off[0]?.reason).toMatch(/missing/)
    expect(r.national[1]?.verdict).toBe('short')
    expect(fixSlices(r)).toEqual([{ country: 'US', from: '2025-02', to: '2025-02' }])
  })

  it('calls a month KCS revised after the fetch stale (the mirror still holds what the API answered)', () => {
    const input = base()
    input.published = input.published.map((p) =>
      p.countryCode === 'CN' && p.period === '2025-03' ? { ...p, exportUsd: 225 } : p,
    )
    const r = compareWithPublished(input)
    const off = r.checks.filter((c) => c.verdict !== 'complete')
    expect(off.map((c) => [c.countryCode, c.period, c.verdict])).toEqual([['CN', '2025-03', 'stale']])
    expect(off[0]?.reason).toMatch(/revised.*2025-04-20/)
  })

  it('says over when the mirror holds more than published and its rows changed since the fetch', () => {
    const input = base()
    input.mirror = input.mirror.map((m) =>
      m.countryCode === 'US' && m.period === '2025-01' ? { ...m, exportUsd: 999, rowCount: 11 } : m,
    )
    expect(compareWithPublished(input).checks.find((c) => c.verdict !== 'complete')).toMatchObject({
      countryCode: 'US',
      period: '2025-01',
      verdict: 'over',
    })
  })

  it('calls a month never fetched short, and a country without published trade complete at zero', () => {
    const input = base()
    input.countries = ['CN', 'JP', 'US']
    input.published = [
      ...input.published,
      { period: '2025-01', countryCode: 'JP', exportUsd: 5, importUsd: 1 },
    ]
    const r = compareWithPublished(input)
    const jp = r.checks.filter((c) => c.countryCode === 'JP')
    expect(jp.map((c) => c.verdict)).toEqual(['short', 'complete', 'complete'])
    expect(jp[0]?.reason).toBe('never fetched')
  })

  it('calls a month the detail API had no rows for yet pending, and months without published totals unjudged', () => {
    const input = base()
    input.to = '2025-04'
    input.totalsMonths = new Set(['2025-01', '2025-02', '2025-03'])
    input.mirror = input.mirror.filter((m) => m.period !== '2025-03')
    input.fetches = input.fetches.map((f) => ({ ...f, rowCount: 20 }))
    const r = compareWithPublished(input)
    expect(r.checks.filter((c) => c.period === '2025-03').map((c) => c.verdict)).toEqual([
      'pending',
      'pending',
    ])
    expect(r.national[2]?.verdict).toBe('pending')
    expect(r.unjudgedMonths).toEqual(['2025-04'])
    expect(fixSlices(r)).toEqual([])
  })

  it('calls HS-prefix mirrors partial rather than short', () => {
    const input = base()
    input.fetches = [
      ...input.fetches.filter((f) => f.country !== 'US'),
      { ...(input.fetches[0] as DetailFetch), hs: '85', rowCount: 3 },
    ]
    input.mirror = input.mirror.map((m) => (m.countryCode === 'US' ? { ...m, exportUsd: 1, rowCount: 1 } : m))
    const r = compareWithPublished(input)
    expect(r.checks.filter((c) => c.countryCode === 'US').map((c) => c.verdict)).toEqual([
      'partial',
      'partial',
      'partial',
    ])
  })

  it('groups fixes per country and calendar year, one window each', () => {
    const input = base()
    input.from = '2024-11'
    input.totalsMonths = new Set(['2024-11', '2024-12', '2025-01', '2025-02', '2025-03'])
    input.published = [
      ...input.published,
      { period: '2024-11', countryCode: 'US', exportUsd: 1, importUsd: 1 },
      { period: '2024-12', countryCode: 'US', exportUsd: 1, importUsd: 1 },
    ]
    input.mirror = input.mirror.filter((m) => !(m.countryCode === 'US' && m.period === '2025-03'))
    expect(fixSlices(compareWithPublished(input))).toEqual([
      { country: 'US', from: '2024-11', to: '2024-12' },
      { country: 'US', from: '2025-03', to: '2025-03' },
    ])
  })
})

describe('totals slices', () => {
  it('plans nationtrade as one every-country call a year, skipping what the ledger has', () => {
    const plan = planTotalsFromLedger(
      { dataset: 'nationtrade', countries: 'all', from: '2024-06', to: '2025-03' },
      {
        quota: 10_000,
        countryCodes: ['US'],
        ledger: [{ country: '*', from: '2024-06', to: '2024-12', status: 'ok', rowCount: 1_600 }],
      },
    )
    expect(plan.slices.map((s) => [s.id, s.expectedRows])).toEqual([
      ['nationtrade_ALL_2025-01_2025-03_all', 711],
    ])
    expect(plan.skipped).toHaveLength(1)
    expect(plan.input.dataset).toBe('nationtrade')
  })

  it('refuses --hs for totals and countries for newtrade, with hints', () => {
    const options = { quota: 10, ledger: [], countryCodes: ['US'] }
    expect(() =>
      planTotalsFromLedger(
        { dataset: 'newtrade', countries: ['US'], from: '2025-01', to: '2025-01' },
        options,
      ),
    ).toThrow(/national totals/)
    expect(() =>
      planTotalsFromLedger(
        { dataset: 'nationtrade', countries: ['US'], from: '2025-01', to: '2025-01', hs: '85' },
        options,
      ),
    ).toThrow(/--hs does not apply/)
  })

  it('keeps the dataset through keys and splits', () => {
    const slice = { country: '*', from: '2025-01', to: '2025-12', dataset: 'nationtrade' as const }
    expect(parseSliceKey(sliceKey(slice))).toEqual(slice)
    expect(splitSlice(slice).every((p) => p.dataset === 'nationtrade' && p.country === '*')).toBe(true)
    expect(parseSliceKey(sliceKey({ country: 'US', from: '2025-01', to: '2025-01', hs: '85' }))).toEqual({
      country: 'US',
      from: '2025-01',
      to: '2025-01',
      hs: '85',
    })
    expect(() => parseSliceKey('ALL_2025-01_2025-12_all')).toThrow(/not a slice key/)
  })
})
