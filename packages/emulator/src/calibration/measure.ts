/**
 * One pass over the emulator's truth for a span of months, summing what the calibration facts are
 * about: totals per month, per partner and year, per chapter and HS-6 line, the named partner ×
 * product cells, and row counts and quirks. The cells are the ones HTTP serves (the truth API is
 * tested equal to HTTP), so the figures are what a client mirroring the emulator would find.
 */
import { monthIndex } from '../calendar.js'
import { type CellValues, Dataset, REAL_QUIRK_RATES } from '../data.js'
import { loadTables } from '../tables.js'

/** Headings whose partner split the facts name, and the HS-6 line of green coffee. */
export const WATCHED_HEADINGS = ['8542', '8703', '2710', '8901', '2709', '2711', '2701', '0901'] as const
export const GREEN_COFFEE = '090111'

export interface Measurements {
  firstMonth: number
  lastMonth: number
  countries: readonly string[]
  /** [month - firstMonth] → USD. */
  exportsByMonth: Float64Array
  importsByMonth: Float64Array
  /** `${year} ${country}` → [exports, imports] USD. */
  partnerYear: Map<string, [number, number]>
  /** `${month index} ${country}` → [exports, imports] USD. */
  partnerMonth: Map<string, [number, number]>
  /** `${year} ${heading} ${country}` → [exports, imports] USD, for WATCHED_HEADINGS. */
  headingPartnerYear: Map<string, [number, number]>
  /** Same, summed over February–December only (the window of some 2025 facts). */
  headingPartnerFebDec: Map<string, [number, number]>
  /** `${year} ${country}` → [imports USD, imports kg] of green coffee (090111). */
  greenCoffee: Map<string, [number, number]>
  /** `${year} ${chapter}` → [exports, imports] USD. */
  chapterYear: Map<string, [number, number]>
  /** HS-6 → [exports, imports] USD in 2025. */
  hs6In2025: Map<string, [number, number]>
  /** [month - firstMonth][country] → rows. */
  rows: Int32Array[]
  /** Distinct 10-digit codes per `${year} ${country}`, for the countries asked. */
  distinctCodes: Map<string, number>
  zeroRows: Map<string, number>
  negativeWeights: number
  oddCodes: number
  totalRows: number
}

function add(map: Map<string, [number, number]>, key: string, ex: number, im: number): void {
  const v = map.get(key)
  if (v) {
    v[0] += ex
    v[1] += im
  } else map.set(key, [ex, im])
}

/** The dataset the calibration is about: the emulator's defaults (real quirks, KCS's raw names). */
export function calibrationDataset(seed: number): Dataset {
  return new Dataset(loadTables(), {
    seed,
    firstMonth: 2000 * 12,
    quirks: REAL_QUIRK_RATES,
    release: { totalsDay: 15, detailDay: 25 },
    revisionAnchor: 0,
    totalsWeightDrift: 'per-row',
    emptyAnswer: 'items',
    rawItemNames: true,
  })
}

export interface MeasureOptions {
  from: string
  to: string
  /** Countries whose distinct codes and zero rows are counted per year (default US). */
  detailCountries?: readonly string[]
  /** Called after each month with (done, total), for progress. */
  onMonth?: (done: number, total: number) => void
}

