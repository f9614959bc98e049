/**
 * The emulator's statistics: a deterministic function of (seed, country, HSK code, month, revision).
 * Nothing is stored per row; an answer is computed on demand from stateless hashes, which is what keeps
 * both memory and start-up time small while every answer stays reproducible byte for byte.
 */
import { type CalendarDate, formatPeriod, monthIndex } from './calendar.js'
import { hash, mix32, normal, unit } from './random.js'
import type { Tables } from './tables.js'

/**
 * How much a partner country trades in the generated data, which sets its expected rows per month
 * and typical row value: `major` (a fixed list of large partners) down to `dormant` (almost no rows).
 */
export type ActivityProfile = 'major' | 'medium' | 'small' | 'dormant'

/** Per-row probabilities (0–1) of the oddities the live API serves, applied deterministically from the seed. */
export interface QuirkRates {
  /** Share of rows whose four measures are all 0. */
  zeroRow: number
  /** Share of rows with a negative weight (a customs correction). */
  negativeWeight: number
  /** Share of rows served under a 6- or 9-digit code instead of their 10-digit code. */
  oddCode: number
}

/** When a month's data is published, as days of the following month; detailDay must not precede totalsDay. */
export interface ReleaseSchedule {
  /** Day of the following month on which a month's country totals appear (a lone totals row). */
  totalsDay: number
  /** Day of the following month on which its item detail appears. */
  detailDay: number
}

export interface DatasetOptions {
  seed: number
  firstMonth: number
  quirks: QuirkRates
  release: ReleaseSchedule
  /** Month that revisions are measured from (revisions touch the months up to it, recent ones mostly). */
  revisionAnchor: number
  /** Max |kg| by which the totals row's weights may differ from the sum of the rows (0 = exact). */
  totalsWeightDrift: number
  /** What a published window with no trade returns: `<items/>` or a lone totals row of zeros. */
  emptyAnswer: 'items' | 'zero-totals'
}

export interface CountryModel {
  index: number
  code: string
  name: string
  profile: ActivityProfile
  /** Expected number of 10-digit rows in a month. */
  target: number
  /** log of the median row value in USD. */
  mu: number
  /** Lazily computed per-code affinity in [0,1): low = traded often with this country. */
  affinity: Float32Array | undefined
  /** Lazily computed per-code base hash, log of the typical row value, and export/import mix. */
  baseHash: Uint32Array | undefined
  logScale: Float32Array | undefined
  direction: Float32Array | undefined
  persistentBelow: number
  occasionalBelow: number
  /** Encoded `</impWgt><statCd>CC</statCd><statCdCntnKor1>NAME</statCdCntnKor1><statKor>`, filled by the XML writer. */
  xmlSegment: Uint8Array | undefined
}

/** One served row, at the answer's granularity. */
export interface DataRow {
  month: number
  country: CountryModel
  code: string
  name: string
  expWgt: number
  expDlr: number
  impWgt: number
  impDlr: number
}

/** The measures of one cell, and the code it is served under. */
export interface CellValues {
  code: string
  expWgt: number
  expDlr: number
  impWgt: number
  impDlr: number
}

/**
 * Every (code, name) pair an answer can carry: the 10-digit lines first (label i = code i), then
 * aggregated and quirk codes as they are first met. Rows refer to labels by number, and the XML
 * writer caches each label's encoded bytes once.
 */
export class Labels {
  readonly codes: string[]
  readonly names: string[]
  /** Encoded `CODE</hsCd><impDlr>` and `NAME</statKor><year>`, filled by the XML writer. */
  readonly codeBytes: (Uint8Array | undefined)[] = []
  readonly nameBytes: (Uint8Array | undefined)[] = []
  private readonly extra = new Map<string, number>()

  constructor(codes: readonly string[], names: readonly string[]) {
    this.codes = [...codes]
    this.names = [...names]
  }

  intern(code: string, name: string): number {
    const key = `${code}\u0000${name}`
    let k = this.extra.get(key)
    if (k === undefined) {
      k = this.codes.length
      this.codes.push(code)
      this.names.push(name)
      this.extra.set(key, k)
    }
    return k
  }
}

/**
 * An answer's rows, column-wise: ~40 bytes a row instead of an object each, so a 77,000-row answer
 * costs about 3 MB and no per-row allocation.
 */
export class RowTable {
  length = 0
  months: Int32Array
  countries: Uint16Array
  labels: Int32Array
  /** expWgt, expDlr, impWgt, impDlr per row. */
  values: Float64Array

  constructor(
    readonly labelTable: Labels,
    capacity = 1024,
  ) {
    const n = Math.max(16, Math.ceil(capacity))
    this.months = new Int32Array(n)
    this.countries = new Uint16Array(n)
    this.labels = new Int32Array(n)
    this.values = new Float64Array(n * 4)
  }

