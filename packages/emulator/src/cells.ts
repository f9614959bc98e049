/**
 * The cell model under every answer: one (country, 10-digit code, month) cell at a revision, a
 * deterministic function of the seed, calibrated to Korea's real trade (model/). Nothing is stored per
 * row; a cell is computed on demand from the model's expected values and stateless hashes.
 */
import type { ActivityProfile, CellValues, CountryModel, DatasetOptions } from './data-types.js'
import { EXPORTS, IMPORTS, REFERENCE_MONTH, solveShipmentSize, TradeModel } from './model/model.js'
import { hash, mix32, normal } from './random.js'
import { Labels } from './rows.js'
import type { Tables } from './tables.js'

// Salts keep the hash streams of different quantities independent.
const S_ZERO = 0x1004
const S_ACTIVE_M = 0x1005
const S_NOISE_X = 0x1006
const S_NOISE_M = 0x1007
const S_PRICE_MONTHLY = 0x100a
const S_NEGATIVE = 0x100b
const S_ODD = 0x100c
export const S_REV_FIRE = 0x100d
const S_REV_KIND = 0x100e
const S_REV_FACTOR = 0x100f
export const S_DRIFT = 0x1011
const S_CELL = 0x1012
const S_ODD_LEN = 0x1013
const S_NEGATIVE_SIZE = 0x1014
const S_TILT = 0x1015
const S_PHASE = 0x1016

export const TWO_32 = 4294967296

/** A cheap approximately normal deviate (Irwin–Hall of four 16-bit uniforms) from one hash. */
function approxNormal(h: number): number {
  const a = mix32(h)
  const b = mix32(a ^ 0x27d4eb2f)
  return (
    (((a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16)) / 65536) * 1.7320508075688772 -
    3.4641016151377544
  )
}

/** Spread (log-sd) of a partner's own tilt between the 10-digit lines of one HS-6 line. */
const TILT_SIGMA = 0.8

/** Revisions: chance per revision step that a cell is touched, by age of its month (0 = anchor). */
export const REVISION_HORIZON = 24
export const REVISION_RECENT = 13
export const P_TOUCH_RECENT = 0.015
export const P_TOUCH_OLDER = 0.002
/** Of touched active cells, the share withdrawn (the rest change value). */
const WITHDRAW_SHARE = 0.1
/** Of touched inactive cells, the share added. */
const ADD_SHARE = 0.05

const MAX_ROW_USD = 4e10

/**
 * A traded direction's dollars in a month: its expected value given that it trades, with log-normal
 * noise of mean 1 — small for large, regular flows (p near 1), large for one-off shipments.
 */
function monthlyDollars(usd: number, p: number, h: number): number {
  if (!(usd > 0)) return 0
  const sigma = 0.2 + 0.6 * (1 - p)
  const noisy = usd * Math.exp(sigma * approxNormal(h) - (sigma * sigma) / 2)
  return Math.max(1, Math.round(Math.min(MAX_ROW_USD, noisy)))
}

function profileOf(rows: number): ActivityProfile {
  if (rows >= 2000) return 'major'
  if (rows >= 500) return 'medium'
  if (rows >= 1) return 'small'
  return 'dormant'
}

/**
 * One model per seed and code list: fitting it costs a few hundred ms, and it never changes. The last few
 * are kept (each holds the fitted matrices of the years served, ≈ 2.6 MB a year).
 */
const models = new Map<string, TradeModel>()
const MODELS_KEPT = 4

function modelFor(seed: number, codes: readonly string[], countries: readonly string[]): TradeModel {
  const key = `${seed}:${codes.length}:${countries.length}`
  let model = models.get(key)
  if (model) {
    models.delete(key)
  } else {
    model = new TradeModel(seed, codes, countries)
    if (models.size >= MODELS_KEPT) models.delete(models.keys().next().value!)
  }
  models.set(key, model)
  return model
}

interface MonthFactors {
  fx: number
  fm: number
  shipmentScale: number
}

