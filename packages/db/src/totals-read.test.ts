/**
 * The sibling datasets' readers and the detail readers around them, on PGlite and PostgreSQL:
 * mirrorMonthlySums against sums computed straight from trade_rows, syncedMonths with empty months,
 * countryTotals/nationalTotals filters, unsafe sums, and the detail's readers (coverage, ledger,
 * revisions) and writer (the one-level-of-detail check) unaffected by sibling slices.
 */
import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  countryTotals,
  coverage,
  InvalidQueryError,
  ledger,
  mirrorMonthlySums,
  nationalTotals,
  recordSliceFailure,
  replaceCountryTotals,
  replaceNationalTotals,
  replaceSlice,
  revisions,
  syncedMonths,
  UnsafeIntegerError,
} from './index.js'
import { rowsOf } from './sql.js'
import { backends, META, row, rows, useTestDb } from './test-utils/backends.js'
import { countryRows, nationalRows, TOTALS_META } from './test-utils/totals.js'

const YEAR = { from: '2025-01', to: '2025-12' }
const T1 = new Date('2026-01-10T00:00:00Z')
const T2 = new Date('2026-02-10T00:00:00Z')

for (const backend of backends) {
  describe(`sibling totals readers (${backend.name})`, () => {
    const t = useTestDb(backend)
    beforeEach(async () => {
      if (!backend.skip) await t.reset()
    })

    /** US and CN as country × year slices, JP through an HS-prefix slice only, KP fetched empty. */
    const seedDetail = async () => {
      await replaceSlice(t.db, { country: 'US', ...YEAR }, rows('US', 60), { ...META, fetchedAt: T1 })
      await replaceSlice(t.db, { country: 'CN', ...YEAR }, rows('CN', 30, 2025, 5), {
        ...META,
        fetchedAt: T1,
      })
      await replaceSlice(
        t.db,
        { country: 'US', from: '2025-03', to: '2025-03' },
        rows('US', 60).filter((r) => r.period === '2025-03'),
        {
          ...META,
          fetchedAt: T2,
        },
      )
      await replaceSlice(t.db, { country: 'JP', hs: '100000', ...YEAR }, rows('JP', 24), {
        ...META,
        fetchedAt: T2,
      })
      await replaceSlice(t.db, { country: 'KP', ...YEAR }, [], { ...META, fetchedAt: T2 })
      // a later failure does not move the last success
      await recordSliceFailure(
        t.db,
        { country: 'CN', ...YEAR },
        { error: 'timeout', attempts: 4, durationMs: 1 },
      )
    }

    it.skipIf(backend.skip)(
      'mirrorMonthlySums equals the sums of trade_rows, with the detail fetch times',
      async () => {
        await seedDetail()
        const direct = rowsOf<{
          period: string
          country_code: string
          n: number
          eu: string
          iu: string
          ek: string
          ik: string
        }>(
          await t.db.execute(sql`
          select to_char(period, 'YYYY-MM') as period, country_code, count(*)::int as n,
            sum(export_usd)::text as eu, sum(import_usd)::text as iu, sum(export_kg)::text as ek, sum(import_kg)::text as ik
          from trade_rows group by 1, 2 order by 2, 1`),
        )
        expect(direct.length).toBe(36) // US 12, CN 12, JP 12 months
        const sums = await mirrorMonthlySums(t.db, YEAR)
        expect(sums.map(({ detailFetchedAt: _, ...s }) => s)).toEqual(
          direct.map((d) => ({
            period: d.period,
            countryCode: d.country_code,
            rowCount: d.n,
            exportUsd: Number(d.eu),
            importUsd: Number(d.iu),
            exportKg: Number(d.ek),
            importKg: Number(d.ik),
          })),
        )
        const fetched = (c: string, p: string) =>
          sums.find((s) => s.countryCode === c && s.period === p)?.detailFetchedAt?.toISOString() ?? null
        expect(fetched('US', '2025-02')).toBe(T1.toISOString())
        expect(fetched('US', '2025-03')).toBe(T2.toISOString())
        expect(fetched('CN', '2025-07')).toBe(T1.toISOString())
        expect(fetched('JP', '2025-01')).toBeNull() // an HS-prefix slice does not date the country-month
        // filters: a window and a country list
        const narrow = await mirrorMonthlySums(t.db, {
          from: '2025-03',
          to: '202504',
          countries: ['US', 'KP'],
        })
        expect(narrow.map((s) => `${s.countryCode} ${s.period}`)).toEqual(['US 2025-03', 'US 2025-04'])
        expect(await mirrorMonthlySums(t.db, { from: '2024-01', to: '2024-12' })).toEqual([])
      },
    )

    it.skipIf(backend.skip)('syncedMonths lists months fetched empty, clipped to the window', async () => {
      await seedDetail()
      const months = await syncedMonths(t.db, { from: '2025-11', to: '2026-02' })
      expect(months.map((m) => `${m.countryCode} ${m.period} ${m.fetchedAt.toISOString()}`)).toEqual([
        `CN 2025-11 ${T1.toISOString()}`,
        `CN 2025-12 ${T1.toISOString()}`,
        `KP 2025-11 ${T2.toISOString()}`,
        `KP 2025-12 ${T2.toISOString()}`,
        `US 2025-11 ${T1.toISOString()}`,
        `US 2025-12 ${T1.toISOString()}`,
      ])
      const us = await syncedMonths(t.db, { ...YEAR, countries: ['US'] })
      expect(us).toHaveLength(12)
      expect(us.find((m) => m.period === '2025-03')?.fetchedAt).toEqual(T2)
      // sibling slices are not detail fetches
      await replaceCountryTotals(t.db, { country: 'FR', ...YEAR }, countryRows(['FR']), TOTALS_META)
      expect(await syncedMonths(t.db, { ...YEAR, countries: ['FR'] })).toEqual([])
    })

    it.skipIf(backend.skip)('countryTotals and nationalTotals read windows and countries', async () => {
      await replaceCountryTotals(t.db, YEAR, countryRows(['US', 'CN', 'ZZ'], 12), {
        ...TOTALS_META,
        fetchedAt: T1,
      })
      await replaceNationalTotals(t.db, YEAR, nationalRows(), { ...TOTALS_META, fetchedAt: T1 })
      const some = await countryTotals(t.db, {
        from: '2025-06',
        to: '2025-07',
        countries: ['ZZ', 'US', 'US'],
      })
      expect(some.map((r) => `${r.countryCode} ${r.period}`)).toEqual([
        'US 2025-06',
        'US 2025-07',
        'ZZ 2025-06',
        'ZZ 2025-07',
      ])
      expect(some[0]).toMatchObject({ countryName: '나라 US', fetchedAt: T1 })
      expect(await countryTotals(t.db, { ...YEAR, countries: [] })).toHaveLength(36)
      const national = await nationalTotals(t.db, { from: '2025-12', to: '2026-03' })
      expect(national).toEqual([{ ...nationalRows()[11], fetchedAt: T1 }])
      await expect(
        countryTotals(t.db, { ...YEAR, countries: 'US' as unknown as string[] }),
      ).rejects.toBeInstanceOf(InvalidQueryError)
      await expect(nationalTotals(t.db, { from: '2025-06', to: '2025-01' })).rejects.toBeInstanceOf(
        InvalidQueryError,
      )
    })

    it.skipIf(backend.skip)('sums beyond 2^53 are an UnsafeIntegerError, not a rounded number', async () => {
      const big = Number.MAX_SAFE_INTEGER - 10
      await replaceSlice(
        t.db,
        { country: 'US', from: '2025-01', to: '2025-01' },
        [row({ exportUsd: big, importUsd: 0 }), row({ hsCode: '0101109000', exportUsd: big, importUsd: 0 })],
        META,
      )
      await expect(mirrorMonthlySums(t.db, YEAR)).rejects.toBeInstanceOf(UnsafeIntegerError)
      await t.db.execute(sql`
        insert into national_totals values ('2025-01-01', 1, 18014398509481984, 1, 0, 18014398509481984, now())`)
      await expect(nationalTotals(t.db, YEAR)).rejects.toBeInstanceOf(UnsafeIntegerError)
    })

    it.skipIf(backend.skip)(
      'sibling slices leave the detail readers and the granularity check alone',
      async () => {
        await replaceSlice(t.db, { country: 'US', ...YEAR }, rows('US', 24), { ...META, fetchedAt: T1 })
        const coverageBefore = await coverage(t.db)
        const ledgerBefore = await ledger(t.db)
        await replaceCountryTotals(t.db, { country: 'US', ...YEAR }, countryRows(['US']), TOTALS_META)
        await replaceCountryTotals(
          t.db,
          { country: 'US', ...YEAR },
          countryRows(['US'], 12, 2025, 3),
          TOTALS_META,
        )
        await replaceNationalTotals(t.db, { from: '2024-01', to: '2024-12' }, nationalRows(2024), TOTALS_META)
        await recordSliceFailure(
          t.db,
          { country: 'US', from: '2026-01', to: '2026-12' },
          { error: 'quota', attempts: 1, durationMs: 1 },
          { dataset: 'nationtrade' },
        )
        expect(await coverage(t.db)).toEqual(coverageBefore)
        expect(await ledger(t.db)).toEqual(ledgerBefore)
        expect(await ledger(t.db, { dataset: 'nitemtrade' })).toEqual(ledgerBefore)
        expect(await revisions(t.db, { since: new Date(0) })).toEqual([])
        expect(await revisions(t.db, { since: new Date(0), dataset: 'nationtrade' })).toHaveLength(12)
        // A 4-digit HS-prefix slice of another country: the nationtrade US rows store no HS codes, so
        // they are no other level of detail in the way.
        await replaceSlice(
          t.db,
          { country: 'CN', hs: '85', ...YEAR },
          [row({ countryCode: 'CN', hsCode: '8542' })],
          META,
        )
        await replaceCountryTotals(t.db, { country: 'CN', ...YEAR }, countryRows(['CN']), TOTALS_META)
        await replaceSlice(
          t.db,
          { country: 'CN', hs: '85', ...YEAR },
          [row({ countryCode: 'CN', hsCode: '8541' })],
          META,
        )
        await expect(ledger(t.db, { dataset: 'itemtrade' as 'newtrade' })).rejects.toBeInstanceOf(
          InvalidQueryError,
        )
        await expect(
          revisions(t.db, { since: new Date(0), dataset: 5 as unknown as 'newtrade' }),
        ).rejects.toBeInstanceOf(InvalidQueryError)
      },
    )
  })
}
