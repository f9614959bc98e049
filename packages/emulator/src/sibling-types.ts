/** The sibling APIs' names, paths and row shapes, shared by their data (`siblings.ts`) and documents (`siblings-xml.ts`). */

/** The four datasets the emulator serves, by the short name the client uses. */
export const DATASETS = ['nitemtrade', 'itemtrade', 'nationtrade', 'newtrade'] as const
/** One of {@link DATASETS}. */
export type DatasetName = (typeof DATASETS)[number]

/** Operation path of each dataset (the service part's case as KCS spells it: `Itemtrade`, `Newtrade`). */
export const OPERATION_PATHS: Readonly<Record<DatasetName, string>> = {
  nitemtrade: '/1220000/nitemtrade/getNitemtradeList',
  itemtrade: '/1220000/Itemtrade/getItemtradeList',
  nationtrade: '/1220000/nationtrade/getNationtradeList',
  newtrade: '/1220000/Newtrade/getNewtradeList',
}

const BY_PATH = new Map(Object.entries(OPERATION_PATHS).map(([name, path]) => [path, name as DatasetName]))

/** The dataset served at a path, or undefined (the gateway answers 12). */
export function datasetAt(path: string): DatasetName | undefined {
  return BY_PATH.get(path)
}

/**
 * US dollars per export and per import declaration, set so that the counts — every traded direction
 * of a row counting at least one declaration — match the one national figure known (Newtrade 2016-01:
 * 606,149 export declarations for $36.26 B, 1,189,202 import ones for $31.32 B; the emulator is within
 * 2 %). Plausible, not a fact: real counts vary by partner (US imports 2026-01: $4.7 k a declaration,
 * CN exports 2016-01: $54 k), which the emulator does not model.
 */
export const EXPORT_USD_PER_DECLARATION = 60_000
/** US dollars per import declaration (plausible; see {@link EXPORT_USD_PER_DECLARATION}). */
export const IMPORT_USD_PER_DECLARATION = 26_000

/** Declarations of one direction of one cell: growing with its value, at least one when it traded. */
export function declarations(usd: number, usdPerDeclaration: number): number {
  return usd > 0 ? Math.max(1, Math.round(usd / usdPerDeclaration)) : 0
}

/** One `Itemtrade` row in the client's shape. */
export interface ItemTradeRow {
  period: string
  hsCode: string
  itemName: string
  exportKg: number
  exportUsd: number
  importKg: number
  importUsd: number
  balanceUsd: number
}

/** The `Itemtrade` totals row in the client's shape. */
export interface ItemTradeTotals {
  exportKg: number
  exportUsd: number
  importKg: number
  importUsd: number
  balanceUsd: number
}

/** One `nationtrade` row in the client's shape. */
export interface CountryTradeRow {
  period: string
  countryCode: string
  countryName: string
  exportCount: number
  exportUsd: number
  importCount: number
  importUsd: number
  balanceUsd: number
}

/** One `Newtrade` row in the client's shape. */
export interface TotalsTradeRow {
  period: string
  exportCount: number
  exportUsd: number
  importCount: number
  importUsd: number
  balanceUsd: number
}

/** The `Newtrade` totals row in the client's shape. */
export interface CountTotals {
  exportCount: number
  exportUsd: number
  importCount: number
  importUsd: number
  balanceUsd: number
}

/** What a sibling serves for a query: data rows, and the totals row (null for nationtrade or `<items/>`). */
export interface SiblingAnswer<TRow, TTotals> {
  rows: TRow[]
  total: TTotals | null
}

/** A query of a sibling's truth: a window of at most 12 months, and the filter that sibling takes. */
export interface SiblingTruthQuery {
  /** `YYYY-MM` or `YYYYMM`. */
  from: string
  /** `YYYY-MM` or `YYYYMM`, inclusive. */
  to: string
  /** Itemtrade only: HS prefix of 2, 4, 6 or 10 digits. */
  hs?: string
  /** nationtrade only: country code. */
  country?: string
}

/** The siblings' part of the emulator's `truth`: exactly what each serves, in the client's row shapes. */
export interface SiblingTruth {
  /** `Itemtrade` for `{ from, to, hs? }`: 10-digit rows summed over partners, and the totals row. */
  itemTrade(query: SiblingTruthQuery): SiblingAnswer<ItemTradeRow, ItemTradeTotals>
  /** `nationtrade` for `{ from, to, country? }`: per partner and month; never a totals row. */
  countryTrade(query: SiblingTruthQuery): SiblingAnswer<CountryTradeRow, never>
  /** `Newtrade` for `{ from, to }`: Korea's totals per month, and the totals row. */
  tradeTotals(query: SiblingTruthQuery): SiblingAnswer<TotalsTradeRow, CountTotals>
}

export type Served<N> = N extends 'itemtrade'
  ? SiblingAnswer<ItemTradeRow, ItemTradeTotals>
  : N extends 'nationtrade'
    ? SiblingAnswer<CountryTradeRow, never>
    : SiblingAnswer<TotalsTradeRow, CountTotals>

/** Queries of the three siblings, validated the way the provider validates them. */
export type SiblingQuery =
  | { dataset: 'itemtrade'; from: number; to: number; prefix: string }
  | { dataset: 'nationtrade'; from: number; to: number; country: number | undefined }
  | { dataset: 'newtrade'; from: number; to: number }

export type SiblingValidation = { ok: true; query: SiblingQuery } | { ok: false; message: string }
