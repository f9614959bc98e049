/**
 * The facts the emulator is calibrated to (data/calibration/FACTS.md, with sources), each with the
 * emulator's figure for it and a tolerance. `pnpm calibrate` prints them; the conformance tests
 * assert them. Long because it is one table, a fact per entry in FACTS.md's order; split, it would
 * no longer read against FACTS.md.
 */
import { COUNTRY_ROWS_2025_01, MONTHLY_EXPORTS, MONTHLY_IMPORTS } from '../generated/calibration.js'
import { ANNUAL_TOTALS } from '../model/targets.js'
import { GREEN_COFFEE, type Measurements } from './measure.js'

export type Tolerance =
  /** |figure / fact − 1| ≤ t */
  | { kind: 'ratio'; t: number }
  /** lo ≤ figure ≤ hi */
  | { kind: 'range'; lo: number; hi: number }

export interface Fact {
  group: string
  name: string
  /** Where the figure comes from (FACTS.md section and source). */
  source: string
  fact: number
  unit: string
  tolerance: Tolerance
  figure(m: Measurements): number
}

export interface FactResult {
  group: string
  name: string
  source: string
  unit: string
  fact: number
  figure: number
  ratio: number
  tolerance: string
  pass: boolean
}

const BN = 1e9
const ratio = (t: number): Tolerance => ({ kind: 'ratio', t })

function monthOffset(m: Measurements, year: number, month: number): number {
  return year * 12 + (month - 1) - m.firstMonth
}

function sumMonths(series: Float64Array, m: Measurements, year: number, months = 12): number {
  let s = 0
  for (let k = 0; k < months; k++) s += series[monthOffset(m, year, k + 1)] ?? Number.NaN
  return s
}

function partner(m: Measurements, year: number, code: string, dir: 0 | 1): number {
  return m.partnerYear.get(`${year} ${code}`)?.[dir] ?? 0
}

function heading(
  map: Map<string, [number, number]>,
  year: number,
  h: string,
  dir: 0 | 1,
  code?: string,
): number {
  if (code !== undefined) return map.get(`${year} ${h} ${code}`)?.[dir] ?? 0
  let s = 0
  for (const [key, v] of map) if (key.startsWith(`${year} ${h} `)) s += v[dir]
  return s
}

function yearRows(m: Measurements, year: number, country?: number): number {
  let s = 0
  for (let k = 0; k < 12; k++) {
    const r = m.rows[monthOffset(m, year, k + 1)]
    if (!r) return Number.NaN
    if (country === undefined) for (const x of r) s += x
    else s += r[country]!
  }
  return s
}

function countryRows2025(): Map<string, number> {
  return new Map(
    COUNTRY_ROWS_2025_01.split('|').map((p) => {
      const [c, n] = p.split(' ')
      return [c!, Number(n)]
    }),
  )
}

