import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { RowSourceError, RowValidationError } from './errors.js'
import { replaceSlice } from './replace.js'
import { rebuildRollup } from './rollup.js'
import { rowsOf } from './sql.js'
import { asAsync, backends, META, row, rows, useTestDb } from './test-utils/backends.js'
import type { TradeRow } from './types.js'

const US_2025 = { country: 'US', from: '2025-01', to: '2025-12' }
const MAX = Number.MAX_SAFE_INTEGER

/** Rows whose values test the binary encoding's edges: signs, the safe-integer range, 4-byte UTF-8. */
function edgeRows(): TradeRow[] {
  return [
    row({
      period: '2025-01',
      hsCode: '01',
      exportKg: 0,
      exportUsd: 0,
      importKg: 0,
      importUsd: 0,
      balanceUsd: 0,
    }),
    row({ period: '2025-02', hsCode: '0101', exportUsd: MAX, importUsd: 0, balanceUsd: MAX }),
    row({ period: '2025-03', hsCode: '010110', exportUsd: 0, importUsd: MAX, balanceUsd: -MAX }),
    row({ period: '2025-12', hsCode: '0101101000', exportKg: 4_294_967_296, balanceUsd: -1 }),
    row({
      period: '2025-06',
      hsCode: '9999999999',
      countryName: 'Ünïcödé 🇺🇸 "quoted", tab\tand\nnewline \\ back',
      itemName: `${'긴 이름 '.repeat(60_000)}😀`,
      exportKg: -4_294_967_297,
      balanceUsd: -(2 ** 31),
    }),
  ]
}

async function stored(db: Parameters<typeof replaceSlice>[0]): Promise<TradeRow[]> {
  const found = rowsOf<Record<string, string | number>>(
    await db.execute(sql`
      select to_char(period, 'YYYY-MM') as period, country_code, hs_code, country_name, item_name,
        export_kg::text, export_usd::text, import_kg::text, import_usd::text, balance_usd::text
      from trade_rows order by country_code, period, hs_code`),
  )
  return found.map((r) => ({
    period: String(r.period),
    countryCode: String(r.country_code),
    countryName: String(r.country_name),
    hsCode: String(r.hs_code),
    itemName: String(r.item_name),
    exportKg: Number(r.export_kg),
    exportUsd: Number(r.export_usd),
    importKg: Number(r.import_kg),
    importUsd: Number(r.import_usd),
    balanceUsd: Number(r.balance_usd),
  }))
}

const byKey = (list: TradeRow[]) =>
  [...list].sort((a, b) => (`${a.period}${a.hsCode}` < `${b.period}${b.hsCode}` ? -1 : 1))

describe.each(backends)('binary COPY of rows on $name', (backend) => {
  const t = useTestDb(backend)
  beforeEach(async () => {
    if (!backend.skip) await t.reset()
  })

  it.skipIf(backend.skip)('stores every value exactly, first write and re-write alike', async () => {
    const fetchedAt = new Date('2025-03-04T05:06:07.089Z')
    const answer = edgeRows()
    await replaceSlice(t.db, US_2025, answer, { ...META, fetchedAt })
    expect(await stored(t.db)).toEqual(byKey(answer))
    const times = rowsOf<{ at: string }>(
      await t.db.execute(
        sql`select distinct to_char(fetched_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') as at from trade_rows`,
      ),
    )
    expect(times).toEqual([{ at: '2025-03-04T05:06:07.089' }])
    // A re-write goes through the staging table: every value again, and one of them changed.
    const revised = answer.map((r, i) =>
      i === 3 ? { ...r, importUsd: MAX, balanceUsd: r.exportUsd - MAX } : r,
    )
    const summary = await replaceSlice(t.db, US_2025, revised, META)
    expect(summary).toMatchObject({ added: 0, changed: 1, withdrawn: 0, unchanged: 4 })
    expect(await stored(t.db)).toEqual(byKey(revised))
  })

  it.skipIf(backend.skip)('many rows over several chunks and COPY batches arrive whole', async () => {
    const answer = rows('US', 3000).map((r, i) => ({
      ...r,
      itemName: `${r.itemName} ${'x'.repeat(i % 500)}`,
    }))
    const first = await replaceSlice(t.db, US_2025, asAsync(answer), META, { batchSize: 7 })
    expect(first).toMatchObject({ rowCount: 3000, added: 3000 })
    expect(await stored(t.db)).toEqual(byKey(answer))
    const again = await replaceSlice(t.db, US_2025, answer, META, { batchSize: 999 })
    expect(again).toMatchObject({ unchanged: 3000, added: 0, changed: 0, withdrawn: 0 })
  })

  it.skipIf(backend.skip)('a bad row or a broken source after chunks were sent writes nothing', async () => {
    const big = rows('US', 4000).map((r) => ({ ...r, itemName: `${r.itemName} ${'y'.repeat(200)}` }))
    const bad = [...big.slice(0, 3900), { ...big[3900]!, hsCode: '12x' }]
    await expect(replaceSlice(t.db, US_2025, bad, META)).rejects.toBeInstanceOf(RowValidationError)
    await expect(replaceSlice(t.db, US_2025, asAsync(big, 3950), META)).rejects.toBeInstanceOf(RowSourceError)
    expect(await stored(t.db)).toEqual([])
    // The same after a first write: the re-write stages, then fails, and the first write stays.
    await replaceSlice(t.db, US_2025, big.slice(0, 10), META)
    await expect(replaceSlice(t.db, US_2025, bad, META)).rejects.toBeInstanceOf(RowValidationError)
    expect(await stored(t.db)).toEqual(byKey(big.slice(0, 10)))
    // The connection is usable again.
    await replaceSlice(t.db, US_2025, big, META)
    expect((await stored(t.db)).length).toBe(4000)
  })

  it.skipIf(backend.skip)(
    'the rollup summed while streaming equals the one computed from trade_rows',
    async () => {
      const monthly = async () =>
        rowsOf<Record<string, unknown>>(
          await t.db.execute(sql`
          select digits, country_code, to_char(period, 'YYYY-MM') as period, hs_prefix, country_name, row_count,
            export_kg::text, export_usd::text, import_kg::text, import_usd::text, balance_usd::text
          from trade_monthly order by 1, 2, 3, 4`),
        )
      const answers: Array<[string, TradeRow[]]> = [
        // One name per group: summed in JS.
        ['US', rows('US', 300)],
        // Two names in one group (max() follows the collation) and sums past 2^53: left to SQL.
        [
          'JP',
          [
            row({
              countryCode: 'JP',
              countryName: 'Japan',
              hsCode: '0101101000',
              exportUsd: MAX,
              balanceUsd: 0,
            }),
            row({ countryCode: 'JP', countryName: '일본', hsCode: '0101102000' }),
          ],
        ],
        [
          'DE',
          [
            row({ countryCode: 'DE', hsCode: '0101101000', exportUsd: MAX, importUsd: 0 }),
            row({ countryCode: 'DE', hsCode: '0101102000', exportUsd: MAX, importUsd: 0 }),
          ],
        ],
      ]
      for (const [country, answer] of answers) {
        await replaceSlice(t.db, { country, from: '2025-01', to: '2025-12' }, answer, META)
      }
      const streamed = await monthly()
      await rebuildRollup(t.db)
      expect(streamed).toEqual(await monthly())
      expect(streamed.find((g) => g.country_code === 'DE' && g.digits === 4)?.export_usd).toBe(
        String(2n * BigInt(MAX)),
      )
      expect(streamed.find((g) => g.country_code === 'JP' && g.digits === 4)?.country_name).toBeDefined()
    },
  )
})