  push(month: number, country: number, label: number, v: CellValues): void {
    const k = this.length
    if (k === this.months.length) this.grow()
    this.months[k] = month
    this.countries[k] = country
    this.labels[k] = label
    const o = k * 4
    const values = this.values
    values[o] = v.expWgt
    values[o + 1] = v.expDlr
    values[o + 2] = v.impWgt
    values[o + 3] = v.impDlr
    this.length = k + 1
  }

  /** Adds a cell's measures into row k (aggregation). */
  addInto(k: number, v: CellValues): void {
    const o = k * 4
    this.values[o] = this.values[o]! + v.expWgt
    this.values[o + 1] = this.values[o + 1]! + v.expDlr
    this.values[o + 2] = this.values[o + 2]! + v.impWgt
    this.values[o + 3] = this.values[o + 3]! + v.impDlr
  }

  row(k: number, countries: readonly CountryModel[]): DataRow {
    const o = k * 4
    const label = this.labels[k]!
    return {
      month: this.months[k]!,
      country: countries[this.countries[k]!]!,
      code: this.labelTable.codes[label]!,
      name: this.labelTable.names[label]!,
      expWgt: this.values[o]!,
      expDlr: this.values[o + 1]!,
      impWgt: this.values[o + 2]!,
      impDlr: this.values[o + 3]!,
    }
  }

  private grow(): void {
    const n = this.months.length * 2
    const months = new Int32Array(n)
    months.set(this.months)
    this.months = months
    const countries = new Uint16Array(n)
    countries.set(this.countries)
    this.countries = countries
    const labels = new Int32Array(n)
    labels.set(this.labels)
    this.labels = labels
    const values = new Float64Array(n * 4)
    values.set(this.values)
    this.values = values
  }
}

export interface Totals {
  expWgt: number
  expDlr: number
  impWgt: number
  impDlr: number
}

export interface DataQuery {
  /** Country index, or undefined for all countries. */
  country: number | undefined
  from: number
  to: number
  /** HS prefix ('' = omitted). */
  prefix: string
}

/**
 * The shape of an answer: `rows` (data rows and a totals row), `totals-only` (a lone totals row,
 * before a month's detail is released) or `empty` (`<items/>`).
 */
export type AnswerKind = 'rows' | 'totals-only' | 'empty'

export interface Answer {
  kind: AnswerKind
  rows: RowTable
  totals: Totals | null
}

export interface Publication {
  /** Newest month whose country totals are out (a lone totals row until its detail is). */
  lastTotalsMonth: number
  /** Newest month published in detail. */
  lastDetailMonth: number
}

export interface CellChange {
  kind: 'added' | 'changed' | 'withdrawn'
  month: number
  country: CountryModel
  code: string
  before: DataRow | null
  after: DataRow | null
}

// Salts keep the hash streams of different quantities independent.
const S_AFFINITY = 0x1001
const S_GLOBAL = 0x1002
const S_ACTIVE = 0x1003
const S_ZERO = 0x1004
const S_DIRECTION = 0x1005
const S_SCALE = 0x1006
const S_MONTHLY = 0x1007
const S_SHARE = 0x1008
const S_PRICE = 0x1009
const S_PRICE_MONTHLY = 0x100a
const S_NEGATIVE = 0x100b
const S_ODD = 0x100c
const S_REV_FIRE = 0x100d
const S_REV_KIND = 0x100e
const S_REV_FACTOR = 0x100f
const S_PROFILE = 0x1010
const S_DRIFT = 0x1011
const S_CELL = 0x1012
const S_ODD_LEN = 0x1013
const S_NEGATIVE_SIZE = 0x1014

const TWO_32 = 4294967296
const GROWTH_LOG = Math.log(1.035)

/** A cheap approximately normal deviate (Irwin–Hall of four 16-bit uniforms) from one hash. */
function approxNormal(h: number): number {
  const a = mix32(h)
  const b = mix32(a ^ 0x27d4eb2f)
  return (
    (((a & 0xffff) + (a >>> 16) + (b & 0xffff) + (b >>> 16)) / 65536) * 1.7320508075688772 -
    3.4641016151377544
  )
}

/** Chance that a "persistent" pair trades in a given month, and an "occasional" one. */
const P_PERSISTENT = 0.95
const P_OCCASIONAL = 0.3
/** Share of a country's expected rows that come from persistent pairs. */
const PERSISTENT_SHARE = 0.8

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

