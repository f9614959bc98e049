import { beforeAll, describe, expect, it } from 'vitest'
import {
  countTradeRows,
  iterateTradeAggregates,
  iterateTradeRowPages,
  mirroredWindow,
  type TradeAggregate,
} from './aggregate.js'
import { InvalidQueryError } from './errors.js'
import { tradeRows } from './read-rows.js'
import { replaceSlice } from './replace.js'
import { backends, META, row, useTestDb } from './test-utils/backends.js'
import type { TradeRow } from './types.js'

const data: TradeRow[] = [
  row({
    period: '2025-01',
    countryCode: 'US',
    hsCode: '8501101000',
    exportKg: 1,
    exportUsd: 10,
    importUsd: 1,
  }),
  row({
    period: '2025-01',
    countryCode: 'US',
    hsCode: '8501109000',
    exportKg: 2,
    exportUsd: 20,
    importUsd: 2,
  }),
  row({
    period: '2025-01',
    countryCode: 'US',
    hsCode: '8502200000',
    exportKg: 4,
    exportUsd: 40,
    importUsd: 4,
  }),
  row({
    period: '2025-01',
    countryCode: 'US',
    hsCode: '0101100000',
    exportKg: 8,
    exportUsd: 80,
    importUsd: 8,
  }),
  // a stray 6-digit code (the API serves a few): kept whole at level 10, cut at level 4
  row({
    period: '2025-01',
    countryCode: 'US',
    hsCode: '850110',
    exportKg: 16,
    exportUsd: 160,
    importUsd: 16,
  }),
  row({
    period: '2025-02',
    countryCode: 'US',
    hsCode: '8501101000',
    exportKg: 32,
    exportUsd: 320,
    importUsd: 32,
  }),
  row({
    period: '2025-01',
    countryCode: 'CN',
    hsCode: '8501101000',
    exportKg: 64,
    exportUsd: 640,
    importUsd: 64,
  }),
  row({ period: '2024-12', countryCode: 'JP', hsCode: '8501101000', exportKg: 128, exportUsd: 1280 }),
]

async function all(it: AsyncIterable<TradeAggregate>): Promise<string[]> {
  const out: string[] = []
  for await (const g of it)
    out.push(
      `${g.countryCode} ${g.period} ${g.hsCode} n=${g.rowCount} ${g.exportKg}/${g.exportUsd}/${g.importKg}/${g.importUsd}/${g.balanceUsd}`,
    )
  return out
}

