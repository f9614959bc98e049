/** The exact bytes of every document the emulator serves. */
import { formatApiYear } from './calendar.js'
import type { CountryModel, DataRow, Labels, RowTable, Totals } from './data.js'

/** The XML declaration that starts every success and provider-error body (gateway errors carry their own, or none in the legacy layout). */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
export const SUCCESS_MESSAGE = '정상서비스.'
export const XML_CONTENT_TYPE = 'application/xml'

/** The provider's validation messages (resultCode 99), exactly as the live service sends them. */
export const PROVIDER_MESSAGES = {
  periodTooLong: '시작과 종료의 조회기간은 1년이내 기간만 가능합니다.',
  endBeforeStart: '종료년월이 시작년월보다 크거나 같아야 합니다.',
  badPeriodFormat: '시작년월 형식이 맞지 않습니다.',
  missingParameter: '필수 요청변수가 누락되었습니다.',
  unknownCountry: '존재하지 않는 국가코드입니다.',
  badHsLength: '품목코드는 2,4,6,10 자리로 입력해야 합니다.',
  filterRequired: '품목코드 혹은 국가코드 중 1개 이상은 입력하셔야 합니다.',
} as const

const HEADER_OK = `<response><header><resultCode>00</resultCode><resultMsg>${SUCCESS_MESSAGE}</resultMsg></header>`
const ITEMS_OPEN = `${XML_DECLARATION}${HEADER_OK}<body><items>`
const ITEMS_CLOSE = '</items></body></response>'
export const EMPTY_ITEMS_BODY = `${XML_DECLARATION}${HEADER_OK}<body><items/></body></response>`

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
}
const NEEDS_ESCAPE = /[&<>]/
const ESCAPE_ALL = /[&<>]/g

export function escapeXml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (ch) => ESCAPES[ch]!) : text
}

/** Child elements in the live service's (alphabetical) order. */
export function itemXml(
  balPayments: number,
  expDlr: number,
  expWgt: number,
  hsCd: string,
  impDlr: number,
  impWgt: number,
  statCd: string,
  statCdCntnKor1: string,
  statKor: string,
  year: string,
): string {
  return `<item><balPayments>${balPayments}</balPayments><expDlr>${expDlr}</expDlr><expWgt>${expWgt}</expWgt><hsCd>${hsCd}</hsCd><impDlr>${impDlr}</impDlr><impWgt>${impWgt}</impWgt><statCd>${statCd}</statCd><statCdCntnKor1>${statCdCntnKor1}</statCdCntnKor1><statKor>${statKor}</statKor><year>${year}</year></item>`
}

export function totalsItemXml(t: Totals): string {
  return itemXml(t.expDlr - t.impDlr, t.expDlr, t.expWgt, '-', t.impDlr, t.impWgt, '-', '-', '-', '총계')
}

/** One data row as a string (the reference the byte writer is tested against). */
export function rowXml(r: DataRow): string {
  return itemXml(
    r.expDlr - r.impDlr,
    r.expDlr,
    r.expWgt,
    r.code,
    r.impDlr,
    r.impWgt,
    r.country.code,
    escapeXml(r.country.name),
    escapeXml(r.name),
    formatApiYear(r.month),
  )
}

const enc = new TextEncoder()
const SEG_ITEM = enc.encode('<item><balPayments>')
const SEG_EXP_DLR = enc.encode('</balPayments><expDlr>')
const SEG_EXP_WGT = enc.encode('</expDlr><expWgt>')
const SEG_IMP_WGT = enc.encode('</impDlr><impWgt>')

function countrySegment(country: CountryModel): Uint8Array {
  country.xmlSegment ??= enc.encode(
    `</impWgt><statCd>${country.code}</statCd><statCdCntnKor1>${escapeXml(country.name)}</statCdCntnKor1><statKor>`,
  )
  return country.xmlSegment
}

function codeSegment(labels: Labels, label: number): Uint8Array {
  let b = labels.codeBytes[label]
  if (b === undefined) {
    b = enc.encode(`</expWgt><hsCd>${labels.codes[label]!}</hsCd><impDlr>`)
    labels.codeBytes[label] = b
  }
  return b
}

function nameSegment(labels: Labels, label: number): Uint8Array {
  let b = labels.nameBytes[label]
  if (b === undefined) {
    b = enc.encode(`${escapeXml(labels.names[label]!)}</statKor><year>`)
    labels.nameBytes[label] = b
  }
  return b
}