/** Largest trading partners (row targets per month, ~ the live service's counts). */
const MAJOR_TARGETS: Record<string, number> = {
  CN: 7300,
  US: 6470,
  JP: 6350,
  VN: 6150,
  DE: 5900,
  HK: 5300,
  TW: 5600,
  IT: 5200,
  GB: 5000,
  FR: 5000,
  SG: 5000,
  TH: 5100,
  IN: 4900,
  ID: 4800,
  MY: 4900,
  AU: 4700,
  CA: 4500,
  PH: 4600,
  MX: 4300,
  NL: 4300,
  ES: 4200,
}

const MEDIUM = new Set(
  (
    'AE SA TR PL BR RU BE CH AT SE DK FI NO IE CZ HU SK RO PT GR IL EG ZA NG KE MA TN DZ AR CL CO PE EC ' +
    'UY PK BD LK KH MM LA MN KZ UZ NZ QA KW OM IR IQ JO UA BG SI HR LT LV EE LU'
  ).split(' '),
)

/** Territories and codes with little or no trade: most months they have no rows at all. */
const DORMANT = new Set(
  'AC AQ AX BL BV CC CP CQ CX DG EA EH FK GS HM IC IO MF NF NU PM PN SH SJ TA TF TK UM WF YT XK KP BQ EU'.split(
    ' ',
  ),
)

const PROFILE_BASE: Record<ActivityProfile, { target: number; median: number }> = {
  major: { target: 6000, median: 120_000 },
  medium: { target: 2700, median: 40_000 },
  small: { target: 420, median: 12_000 },
  dormant: { target: 0.6, median: 5_000 },
}

export class Dataset {
  readonly countries: CountryModel[]
  readonly codes: string[]
  readonly names: string[]
  readonly labels: Labels
  private readonly byCountry = new Map<string, number>()
  private readonly logPrice: Float64Array
  private readonly globalAffinity: Float64Array
  private readonly seed: number

