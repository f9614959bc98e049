/**
 * The calibrated trade model behind every answer. For a partner c, a 10-digit line i and a month m:
 *
 *   expected exports μx(c,i,m) = X(c, heading(i), year) × wx(c,i) × (exports of m / exports of the year)
 *
 * where X is the year's partner × heading matrix fitted to Korea's real partner and product totals
 * (matrix.ts), and wx spreads a heading over its lines: the real 2025 export share of each HS-6 line,
 * then a seeded split of the line over its 10-digit codes, with a partner's own tilt. Imports alike.
 * A line trades in a month with probability 1 − exp(−μ/v), v being a partner's typical shipment,
 * solved so that the partner has its real number of rows (2025-01) — a row's expected value stays μ.
 */
import { COUNTRY_ROWS_2025_01, EXPORTS_8542_BY_PARTNER, EXPORTS_HS6_2025 } from '../generated/calibration.js'
import { normal } from '../random.js'
import { type FixedCell, fitMatrix } from './matrix.js'
import {
  type Anchors,
  EXPORT_PARTNERS,
  EXPORT_PRODUCT_SHARES,
  IMPORT_HS6_SPLITS,
  IMPORT_PARTNERS,
  IMPORT_PRODUCT_SHARES,
  PARTNER_SPLITS,
  PRICE_PER_KG_CHAPTER,
  PRICE_PER_KG_HEADING,
} from './targets.js'
import { type Direction, EXPORTS, MonthlyTotals } from './totals.js'

export { type Direction, EXPORTS, IMPORTS } from './totals.js'

/** The month whose real row counts the partners are fitted to. */
export const REFERENCE_MONTH = 2025 * 12

const S_AFFINITY = 0x2001
const S_LINE = 0x2002
const S_HS6 = 0x2003
const S_IMPORT_REST = 0x2004
const S_PRICE = 0x2005

/** Spread (log-sd) of a partner's affinity for a heading, and of the split of an HS-6 line over its codes. */
const AFFINITY_SIGMA = 1.2
const LINE_SIGMA = 1.1

/** Linear interpolation between anchor years; held flat outside them. */
export function interpolate(anchors: Anchors, year: number): number {
  const years = Object.keys(anchors)
    .map(Number)
    .sort((a, b) => a - b)
  if (years.length === 0) return 0
  if (year <= years[0]!) return anchors[years[0]!]!
  const last = years[years.length - 1]!
  if (year >= last) return anchors[last]!
  for (let k = 1; k < years.length; k++) {
    const y1 = years[k]!
    if (year <= y1) {
      const y0 = years[k - 1]!
      const t = (year - y0) / (y1 - y0)
      return anchors[y0]! * (1 - t) + anchors[y1]! * t
    }
  }
  return anchors[last]!
}

function parsePairs(text: string): [string, number][] {
  return text.split('|').map((p) => {
    const [k, v] = p.split(' ')
    return [k!, Number(v)]
  })
}

export class TradeModel {
  readonly totals = new MonthlyTotals()
  /** Distinct 4-digit headings of the 10-digit lines, sorted. */
  readonly headings: string[] = []
  /** Heading index of each 10-digit line. */
  readonly headingOf: Int32Array
  /** HS-6 group of each line (lines of one HS-6 are contiguous), and each group's [first, end). */
  readonly groupOf: Int32Array
  readonly groupStart: number[] = []
  /** Real rows of each partner in 2025-01 (0 = the code had no trade). */
  readonly rowsTarget: Float64Array
  /** log(US$ per kg) of each line. */
  readonly logPrice: Float32Array
  /** Per line: the share of its heading held by its HS-6 line, by direction. */
  readonly groupShare: [Float64Array, Float64Array]
  /** Per line: the seeded global weight of the line within its HS-6 line. */
  readonly lineWeight: Float64Array
  private readonly exportHeadingBase: Float64Array
  private readonly importHeadingBase: Float64Array
  private readonly headingIndex = new Map<string, number>()
  private readonly countryIndex = new Map<string, number>()
  private readonly affinity: [Float32Array | undefined, Float32Array | undefined] = [undefined, undefined]
  private readonly matrices = new Map<number, Float32Array>()
  private readonly shareCache = new Map<number, Float64Array>()