/** `YYYY.MM</year></item>` followed by the next item's opening, which the last row takes back. */
function yearSegment(month: number): Uint8Array {
  return enc.encode(`${formatApiYear(month)}</year></item><item><balPayments>`)
}

/**
 * Recycles body buffers once the socket has taken them, so serving a 22 MB answer churns a handful
 * of buffers instead of allocating ninety.
 */
export class BufferPool {
  private readonly free: Buffer[] = []
  constructor(private readonly maxBuffers = 32) {}

  take(size: number): Buffer {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const b = this.free[i]!
      if (b.length >= size) {
        this.free.splice(i, 1)
        return b
      }
    }
    return Buffer.allocUnsafe(size)
  }

  /** Returns the buffer behind a chunk (a view from offset 0 of a buffer `take` made). */
  give(chunk: Uint8Array): void {
    if (this.free.length >= this.maxBuffers || chunk.byteOffset !== 0) return
    this.free.push(Buffer.from(chunk.buffer, 0, chunk.buffer.byteLength))
  }
}

const DIGITS = new Uint8Array(20)

/** Writes an integer in plain decimal (no separators, '-' for negatives); returns the new offset. */
function writeInt(buf: Uint8Array, off: number, value: number): number {
  let n = value
  if (n < 0) {
    buf[off++] = 45
    n = -n
  }
  if (n < 10) {
    buf[off++] = 48 + n
    return off
  }
  let len = 0
  if (n < 2147483648) {
    // Small-integer arithmetic is several times faster than the double path below.
    let m = n | 0
    while (m > 0) {
      const q = (m / 10) | 0
      DIGITS[len++] = 48 + (m - q * 10)
      m = q
    }
    while (len > 0) buf[off++] = DIGITS[--len]!
    return off
  }
  while (n > 0) {
    const q = Math.floor(n / 10)
    DIGITS[len++] = 48 + (n - q * 10)
    n = q
  }
  while (len > 0) buf[off++] = DIGITS[--len]!
  return off
}

function writeBytes(buf: Uint8Array, off: number, bytes: Uint8Array): number {
  // TypedArray#set beats a byte loop even for 10-byte segments (measured: about 2x).
  buf.set(bytes, off)
  return off + bytes.length
}

/**
 * A success document as a sequence of byte chunks of about `chunkBytes`, written straight into
 * buffers: a 21 MB answer is never held whole, and no per-row string is built.
 */
export function* successChunks(
  totals: Totals | null,
  rows: RowTable,
  countries: readonly CountryModel[],
  chunkBytes = 256 * 1024,
  pool?: BufferPool,
): Generator<Uint8Array> {
  const alloc = (size: number) => pool?.take(size) ?? Buffer.allocUnsafe(size)
  if (totals === null && rows.length === 0) {
    yield enc.encode(EMPTY_ITEMS_BODY)
    return
  }
  const head = enc.encode(ITEMS_OPEN + (totals ? totalsItemXml(totals) : ''))
  const labels = rows.labelTable
  const values = rows.values
  let month = -1
  let yearBytes: Uint8Array = SEG_ITEM
  let countryIndex = -1
  let countryBytes: Uint8Array = SEG_ITEM
  // Room for the largest row: fixed tags, five 20-digit numbers, the country and item names.
  const slack = 1024
  let buf = alloc(Math.max(chunkBytes, head.length) + slack)
  let limit = buf.length - slack
  let off = writeBytes(buf, 0, head)
  // Each row ends with the next row's opening tags; the last one's are taken back below.
  off = writeBytes(buf, off, SEG_ITEM)
  for (let k = 0; k < rows.length; k++) {
    const label = rows.labels[k]!
    const nameBytes = nameSegment(labels, label)
    if (rows.countries[k] !== countryIndex) {
      countryIndex = rows.countries[k]!
      countryBytes = countrySegment(countries[countryIndex]!)
    }
    if (off + nameBytes.length + countryBytes.length > limit) {
      yield buf.subarray(0, off)
      buf = alloc(chunkBytes + slack + nameBytes.length + countryBytes.length)
      limit = buf.length - slack
      off = 0
    }
    if (rows.months[k] !== month) {
      month = rows.months[k]!
      yearBytes = yearSegment(month)
    }
    const o = k * 4
    const expDlr = values[o + 1]!
    const impDlr = values[o + 3]!
    off = writeInt(buf, off, expDlr - impDlr)
    off = writeBytes(buf, off, SEG_EXP_DLR)
    off = writeInt(buf, off, expDlr)
    off = writeBytes(buf, off, SEG_EXP_WGT)
    off = writeInt(buf, off, values[o]!)
    off = writeBytes(buf, off, codeSegment(labels, label))
    off = writeInt(buf, off, impDlr)
    off = writeBytes(buf, off, SEG_IMP_WGT)
    off = writeInt(buf, off, values[o + 2]!)
    off = writeBytes(buf, off, countryBytes)
    off = writeBytes(buf, off, nameBytes)
    off = writeBytes(buf, off, yearBytes)
  }
  off -= SEG_ITEM.length
  const tail = enc.encode(ITEMS_CLOSE)
  if (off + tail.length > buf.length) {
    yield buf.subarray(0, off)
    yield tail
    return
  }
  off = writeBytes(buf, off, tail)
  yield buf.subarray(0, off)
}