export function measure(dataset: Dataset, options: MeasureOptions): Measurements {
  const [fy, fm] = options.from.split('-').map(Number) as [number, number]
  const [ty, tm] = options.to.split('-').map(Number) as [number, number]
  const first = monthIndex(fy, fm)
  const last = monthIndex(ty, tm)
  const months = last - first + 1
  const codes = dataset.codes
  const countries = dataset.countries
  const detail = new Set(options.detailCountries ?? ['US'])
  const watched = new Map<number, string>()
  const coffee: number[] = []
  for (let i = 0; i < codes.length; i++) {
    const h = codes[i]!.slice(0, 4)
    if ((WATCHED_HEADINGS as readonly string[]).includes(h)) watched.set(i, h)
    if (codes[i]!.startsWith(GREEN_COFFEE)) coffee.push(i)
  }
  const isCoffee = new Uint8Array(codes.length)
  for (const i of coffee) isCoffee[i] = 1
  const m: Measurements = {
    firstMonth: first,
    lastMonth: last,
    countries: countries.map((c) => c.code),
    exportsByMonth: new Float64Array(months),
    importsByMonth: new Float64Array(months),
    partnerYear: new Map(),
    partnerMonth: new Map(),
    headingPartnerYear: new Map(),
    headingPartnerFebDec: new Map(),
    greenCoffee: new Map(),
    chapterYear: new Map(),
    hs6In2025: new Map(),
    rows: [],
    distinctCodes: new Map(),
    zeroRows: new Map(),
    negativeWeights: 0,
    oddCodes: 0,
    totalRows: 0,
  }
  const chapterEx = new Float64Array(100)
  const chapterIm = new Float64Array(100)
  const seen = new Map<string, Uint8Array>()
  const cell: CellValues = { code: '', expWgt: 0, expDlr: 0, impWgt: 0, impDlr: 0 }
  for (let month = first; month <= last; month++) {
    const k = month - first
    const year = Math.floor(month / 12)
    const rowsByCountry = new Int32Array(countries.length)
    let exMonth = 0
    let imMonth = 0
    chapterEx.fill(0)
    chapterIm.fill(0)
    for (const country of countries) {
      let rows = 0
      let ex = 0
      let im = 0
      const isDetail = detail.has(country.code)
      let mask: Uint8Array | undefined
      if (isDetail) {
        const key = `${year} ${country.code}`
        mask = seen.get(key)
        if (!mask) {
          mask = new Uint8Array(codes.length)
          seen.set(key, mask)
        }
      }
      for (let i = 0; i < codes.length; i++) {
        if (!dataset.cell(country, i, month, 1, cell)) continue
        rows++
        ex += cell.expDlr
        im += cell.impDlr
        const ch = (codes[i]!.charCodeAt(0) - 48) * 10 + (codes[i]!.charCodeAt(1) - 48)
        chapterEx[ch] = chapterEx[ch]! + cell.expDlr
        chapterIm[ch] = chapterIm[ch]! + cell.impDlr
        if (cell.expWgt < 0 || cell.impWgt < 0) m.negativeWeights++
        if (cell.code.length !== 10) m.oddCodes++
        if (mask) {
          mask[i] = 1
          if (cell.expDlr === 0 && cell.impDlr === 0 && cell.expWgt === 0 && cell.impWgt === 0) {
            const key = `${year} ${country.code}`
            m.zeroRows.set(key, (m.zeroRows.get(key) ?? 0) + 1)
          }
        }
        const h = watched.get(i)
        if (h !== undefined) {
          add(m.headingPartnerYear, `${year} ${h} ${country.code}`, cell.expDlr, cell.impDlr)
          if (month % 12 !== 0)
            add(m.headingPartnerFebDec, `${year} ${h} ${country.code}`, cell.expDlr, cell.impDlr)
        }
        if (isCoffee[i]) add(m.greenCoffee, `${year} ${country.code}`, cell.impDlr, cell.impWgt)
        if (year === 2025) add(m.hs6In2025, codes[i]!.slice(0, 6), cell.expDlr, cell.impDlr)
      }
      rowsByCountry[country.index] = rows
      exMonth += ex
      imMonth += im
      if (ex !== 0 || im !== 0) {
        add(m.partnerYear, `${year} ${country.code}`, ex, im)
        m.partnerMonth.set(`${month} ${country.code}`, [ex, im])
      }
      m.totalRows += rows
    }
    for (let ch = 0; ch < 100; ch++) {
      if (chapterEx[ch]! !== 0 || chapterIm[ch]! !== 0) {
        add(m.chapterYear, `${year} ${String(ch).padStart(2, '0')}`, chapterEx[ch]!, chapterIm[ch]!)
      }
    }
    m.rows.push(rowsByCountry)
    m.exportsByMonth[k] = exMonth
    m.importsByMonth[k] = imMonth
    options.onMonth?.(k + 1, months)
  }
  for (const [key, mask] of seen) {
    let n = 0
    for (let i = 0; i < mask.length; i++) n += mask[i]!
    m.distinctCodes.set(key, n)
  }
  return m
}
