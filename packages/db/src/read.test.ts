import { beforeAll, describe, expect, it } from 'vitest'
import { InvalidQueryError } from './errors.js'
import { monthlySeries, topItems, topPartners } from './read.js'
import { coverage, ledger } from './read-ledger.js'
import { revisions } from './read-revisions.js'
import { iterateTradeRows, mirroredCountries, tradeRows } from './read-rows.js'
import { recordSliceFailure, replaceSlice } from './replace.js'
import { backends, META, row, useTestDb } from './test-utils/backends.js'
import type { TradeRow } from './types.js'

// A small, hand-checkable mirror: two countries, two chapters, two years.
const data: TradeRow[] = [
  row({
    period: '2024-12',
    countryCode: 'US',
    countryName: '미국',
    hsCode: '8501101000',
    itemName: '모터',
    exportUsd: 1,
    importUsd: 0,
  }),
  row({
    period: '2025-01',
    countryCode: 'US',
    countryName: '미국',
    hsCode: '8501101000',
    itemName: '모터',
    exportKg: 1,
    exportUsd: 100,
    importKg: 2,
    importUsd: 10,
  }),
  row({
    period: '2025-01',
    countryCode: 'US',
    countryName: '미국',
    hsCode: '8502200000',
    itemName: '발전기',
    exportKg: 3,
    exportUsd: 200,
    importKg: 4,
    importUsd: 20,
  }),
  row({
    period: '2025-01',
    countryCode: 'US',
    countryName: '미국',
    hsCode: '0101100000',
    itemName: '말',
    exportKg: 5,
    exportUsd: 7,
    importKg: 6,
    importUsd: 900,
  }),
  row({
    period: '2025-02',
    countryCode: 'US',
    countryName: '미국',
    hsCode: '8501101000',
    itemName: '모터',
    exportKg: 7,
    exportUsd: 300,
    importKg: 8,
    importUsd: 30,
  }),
  row({
    period: '2025-01',
    countryCode: 'CN',
    countryName: '중국',
    hsCode: '8501101000',
    itemName: '모터',
    exportKg: 9,
    exportUsd: 50,
    importKg: 10,
    importUsd: 5000,
  }),
  row({
    period: '2025-02',
    countryCode: 'CN',
    countryName: '중국',
    hsCode: '0101100000',
    itemName: '말',
    exportKg: 11,
    exportUsd: 60,
    importKg: 12,
    importUsd: 6,
  }),
  row({
    period: '2025-01',
    countryCode: 'NA',
    countryName: '나미비아',
    hsCode: '8501101000',
    itemName: '모터',
    exportKg: 0,
    exportUsd: 4,
    importKg: 0,
    importUsd: 0,
  }),
]
const of = (country: string, year: string) =>
  data.filter((r) => r.countryCode === country && r.period.startsWith(year))

