/**
 * The shapes the emulator's data is made of: options, the per-partner model, rows, answers and the
 * client-shaped rows the truth API returns. Kept apart from the generator (data.ts) that fills them.
 */
import { formatPeriod } from './calendar.js'
import type { RowTable } from './rows.js'

/**
 * How much a partner trades, from its real number of rows in 2025-01 (KCS answers): `major`
 * (≥ 2,000 rows a month), `medium` (≥ 500), `small` (≥ 1) and `dormant` (no rows at all: the code
 * answers `<items/>`).
 */
export type ActivityProfile = 'major' | 'medium' | 'small' | 'dormant'

/** Per-row probabilities (0–1) of the oddities the live API serves, applied deterministically from the seed. */
export interface QuirkRates {
  /** Share of rows whose four measures are all 0 (real: 30 of 77,606 US rows in 2025). */
  zeroRow: number
  /** Share of rows with a negative weight, a customs correction (real: about 19 in 22.35 M). */
  negativeWeight: number
  /** Share of rows served under a 6- or 9-digit code instead of their 10-digit code (real: 53 in 22.35 M). */
  oddCode: number
}

/** The real frequencies (FACTS.md §5). */
export const REAL_QUIRK_RATES: QuirkRates = {
  zeroRow: 30 / 77_606,
  negativeWeight: 19 / 22_351_483,
  oddCode: 53 / 22_351_483,
}

/** When a month's data is published, as days of the following month; detailDay must not precede totalsDay. */
export interface ReleaseSchedule {
  /** Day of the following month on which a month's country totals appear (a lone totals row). */
  totalsDay: number
  /** Day of the following month on which its item detail appears. */
  detailDay: number
}

/**
 * kg per row by which the totals row's weights drift from the row sums by default: 740 kg was seen
 * over 77,606 rows; each weight drifts by up to 2 × this × rows, either way.
 */
export const TOTALS_DRIFT_PER_ROW = 0.01

export interface DatasetOptions {
  seed: number
  firstMonth: number
  quirks: QuirkRates
  release: ReleaseSchedule
  /** Month that revisions are measured from (revisions touch the months up to it, recent ones mostly). */
  revisionAnchor: number
  /** Max |kg| by which the totals row's weights may differ from the sum of the rows (0 = exact), or `'per-row'`. */
  totalsWeightDrift: number | 'per-row'
  /** What a published window with no trade returns: `<items/>` or a lone totals row of zeros. */
  emptyAnswer: 'items' | 'zero-totals'
  /** Serve 10-digit names exactly as KCS's code table has them (some end in a newline or a space). */
  rawItemNames: boolean
}

export interface CountryModel {
  index: number
  code: string
  name: string
  profile: ActivityProfile
  /** Expected number of 10-digit rows in a month (the real 2025-01 count). */
  target: number
  /** Per-code share of the code's heading for this partner, exports and imports (lazy). */
  wx: Float32Array | undefined
  wm: Float32Array | undefined
  /** Per-code base hash (lazy). */
  baseHash: Uint32Array | undefined
  /** Typical shipment in USD at the reference month (solved so that the rows match `target`). */
  shipment: number
  /** The month the fields below describe. */
  ctxMonth: number
  ctxX: Float32Array | undefined
  ctxM: Float32Array | undefined
  ctxOffset: number
  ctxFx: number
  ctxFm: number
  ctxShipment: number
  /**
   * Cumulative trade probabilities of the codes in the year `cumYear` (length n + 1): in a month,
   * code i trades when [cum[i], cum[i+1]) holds a point of k − phase, the phase a hash of the month
   * (systematic sampling). Each code trades with its own probability, a month's rows are the
   * partner's expected count ±1, and each month draws its own set.
   */
  cum: Float64Array | undefined
  cumYear: number
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
