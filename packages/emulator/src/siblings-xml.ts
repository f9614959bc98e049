/** The siblings' success documents: items in the live element order, the totals row last. */
import { formatApiYear, parseMonth } from './calendar.js'
import type {
  CountryTradeRow,
  CountTotals,
  ItemTradeRow,
  ItemTradeTotals,
  TotalsTradeRow,
} from './sibling-types.js'
import { escapeXml, SUCCESS_MESSAGE, XML_DECLARATION } from './xml.js'

const HEADER_OK = `<response><header><resultCode>00</resultCode><resultMsg>${SUCCESS_MESSAGE}</resultMsg></header>`

/** The success document around items, in chunks of ≈ 256 KiB of text; `<items/>` when there are none. */
export function document(items: string[], totals: string | null): string[] {
  if (totals !== null) items.push(totals) // the siblings put their totals row LAST
  if (items.length === 0) return [`${XML_DECLARATION}${HEADER_OK}<body><items/></body></response>`]
  const chunks: string[] = []
  let part = `${XML_DECLARATION}${HEADER_OK}<body><items>`
  for (const item of items) {
    part += item
    if (part.length >= 128 * 1024) {
      chunks.push(part)
      part = ''
    }
  }
  chunks.push(`${part}</items></body></response>`)
  return chunks
}

/** Children in the live (alphabetical) order: balPayments, expDlr, expWgt, hsCode, impDlr, impWgt, statKor, year. */
function itemXml(
  bal: number,
  expDlr: number,
  expWgt: number,
  hsCode: string,
  impDlr: number,
  impWgt: number,
  statKor: string,
  year: string,
): string {
  return `<item><balPayments>${bal}</balPayments><expDlr>${expDlr}</expDlr><expWgt>${expWgt}</expWgt><hsCode>${hsCode}</hsCode><impDlr>${impDlr}</impDlr><impWgt>${impWgt}</impWgt><statKor>${statKor}</statKor><year>${year}</year></item>`
}

export function itemTradeXml(r: ItemTradeRow): string {
  return itemXml(
    r.balanceUsd,
    r.exportUsd,
    r.exportKg,
    r.hsCode,
    r.importUsd,
    r.importKg,
    escapeXml(r.itemName),
    apiYear(r.period),
  )
}

export function itemTotalsXml(t: ItemTradeTotals): string {
  return itemXml(t.balanceUsd, t.exportUsd, t.exportKg, '-', t.importUsd, t.importKg, '-', '총계')
}

/** balPayments, expCnt, expDlr, impCnt, impDlr, statCd, statCdCntnKor1, year. */
export function countryTradeXml(r: CountryTradeRow): string {
  return `<item><balPayments>${r.balanceUsd}</balPayments><expCnt>${r.exportCount}</expCnt><expDlr>${r.exportUsd}</expDlr><impCnt>${r.importCount}</impCnt><impDlr>${r.importUsd}</impDlr><statCd>${r.countryCode}</statCd><statCdCntnKor1>${escapeXml(r.countryName)}</statCdCntnKor1><year>${apiYear(r.period)}</year></item>`
}

/** balPayments, expCnt, expDlr, impCnt, impDlr, year. */
function countsXml(t: CountTotals, year: string): string {
  return `<item><balPayments>${t.balanceUsd}</balPayments><expCnt>${t.exportCount}</expCnt><expDlr>${t.exportUsd}</expDlr><impCnt>${t.importCount}</impCnt><impDlr>${t.importUsd}</impDlr><year>${year}</year></item>`
}

export function totalsTradeXml(r: TotalsTradeRow): string {
  return countsXml(r, apiYear(r.period))
}

export function countTotalsXml(t: CountTotals): string {
  return countsXml(t, '총계')
}

function apiYear(period: string): string {
  return formatApiYear(parseMonth(period)!)
}