function monthName(index: number): string {
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

/** Every fact the emulator targets within a measured span (facts outside it are left out). */
export function calibrationFacts(m: Measurements): Fact[] {
  const facts: Fact[] = []
  const covers = (year: number, month = 1, lastMonth = month) =>
    monthOffset(m, year, month) >= 0 && year * 12 + lastMonth - 1 <= m.lastMonth
  const real = countryRows2025()
  const countryIndex = new Map(m.countries.map((c, k) => [c, k]))

  // §5 rows
  if (covers(2025, 1)) {
    const jan = m.rows[monthOffset(m, 2025, 1)]!
    for (const [code, n] of [
      ['US', 6260],
      ['CN', 7791],
      ['JP', 5830],
      ['VN', 4744],
      ['DE', 3896],
      ['TW', 3508],
    ] as const) {
      facts.push({
        group: 'rows',
        name: `${code} 2025-01 rows (hsSgn omitted)`,
        source: 'FACTS §5 (A, TaeyanG4)',
        fact: n,
        unit: 'rows',
        tolerance: ratio(0.15),
        figure: () => jan[countryIndex.get(code)!]!,
      })
    }
    facts.push({
      group: 'rows',
      name: 'all 269 codes 2025-01 rows',
      source: 'FACTS §5 (A, TaeyanG4)',
      fact: 128_207,
      unit: 'rows',
      tolerance: ratio(0.15),
      figure: () => jan.reduce((a, b) => a + b, 0),
    })
    facts.push({
      group: 'rows',
      name: 'codes with rows in 2025-01',
      source: 'FACTS §5 (A, 236 of 269)',
      fact: 236,
      unit: 'codes',
      tolerance: ratio(0.05),
      figure: () => jan.filter((x) => x > 0).length,
    })
    facts.push({
      group: 'rows',
      name: 'codes whose 2025-01 rows are within ±15 % (or ±3 rows) of the real count',
      source: 'kcs-country-names.tsv (A, every KCS code)',
      fact: 269,
      unit: 'codes',
      tolerance: { kind: 'range', lo: 269, hi: 269 },
      figure: () => {
        let ok = 0
        for (const [code, n] of real) {
          const got = jan[countryIndex.get(code) ?? -1] ?? Number.NaN
          if (Math.abs(got - n) <= Math.max(0.15 * n, 3) && (n > 0 || got === 0)) ok++
        }
        return ok
      },
    })
  }
  if (covers(2025, 1, 12)) {
    const us = countryIndex.get('US')!
    facts.push(
      {
        group: 'rows',
        name: 'US 2025 rows (one call, hsSgn omitted)',
        source: 'FACTS §5 (A, TaeyanG4)',
        fact: 77_606,
        unit: 'rows',
        tolerance: ratio(0.15),
        figure: () => yearRows(m, 2025, us),
      },
      {
        group: 'rows',
        name: 'US 2025 distinct 10-digit codes',
        source: 'FACTS §5 (A, TaeyanG4)',
        fact: 8_861,
        unit: 'codes',
        tolerance: ratio(0.15),
        figure: (x) => x.distinctCodes.get('2025 US') ?? Number.NaN,
      },
      {
        group: 'quirks',
        name: 'US 2025 zero-trade rows',
        source: 'FACTS §5 (A, TaeyanG4: 30)',
        fact: 30,
        unit: 'rows',
        tolerance: { kind: 'range', lo: 12, hi: 55 },
        figure: (x) => x.zeroRows.get('2025 US') ?? 0,
      },
      {
        group: 'rows',
        name: 'all codes 2025 rows',
        source: 'issue 13 (≈ 1.54 M from 128,207 × 12)',
        fact: 1_540_000,
        unit: 'rows',
        tolerance: ratio(0.15),
        figure: () => yearRows(m, 2025),
      },
    )
  }
  if (covers(2012, 1) && m.lastMonth >= monthIndexOf(2026, 7)) {
    const span = monthIndexOf(2026, 7) - m.firstMonth + 1
    const full = () => {
      let s = 0
      for (let k = monthOffset(m, 2012, 1); k < span; k++) for (const x of m.rows[k]!) s += x
      return s
    }
    facts.push(
      {
        group: 'rows',
        name: 'full history 2012-01..2026-07 rows',
        source: 'FACTS §5 (A, TaeyanG4)',
        fact: 22_351_483,
        unit: 'rows',
        tolerance: ratio(0.15),
        figure: full,
      },
      {
        group: 'quirks',
        name: 'negative-weight rows in the full history',
        source: 'FACTS §5 (A: about 19)',
        fact: 19,
        unit: 'rows',
        tolerance: { kind: 'range', lo: 6, hi: 40 },
        figure: (x) => x.negativeWeights,
      },
      {
        group: 'quirks',
        name: 'rows with a code of 6 or 9 digits in the full history',
        source: 'FACTS §5 (A: 53)',
        fact: 53,
        unit: 'rows',
        tolerance: { kind: 'range', lo: 28, hi: 85 },
        figure: (x) => x.oddCodes,
      },
    )
  }

  // §1 monthly and annual totals
  const ex0 = monthIndexOf(2016, 1)
  MONTHLY_EXPORTS.usd.forEach((usd, k) => {
    const month = ex0 + k
    const off = month - m.firstMonth
    if (off < 0 || month > m.lastMonth) return
    facts.push({
      group: 'exports by month',
      name: `exports ${monthName(month)}`,
      source: month < monthIndexOf(2026, 7) ? 'FACTS §1 (A, starofself)' : 'haunpapa 2026-07 (A)',
      fact: usd / BN,
      unit: 'US$ bn',
      tolerance: ratio(0.1),
      figure: (x) => x.exportsByMonth[off]! / BN,
    })
  })
  const im0 = monthIndexOf(2025, 1)
  const importFacts: [number, number, string][] = MONTHLY_IMPORTS.usd.map((usd, k) => [
    im0 + k,
    usd,
    im0 + k <= monthIndexOf(2026, 2)
      ? 'FACTS §1 (O, TRASS via RyannRonn)'
      : 'haunpapa (A, exports − balance)',
  ])
  importFacts.push([monthIndexOf(2024, 3), 52_267e6, 'FACTS §1 (O, KCS 확정)'])
  importFacts.push([monthIndexOf(2024, 4), 54_732e6, 'FACTS §1 (O, KCS 확정)'])
  for (const [month, usd, source] of importFacts) {
    const off = month - m.firstMonth
    if (off < 0 || month > m.lastMonth) continue
    facts.push({
      group: 'imports by month',
      name: `imports ${monthName(month)}`,
      source,
      fact: usd / BN,
      unit: 'US$ bn',
      tolerance: ratio(0.1),
      figure: (x) => x.importsByMonth[off]! / BN,
    })
  }
  for (let year = 2012; year <= 2025; year++) {
    if (!covers(year, 1, 12)) continue
    const [ex, im] = ANNUAL_TOTALS[year]!
    facts.push(
      {
        group: 'annual totals',
        name: `exports ${year}`,
        source: 'FACTS §1 (O)',
        fact: ex,
        unit: 'US$ bn',
        tolerance: ratio(0.1),
        figure: (x) => sumMonths(x.exportsByMonth, x, year) / BN,
      },
      {
        group: 'annual totals',
        name: `imports ${year}`,
        source: 'FACTS §1 (O)',
        fact: im,
        unit: 'US$ bn',
        tolerance: ratio(0.1),
        figure: (x) => sumMonths(x.importsByMonth, x, year) / BN,
      },
    )
  }
  if (covers(2024, 1)) {
    facts.push({
      group: 'partners',
      name: 'exports to US 2024-01',
      source: 'issue 13 (A: the API reports 10.25)',
      fact: 10.25,
      unit: 'US$ bn',
      tolerance: ratio(0.15),
      figure: (x) => (x.partnerMonth.get(`${monthIndexOf(2024, 1)} US`)?.[0] ?? 0) / BN,
    })
  }

  // §2 partners
  const partnerFacts: [number, string, 0 | 1, number, string][] = [
    [2019, 'CN', 0, 136.213, 'FACTS §2 (O, KCS 2019)'],
    [2019, 'US', 0, 73.348, 'FACTS §2 (O, KCS 2019)'],
    [2019, 'VN', 0, 48.178, 'FACTS §2 (O, KCS 2019)'],
    [2019, 'HK', 0, 31.914, 'FACTS §2 (O, KCS 2019)'],
    [2019, 'JP', 0, 28.412, 'FACTS §2 (O, KCS 2019)'],
    [2019, 'CN', 1, 107.22, 'FACTS §2 (O, KCS 2019)'],
    [2019, 'US', 1, 61.87, 'FACTS §2 (O, KCS 2019)'],
    [2023, 'CN', 0, 124.81, 'FACTS §2 (O, Yonhap)'],
    [2023, 'US', 0, 115.71, 'FACTS §2 (O, Yonhap)'],
    [2023, 'CN', 1, 142.8, 'FACTS §2 (O, Yonhap)'],
    [2024, 'CN', 0, 133.026, 'FACTS §2 (O, KITA)'],
    [2024, 'US', 0, 127.791, 'FACTS §2 (O, KITA)'],
  ]
  for (const [year, code, dir, bn, source] of partnerFacts) {
    if (!covers(year, 1, 12)) continue
    facts.push({
      group: 'partners',
      name: `${dir === 0 ? 'exports to' : 'imports from'} ${code} ${year}`,
      source,
      fact: bn,
      unit: 'US$ bn',
      tolerance: ratio(0.2),
      figure: (x) => partner(x, year, code, dir) / BN,
    })
  }
  for (const year of [2023, 2024]) {
    if (!covers(year, 1, 12)) continue
    facts.push({
      group: 'partners',
      name: `${year}: CN and US the two largest export partners, then VN, HK, JP, TW (1 = yes)`,
      source: 'FACTS §2 (O) and §4 (A)',
      fact: 1,
      unit: '',
      tolerance: { kind: 'range', lo: 1, hi: 1 },
      figure: (x) => {
        const ranked = m.countries
          .map((c) => [c, partner(x, year, c, 0)] as const)
          .sort((a, b) => b[1] - a[1])
          .map(([c]) => c)
        const top2 = new Set(ranked.slice(0, 2))
        const top6 = new Set(ranked.slice(0, 6))
        return top2.has('CN') && top2.has('US') && ['VN', 'HK', 'JP', 'TW'].every((c) => top6.has(c)) ? 1 : 0
      },
    })
  }

  // §3 products
  if (covers(2025, 1, 12)) {
    const chapters: [string, number][] = [
      ['85', 235.0],
      ['87', 92.3],
      ['84', 85.1],
      ['27', 47.2],
      ['39', 33.8],
      ['89', 29.8],
      ['72', 22.8],
      ['29', 19.0],
      ['90', 16.9],
      ['33', 11.0],
      ['30', 9.1],
      ['73', 8.8],
      ['28', 8.8],
      ['71', 7.9],
      ['38', 7.6],
    ]
    for (const [ch, bn] of chapters) {
      facts.push({
        group: 'exports by chapter 2025',
        name: `chapter ${ch}`,
        source: 'FACTS §3 (A, RyannRonn)',
        fact: bn,
        unit: 'US$ bn',
        tolerance: ratio(0.2),
        figure: (x) => (x.chapterYear.get(`2025 ${ch}`)?.[0] ?? 0) / BN,
      })
    }
    const lines: [string, number][] = [
      ['854232', 94.6],
      ['854231', 36.7],
      ['271019', 32.0],
      ['847330', 24.9],
      ['870323', 20.1],
      ['870340', 14.7],
      ['890120', 13.5],
      ['271012', 12.6],
      ['890190', 12.5],
      ['852412', 11.6],
    ]
    for (const [code, bn] of lines) {
      facts.push({
        group: 'exports by HS-6 2025',
        name: `HS ${code}`,
        source: 'FACTS §3 (A, RyannRonn)',
        fact: bn,
        unit: 'US$ bn',
        tolerance: ratio(0.2),
        figure: (x) => (x.hs6In2025.get(code)?.[0] ?? 0) / BN,
      })
    }
    facts.push({
      group: 'exports by HS-6 2025',
      name: 'HS 8542 (all lines)',
      source: 'FACTS §3 (A)',
      fact: 142.5,
      unit: 'US$ bn',
      tolerance: ratio(0.2),
      figure: (x) => heading(x.headingPartnerYear, 2025, '8542', 0) / BN,
    })
    // Direction: what Korea exports and what it imports.
    const direction: [string, 0 | 1][] = [
      ['8542', 0],
      ['8703', 0],
      ['8901', 0],
      ['2710', 0],
      ['2709', 1],
      ['2711', 1],
      ['2701', 1],
    ]
    for (const [h, dir] of direction) {
      facts.push({
        group: 'direction 2025',
        name: `HS ${h} ${dir === 0 ? 'exports ÷ imports' : 'imports ÷ exports'} (≥ 2)`,
        source: 'FACTS §3 (O/A)',
        fact: 2,
        unit: '×',
        tolerance: { kind: 'range', lo: 2, hi: Number.POSITIVE_INFINITY },
        figure: (x) => {
          const e = heading(x.headingPartnerYear, 2025, h, 0)
          const i = heading(x.headingPartnerYear, 2025, h, 1)
          return dir === 0 ? e / Math.max(1, i) : i / Math.max(1, e)
        },
      })
    }
    facts.push({
      group: 'direction 2025',
      name: 'green coffee (090111) imports ÷ exports (≥ 10)',
      source: 'FACTS §4 (A)',
      fact: 10,
      unit: '×',
      tolerance: { kind: 'range', lo: 10, hi: Number.POSITIVE_INFINITY },
      figure: (x) => {
        const im = [...x.greenCoffee].filter(([k]) => k.startsWith('2025 ')).reduce((a, [, v]) => a + v[0], 0)
        return im / Math.max(1, x.hs6In2025.get(GREEN_COFFEE)?.[0] ?? 0)
      },
    })
  }
  // Partner × product
  const cells: [number, string, string, 0 | 1, number, string, boolean][] = [
    [2023, '8542', 'CN', 0, 33.18, 'FACTS §4 (A, joonibini)', false],
    [2023, '8542', 'HK', 0, 16.48, 'FACTS §4 (A, joonibini)', false],
    [2023, '8542', 'VN', 0, 11.85, 'FACTS §4 (A, joonibini)', false],
    [2023, '8542', 'TW', 0, 8.99, 'FACTS §4 (A, joonibini)', false],
    [2024, '8542', 'CN', 0, 42.26, 'FACTS §4 (A, joonibini)', false],
    [2024, '8542', 'HK', 0, 23.32, 'FACTS §4 (A, joonibini)', false],
    [2024, '8542', 'VN', 0, 16.6, 'FACTS §4 (A, joonibini)', false],
    [2024, '8542', 'TW', 0, 20.54, 'FACTS §4 (A, joonibini)', false],
    [2025, '8542', 'CN', 0, 40.39, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '8542', 'TW', 0, 33.49, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '8703', 'US', 0, 27.89, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '8703', 'CA', 0, 5.16, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '8703', 'AU', 0, 2.72, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '2710', 'AU', 0, 6.83, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '2710', 'SG', 0, 5.01, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '2710', 'JP', 0, 4.64, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '8901', 'LR', 0, 4.59, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '8901', 'MH', 0, 4.2, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2025, '8901', 'SG', 0, 3.42, 'FACTS §4 (A, RyannRonn, Feb–Dec)', true],
    [2022, '2709', 'SA', 1, 37.6, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2709', 'US', 1, 14.0, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2709', 'KW', 1, 10.7, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2709', 'AE', 1, 9.2, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2709', 'IQ', 1, 8.5, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2711', 'AU', 1, 15.3, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2711', 'US', 1, 11.9, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2711', 'QA', 1, 8.5, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2711', 'MY', 1, 5.5, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2711', 'OM', 1, 4.7, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2701', 'AU', 1, 12.4, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2701', 'RU', 1, 5.7, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2701', 'ID', 1, 3.5, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2701', 'CA', 1, 2.6, 'FACTS §3 (O, MOTIE 2022)', false],
    [2022, '2701', 'ZA', 1, 1.3, 'FACTS §3 (O, MOTIE 2022)', false],
  ]
  for (const [year, h, code, dir, bn, source, febDec] of cells) {
    if (!covers(year, 1, 12)) continue
    facts.push({
      group: 'partner × product',
      name: `HS ${h} ${dir === 0 ? 'exports to' : 'imports from'} ${code} ${year}${febDec ? ' (Feb–Dec)' : ''}`,
      source,
      fact: bn,
      unit: 'US$ bn',
      tolerance: ratio(0.2),
      figure: (x) => heading(febDec ? x.headingPartnerFebDec : x.headingPartnerYear, year, h, dir, code) / BN,
    })
  }
  const productTotals: [number, string, 0 | 1, number, string][] = [
    [2022, '2709', 1, 105.8, 'FACTS §3 (O, MOTIE 2022 crude)'],
    [2022, '2711', 1, 56.7, 'FACTS §3 (O, MOTIE 2022 gas)'],
    [2022, '2701', 1, 28.1, 'FACTS §3 (O, MOTIE 2022 coal)'],
    [2019, '2709', 1, 70.193, 'FACTS §3 (O, KCS 2019 crude)'],
    [2019, '2701', 1, 14.212, 'FACTS §3 (O, KCS 2019 coal)'],
    [2019, '2710', 1, 17.536, 'FACTS §3 (O, KCS 2019 petroleum products)'],
    [2019, '2710', 0, 40.648, 'FACTS §3 (O, KCS 2019 petroleum products)'],
    [2019, '8703', 0, 43.04, 'FACTS §3 (O, KCS 2019 cars)'],
    [2023, '8542', 0, 86.13, 'FACTS §3 (A, joonibini)'],
    [2024, '8542', 0, 120.19, 'FACTS §3 (A, joonibini)'],
  ]
  for (const [year, h, dir, bn, source] of productTotals) {
    if (!covers(year, 1, 12)) continue
    facts.push({
      group: 'products',
      name: `HS ${h} ${dir === 0 ? 'exports' : 'imports'} ${year}`,
      source,
      fact: bn,
      unit: 'US$ bn',
      tolerance: ratio(0.2),
      figure: (x) => heading(x.headingPartnerYear, year, h, dir) / BN,
    })
  }
  if (covers(2024, 1, 12)) {
    const coffee =
      (year: number, code?: string, kg = false) =>
      (x: Measurements) => {
        let s = 0
        for (const [key, v] of x.greenCoffee) {
          if (key.startsWith(`${year} `) && (code === undefined || key === `${year} ${code}`))
            s += kg ? v[1] : v[0]
        }
        return s
      }
    facts.push(
      {
        group: 'green coffee',
        name: 'HS 090111 imports 2024',
        source: 'FACTS §4 (A, jaeahn91)',
        fact: 818.1,
        unit: 'US$ M',
        tolerance: ratio(0.2),
        figure: (x) => coffee(2024)(x) / 1e6,
      },
      {
        group: 'green coffee',
        name: 'HS 090111 imports 2024, weight',
        source: 'FACTS §4 (A, jaeahn91)',
        fact: 169.3,
        unit: 'kt',
        tolerance: ratio(0.2),
        figure: (x) => coffee(2024, undefined, true)(x) / 1e6,
      },
    )
    for (const [code, musd] of [
      ['BR', 259.8],
      ['CO', 143.7],
      ['ET', 116.5],
      ['VN', 108.4],
      ['GT', 47.3],
    ] as const) {
      facts.push({
        group: 'green coffee',
        name: `HS 090111 imports from ${code} 2024`,
        source: 'FACTS §4 (A, jaeahn91)',
        fact: musd,
        unit: 'US$ M',
        tolerance: ratio(0.2),
        figure: (x) => coffee(2024, code)(x) / 1e6,
      })
    }
  }
  if (covers(2025, 1, 12)) {
    facts.push({
      group: 'green coffee',
      name: 'HS 090111 imports 2025',
      source: 'FACTS §4 (A, jaeahn91)',
      fact: 1212.4,
      unit: 'US$ M',
      tolerance: ratio(0.2),
      figure: (x) => {
        let s = 0
        for (const [key, v] of x.greenCoffee) if (key.startsWith('2025 ')) s += v[0]
        return s / 1e6
      },
    })
  }
  return facts
}

function monthIndexOf(year: number, month: number): number {
  return year * 12 + month - 1
}

export function evaluate(facts: readonly Fact[], m: Measurements): FactResult[] {
  return facts.map((f) => {
    const figure = f.figure(m)
    const r = figure / f.fact
    const pass =
      f.tolerance.kind === 'ratio'
        ? Number.isFinite(r) && Math.abs(r - 1) <= f.tolerance.t + 1e-12
        : figure >= f.tolerance.lo && figure <= f.tolerance.hi
    const tolerance =
      f.tolerance.kind === 'ratio'
        ? `±${Math.round(f.tolerance.t * 100)} %`
        : f.tolerance.hi === Number.POSITIVE_INFINITY
          ? `≥ ${f.tolerance.lo}`
          : f.tolerance.lo === f.tolerance.hi
            ? `= ${f.tolerance.lo}`
            : `${f.tolerance.lo}..${f.tolerance.hi}`
    return {
      group: f.group,
      name: f.name,
      source: f.source,
      unit: f.unit,
      fact: f.fact,
      figure,
      ratio: r,
      tolerance,
      pass,
    }
  })
}
