/**
 * Row, slice and fetch shapes, declared here so that the schema and the writer own them; they match
 * `@kcs-trade/client`'s exactly: the worker hands the client's rows to `replaceSlice` as they are.
 */

/** One data row of an answer: a month × partner country × HS code. Values are safe integers. */
export interface TradeRow {
  /** `YYYY-MM` */
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

/** The five measures of a totals row (or of a sum of rows): kilograms and US dollars, safe integers. */
export interface TradeTotals {
  exportKg: number
  exportUsd: number
  importKg: number
  importUsd: number
  balanceUsd: number
}

/** The client's query: country or all, a window of at most 12 months, an HS prefix or none. */
export interface Slice {
  country?: string | undefined
  hs?: string | undefined
  /** `YYYY-MM` (`YYYYMM` is accepted too) */
  from: string
  /** `YYYY-MM` (`YYYYMM` is accepted too), inclusive */
  to: string
}

/** What the fetch knew about the answer. */
export interface FetchMeta {
  /** The answer's totals row, or null when it had none. */
  total: TradeTotals | null
  bodySha256: string
  durationMs: number
  attempts: number
  /** Whether the data rows summed to the totals row (null: not checked / no totals row). */
  sumsMatch?: boolean | null | undefined
  fetchedAt?: Date | undefined
  rowCount?: number | undefined
}

/** A slice after validation, with the bounds the SQL uses. */
export interface NormalizedSlice {
  /** Stable identifier, e.g. `US:2025-01..2025-12` or `*:2025-01..2025-01:85`. */
  key: string
  country: string | null
  hs: string | null
  /** `YYYY-MM` */
  from: string
  /** `YYYY-MM` */
  to: string
}

export type Measures = TradeTotals