  constructor(
    readonly seed: number,
    readonly codes: readonly string[],
    readonly countries: readonly string[],
  ) {
    const n = codes.length
    countries.forEach((c, k) => {
      this.countryIndex.set(c, k)
    })
    this.headingOf = new Int32Array(n)
    this.groupOf = new Int32Array(n)
    this.logPrice = new Float32Array(n)
    this.lineWeight = new Float64Array(n)
    let lastGroup = ''
    for (let i = 0; i < n; i++) {
      const code = codes[i]!
      const h = code.slice(0, 4)
      let hk = this.headingIndex.get(h)
      if (hk === undefined) {
        hk = this.headings.length
        this.headings.push(h)
        this.headingIndex.set(h, hk)
      }
      this.headingOf[i] = hk
      const g = code.slice(0, 6)
      if (g !== lastGroup) {
        this.groupStart.push(i)
        lastGroup = g
      }
      this.groupOf[i] = this.groupStart.length - 1
      this.lineWeight[i] = Math.exp(LINE_SIGMA * normal(seed, S_LINE, i))
      // A heading's own price is known closely; a chapter's is a rough level with a wide spread.
      const own = PRICE_PER_KG_HEADING[h]
      const price = own ?? PRICE_PER_KG_CHAPTER[code.slice(0, 2)] ?? 5
      const spread = own ? 0.05 : 0.6
      // + spread²/2 keeps the mean of 1/price (the kg per dollar) at the level's own.
      this.logPrice[i] = Math.log(price) + spread * normal(seed, S_PRICE, i) + (spread * spread) / 2
    }
    this.groupStart.push(n)

    this.rowsTarget = new Float64Array(countries.length)
    for (const [code, rows] of parsePairs(COUNTRY_ROWS_2025_01)) {
      const c = this.countryIndex.get(code)
      if (c !== undefined) this.rowsTarget[c] = rows
    }

    // Exports: the real 2025 value of each HS-6 line; a heading's value is the sum of its lines.
    const H = this.headings.length
    const groups = this.groupStart.length - 1
    const groupValue = new Float64Array(groups)
    const exportHs6 = new Map(parsePairs(EXPORTS_HS6_2025))
    for (let g = 0; g < groups; g++) {
      groupValue[g] = (exportHs6.get(codes[this.groupStart[g]!]!.slice(0, 6)) ?? 0) * 1000
    }
    this.exportHeadingBase = new Float64Array(H)
    for (let g = 0; g < groups; g++) {
      const h = this.headingOf[this.groupStart[g]!]!
      this.exportHeadingBase[h] = this.exportHeadingBase[h]! + groupValue[g]!
    }
    const exportShare = new Float64Array(n)
    const importShare = new Float64Array(n)
    // Imports: the headings the facts or our plausible table name, the rest by a seeded spread that
    // follows the size of the heading's exports (industries that export also import).
    const importGroupWeight = new Float64Array(groups)
    for (let g = 0; g < groups; g++) {
      const code6 = codes[this.groupStart[g]!]!.slice(0, 6)
      const split = IMPORT_HS6_SPLITS[code6.slice(0, 4)]
      importGroupWeight[g] = split ? (split[code6] ?? 0.3) : Math.exp(normal(seed, S_HS6, g))
    }
    const importGroupSum = new Float64Array(H)
    for (let g = 0; g < groups; g++) {
      const h = this.headingOf[this.groupStart[g]!]!
      importGroupSum[h] = importGroupSum[h]! + importGroupWeight[g]!
    }
    for (let g = 0; g < groups; g++) {
      const first = this.groupStart[g]!
      const end = this.groupStart[g + 1]!
      const h = this.headingOf[first]!
      const ex = this.exportHeadingBase[h]! > 0 ? groupValue[g]! / this.exportHeadingBase[h]! : 0
      const im = importGroupSum[h]! > 0 ? importGroupWeight[g]! / importGroupSum[h]! : 0
      for (let i = first; i < end; i++) {
        exportShare[i] = ex
        importShare[i] = im
      }
    }
    this.groupShare = [exportShare, importShare]

    const exportTotal = this.exportHeadingBase.reduce((a, b) => a + b, 0)
    this.importHeadingBase = new Float64Array(H)
    for (let h = 0; h < H; h++) {
      const size = (this.exportHeadingBase[h]! / exportTotal) * 1e4 + 0.02
      this.importHeadingBase[h] = size ** 0.6 * Math.exp(0.8 * normal(seed, S_IMPORT_REST, h))
    }
  }