/** The provider's error body variants seen across KCS APIs. */
export type ProviderErrorBody = 'absent' | 'empty' | 'totalCount'

export function providerErrorXml(resultCode: string, resultMsg: string, body: ProviderErrorBody): string {
  const tail =
    body === 'absent' ? '' : body === 'empty' ? '<body/>' : '<body><totalCount>0</totalCount></body>'
  return `${XML_DECLARATION}<response><header><resultCode>${resultCode}</resultCode><resultMsg>${escapeXml(resultMsg)}</resultMsg></header>${tail}</response>`
}

/**
 * Layout of gateway error documents: `current` (what the live API answers today, KCS-API.md 2026-10:
 * an XML declaration without `standalone`, a line break after each tag, two spaces before each field,
 * the token in `errMsg` and a Korean description in `returnAuthMsg`) or `legacy` (tab-indented, no
 * XML declaration, `errMsg` always `SERVICE ERROR` and the token in `returnAuthMsg`).
 */
export type GatewayLayout = 'legacy' | 'current'

/** One portal gateway reason code, as `GATEWAY_CODES` lists it. */
export interface GatewayCode {
  /** Two-digit reason code, sent as `returnReasonCode`. */
  code: string
  /** Upper-case error token, e.g. `SERVICE_KEY_IS_NOT_REGISTERED_ERROR`. */
  token: string
  /** The portal's Korean description (current layout). */
  description: string
}

/**
 * The portal gateway's reason codes (KCS-API.md, "Gateway layer"), with the Korean description the
 * current layout sends in `returnAuthMsg`. Where each description comes from:
 *
 * - measured on this API (KCS-API.md, 2026-10): 30 `등록되지 않은 서비스키`, 04 `HTTP 에러`;
 * - seen on other datasets behind the same data.go.kr gateway (public captures, 2026-08..10), not yet
 *   on this API: 10 `잘못된 요청 파라미터 에러` (JSON, 400), 12 `해당 오픈API 서비스가 없거나 폐기됨`
 *   (400), 20 `서비스 접근거부` (with the token `SERVICE_KEY_IS_NULL`, 401), 22 `일일 서비스 요청제한
 *   횟수 초과 에러` and 23 `초당 서비스 요청제한 횟수 초과 에러` (429, formatted like the 30 sample);
 * - plausible only (the descriptions of the portal's published error-code table, never captured):
 *   01, 05, 11, 21, 29, 31, 32, 33, 99.
 */