describe.each(backends)('aggregates on $name', (backend) => {
  const t = useTestDb(backend)
  beforeAll(async () => {
    if (backend.skip) return
    for (const [country, year] of [
      ['US', '2025'],
      ['CN', '2025'],
      ['JP', '2024'],
    ] as const) {
      await replaceSlice(
        t.db,
        { country, from: `${year}-01`, to: `${year}-12` },
        data.filter((r) => r.countryCode === country),
        META,
      )
    }
  })

  it.skipIf(backend.skip)(
    'sums contiguous groups by country, month and code prefix, across pages',
    async () => {
      const q = { countries: ['US', 'CN'], from: '2025-01', to: '2025-12', level: 4 as const }
      const expected = [
        'CN 2025-01 8501 n=1 64/640/5/64/576',
        'US 2025-01 0101 n=1 8/80/5/8/72',
        'US 2025-01 8501 n=3 19/190/15/19/171',
        'US 2025-01 8502 n=1 4/40/5/4/36',
        'US 2025-02 8501 n=1 32/320/5/32/288',
      ]
      expect(await all(iterateTradeAggregates(t.db, q))).toEqual(expected)
      // pages of one row: groups still span page boundaries correctly
      expect(await all(iterateTradeAggregates(t.db, q, { pageSize: 1 }))).toEqual(expected)
      expect(await all(iterateTradeAggregates(t.db, { ...q, level: 2, hsPrefix: '85' }))).toEqual([
        'CN 2025-01 85 n=1 64/640/5/64/576',
        'US 2025-01 85 n=4 23/230/20/23/207',
        'US 2025-02 85 n=1 32/320/5/32/288',
      ])
      expect(
        await all(
          iterateTradeAggregates(t.db, { countries: ['US'], from: '2025-01', to: '2025-01', level: 10 }),
        ),
      ).toEqual([
        'US 2025-01 0101100000 n=1 8/80/5/8/72',
        'US 2025-01 850110 n=1 16/160/5/16/144',
        'US 2025-01 8501101000 n=1 1/10/5/1/9',
        'US 2025-01 8501109000 n=1 2/20/5/2/18',
        'US 2025-01 8502200000 n=1 4/40/5/4/36',
      ])
      // no countries = every country, in code order
      const everything = await all(iterateTradeAggregates(t.db, { from: '2024-01', to: '2025-12', level: 2 }))
      expect(everything.map((l) => l.slice(0, 2))).toEqual(['CN', 'JP', 'US', 'US', 'US'])
    },
  )

  it.skipIf(backend.skip)('pages rows country by country, equal to tradeRows', async () => {
    const pages: TradeRow[][] = []
    for await (const p of iterateTradeRowPages(
      t.db,
      { countries: ['US', 'JP'], from: '2024-01', to: '2025-12' },
      { pageSize: 4 },
    ))
      pages.push(p)
    expect(pages.map((p) => p.length)).toEqual([1, 4, 2])
    expect(pages.flat()).toEqual([
      ...(await tradeRows(t.db, { country: 'JP', from: '2024-01', to: '2025-12' })),
      ...(await tradeRows(t.db, { country: 'US', from: '2024-01', to: '2025-12' })),
    ])
    const all: TradeRow[] = []
    for await (const p of iterateTradeRowPages(
      t.db,
      { hsPrefix: '8501', from: '2024-01', to: '2025-12' },
      { pageSize: 1 },
    ))
      all.push(...p)
    expect(all).toEqual(await tradeRows(t.db, { hsPrefix: '8501', from: '2024-01', to: '2025-12' }))
    expect(all.map((r) => r.countryCode)).toEqual(['CN', 'JP', 'US', 'US', 'US', 'US'])
  })

  it.skipIf(backend.skip)('counts rows per country and finds the mirrored window', async () => {
    expect(await countTradeRows(t.db, { from: '2024-01', to: '2025-12' })).toEqual([
      { country: 'CN', rows: 1 },
      { country: 'JP', rows: 1 },
      { country: 'US', rows: 6 },
    ])
    expect(
      await countTradeRows(t.db, {
        countries: ['US', 'KR'],
        hsPrefix: '8501',
        from: '2025-01',
        to: '2025-01',
      }),
    ).toEqual([{ country: 'US', rows: 3 }])
    expect(await mirroredWindow(t.db)).toEqual({ from: '2024-12', to: '2025-02' })
    expect(await mirroredWindow(t.db, { countries: ['CN'] })).toEqual({ from: '2025-01', to: '2025-01' })
    expect(await mirroredWindow(t.db, { countries: ['KR'] })).toBeNull()
  })

  it.skipIf(backend.skip)(
    'refuses bad levels, prefixes longer than the level and bad countries',
    async () => {
      const base = { from: '2025-01', to: '2025-12' }
      await expect(all(iterateTradeAggregates(t.db, { ...base, level: 3 as never }))).rejects.toThrow(
        InvalidQueryError,
      )
      await expect(
        all(iterateTradeAggregates(t.db, { ...base, level: 2, hsPrefix: '8501' })),
      ).rejects.toThrow(/shorter than the HS prefix/)
      await expect(countTradeRows(t.db, { ...base, countries: ['us'] })).rejects.toThrow(InvalidQueryError)
      await expect(countTradeRows(t.db, { from: '2025-12', to: '2025-01' })).rejects.toThrow(
        InvalidQueryError,
      )
    },
  )
})