describe.each(backends)('read helpers on $name', (backend) => {
  const t = useTestDb(backend)
  let start: Date
  beforeAll(async () => {
    if (backend.skip) return
    start = new Date('2026-01-01T00:00:00Z')
    await replaceSlice(t.db, { country: 'US', from: '2024-01', to: '2024-12' }, of('US', '2024'), {
      ...META,
      fetchedAt: start,
    })
    await replaceSlice(t.db, { country: 'US', from: '2025-01', to: '2025-12' }, of('US', '2025'), {
      ...META,
      fetchedAt: start,
      sumsMatch: true,
    })
    await replaceSlice(t.db, { country: 'CN', from: '2025-01', to: '2025-06' }, of('CN', '2025'), {
      ...META,
      fetchedAt: start,
      sumsMatch: false,
    })
    await replaceSlice(t.db, { country: 'NA', from: '2025-01', to: '2025-12' }, of('NA', '2025'), {
      ...META,
      fetchedAt: start,
    })
    await recordSliceFailure(
      t.db,
      { country: 'CN', from: '2025-07', to: '2025-12' },
      {
        error: 'HTTP 503',
        attempts: 3,
        durationMs: 10,
        failedAt: new Date('2026-01-02T00:00:00Z'),
      },
    )
    // a revision: US 2025-02 motor value changes
    const revised = of('US', '2025').map((r) =>
      r.period === '2025-02' ? { ...r, exportUsd: 301, balanceUsd: 271 } : r,
    )
    await replaceSlice(t.db, { country: 'US', from: '2025-01', to: '2025-12' }, revised, {
      ...META,
      fetchedAt: new Date('2026-02-01T00:00:00Z'),
    })
  })

  it.skipIf(backend.skip)('monthlySeries sums by month at the level of the prefix', async () => {
    expect(
      await monthlySeries(t.db, { country: 'US', hsPrefix: '85', from: '2025-01', to: '2025-12' }),
    ).toEqual([
      { period: '2025-01', exportKg: 4, exportUsd: 300, importKg: 6, importUsd: 30, balanceUsd: 270 },
      { period: '2025-02', exportKg: 7, exportUsd: 301, importKg: 8, importUsd: 30, balanceUsd: 271 },
    ])
    expect(await monthlySeries(t.db, { hsPrefix: '8501', from: '202501', to: '202501' })).toEqual([
      {
        period: '2025-01',
        exportKg: 10,
        exportUsd: 154,
        importKg: 12,
        importUsd: 5010,
        balanceUsd: 154 - 5010,
      },
    ])
    const all = await monthlySeries(t.db, { from: '2024-01', to: '2025-12' })
    expect(all.map((p) => p.period)).toEqual(['2024-12', '2025-01', '2025-02'])
    expect(all[1]?.exportUsd).toBe(100 + 200 + 7 + 50 + 4)
    expect(await monthlySeries(t.db, { hsPrefix: '99', from: '2025-01', to: '2025-12' })).toEqual([])
  })

  it.skipIf(backend.skip)('topPartners and topItems rank by total trade or a chosen measure', async () => {
    const partners = await topPartners(t.db, { from: '2025-01', to: '2025-12', limit: 10 })
    expect(partners.map((p) => p.country)).toEqual(['CN', 'US', 'NA'])
    expect(partners[0]).toEqual({
      country: 'CN',
      countryName: '중국',
      exportKg: 20,
      exportUsd: 110,
      importKg: 22,
      importUsd: 5006,
      balanceUsd: 110 - 5006,
      tradeUsd: 5116,
    })
    const byExport = await topPartners(t.db, {
      hsPrefix: '85',
      from: '2025-01',
      to: '2025-12',
      limit: 2,
      by: 'exportUsd',
    })
    expect(byExport.map((p) => [p.country, p.exportUsd])).toEqual([
      ['US', 601],
      ['CN', 50],
    ])
    const items = await topItems(t.db, { country: 'US', from: '2025-01', to: '2025-12', limit: 2 })
    expect(items.map((i) => [i.hsCode, i.itemName, i.tradeUsd])).toEqual([
      ['0101100000', '말', 907],
      ['8501101000', '모터', 441],
    ])
    const everywhere = await topItems(t.db, { from: '2025-01', to: '2025-12', limit: 1, by: 'importUsd' })
    expect(everywhere[0]).toMatchObject({ hsCode: '8501101000', importUsd: 5040 })
    await expect(topItems(t.db, { from: '2025-01', to: '2025-12', limit: 0 })).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    await expect(
      topItems(t.db, { from: '2025-01', to: '2025-12', limit: 1, by: 'x' as 'tradeUsd' }),
    ).rejects.toBeInstanceOf(InvalidQueryError)
  })

  it.skipIf(backend.skip)('coverage tells per country and year what is synced and how', async () => {
    const cov = await coverage(t.db)
    expect(cov.map((c) => [c.country, c.year])).toEqual([
      ['CN', 2025],
      ['NA', 2025],
      ['US', 2024],
      ['US', 2025],
    ])
    expect(cov[0]).toMatchObject({
      slices: 2,
      okSlices: 1,
      failedSlices: 1,
      monthsSynced: 6,
      rowCount: 2,
      sumsMatch: false,
      lastError: 'HTTP 503',
    })
    expect(cov[0]?.lastFetchedAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z')
    expect(cov[3]).toMatchObject({
      slices: 1,
      okSlices: 1,
      monthsSynced: 12,
      rowCount: 4,
      sumsMatch: null,
      lastError: null,
    })
    expect(cov[3]?.lastFetchedAt?.toISOString()).toBe('2026-02-01T00:00:00.000Z')
  })

  it.skipIf(backend.skip)('revisions lists changes since an instant', async () => {
    const since = await revisions(t.db, { since: new Date('2026-01-15T00:00:00Z') })
    expect(since).toEqual([
      expect.objectContaining({
        kind: 'changed',
        period: '2025-02',
        country: 'US',
        hsCode: '8501101000',
        before: expect.objectContaining({ exportUsd: 300, balanceUsd: 270, itemName: '모터' }),
        after: expect.objectContaining({ exportUsd: 301, balanceUsd: 271 }),
        at: new Date('2026-02-01T00:00:00Z'),
        sliceKey: 'US:2025-01..2025-12',
      }),
    ])
    expect(await revisions(t.db, { since: new Date('2026-03-01T00:00:00Z') })).toEqual([])
    expect(await revisions(t.db, { since: new Date(0), country: 'CN' })).toEqual([])
  })

  it.skipIf(backend.skip)('ledger filters slices for the planner', async () => {
    const all = await ledger(t.db)
    expect(all.map((l) => l.sliceKey)).toEqual([
      'CN:2025-01..2025-06',
      'CN:2025-07..2025-12',
      'NA:2025-01..2025-12',
      'US:2024-01..2024-12',
      'US:2025-01..2025-12',
    ])
    expect((await ledger(t.db, { status: 'failed' })).map((l) => l.sliceKey)).toEqual(['CN:2025-07..2025-12'])
    expect(
      (await ledger(t.db, { country: 'US', from: '2024-06', to: '2024-06' })).map((l) => l.sliceKey),
    ).toEqual(['US:2024-01..2024-12'])
    expect(await ledger(t.db, { country: null })).toEqual([])
    expect((await ledger(t.db, { hs: null, country: 'NA' }))[0]).toMatchObject({ rowCount: 1, status: 'ok' })
  })

  it.skipIf(backend.skip)('mirroredCountries and tradeRows read the mirror back', async () => {
    expect(await mirroredCountries(t.db)).toEqual(['CN', 'NA', 'US'])
    const us = await tradeRows(t.db, { country: 'US', from: '2024-01', to: '2025-12' })
    expect(us.map((r) => `${r.period} ${r.hsCode}`)).toEqual([
      '2024-12 8501101000',
      '2025-01 0101100000',
      '2025-01 8501101000',
      '2025-01 8502200000',
      '2025-02 8501101000',
    ])
    const paged: TradeRow[] = []
    for await (const r of iterateTradeRows(t.db, { from: '2024-01', to: '2025-12' }, { pageSize: 2 }))
      paged.push(r)
    expect(paged).toEqual(await tradeRows(t.db, { from: '2024-01', to: '2025-12' }))
    expect(paged).toHaveLength(data.length)
    expect(await tradeRows(t.db, { hsPrefix: '0101', from: '2025-01', to: '2025-12' })).toHaveLength(2)
  })
})