/** The cells of the dataset: per-country tables, month factors and the noise of one cell. */
export class CellModel {
  readonly countries: CountryModel[]
  readonly codes: string[]
  readonly names: string[]
  readonly labels: Labels
  readonly model: TradeModel
  private readonly byCountry = new Map<string, number>()
  private readonly monthFactors = new Map<number, MonthFactors>()
  protected readonly seed: number

  constructor(
    protected readonly tables: Tables,
    readonly options: DatasetOptions,
  ) {
    this.seed = options.seed | 0
    this.codes = tables.hsk.map((h) => h.code)
    this.names = tables.hsk.map((h) => (options.rawItemNames ? (h.rawNameKo ?? h.nameKo) : h.nameKo))
    this.labels = new Labels(this.codes, this.names)
    this.model = modelFor(
      this.seed,
      this.codes,
      tables.countries.map((c) => c.code),
    )
    this.countries = tables.countries.map((c, index) => {
      const target = this.model.rowsTarget[index]!
      return {
        index,
        code: c.code,
        name: c.kcsNameKo,
        profile: profileOf(target),
        target,
        wx: undefined,
        wm: undefined,
        baseHash: undefined,
        shipment: 0,
        ctxMonth: -1,
        ctxX: undefined,
        ctxM: undefined,
        ctxOffset: 0,
        ctxFx: 0,
        ctxFm: 0,
        ctxShipment: 0,
        cum: undefined,
        cumYear: -1,
        xmlSegment: undefined,
      }
    })
    for (const c of this.countries) this.byCountry.set(c.code, c.index)
  }

  /**
   * Fits the model for these years now (≈ 0.1 s a year) rather than inside the first request that
   * needs it, so a new emulator does not stall its first answers.
   */
  warm(years: readonly number[]): void {
    for (const y of years) {
      this.model.matrix(EXPORTS, y)
      this.model.matrix(IMPORTS, y)
    }
  }

  countryIndex(code: string): number | undefined {
    return this.byCountry.get(code)
  }

  /** Per-country tables computed on first use (a few ms each). */
  protected prepare(country: CountryModel): void {
    if (country.wx) return
    const model = this.model
    const n = this.codes.length
    const seed = this.seed
    const c = country.index
    const baseHash = new Uint32Array(n)
    const wx = new Float32Array(n)
    const wm = new Float32Array(n)
    const tilt = new Float64Array(n)
    const [shareX, shareM] = model.groupShare
    for (let i = 0; i < n; i++) {
      baseHash[i] = hash(seed, S_CELL, c, i)
      tilt[i] = model.lineWeight[i]! * Math.exp(TILT_SIGMA * normal(seed, S_TILT, c, i))
    }
    // A partner's own split of each HS-6 line over its 10-digit codes; the line's share of its
    // heading stays the real one.
    const starts = model.groupStart
    for (let g = 0; g + 1 < starts.length; g++) {
      const first = starts[g]!
      const end = starts[g + 1]!
      let sum = 0
      for (let i = first; i < end; i++) sum += tilt[i]!
      for (let i = first; i < end; i++) {
        const w = tilt[i]! / sum
        wx[i] = shareX[i]! * w
        wm[i] = shareM[i]! * w
      }
    }
    country.baseHash = baseHash
    country.wm = wm
    country.wx = wx
    // Solve the typical shipment so that a month of the reference year has the partner's real
    // row count (KCS's 2025-01 answer).
    const mu = this.yearlyMonthMeans(country, Math.floor(REFERENCE_MONTH / 12))
    country.shipment = solveShipmentSize(mu, country.target)
    country.ctxMonth = -1
  }

