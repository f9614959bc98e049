/**
 * The sibling KCS APIs behind the same gateway, as endpoint definitions (data): item totals
 * (`Itemtrade`), country totals (`nationtrade`) and Korea's overall totals (`Newtrade`). The facts
 * and their sources are in the project's SIBLINGS.md.
 */
import { z } from 'zod'
import type { EndpointDefinition, FieldMapping, TradeTotals } from './endpoint.js'
import {
  type CountryTradeQuery,
  type ItemTradeQuery,
  parseCountryTradeQuery,
  parseItemTradeQuery,
  parseTotalsTradeQuery,
  type TotalsTradeQuery,
  toYyyymm,
} from './query.js'

/** One data row of `Itemtrade`: one month and one 10-digit HS code, summed over every partner. */
export interface ItemTradeRow {
  /** `YYYY-MM`. */
  period: string
  /** HS code as a string with leading zeros; 10 digits whatever the prefix sent. */
  hsCode: string
  /** Korean tariff name of the code (often just `기타`, "other"). */
  itemName: string
  /** Export net weight, kg. */
  exportKg: number
  /** Export value, US dollars (FOB). */
  exportUsd: number
  /** Import net weight, kg. */
  importKg: number
  /** Import value, US dollars (CIF). */
  importUsd: number
  /** Trade balance, US dollars (exportUsd − importUsd). */
  balanceUsd: number
}

/** One data row of `nationtrade`: one month and one partner, summed over every item. No weights. */
export interface CountryTradeRow {
  /** `YYYY-MM`. */
  period: string
  /** KCS partner country code, e.g. `US`, `NA` (Namibia), `ZZ` (기타국), `Z1` (the IMF). */
  countryCode: string
  /** KCS Korean country name, e.g. `미국`. */
  countryName: string
  /** Export declarations (수출건수). */
  exportCount: number
  /** Export value, US dollars (FOB; by final destination). */
  exportUsd: number
  /** Import declarations (수입건수). */
  importCount: number
  /** Import value, US dollars (CIF; by country of origin). */
  importUsd: number
  /** Trade balance, US dollars (exportUsd − importUsd). */
  balanceUsd: number
}

/** One data row of `Newtrade` (수출입총괄): Korea's total trade in one month. */
export interface TotalsTradeRow {
  /** `YYYY-MM`. */
  period: string
  /** Export declarations (수출건수). */
  exportCount: number
  /** Export value, US dollars. */
  exportUsd: number
  /** Import declarations (수입건수). */
  importCount: number
  /** Import value, US dollars. */
  importUsd: number
  /** Trade balance, US dollars (exportUsd − importUsd). */
  balanceUsd: number
}

/** The totals row of `Itemtrade`: sums over the whole query, in kg and US dollars. */
export type ItemTradeTotals = TradeTotals

/** The totals row of `Newtrade` (and of `nationtrade`, should it ever send one): counts and US dollars. */
export interface CountTotals {
  exportCount: number
  exportUsd: number
  importCount: number
  importUsd: number
  balanceUsd: number
}

const safeInteger = z.number().int().refine(Number.isSafeInteger, 'not a safe integer')
const period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/)

/** zod schema of an {@link ItemTradeRow}. */
export const itemTradeRowSchema: z.ZodType<ItemTradeRow> = z.strictObject({
  period,
  hsCode: z.string(),
  itemName: z.string(),
  exportKg: safeInteger,
  exportUsd: safeInteger,
  importKg: safeInteger,
  importUsd: safeInteger,
  balanceUsd: safeInteger,
})

/** zod schema of a {@link CountryTradeRow}. */
export const countryTradeRowSchema: z.ZodType<CountryTradeRow> = z.strictObject({
  period,
  countryCode: z.string(),
  countryName: z.string(),
  exportCount: safeInteger,
  exportUsd: safeInteger,
  importCount: safeInteger,
  importUsd: safeInteger,
  balanceUsd: safeInteger,
})

/** zod schema of a {@link TotalsTradeRow}. */
export const totalsTradeRowSchema: z.ZodType<TotalsTradeRow> = z.strictObject({
  period,
  exportCount: safeInteger,
  exportUsd: safeInteger,
  importCount: safeInteger,
  importUsd: safeInteger,
  balanceUsd: safeInteger,
})

// Every field of every sibling, by the API's element name.
const year = { source: 'year', type: 'period' } as const
const expDlr = { source: 'expDlr', type: 'integer' } as const
const impDlr = { source: 'impDlr', type: 'integer' } as const
const expWgt = { source: 'expWgt', type: 'integer' } as const
const impWgt = { source: 'impWgt', type: 'integer' } as const
const expCnt = { source: 'expCnt', type: 'integer' } as const
const impCnt = { source: 'impCnt', type: 'integer' } as const
const balPayments = { source: 'balPayments', type: 'integer' } as const

