/** The exact bytes of every document the emulator serves. */
import { formatApiYear } from './calendar.js'
import type { DataRow, Totals } from './data.js'

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
export const SUCCESS_MESSAGE = '정상서비스.'
export const XML_CONTENT_TYPE = 'application/xml'

const HEADER_OK = `<response><header><resultCode>00</resultCode><resultMsg>${SUCCESS_MESSAGE}</resultMsg></header>`
const ITEMS_OPEN = `${XML_DECLARATION}${HEADER_OK}<body><items>`
const ITEMS_CLOSE = '</items></body></response>'
export const EMPTY_ITEMS_BODY = `${XML_DECLARATION}${HEADER_OK}<body><items/></body></response>`

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }
const NEEDS_ESCAPE = /[&<>]/
const ESCAPE_ALL = /[&<>]/g

export function escapeXml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (ch) => ESCAPES[ch]!) : text
}

const escapedCache = new Map<string, string>()
function escapedName(text: string): string {
  let e = escapedCache.get(text)
  if (e === undefined) {
    e = escapeXml(text)
    escapedCache.set(text, e)
  }
  return e
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

export function rowXml(r: DataRow, year: string): string {
  return itemXml(
    r.expDlr - r.impDlr,
    r.expDlr,
    r.expWgt,
    r.code,
    r.impDlr,
    r.impWgt,
    r.country.code,
    escapedName(r.country.name),
    escapedName(r.name),
    year,
  )
}

/**
 * A success document as a sequence of string chunks of about `chunkChars` characters, so a 21 MB
 * answer is never held as one string.
 */
export function* successChunks(
  totals: Totals | null,
  rows: readonly DataRow[],
  chunkChars = 64 * 1024,
): Generator<string> {
  if (totals === null && rows.length === 0) {
    yield EMPTY_ITEMS_BODY
    return
  }
  let chunk = ITEMS_OPEN
  if (totals) chunk += totalsItemXml(totals)
  let lastMonth = -1
  let year = ''
  for (const r of rows) {
    if (r.month !== lastMonth) {
      lastMonth = r.month
      year = formatApiYear(r.month)
    }
    chunk += rowXml(r, year)
    if (chunk.length >= chunkChars) {
      yield chunk
      chunk = ''
    }
  }
  yield chunk + ITEMS_CLOSE
}

/** The provider's error body variants seen across KCS APIs. */
export type ProviderErrorBody = 'absent' | 'empty' | 'totalCount'

export function providerErrorXml(resultCode: string, resultMsg: string, body: ProviderErrorBody): string {
  const tail = body === 'absent' ? '' : body === 'empty' ? '<body/>' : '<body><totalCount>0</totalCount></body>'
  return `${XML_DECLARATION}<response><header><resultCode>${resultCode}</resultCode><resultMsg>${escapeXml(resultMsg)}</resultMsg></header>${tail}</response>`
}

export type GatewayLayout = 'legacy' | 'current'

export interface GatewayCode {
  code: string
  token: string
  /** The portal's Korean description (current layout). */
  description: string
}

/** The portal gateway's reason codes (KCS-API.md, "Gateway layer"). */
export const GATEWAY_CODES: Record<string, GatewayCode> = {
  '01': { code: '01', token: 'APPLICATION_ERROR', description: '어플리케이션 에러' },
  '04': { code: '04', token: 'HTTP_ERROR', description: 'HTTP 에러' },
  '05': { code: '05', token: 'SERVICETIMEOUT_ERROR', description: '서비스 연결실패 에러' },
  '10': { code: '10', token: 'INVALID_REQUEST_PARAMETER_ERROR', description: '잘못된 요청 파라메터 에러' },
  '11': { code: '11', token: 'NO_MANDATORY_REQUEST_PARAMETERS_ERROR', description: '필수 요청 파라메터가 없음' },
  '12': { code: '12', token: 'NO_OPENAPI_SERVICE_ERROR', description: '해당 오픈API서비스가 없거나 폐기됨' },
  '20': { code: '20', token: 'SERVICE_ACCESS_DENIED_ERROR', description: '서비스 접근거부' },
  '21': { code: '21', token: 'TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR', description: '일시적으로 사용할 수 없는 서비스 키' },
  '22': {
    code: '22',
    token: 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR',
    description: '서비스 요청제한횟수 초과에러',
  },
  '23': {
    code: '23',
    token: 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR',
    description: '초당 요청제한횟수 초과에러',
  },
  '29': { code: '29', token: 'BLACKLIST_IP_ACCESS_ERROR', description: '차단된 IP 접근 에러' },
  '30': { code: '30', token: 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR', description: '등록되지 않은 서비스키' },
  '31': { code: '31', token: 'DEADLINE_HAS_EXPIRED_ERROR', description: '기한만료된 서비스키' },
  '32': { code: '32', token: 'UNREGISTERED_IP_ERROR', description: '등록되지 않은 IP' },
  '33': { code: '33', token: 'UNSIGNED_CALL_ERROR', description: '서명되지 않은 호출' },
  '99': { code: '99', token: 'UNKNOWN_ERROR', description: '기타에러' },
}

/** The token variant for a missing key (code 20). */
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
  return `<?xml version="1.0" encoding="UTF-8"?><OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>${f.errMsg}</errMsg><returnAuthMsg>${f.returnAuthMsg}</returnAuthMsg><returnReasonCode>${f.returnReasonCode}</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>`
}

export function gatewayJson(code: string, layout: GatewayLayout, token?: string): string {
  return JSON.stringify({ OpenAPI_ServiceResponse: { cmmMsgHeader: gatewayFields(code, layout, token) } })
}

export const GATEWAY_XML_CONTENT_TYPE = 'text/xml;charset=UTF-8'
export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8'

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