  /** Per code: the expected USD of an average month of the year, both directions together. */
  private yearlyMonthMeans(country: CountryModel, year: number): Float64Array {
    const n = this.codes.length
    const X = this.model.matrix(EXPORTS, year)
    const M = this.model.matrix(IMPORTS, year)
    const o = country.index * this.model.headings.length
    const headingOf = this.model.headingOf
    const wx = country.wx!
    const wm = country.wm!
    const mu = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const h = o + headingOf[i]!
      mu[i] = (X[h]! * wx[i]! + M[h]! * wm[i]!) / 12
    }
    return mu
  }

  private factors(month: number): MonthFactors {
    let f = this.monthFactors.get(month)
    if (f) return f
    const totals = this.model.totals
    const year = Math.floor(month / 12)
    f = {
      fx: totals.month(EXPORTS, month) / totals.year(EXPORTS, year),
      fm: totals.month(IMPORTS, month) / totals.year(IMPORTS, year),
      shipmentScale: this.activity(year) / this.activity(Math.floor(REFERENCE_MONTH / 12)),
    }
    this.monthFactors.set(month, f)
    return f
  }

  /**
   * A year's trade outside HS 8542: typical shipments grow with it, so a partner keeps its number of
   * rows as trade grows (the real count is about the same in 2012 and 2025), and a chip boom does not
   * thin out every other line.
   */
  private activity(year: number): number {
    const h = this.model.heading('8542')!
    let a = 0
    for (const d of [EXPORTS, IMPORTS] as const) {
      a += this.model.totals.year(d, year) * (1 - this.model.headingShares(d, year)[h]!)
    }
    return a
  }

  private setMonth(country: CountryModel, month: number): void {
    const year = Math.floor(month / 12)
    const f = this.factors(month)
    country.ctxMonth = month
    country.ctxX = this.model.matrix(EXPORTS, year)
    country.ctxM = this.model.matrix(IMPORTS, year)
    country.ctxOffset = country.index * this.model.headings.length
    country.ctxFx = f.fx
    country.ctxFm = f.fm
    country.ctxShipment = country.shipment * f.shipmentScale
  }

  /** The cumulative trade probabilities of a country's codes in a year (an average month's). */
  private accumulate(country: CountryModel, year: number): void {
    const n = this.codes.length
    const cum = country.cum ?? new Float64Array(n + 1)
    const v = country.shipment * this.factors(year * 12).shipmentScale
    const mu = this.yearlyMonthMeans(country, year)
    let sum = 0
    if (v > 0) {
      for (let i = 0; i < n; i++) {
        const m = mu[i]!
        if (m > 0) sum += -Math.expm1(-m / v)
        cum[i + 1] = sum
      }
    } else cum.fill(0)
    country.cum = cum
    country.cumYear = year
  }

  /**
   * Computes one cell (country, 10-digit code, month) at a revision. Returns false when the pair did
   * not trade that month; otherwise fills `out` (its code may be a 6- or 9-digit quirk code).
   */
  cell(country: CountryModel, i: number, month: number, revision: number, out: CellValues): boolean {
    if (!country.wx) this.prepare(country)
    if (country.ctxMonth !== month) this.setMonth(country, month)
    const h = country.ctxOffset + this.model.headingOf[i]!
    const mx = country.ctxX![h]! * country.ctxFx * country.wx![i]!
    const mm = country.ctxM![h]! * country.ctxFm * country.wm![i]!
    const v = country.ctxShipment
    if (!(mx + mm > 0) || v <= 0) return false
    const year = Math.floor(month / 12)
    if (country.cumYear !== year) this.accumulate(country, year)
    const cum = country.cum!
    const phase = mix32(country.baseHash![0]! ^ S_PHASE ^ Math.imul(month, 0x9e3779b1)) / TWO_32
    const lo = cum[i]!
    const hi = cum[i + 1]!
    const traded = Math.floor(hi + phase) > Math.floor(lo + phase)
    const age = this.options.revisionAnchor - month
    const revisable = revision > 1 && age >= 0 && age < REVISION_HORIZON
    // Only a revision can add a row that did not trade.
    if (!traded && !revisable) return false
    // One hash per cell and month; every other per-month quantity is one mix away from it.
    const hm = mix32(country.baseHash![i]! ^ Math.imul(month, 0x9e3779b1))
    let activeX = false
    let activeM = false
    // The row trades with P = hi − lo (its year's average month). Exports and imports each trade
    // with 1 − exp(−μ/v) in this month, independently; given that the row trades, which did:
    const px = -Math.expm1(-mx / v)
    const pm = -Math.expm1(-mm / v)
    const pRow = 1 - (1 - px) * (1 - pm)
    if (traded) {
      const w = (mix32(hm ^ S_ACTIVE_M) / TWO_32) * pRow
      if (w < px * pm) {
        activeX = true
        activeM = true
      } else if (w < px) activeX = true
      else activeM = true
    }
    // A traded direction carries μ / P(it trades), so every cell keeps its expected value μ:
    // P(exports trade) = P × px / pRow.
    const tradeShare = traded ? pRow / Math.max(hi - lo, 1e-300) : 1
    let dollarFactor = 1
    let weightFactor = 1
    if (revisable) {
      const pTouch = age < REVISION_RECENT ? P_TOUCH_RECENT : P_TOUCH_OLDER
      for (let r = 2; r <= revision; r++) {
        const hr = mix32(hm ^ Math.imul(r, 0x85ebca77))
        if (mix32(hr ^ S_REV_FIRE) / TWO_32 >= pTouch) continue
        const kind = mix32(hr ^ S_REV_KIND) / TWO_32
        if (activeX || activeM) {
          if (kind < WITHDRAW_SHARE) {
            activeX = false
            activeM = false
          } else {
            // Revisions move a value by 3–25 % either way, never by nothing.
            const f = mix32(hr ^ S_REV_FACTOR) / TWO_32
            const step = 0.03 + 0.22 * Math.abs(f - 0.5) * 2
            dollarFactor *= f < 0.5 ? 1 - step : 1 + step
            weightFactor *= kind < 0.6 ? 1 : f < 0.5 ? 1 - step / 2 : 1 + step / 2
          }
        } else if (kind < ADD_SHARE) {
          if (mx >= mm) activeX = true
          else activeM = true
        }
      }
    }
    if (!activeX && !activeM) return false
    const usdX = activeX ? (mx / Math.max(px, 1e-12)) * tradeShare : 0
    const usdM = activeM ? (mm / Math.max(pm, 1e-12)) * tradeShare : 0
    this.values(i, hm, usdX, activeX ? px : 1, usdM, activeM ? pm : 1, dollarFactor, weightFactor, out)
    return true
  }

  /** Fills a cell's measures from the expected value given that it trades (μ/p), with noise. */
  private values(
    i: number,
    hm: number,
    usdX: number,
    px: number,
    usdM: number,
    pm: number,
    dollarFactor: number,
    weightFactor: number,
    out: CellValues,
  ): void {
    const q = this.options.quirks
    out.code = this.codes[i]!
    if (q.oddCode > 0 && mix32(hm ^ S_ODD) / TWO_32 < q.oddCode) {
      out.code = out.code.slice(0, mix32(hm ^ S_ODD_LEN) & 1 ? 9 : 6)
    }
    if (q.zeroRow > 0 && mix32(hm ^ S_ZERO) / TWO_32 < q.zeroRow) {
      out.expWgt = 0
      out.expDlr = 0
      out.impWgt = 0
      out.impDlr = 0
      return
    }
    const expDlr = monthlyDollars(usdX * dollarFactor, px, hm ^ S_NOISE_X)
    const impDlr = monthlyDollars(usdM * dollarFactor, pm, hm ^ S_NOISE_M)
    const perKg =
      Math.exp(-this.model.logPrice[i]! - 0.25 * approxNormal(hm ^ S_PRICE_MONTHLY) - 0.03125) * weightFactor
    let expWgt = Math.round(expDlr * perKg)
    let impWgt = Math.round(impDlr * perKg)
    if (q.negativeWeight > 0 && mix32(hm ^ S_NEGATIVE) / TWO_32 < q.negativeWeight) {
      if (expWgt > 0) expWgt = -expWgt
      else if (impWgt > 0) impWgt = -impWgt
      else impWgt = -1 - (mix32(hm ^ S_NEGATIVE_SIZE) % 500)
    }
    out.expWgt = expWgt
    out.expDlr = expDlr
    out.impWgt = impWgt
    out.impDlr = impDlr
  }
}
