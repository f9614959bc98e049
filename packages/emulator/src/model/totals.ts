/**
 * Korea's total exports and imports for any month, in US dollars: the real monthly series where the
 * facts have it, the real annual totals spread by the real seasonal profile elsewhere, and the last
 * real year carried forward (with its growth) after the facts end.
 */
import { MONTHLY_EXPORTS, MONTHLY_IMPORTS } from '../generated/calibration.js'
import { ANNUAL_TOTALS } from './targets.js'

export type Direction = 0 | 1
export const EXPORTS: Direction = 0
export const IMPORTS: Direction = 1

function monthIndexOf(period: string): number {
  const [y, m] = period.split('-').map(Number) as [number, number]
  return y * 12 + (m - 1)
}

/**
 * 2024 imports: fact (KCS 확정) March 52,267 M, April 54,732 M, January–April 209,435 M.
 */
const IMPORTS_2024_KNOWN: ReadonlyMap<number, number> = new Map([
  [2024 * 12 + 2, 52_267e6],
  [2024 * 12 + 3, 54_732e6],
])
const IMPORTS_2024_JAN_FEB = 209_435e6 - 52_267e6 - 54_732e6

export class MonthlyTotals {
  private readonly known: [Map<number, number>, Map<number, number>] = [new Map(), new Map()]
  /** Share of a calendar month in its year (exports 2016–2025, real). */
  readonly seasonal: Float64Array
  private readonly firstAnnual: number
  private readonly lastAnnual: number
  private readonly cache: [Map<number, number>, Map<number, number>] = [new Map(), new Map()]

  constructor() {
    const ex = this.known[EXPORTS]
    const start = monthIndexOf(MONTHLY_EXPORTS.first)
    MONTHLY_EXPORTS.usd.forEach((v, k) => {
      ex.set(start + k, v)
    })
    const im = this.known[IMPORTS]
    const startIm = monthIndexOf(MONTHLY_IMPORTS.first)
    MONTHLY_IMPORTS.usd.forEach((v, k) => {
      im.set(startIm + k, v)
    })

    const seasonal = new Float64Array(12)
    let years = 0
    for (let y = 2016; y <= 2025; y++) {
      let sum = 0
      for (let m = 0; m < 12; m++) sum += ex.get(y * 12 + m) ?? 0
      if (sum <= 0) continue
      for (let m = 0; m < 12; m++) seasonal[m] = seasonal[m]! + (ex.get(y * 12 + m) ?? 0) / sum
      years++
    }
    for (let m = 0; m < 12; m++) seasonal[m] = seasonal[m]! / years
    this.seasonal = seasonal

    // 2024 imports: the two known months, January + February split by the seasonal profile, the
    // other eight months share what the annual total leaves.
    const jf = seasonal[0]! + seasonal[1]!
    im.set(2024 * 12, (IMPORTS_2024_JAN_FEB * seasonal[0]!) / jf)
    im.set(2024 * 12 + 1, (IMPORTS_2024_JAN_FEB * seasonal[1]!) / jf)
    for (const [m, v] of IMPORTS_2024_KNOWN) im.set(m, v)
    const rest = ANNUAL_TOTALS[2024]![1] * 1e9 - 209_435e6
    let restSeason = 0
    for (let m = 4; m < 12; m++) restSeason += seasonal[m]!
    for (let m = 4; m < 12; m++) im.set(2024 * 12 + m, (rest * seasonal[m]!) / restSeason)

    const years_ = Object.keys(ANNUAL_TOTALS).map(Number)
    this.firstAnnual = Math.min(...years_)
    this.lastAnnual = Math.max(...years_)
  }

  /** Total of a direction in a month (months since 0000-01), in USD. */
  month(direction: Direction, month: number): number {
    const cache = this.cache[direction]
    let v = cache.get(month)
    if (v === undefined) {
      v = this.compute(direction, month)
      cache.set(month, v)
    }
    return v
  }

  /** Total of a direction in a calendar year: the sum of its months. */
  year(direction: Direction, year: number): number {
    let sum = 0
    for (let m = 0; m < 12; m++) sum += this.month(direction, year * 12 + m)
    return sum
  }

  private compute(direction: Direction, month: number): number {
    const known = this.known[direction].get(month)
    if (known !== undefined) return known
    const year = Math.floor(month / 12)
    const m = month % 12
    const annual = ANNUAL_TOTALS[year]
    if (annual) return annual[direction] * 1e9 * this.seasonal[m]!
    if (year < this.firstAnnual) {
      // Before the series: 5 % less a year (plausible; nothing here is a fact).
      return this.month(direction, month + 12) * 0.95
    }
    if (year > this.lastAnnual) {
      // After the facts: the same month a year earlier, grown as the last known months grew.
      return this.month(direction, month - 12) * this.growth(direction)
    }
    return ANNUAL_TOTALS[this.lastAnnual]![direction] * 1e9 * this.seasonal[m]!
  }

  private growthCache: [number | undefined, number | undefined] = [undefined, undefined]

  /** Growth of the newest run of known months over the same months a year earlier. */
  private growth(direction: Direction): number {
    const cached = this.growthCache[direction]
    if (cached !== undefined) return cached
    const known = this.known[direction]
    const last = Math.max(...known.keys())
    let now = 0
    let before = 0
    for (let m = last; m > last - 12 && m >= (this.lastAnnual + 1) * 12; m--) {
      now += known.get(m) ?? 0
      before += this.month(direction, m - 12)
    }
    const g = before > 0 ? now / before : 1
    this.growthCache[direction] = g
    return g
  }
}
