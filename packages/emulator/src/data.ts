/**
 * The emulator's statistics: a deterministic function of (seed, country, HSK code, month, revision),
 * calibrated to Korea's real trade (model/). Nothing is stored per row; an answer is computed on
 * demand from the model's expected values and stateless hashes, which keeps memory and start-up small
 * while every answer stays reproducible byte for byte.
 */
import { type CalendarDate, monthIndex } from './calendar.js'
import { EXPORTS, IMPORTS, REFERENCE_MONTH, solveShipmentSize, TradeModel } from './model/model.js'
import { hash, mix32, normal } from './random.js'
import { Labels, RowTable } from './rows.js'
import type { Tables } from './tables.js'

export * from './data-types.js'
export { Labels, RowTable } from './rows.js'

import type {
  ActivityProfile,
  Answer,
  CellChange,
  CellValues,
  CountryModel,
  DataQuery,
  DataRow,
  DatasetOptions,
  Publication,
  Totals,
} from './data-types.js'
import { TOTALS_DRIFT_PER_ROW } from './data-types.js'

// Salts keep the hash streams of different quantities independent.
const S_ZERO = 0x1004
const S_ACTIVE_M = 0x1005
const S_NOISE_X = 0x1006
const S_NOISE_M = 0x1007
const S_PRICE_MONTHLY = 0x100a
const S_NEGATIVE = 0x100b
const S_ODD = 0x100c
const S_REV_FIRE = 0x100d
const S_REV_KIND = 0x100e
const S_REV_FACTOR = 0x100f
const S_DRIFT = 0x1011
const S_CELL = 0x1012
const S_ODD_LEN = 0x1013
const S_NEGATIVE_SIZE = 0x1014
const S_TILT = 0x1015
const S_PHASE = 0x1016

const TWO_32 = 4294967296

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
const REVISION_HORIZON = 24
const REVISION_RECENT = 13
const P_TOUCH_RECENT = 0.015
const P_TOUCH_OLDER = 0.002
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

export class Dataset {
  readonly countries: CountryModel[]
  readonly codes: string[]
  readonly names: string[]
  readonly labels: Labels
  readonly model: TradeModel
  private readonly byCountry = new Map<string, number>()
  private readonly monthFactors = new Map<number, MonthFactors>()
  private readonly seed: number

