/**
 * Builders for KCS answers in the documented byte layout (declaration, no whitespace, alphabetical
 * children), for tests and the benchmark. Not part of the published package.
 */

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'

export interface RawItem {
  balPayments: string
  expDlr: string
  expWgt: string
  hsCd: string
  impDlr: string
  impWgt: string
  statCd: string
  statCdCntnKor1: string
  statKor: string
  year: string
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function itemXml(item: RawItem): string {
  return (
    `<item><balPayments>${item.balPayments}</balPayments><expDlr>${item.expDlr}</expDlr>` +
    `<expWgt>${item.expWgt}</expWgt><hsCd>${escapeXml(item.hsCd)}</hsCd><impDlr>${item.impDlr}</impDlr>` +
    `<impWgt>${item.impWgt}</impWgt><statCd>${escapeXml(item.statCd)}</statCd>` +
    `<statCdCntnKor1>${escapeXml(item.statCdCntnKor1)}</statCdCntnKor1><statKor>${escapeXml(item.statKor)}</statKor>` +
    `<year>${escapeXml(item.year)}</year></item>`
  )
}

export interface DataRowInput {
  year: string
  statCd: string
  statCdCntnKor1: string
  hsCd: string
  statKor: string
  expWgt: number
  expDlr: number
  impWgt: number
  impDlr: number
}

export function dataItem(r: DataRowInput): RawItem {
  return {
    balPayments: String(r.expDlr - r.impDlr),
    expDlr: String(r.expDlr),
    expWgt: String(r.expWgt),
    hsCd: r.hsCd,
    impDlr: String(r.impDlr),
    impWgt: String(r.impWgt),
    statCd: r.statCd,
    statCdCntnKor1: r.statCdCntnKor1,
    statKor: r.statKor,
    year: r.year,
  }
}

/** The totals row for `rows`: dollar sums exact, weights optionally off by `weightSkewKg`. */
export function totalsItem(rows: readonly DataRowInput[], weightSkewKg = 0): RawItem {
  let expWgt = 0
  let expDlr = 0
  let impWgt = 0
  let impDlr = 0
  for (const r of rows) {
    expWgt += r.expWgt
    expDlr += r.expDlr
    impWgt += r.impWgt
    impDlr += r.impDlr
  }
  return {
    balPayments: String(expDlr - impDlr),
    expDlr: String(expDlr),
    expWgt: String(expWgt + weightSkewKg),
    hsCd: '-',
    impDlr: String(impDlr),
    impWgt: String(impWgt),
    statCd: '-',
    statCdCntnKor1: '-',
    statKor: '-',
    year: '총계',
  }
}

export function successXml(items: readonly RawItem[] | string): string {
  const inner = typeof items === 'string' ? items : items.map(itemXml).join('')
  return (
    `${XML_DECLARATION}<response><header><resultCode>00</resultCode><resultMsg>정상서비스.</resultMsg></header>` +
    `<body>${inner === '' ? '<items/>' : `<items>${inner}</items>`}</body></response>`
  )
}

export function providerErrorXml(resultCode: string, resultMsg: string, body = ''): string {
  return (
    `${XML_DECLARATION}<response><header><resultCode>${resultCode}</resultCode><resultMsg>${escapeXml(resultMsg)}</resultMsg>` +
    `</header>${body}</response>`
  )
}

export function gatewayErrorXml(errMsg: string, returnAuthMsg: string, returnReasonCode: string): string {
  return (
    '<OpenAPI_ServiceResponse><cmmMsgHeader>' +
    `<errMsg>${escapeXml(errMsg)}</errMsg><returnAuthMsg>${escapeXml(returnAuthMsg)}</returnAuthMsg>` +
    `<returnReasonCode>${returnReasonCode}</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>`
  )
}

export function gatewayErrorJson(errMsg: string, returnAuthMsg: string, returnReasonCode: string): string {
  return JSON.stringify({
    OpenAPI_ServiceResponse: { cmmMsgHeader: { errMsg, returnAuthMsg, returnReasonCode } },
  })
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ITEM_NAMES = [
  '기타',
  '기타',
  '냉동한 것',
  '뼈 없는 것',
  '신선한 것',
  '기타 냉동 새우 & 보리새우',
  '승용자동차(1,500시시 초과)',
  '프로세서와 컨트롤러',
]

/** A US-year-like answer: `rows` data rows over 12 months plus the totals row first. */
export function generateLargeAnswer(rows: number, seed = 42): { xml: string; rows: DataRowInput[] } {
  const random = seededRandom(seed)
  const data: DataRowInput[] = []
  for (let i = 0; i < rows; i++) {
    const month = (i % 12) + 1
    const hs = String(Math.floor(random() * 1e10)).padStart(10, '0')
    const exp = Math.floor(random() * 5_000_000)
    const imp = Math.floor(random() * 5_000_000)
    data.push({
      year: `2025.${String(month).padStart(2, '0')}`,
      statCd: 'US',
      statCdCntnKor1: '미국',
      hsCd: hs,
      statKor: ITEM_NAMES[Math.floor(random() * ITEM_NAMES.length)]!,
      expWgt: Math.floor(random() * 900_000) - (i % 5000 === 0 ? 1_000_000 : 0),
      expDlr: exp,
      impWgt: Math.floor(random() * 900_000),
      impDlr: imp,
    })
  }
  const parts = [totalsItem(data, 740), ...data.map(dataItem)].map(itemXml)
  return { xml: successXml(parts.join('')), rows: data }
}

/** Splits bytes into chunks of `size` (the last may be shorter). */
export function chunkBytes(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}