  constructor(
    private readonly tables: Tables,
    readonly options: DatasetOptions,
  ) {
    this.seed = options.seed | 0
    this.codes = tables.hsk.map((h) => h.code)
    this.names = tables.hsk.map((h) => h.nameKo)
    this.labels = new Labels(this.codes, this.names)
    const n = this.codes.length
    this.logPrice = new Float64Array(n)
    this.globalAffinity = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      // Chapter-level price levels (per kg) with item-level spread: ores cheap, chips dear.
      const chapter = Number(this.codes[i]!.slice(0, 2))
      this.logPrice[i] =
        Math.log(6) + 1.6 * normal(this.seed, S_PRICE, chapter) + 1.1 * normal(this.seed, S_PRICE, i)
      this.globalAffinity[i] = unit(this.seed, S_GLOBAL, i)
    }
    this.countries = tables.countries.map((c, index) => this.modelCountry(c.code, c.kcsNameKo, index))
    for (const c of this.countries) this.byCountry.set(c.code, c.index)
  }

  countryIndex(code: string): number | undefined {
    return this.byCountry.get(code)
  }

  private modelCountry(code: string, name: string, index: number): CountryModel {
    const jitter = 0.85 + 0.3 * unit(this.seed, S_PROFILE, index)
    let profile: ActivityProfile
    let target: number
    if (MAJOR_TARGETS[code] !== undefined) {
      profile = 'major'
      target = MAJOR_TARGETS[code]!
    } else if (MEDIUM.has(code)) {
      profile = 'medium'
      target = PROFILE_BASE.medium.target * jitter
    } else if (DORMANT.has(code)) {
      profile = 'dormant'
      target = PROFILE_BASE.dormant.target * jitter
    } else {
      profile = 'small'
      target = PROFILE_BASE.small.target * jitter
    }
    const n = Math.max(1, this.codes.length)
    const persistentBelow = Math.min(0.95, (PERSISTENT_SHARE * target) / (P_PERSISTENT * n))
    const occasionalBelow = Math.min(
      1,
      persistentBelow + ((1 - PERSISTENT_SHARE) * target) / (P_OCCASIONAL * n),
    )
    const median = PROFILE_BASE[profile].median * (profile === 'major' ? target / 6000 : jitter)
    return {
      index,
      code,
      name,
      profile,
      target,
      mu: Math.log(median),
      affinity: undefined,
      baseHash: undefined,
      logScale: undefined,
      direction: undefined,
      xmlSegment: undefined,
      persistentBelow,
      occasionalBelow,
    }
  }

  /** Per-country tables computed on first use (about a millisecond each). */
  private prepare(country: CountryModel): void {
    if (country.affinity) return
    const n = this.codes.length
    const seed = this.seed
    const c = country.index
    const affinity = new Float32Array(n)
    const baseHash = new Uint32Array(n)
    const logScale = new Float32Array(n)
    const direction = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      // Sum of a global and a country-specific uniform, mapped back to a uniform: codes that are
      // popular everywhere stay popular with each partner, yet every partner has its own mix.
      const s = this.globalAffinity[i]! + unit(seed, S_AFFINITY, c, i)
      affinity[i] = s <= 1 ? (s * s) / 2 : 1 - ((2 - s) * (2 - s)) / 2
      baseHash[i] = hash(seed, S_CELL, c, i)
      // Heavy tail: log-normal typical values, a few pairs worth billions a month.
      logScale[i] = country.mu + 1.9 * normal(seed, S_SCALE, c, i)
      direction[i] = unit(seed, S_DIRECTION, c, i)
    }
    country.baseHash = baseHash
    country.logScale = logScale
    country.direction = direction
    country.affinity = affinity
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
    if (!country.affinity) this.prepare(country)
    const u = country.affinity![i]!
    const p = u < country.persistentBelow ? P_PERSISTENT : u < country.occasionalBelow ? P_OCCASIONAL : 0
    // One hash per cell and month; every other per-month quantity is one mix away from it.
    const hm = mix32(country.baseHash![i]! ^ Math.imul(month, 0x9e3779b1))
    let active = p > 0 && mix32(hm ^ S_ACTIVE) / TWO_32 < p
    let dollarFactor = 1
    let weightFactor = 1
    if (revision > 1) {
      const age = this.options.revisionAnchor - month
      if (age >= 0 && age < REVISION_HORIZON) {
        const pTouch = age < REVISION_RECENT ? P_TOUCH_RECENT : P_TOUCH_OLDER
        for (let r = 2; r <= revision; r++) {
          const hr = mix32(hm ^ Math.imul(r, 0x85ebca77))
          if (mix32(hr ^ S_REV_FIRE) / TWO_32 >= pTouch) continue
          const kind = mix32(hr ^ S_REV_KIND) / TWO_32
          if (active) {
            if (kind < WITHDRAW_SHARE) {
              active = false
            } else {
              // Revisions move a value by 3–25 % either way, never by nothing.
              const f = mix32(hr ^ S_REV_FACTOR) / TWO_32
              const step = 0.03 + 0.22 * Math.abs(f - 0.5) * 2
              dollarFactor *= f < 0.5 ? 1 - step : 1 + step
              weightFactor *= kind < 0.6 ? 1 : f < 0.5 ? 1 - step / 2 : 1 + step / 2
            }
          } else if (kind < ADD_SHARE) {
            active = true
          }
        }
      }
    }
    if (!active) return false
    this.values(country, i, month, hm, dollarFactor, weightFactor, out)
    return true
  }

  private values(
    country: CountryModel,
    i: number,
    month: number,
    hm: number,
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
    const year = Math.floor(month / 12)
    const logValue = country.logScale![i]! + 0.45 * approxNormal(hm ^ S_MONTHLY) + GROWTH_LOG * (year - 2020)
    const scale = Math.min(MAX_ROW_USD, Math.exp(logValue) * dollarFactor)
    const direction = country.direction![i]!
    const share = direction < 0.33 ? 1 : direction < 0.58 ? 0 : mix32(hm ^ S_SHARE) / TWO_32
    const expDlr = Math.round(scale * share)
    const impDlr = Math.round(scale * (1 - share))
    const perKg = Math.exp(-this.logPrice[i]! - 0.3 * approxNormal(hm ^ S_PRICE_MONTHLY)) * weightFactor
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
    const drift = this.options.totalsWeightDrift
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
        if (!country.affinity) this.prepare(country)
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

/** The client's row shape. */
export interface TradeRow {
  period: string
  countryCode: string
  countryName: string
  hsCode: string
  itemName: string
  exportKg: number
  exportUsd: number
  importKg: number
  importUsd: number
  balanceUsd: number
}

/** A totals row in the client's shape: kilograms and US dollars; `balanceUsd` is `exportUsd - importUsd`. */
export interface TradeTotals {
  exportKg: number
  exportUsd: number
  importKg: number
  importUsd: number
  balanceUsd: number
}

export function toTradeRow(r: DataRow): TradeRow {
  return {
    period: formatPeriod(r.month),
    countryCode: r.country.code,
    countryName: r.country.name,
    hsCode: r.code,
    itemName: r.name,
    exportKg: r.expWgt,
    exportUsd: r.expDlr,
    importKg: r.impWgt,
    importUsd: r.impDlr,
    balanceUsd: r.expDlr - r.impDlr,
  }
}

export function toTradeTotals(t: Totals): TradeTotals {
  return {
    exportKg: t.expWgt,
    exportUsd: t.expDlr,
    importKg: t.impWgt,
    importUsd: t.impDlr,
    balanceUsd: t.expDlr - t.impDlr,
  }
}
