import type { CountryTotalsRow, NationalTotalsRow } from '../totals-rows.js'

/** A nationtrade row; `balanceUsd` follows export − import unless overridden. */
export function countryRow(overrides: Partial<CountryTotalsRow> = {}): CountryTotalsRow {
  const r: CountryTotalsRow = {
    period: '2025-01',
    countryCode: 'US',
    countryName: '미국',
    exportCount: 120,
    exportUsd: 9_000,
    importCount: 80,
    importUsd: 6_500,
    balanceUsd: 0,
    ...overrides,
  }
  if (overrides.balanceUsd === undefined) r.balanceUsd = r.exportUsd - r.importUsd
  return r
}

/** One row per country and month of `year` (months 1..`months`), values varied by `seed`. */
export function countryRows(countries: string[], months = 12, year = 2025, seed = 0): CountryTotalsRow[] {
  const out: CountryTotalsRow[] = []
  countries.forEach((countryCode, c) => {
    for (let m = 1; m <= months; m++) {
      out.push(
        countryRow({
          period: `${year}-${String(m).padStart(2, '0')}`,
          countryCode,
          countryName: `나라 ${countryCode}`,
          exportCount: 100 + c * 10 + m + seed,
          exportUsd: 10_000 * (c + 1) + m * 7 + seed,
          importCount: 50 + c + m,
          importUsd: 4_000 * (c + 1) + m * 3,
        }),
      )
    }
  })
  return out
}

/** A Newtrade row; `balanceUsd` follows export − import unless overridden. */
export function nationalRow(overrides: Partial<NationalTotalsRow> = {}): NationalTotalsRow {
  const r: NationalTotalsRow = {
    period: '2025-01',
    exportCount: 606_149,
    exportUsd: 36_260_420_221,
    importCount: 1_189_202,
    importUsd: 31_321_900_755,
    balanceUsd: 0,
    ...overrides,
  }
  if (overrides.balanceUsd === undefined) r.balanceUsd = r.exportUsd - r.importUsd
  return r
}

/** The twelve months of `year` as national rows, values varied by `seed`. */
export function nationalRows(year = 2025, seed = 0, months = 12): NationalTotalsRow[] {
  return Array.from({ length: months }, (_, i) =>
    nationalRow({
      period: `${year}-${String(i + 1).padStart(2, '0')}`,
      exportCount: 500_000 + i * 1_000 + seed,
      exportUsd: 50_000_000_000 + i * 1_000_000 + seed,
      importCount: 1_000_000 + i,
      importUsd: 45_000_000_000 + i * 2_000_000,
    }),
  )
}

/** A fetch meta for the totals writers. */
export const TOTALS_META = { bodySha256: 'b'.repeat(64), durationMs: 20, attempts: 1 }