/** The totals row is the item whose `year` is not a month (`총계`), wherever it stands. */
const detectByYear = { source: 'year', dataPattern: /^\d{4}\.\d{2}$/ } as const

const weightTotals: FieldMapping<ItemTradeTotals> = {
  exportKg: expWgt,
  exportUsd: expDlr,
  importKg: impWgt,
  importUsd: impDlr,
  balanceUsd: balPayments,
}

const countTotals: FieldMapping<CountTotals> = {
  exportCount: expCnt,
  exportUsd: expDlr,
  importCount: impCnt,
  importUsd: impDlr,
  balanceUsd: balPayments,
}

const balanced = (row: { balanceUsd: number; exportUsd: number; importUsd: number }) =>
  row !== null && typeof row === 'object' && row.balanceUsd === row.exportUsd - row.importUsd

function months(query: { from: string; to: string }): Record<string, string> {
  return { strtYymm: toYyyymm(query.from), endYymm: toYyyymm(query.to) }
}

/** 품목별 수출입실적 — item totals over all partners, dataset 15101609. */
export const itemtradeEndpoint: EndpointDefinition<ItemTradeQuery, ItemTradeRow, ItemTradeTotals> = {
  name: 'itemtrade',
  path: '/1220000/Itemtrade/getItemtradeList',
  datasetId: '15101609',
  parseQuery: parseItemTradeQuery,
  toParams: (query) => {
    const q = parseItemTradeQuery(query, { range: true })
    const params = months(q)
    if (q.hs !== undefined) params.hsSgn = q.hs
    return params
  },
  fields: {
    period: year,
    hsCode: { source: 'hsCode', type: 'string' },
    itemName: { source: 'statKor', type: 'string' },
    exportKg: expWgt,
    exportUsd: expDlr,
    importKg: impWgt,
    importUsd: impDlr,
    balanceUsd: balPayments,
  },
  rowSchema: itemTradeRowSchema,
  totals: { detect: detectByYear, fields: weightTotals },
  exactSums: ['exportUsd', 'importUsd', 'balanceUsd'],
  approximateSums: ['exportKg', 'importKg'],
  rowInvariant: balanced,
}

/** 국가별 수출입실적 — country totals over all items, dataset 15101612. No totals row is sent. */
export const nationtradeEndpoint: EndpointDefinition<CountryTradeQuery, CountryTradeRow, CountTotals> = {
  name: 'nationtrade',
  path: '/1220000/nationtrade/getNationtradeList',
  datasetId: '15101612',
  parseQuery: parseCountryTradeQuery,
  toParams: (query) => {
    const q = parseCountryTradeQuery(query, { range: true })
    const params = months(q)
    if (q.country !== undefined) params.cntyCd = q.country
    return params
  },
  fields: {
    period: year,
    countryCode: { source: 'statCd', type: 'string' },
    countryName: { source: 'statCdCntnKor1', type: 'string' },
    exportCount: expCnt,
    exportUsd: expDlr,
    importCount: impCnt,
    importUsd: impDlr,
    balanceUsd: balPayments,
  },
  rowSchema: countryTradeRowSchema,
  // None is sent today; should one appear it is recognised and checked like the others'.
  totals: { detect: detectByYear, fields: countTotals },
  exactSums: ['exportCount', 'exportUsd', 'importCount', 'importUsd', 'balanceUsd'],
  approximateSums: [],
  rowInvariant: balanced,
}

/** 수출입총괄 — Korea's overall totals per month, dataset 15102108. */
export const newtradeEndpoint: EndpointDefinition<TotalsTradeQuery, TotalsTradeRow, CountTotals> = {
  name: 'newtrade',
  path: '/1220000/Newtrade/getNewtradeList',
  datasetId: '15102108',
  parseQuery: parseTotalsTradeQuery,
  toParams: (query) => months(parseTotalsTradeQuery(query, { range: true })),
  fields: {
    period: year,
    exportCount: expCnt,
    exportUsd: expDlr,
    importCount: impCnt,
    importUsd: impDlr,
    balanceUsd: balPayments,
  },
  rowSchema: totalsTradeRowSchema,
  totals: { detect: detectByYear, fields: countTotals },
  // Declaration counts are counts: the window's total is their sum (the 2016-01 capture agrees).
  exactSums: ['exportCount', 'exportUsd', 'importCount', 'importUsd', 'balanceUsd'],
  approximateSums: [],
  rowInvariant: balanced,
}