  heading(code: string): number | undefined {
    return this.headingIndex.get(code)
  }

  /** Share of each heading in a direction's total for a year (sums to 1). */
  headingShares(direction: Direction, year: number): Float64Array {
    const key = year * 2 + direction
    let out = this.shareCache.get(key)
    if (out) return out
    const H = this.headings.length
    out = new Float64Array(H)
    const base = direction === EXPORTS ? this.exportHeadingBase : this.importHeadingBase
    const anchors = direction === EXPORTS ? EXPORT_PRODUCT_SHARES : IMPORT_PRODUCT_SHARES
    const baseTotal = base.reduce((a, b) => a + b, 0)
    let fixedShare = 0
    let fixedBase = 0
    const fixed = new Set<number>()
    for (const [code, a] of Object.entries(anchors)) {
      const h = this.headingIndex.get(code)
      if (h === undefined) continue
      const own = base[h]! / baseTotal
      // Export anchors leave 2025 to the real data: an anchor series without 2025 gets it added.
      const series = direction === EXPORTS && a[2025] === undefined ? { ...a, 2025: own * 100 } : a
      const share = interpolate(series, year) / 100
      out[h] = share
      fixed.add(h)
      fixedShare += share
      fixedBase += own
    }
    const k = (1 - fixedShare) / Math.max(1e-12, 1 - fixedBase)
    for (let h = 0; h < H; h++) if (!fixed.has(h)) out[h] = (base[h]! / baseTotal) * k
    this.shareCache.set(key, out)
    return out
  }

  /** Share of each partner in a direction's total for a year (sums to 1; 0 for codes with no trade). */
  partnerShares(direction: Direction, year: number): Float64Array {
    const C = this.countries.length
    const out = new Float64Array(C)
    const anchors = direction === EXPORTS ? EXPORT_PARTNERS : IMPORT_PARTNERS
    let listed = 0
    for (const [code, a] of Object.entries(anchors)) {
      const c = this.countryIndex.get(code)
      if (c === undefined || this.rowsTarget[c] === 0) continue
      out[c] = interpolate(a, year) / 100
      listed += out[c]!
    }
    // The rest share what is left, by their real number of rows (more lines traded, more trade).
    let restWeight = 0
    for (let c = 0; c < C; c++) {
      if (anchors[this.countries[c]!] === undefined) restWeight += this.rowsTarget[c]! ** 1.3
    }
    const rest = Math.max(0.02, 1 - listed)
    for (let c = 0; c < C; c++) {
      if (anchors[this.countries[c]!] === undefined && restWeight > 0) {
        out[c] = (rest * this.rowsTarget[c]! ** 1.3) / restWeight
      }
    }
    const sum = out.reduce((a, b) => a + b, 0)
    for (let c = 0; c < C; c++) out[c] = out[c]! / sum
    return out
  }

  /** The fitted partner × heading matrix of a year, in USD (row-major, C × H). */
  matrix(direction: Direction, year: number): Float32Array {
    const key = year * 2 + direction
    let m = this.matrices.get(key)
    if (m) return m
    const C = this.countries.length
    const H = this.headings.length
    const total = this.totals.year(direction, year)
    const rows = this.partnerShares(direction, year).map((s) => s * total)
    const headingShares = this.headingShares(direction, year)
    const cols = headingShares.map((s) => s * total)
    m = fitMatrix({
      rows,
      cols,
      affinity: this.affinityOf(direction),
      fixed: this.fixedCells(direction, year, cols),
    })
    if (C * H !== m.length) throw new Error('model: matrix size mismatch')
    this.matrices.set(key, m)
    return m
  }