export const GATEWAY_CODES: Record<string, GatewayCode> = {
  '01': { code: '01', token: 'APPLICATION_ERROR', description: '어플리케이션 에러' },
  '04': { code: '04', token: 'HTTP_ERROR', description: 'HTTP 에러' },
  '05': { code: '05', token: 'SERVICETIMEOUT_ERROR', description: '서비스 연결실패 에러' },
  '10': { code: '10', token: 'INVALID_REQUEST_PARAMETER_ERROR', description: '잘못된 요청 파라미터 에러' },
  '11': {
    code: '11',
    token: 'NO_MANDATORY_REQUEST_PARAMETERS_ERROR',
    description: '필수 요청 파라메터가 없음',
  },
  '12': { code: '12', token: 'NO_OPENAPI_SERVICE_ERROR', description: '해당 오픈API 서비스가 없거나 폐기됨' },
  '20': { code: '20', token: 'SERVICE_ACCESS_DENIED_ERROR', description: '서비스 접근거부' },
  '21': {
    code: '21',
    token: 'TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR',
    description: '일시적으로 사용할 수 없는 서비스 키',
  },
  '22': {
    code: '22',
    token: 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR',
    description: '일일 서비스 요청제한 횟수 초과 에러',
  },
  '23': {
    code: '23',
    token: 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR',
    description: '초당 서비스 요청제한 횟수 초과 에러',
  },
  '29': { code: '29', token: 'BLACKLIST_IP_ACCESS_ERROR', description: '차단된 IP 접근 에러' },
  '30': { code: '30', token: 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR', description: '등록되지 않은 서비스키' },
  '31': { code: '31', token: 'DEADLINE_HAS_EXPIRED_ERROR', description: '기한만료된 서비스키' },
  '32': { code: '32', token: 'UNREGISTERED_IP_ERROR', description: '등록되지 않은 IP' },
  '33': { code: '33', token: 'UNSIGNED_CALL_ERROR', description: '서명되지 않은 호출' },
  '99': { code: '99', token: 'UNKNOWN_ERROR', description: '기타에러' },
}

/**
 * The token of a missing key (code 20) on the live API today (KCS-API.md 2026-10: 401 with this
 * token, not `SERVICE_ACCESS_DENIED_ERROR`). It shares code 20's description.
 */
export const SERVICE_KEY_IS_NULL = 'SERVICE_KEY_IS_NULL'

function gatewayFields(code: string, layout: GatewayLayout, token?: string) {
  const g = GATEWAY_CODES[code] ?? { code, token: token ?? 'UNKNOWN_ERROR', description: '기타에러' }
  const t = token ?? g.token
  return layout === 'legacy'
    ? { errMsg: 'SERVICE ERROR', returnAuthMsg: t, returnReasonCode: g.code }
    : { errMsg: t, returnAuthMsg: g.description, returnReasonCode: g.code }
}

export function gatewayXml(code: string, layout: GatewayLayout, token?: string): string {
  const f = gatewayFields(code, layout, token)
  if (layout === 'legacy') {
    // The legacy gateway pretty-prints with tabs and has no XML declaration.
    return `<OpenAPI_ServiceResponse>\n\t<cmmMsgHeader>\n\t\t<errMsg>${f.errMsg}</errMsg>\n\t\t<returnAuthMsg>${f.returnAuthMsg}</returnAuthMsg>\n\t\t<returnReasonCode>${f.returnReasonCode}</returnReasonCode>\n\t</cmmMsgHeader>\n</OpenAPI_ServiceResponse>`
  }
  // Byte for byte the 403/30 sample of KCS-API.md: the two wrappers unindented, two spaces before
  // each field, a line break after every tag but the last.
  return `<?xml version="1.0" encoding="UTF-8"?>\n<OpenAPI_ServiceResponse>\n<cmmMsgHeader>\n  <errMsg>${f.errMsg}</errMsg>\n  <returnAuthMsg>${f.returnAuthMsg}</returnAuthMsg>\n  <returnReasonCode>${f.returnReasonCode}</returnReasonCode>\n</cmmMsgHeader>\n</OpenAPI_ServiceResponse>`
}

export function gatewayJson(code: string, layout: GatewayLayout, token?: string): string {
  return JSON.stringify({ OpenAPI_ServiceResponse: { cmmMsgHeader: gatewayFields(code, layout, token) } })
}

/** Content type of a gateway XML error: `application/xml` as measured (current), `text/xml` in the legacy layout. */
export function gatewayXmlContentType(layout: GatewayLayout): string {
  return layout === 'current' ? XML_CONTENT_TYPE : LEGACY_GATEWAY_XML_CONTENT_TYPE
}

export const LEGACY_GATEWAY_XML_CONTENT_TYPE = 'text/xml;charset=UTF-8'
/** Content type of a gateway JSON error, as measured for `_type=json` (KCS-API.md 2026-10). */
export const JSON_CONTENT_TYPE = 'application/json'

export function html5xx(status: number): string {
  const reason = HTTP_REASONS[status] ?? 'Server Error'
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
}

const HTTP_REASONS: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
}