  constructor(
    private readonly tables: Tables,
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
  private prepare(country: CountryModel): void {
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

  publication(today: CalendarDate): Publication {
    const current = monthIndex(today.year, today.month)
    const { totalsDay, detailDay } = this.options.release
    return {
      lastTotalsMonth: today.day >= totalsDay ? current - 1 : current - 2,
      lastDetailMonth: today.day >= detailDay ? current - 1 : current - 2,
    }
  }

  /** Index range [lo, hi) of the 10-digit codes starting with a prefix. */
  codeRange(prefix: string): [number, number] {
    if (prefix === '') return [0, this.codes.length]
    return [lowerBound(this.codes, prefix), lowerBound(this.codes, `${prefix}\uffff`)]
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

  /** The answer the API gives for a query at a revision, seen on a given day. */
  answer(query: DataQuery, revision: number, today: CalendarDate): Answer {
    const pub = this.publication(today)
    const first = Math.max(query.from, this.options.firstMonth)
    const detailTo = Math.min(query.to, pub.lastDetailMonth)
    const totalsTo = Math.min(query.to, pub.lastTotalsMonth)
    if (first > detailTo) {
      if (first > totalsTo) return { kind: 'empty', rows: new RowTable(this.labels, 0), totals: null }
      // Only months in their first release stage: country totals are out, item detail is not.
      const rows = this.collect(query, first, totalsTo, revision)
      if (rows.length === 0) return this.noTrade()
      return { kind: 'totals-only', rows: new RowTable(this.labels, 0), totals: this.totals(rows, query) }
    }
    const rows = this.collect(query, first, detailTo, revision)
    if (rows.length === 0) return this.noTrade()
    return { kind: 'rows', rows, totals: this.totals(rows, query) }
  }

  private noTrade(): Answer {
    if (this.options.emptyAnswer === 'zero-totals') {
      return {
        kind: 'totals-only',
        rows: new RowTable(this.labels, 0),
        totals: { expWgt: 0, expDlr: 0, impWgt: 0, impDlr: 0 },
      }
    }
    return { kind: 'empty', rows: new RowTable(this.labels, 0), totals: null }
  }

  private totals(rows: RowTable, query: DataQuery): Totals {
    const t: Totals = { expWgt: 0, expDlr: 0, impWgt: 0, impDlr: 0 }
    const v = rows.values
    for (let o = 0; o < rows.length * 4; o += 4) {
      t.expWgt += v[o]!
      t.expDlr += v[o + 1]!
      t.impWgt += v[o + 2]!
      t.impDlr += v[o + 3]!
    }
    const setting = this.options.totalsWeightDrift
    const drift = setting === 'per-row' ? Math.ceil(2 * TOTALS_DRIFT_PER_ROW * rows.length) : setting
    if (drift > 0) {
      // The live totals row's weights can be off by rounding; dollars never are.
      const h = hash(
        this.seed,
        S_DRIFT,
        query.country ?? -1,
        query.from * 4096 + query.to,
        Number(query.prefix || 0),
      )
      t.expWgt += (h % (2 * drift + 1)) - drift
      t.impWgt += (mix32(h) % (2 * drift + 1)) - drift
    }
    return t
  }

  /** Rows for months [from, to], months outermost, then countries, then codes. */
  private collect(query: DataQuery, from: number, to: number, revision: number): RowTable {
    const level = granularity(query.prefix)
    const [lo, hi] = this.codeRange(query.prefix)
    const countries = query.country === undefined ? this.countries : [this.countries[query.country]!]
    // Pre-size from the countries' expected rows, so a whole-year answer rarely regrows.
    const share = (hi - lo) / Math.max(1, this.codes.length)
    let expected = 0
    for (const c of countries) expected += c.target * share
    const rows = new RowTable(this.labels, Math.min(2_000_000, expected * (to - from + 1) * 1.15 + 64))
    const cell = blankCell()
    for (let month = from; month <= to; month++) {
      for (const country of countries) {
        if (level === 10) this.collectDetail(country, month, lo, hi, query.prefix, revision, cell, rows)
        else this.collectAggregate(country, month, lo, hi, level, revision, cell, rows)
      }
    }
    return rows
  }

  private collectDetail(
    country: CountryModel,
    month: number,
    lo: number,
    hi: number,
    prefix: string,
    revision: number,
    cell: CellValues,
    rows: RowTable,
  ): void {
    let odd: Map<string, { name: string; v: CellValues }> | undefined
    for (let i = lo; i < hi; i++) {
      if (!this.cell(country, i, month, revision, cell)) continue
      if (cell.code.length === 10) {
        rows.push(month, country.index, i, cell)
        continue
      }
      // A quirk code: it must still start with the prefix sent, and two of them may coincide.
      if (!cell.code.startsWith(prefix)) continue
      odd ??= new Map()
      const seen = odd.get(cell.code)
      if (seen) {
        seen.v.expWgt += cell.expWgt
        seen.v.expDlr += cell.expDlr
        seen.v.impWgt += cell.impWgt
        seen.v.impDlr += cell.impDlr
      } else {
        odd.set(cell.code, { name: this.names[i]!, v: { ...cell } })
      }
    }
    if (odd) {
      for (const code of [...odd.keys()].sort()) {
        const o = odd.get(code)!
        rows.push(month, country.index, this.labels.intern(code, o.name), o.v)
      }
    }
  }

  private collectAggregate(
    country: CountryModel,
    month: number,
    lo: number,
    hi: number,
    level: number,
    revision: number,
    cell: CellValues,
    rows: RowTable,
  ): void {
    let groupCode = ''
    for (let i = lo; i < hi; i++) {
      if (!this.cell(country, i, month, revision, cell)) continue
      const code = this.codes[i]!
      if (groupCode !== '' && code.startsWith(groupCode)) {
        rows.addInto(rows.length - 1, cell)
        continue
      }
      groupCode = code.slice(0, level)
      rows.push(
        month,
        country.index,
        this.labels.intern(groupCode, this.tables.headingName(groupCode) ?? ''),
        cell,
      )
    }
  }

  /**
   * Every cell whose served 10-digit-level row differs between two revisions, for months up to
   * `lastDetailMonth`. Only cells a revision step touched can differ, so the scan is one hash per cell
   * and step.
   */
  changes(
    fromRevision: number,
    toRevision: number,
    lastDetailMonth: number,
    filter: { country?: number; from?: number; to?: number } = {},
  ): CellChange[] {
    const out: CellChange[] = []
    if (fromRevision === toRevision) return out
    const lowRev = Math.min(fromRevision, toRevision)
    const highRev = Math.max(fromRevision, toRevision)
    const anchor = this.options.revisionAnchor
    const firstMonth = Math.max(
      anchor - REVISION_HORIZON + 1,
      this.options.firstMonth,
      filter.from ?? -Infinity,
    )
    const lastMonth = Math.min(anchor, lastDetailMonth, filter.to ?? Infinity)
    const countries = filter.country === undefined ? this.countries : [this.countries[filter.country]!]
    const before = blankCell()
    const after = blankCell()
    for (let month = firstMonth; month <= lastMonth; month++) {
      const age = anchor - month
      const pTouch = age < REVISION_RECENT ? P_TOUCH_RECENT : P_TOUCH_OLDER
      for (const country of countries) {
        if (!country.wx) this.prepare(country)
        const baseHash = country.baseHash!
        for (let i = 0; i < this.codes.length; i++) {
          let touched = false
          const hm = mix32(baseHash[i]! ^ Math.imul(month, 0x9e3779b1))
          for (let r = Math.max(2, lowRev + 1); r <= highRev; r++) {
            if (mix32(mix32(hm ^ Math.imul(r, 0x85ebca77)) ^ S_REV_FIRE) / TWO_32 < pTouch) {
              touched = true
              break
            }
          }
          if (!touched) continue
          const a = this.cell(country, i, month, fromRevision, before)
          const b = this.cell(country, i, month, toRevision, after)
          if (!a && !b) continue
          const name = this.names[i]!
          const rowOf = (v: CellValues): DataRow => ({ month, country, name, ...v })
          if (a && b) {
            if (sameValues(before, after)) continue
            out.push({
              kind: 'changed',
              month,
              country,
              code: after.code,
              before: rowOf(before),
              after: rowOf(after),
            })
          } else if (b) {
            out.push({ kind: 'added', month, country, code: after.code, before: null, after: rowOf(after) })
          } else {
            out.push({
              kind: 'withdrawn',
              month,
              country,
              code: before.code,
              before: rowOf(before),
              after: null,
            })
          }
        }
      }
    }
    return out
  }
}

export function granularity(prefix: string): number {
  switch (prefix.length) {
    case 2:
      return 4
    case 4:
      return 6
    default:
      return 10
  }
}

function blankCell(): CellValues {
  return { code: '', expWgt: 0, expDlr: 0, impWgt: 0, impDlr: 0 }
}

function sameValues(a: CellValues, b: CellValues): boolean {
  return (
    a.code === b.code &&
    a.expWgt === b.expWgt &&
    a.expDlr === b.expDlr &&
    a.impWgt === b.impWgt &&
    a.impDlr === b.impDlr
  )
}

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
}