  private affinityOf(direction: Direction): Float32Array {
    let a = this.affinity[direction]
    if (a) return a
    const C = this.countries.length
    const H = this.headings.length
    a = new Float32Array(C * H)
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < H; h++) {
        a[c * H + h] = Math.exp(AFFINITY_SIGMA * normal(this.seed, S_AFFINITY + direction, c, h))
      }
    }
    this.affinity[direction] = a
    return a
  }

  private fixedCells(direction: Direction, year: number, cols: Float64Array): FixedCell[] {
    const out: FixedCell[] = []
    const dir = direction === EXPORTS ? 'exports' : 'imports'
    for (const split of PARTNER_SPLITS) {
      if (split.direction !== dir) continue
      const h = this.headingIndex.get(split.heading)
      if (h === undefined) continue
      const byYear: Record<number, Readonly<Record<string, number>>> = { ...split.byYear }
      if (split.heading === '8542' && direction === EXPORTS) Object.assign(byYear, real8542Splits())
      const years = Object.keys(byYear).map(Number)
      const nearest = years.reduce((best, y) => (Math.abs(y - year) < Math.abs(best - year) ? y : best))
      for (const [code, pct] of Object.entries(byYear[nearest]!)) {
        const c = this.countryIndex.get(code)
        if (c === undefined || this.rowsTarget[c] === 0) continue
        out.push({ country: c, heading: h, usd: (cols[h]! * pct) / 100 })
      }
    }
    return out
  }
}

let real8542: Record<number, Record<string, number>> | undefined

/** HS 8542 exports by partner in 2023 and 2024 as % of the year (real series; OTHER left to the fit). */
function real8542Splits(): Record<number, Record<string, number>> {
  if (real8542) return real8542
  const out: Record<number, Record<string, number>> = {}
  const totals: Record<number, number> = {}
  for (const part of EXPORTS_8542_BY_PARTNER.split('|')) {
    const [y, code, usd] = part.split(' ')
    const year = Number(y)
    totals[year] = (totals[year] ?? 0) + Number(usd)
    if (code === 'OTHER') continue
    out[year] ??= {}
    out[year][code!] = Number(usd)
  }
  for (const [y, parts] of Object.entries(out)) {
    for (const code of Object.keys(parts)) parts[code] = (parts[code]! / totals[Number(y)]!) * 100
  }
  real8542 = out
  return out
}

/**
 * The typical shipment v for which Σ (1 − exp(−μ_i / v)) equals `target` (expected rows): Newton's
 * method on log v, kept inside a bisection bracket. 0 when nothing can trade.
 */
export function solveShipmentSize(mu: Float64Array, target: number): number {
  let positive = 0
  let total = 0
  for (let i = 0; i < mu.length; i++) {
    if (mu[i]! > 0) {
      positive++
      total += mu[i]!
    }
  }
  if (target <= 0 || positive === 0) return 0
  if (target >= positive) return 1e-3
  // rows(t) falls as t = log v grows; bracket [lo, hi] keeps rows(lo) > target > rows(hi).
  let lo = Math.log(1e-3)
  let hi = Math.log(1e14)
  let t = Math.log(total / target)
  for (let it = 0; it < 100; it++) {
    const inv = Math.exp(-t)
    let rows = 0
    let slope = 0
    for (let i = 0; i < mu.length; i++) {
      const x = mu[i]! * inv
      if (x > 0) {
        const e = Math.exp(-x)
        rows += 1 - e
        slope -= x * e
      }
    }
    const diff = rows - target
    if (Math.abs(diff) < 1e-6 * target) break
    if (diff > 0) lo = t
    else hi = t
    let next = slope < 0 ? t - diff / slope : Number.NaN
    if (!(next > lo && next < hi)) next = (lo + hi) / 2
    if (Math.abs(next - t) < 1e-12) break
    t = next
  }
  return Math.exp(t)
}
