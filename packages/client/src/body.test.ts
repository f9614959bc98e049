import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type BodyParserOptions, parseResponseBody } from './body.js'
import { type EndpointDefinition, nitemtradeEndpoint, tradeRowSchema } from './endpoint.js'
import {
  KcsAuthError,
  type KcsError,
  KcsGatewayError,
  KcsQuotaExceededError,
  KcsRateLimitError,
  KcsResponseFormatError,
  KcsServiceError,
} from './errors.js'
import {
  dataItem,
  gatewayErrorJson,
  gatewayErrorXml,
  itemXml,
  providerErrorXml,
  type RawItem,
  successXml,
  totalsItem,
  XML_DECLARATION,
} from './test-utils/fixtures.js'

const parse = (body: string, options: BodyParserOptions = {}) =>
  parseResponseBody(nitemtradeEndpoint, body, options)

function failure(body: string, options: BodyParserOptions = {}): KcsError {
  try {
    parse(body, options)
  } catch (e) {
    return e as KcsError
  }
  throw new Error('expected an error')
}

const rows = [
  {
    year: '2025.01',
    statCd: 'US',
    statCdCntnKor1: '미국',
    hsCd: '0202300000',
    statKor: '뼈 없는 것',
    expWgt: 100,
    expDlr: 5000,
    impWgt: 2000,
    impDlr: 90000,
  },
  {
    year: '2025.02',
    statCd: 'NA',
    statCdCntnKor1: '나미비아',
    hsCd: '0306171090',
    statKor: '기타 냉동 새우 & 보리새우',
    expWgt: -3,
    expDlr: 0,
    impWgt: 10,
    impDlr: 321,
  },
  {
    year: '2025.12',
    statCd: 'AE',
    statCdCntnKor1: '아랍에미리트 연합',
    hsCd: '851712',
    statKor: '기타',
    expWgt: 0,
    expDlr: 0,
    impWgt: 0,
    impDlr: 0,
  },
  {
    year: '2025.12',
    statCd: 'EU',
    statCdCntnKor1: '유럽연합',
    hsCd: '030617109',
    statKor: 'A<B>"C"',
    expWgt: 1,
    expDlr: 1,
    impWgt: 1,
    impDlr: 1,
  },
]
const data = rows.map(dataItem)

describe('success answers', () => {
  it('maps rows with codes as strings, numbers as numbers, and entities decoded', () => {
    const r = parse(successXml([totalsItem(rows), ...data]))
    expect(r.rows).toHaveLength(4)
    for (const row of r.rows) expect(tradeRowSchema.parse(row)).toEqual(row)
    expect(r.rows[1]).toEqual({
      period: '2025-02',
      countryCode: 'NA',
      countryName: '나미비아',
      hsCode: '0306171090',
      itemName: '기타 냉동 새우 & 보리새우',
      exportKg: -3,
      exportUsd: 0,
      importKg: 10,
      importUsd: 321,
      balanceUsd: -321,
    })
    expect(r.rows[0]!.hsCode).toBe('0202300000')
    expect(r.rows[3]!.hsCode).toBe('030617109')
    expect(r.rows[3]!.itemName).toBe('A<B>"C"')
    expect(r.total).toEqual({
      exportKg: 98,
      exportUsd: 5001,
      importKg: 2011,
      importUsd: 90322,
      balanceUsd: 5001 - 90322,
    })
    expect(r.summary).toMatchObject({
      rowCount: 4,
      sumsMatch: true,
      weightDiffKg: { exportKg: 0, importKg: 0 },
      resultCode: '00',
    })
  })

  it('never mixes the totals row into rows, first or last', () => {
    const first = parse(successXml([totalsItem(rows), ...data]))
    const last = parse(successXml([...data, totalsItem(rows)]))
    const middle = parse(successXml([data[0]!, totalsItem(rows), ...data.slice(1)]))
    for (const r of [first, last, middle]) {
      expect(r.rows.map((x) => x.period)).toEqual(['2025-01', '2025-02', '2025-12', '2025-12'])
      expect(r.total).toEqual(first.total)
      expect(r.summary.sumsMatch).toBe(true)
    }
  })

  it('handles an empty <items/> and an empty <items></items>', () => {
    for (const body of [successXml([]), successXml('').replace('<items/>', '<items></items>')]) {
      const r = parse(body)
      expect(r.rows).toEqual([])
      expect(r.total).toBeNull()
      expect(r.summary).toMatchObject({ rowCount: 0, sumsMatch: null, weightDiffKg: null })
    }
  })

  it('handles a lone totals row of zeros (a month not yet published in detail)', () => {
    const r = parse(successXml([totalsItem([])]))
    expect(r.rows).toEqual([])
    expect(r.total).toEqual({ exportKg: 0, exportUsd: 0, importKg: 0, importUsd: 0, balanceUsd: 0 })
    expect(r.summary.sumsMatch).toBe(true)
  })

  it('reports a dollar mismatch and the weight rounding difference', () => {
    const skewed = totalsItem(rows, 740)
    expect(parse(successXml([skewed, ...data])).summary).toMatchObject({
      sumsMatch: true,
      weightDiffKg: { exportKg: 740, importKg: 0 },
    })
    const wrong: RawItem = { ...totalsItem(rows), expDlr: '1' }
    expect(parse(successXml([wrong, ...data])).summary.sumsMatch).toBe(false)
    expect(parse(successXml(data)).summary.sumsMatch).toBeNull()
  })

  it('counts rows whose balance is not export − import', () => {
    const odd: RawItem = { ...data[0]!, balPayments: '7' }
    expect(parse(successXml([odd, ...data.slice(1)])).summary.inconsistentRows).toBe(1)
  })

  it('accepts MAX_SAFE_INTEGER and refuses anything beyond, never rounding', () => {
    const max = String(Number.MAX_SAFE_INTEGER)
    const big: RawItem = { ...data[0]!, impWgt: max }
    expect(parse(successXml([big])).rows[0]!.importKg).toBe(Number.MAX_SAFE_INTEGER)
    expect(parse(successXml([{ ...data[0]!, impWgt: `-${max}` }])).rows[0]!.importKg).toBe(
      -Number.MAX_SAFE_INTEGER,
    )
    for (const v of ['9007199254740992', '-9007199254740993', '12345678901234567890', '99999999999999999']) {
      const e = failure(successXml([{ ...data[0]!, impWgt: v }]))
      expect(e).toBeInstanceOf(KcsResponseFormatError)
      expect(e.message).toMatch(/MAX_SAFE_INTEGER/)
    }
  })

  it('rejects impossible values', () => {
    for (const [field, value] of [
      ['expDlr', '1.5'],
      ['expDlr', '1,000'],
      ['expDlr', ''],
      ['expDlr', ' 1'],
      ['expDlr', '+1'],
      ['expDlr', '-'],
      ['expDlr', '1e3'],
      ['year', '2025.13'],
      ['year', '2025.00'],
    ] as const) {
      expect(failure(successXml([{ ...data[0]!, [field]: value }]))).toBeInstanceOf(KcsResponseFormatError)
    }
    // A row with no year at all, or a missing measure, or two totals rows
    expect(failure(successXml(itemXml(data[0]!).replace(/<year>.*<\/year>/, '')))).toBeInstanceOf(
      KcsResponseFormatError,
    )
    expect(failure(successXml(itemXml(data[0]!).replace(/<impDlr>.*<\/impDlr>/, '')))).toBeInstanceOf(
      KcsResponseFormatError,
    )
    expect(failure(successXml([totalsItem(rows), totalsItem(rows)]))).toBeInstanceOf(KcsResponseFormatError)
  })

  it('rejects truncated XML, invalid UTF-8 and a success envelope without items layout', () => {
    const full = successXml([totalsItem(rows), ...data])
    expect(failure(full.slice(0, full.length - 20))).toBeInstanceOf(KcsResponseFormatError)
    expect(failure(full.slice(0, 300))).toBeInstanceOf(KcsResponseFormatError)
    // A body cut short is worth asking again; a malformed one is not.
    expect(failure(full.slice(0, full.length - 20)).retryable).toBe(true)
    expect(failure(full.slice(0, 300)).retryable).toBe(true)
    expect(failure(full.replace('</items>', '</itemz>')).retryable).toBe(false)
    const bytes = new TextEncoder().encode(full)
    const broken = new Uint8Array(bytes)
    broken[400] = 0xff
    expect(() => parseResponseBody(nitemtradeEndpoint, broken)).toThrow(KcsResponseFormatError)
    expect(failure('<response></response>')).toBeInstanceOf(KcsResponseFormatError)
    expect(failure('')).toBeInstanceOf(KcsResponseFormatError)
  })

  it('accepts a byte-order mark and returns the SHA-256 of the raw bytes', () => {
    const body = `\uFEFF${successXml(data)}`
    const r = parse(body)
    expect(r.rows).toHaveLength(4)
    expect(r.summary.bytes).toBe(new TextEncoder().encode(body).length)
    expect(r.summary.bodySha256).toMatch(/^[0-9a-f]{64}$/)
  })
})

const MESSAGES = [
  ['시작과 종료의 조회기간은 1년이내 기간만 가능합니다.', 'period-too-long'],
  ['종료년월이 시작년월보다 크거나 같아야 합니다.', 'end-before-start'],
  ['시작년월 형식이 맞지 않습니다.', 'bad-period-format'],
  ['필수 요청변수가 누락되었습니다.', 'missing-parameter'],
  ['존재하지 않는 국가코드입니다.', 'unknown-country'],
  ['품목코드는 2,4,6,10 자리로 입력해야 합니다.', 'bad-hs-length'],
  ['품목코드 혹은 국가코드 중 1개 이상은 입력하셔야 합니다.', 'filter-required'],
  ['뭔가 다른 오류', 'unknown'],
] as const

describe('provider errors (resultCode ≠ 00)', () => {
  it('maps every documented resultMsg, with each body variant, to KcsServiceError', () => {
    for (const [msg, reason] of MESSAGES) {
      for (const tail of ['', '<body/>', '<body><totalCount>0</totalCount></body>', '<body></body>']) {
        const e = failure(providerErrorXml('99', msg, tail))
        expect(e).toBeInstanceOf(KcsServiceError)
        const s = e as KcsServiceError
        expect(s.resultCode).toBe('99')
        expect(s.resultMsg).toBe(msg)
        expect(s.reason).toBe(reason)
        expect(s.retryable).toBe(false)
        expect(s.status).toBe(200)
      }
    }
  })

  it('maps generic portal provider codes without crashing', () => {
    expect(failure(providerErrorXml('01', 'APPLICATION ERROR'))).toMatchObject({
      name: 'KcsServiceError',
      retryable: true,
    })
    expect(failure(providerErrorXml('02', 'DB ERROR'))).toMatchObject({
      name: 'KcsServiceError',
      retryable: true,
    })
    expect(failure(providerErrorXml('05', 'SERVICE TIME OUT'))).toMatchObject({ retryable: true })
    expect(failure(providerErrorXml('11', 'NO_MANDATORY'))).toMatchObject({
      reason: 'missing-parameter',
      retryable: false,
    })
    for (const code of ['04', '10', '12', '99'])
      expect(failure(providerErrorXml(code, 'x')).retryable).toBe(false)
    const quota = failure(providerErrorXml('22', 'LIMITED NUMBER OF SERVICE REQUESTS EXCEEDS ERROR.'))
    expect(quota).toBeInstanceOf(KcsQuotaExceededError)
    expect(quota).toMatchObject({ reasonCode: 22, layer: 'provider' })
    expect(failure(providerErrorXml('30', 'SERVICE KEY IS NOT REGISTERED ERROR.'))).toBeInstanceOf(
      KcsAuthError,
    )
    expect(failure(providerErrorXml('23', 'x'))).toBeInstanceOf(KcsRateLimitError)
  })

  it('treats provider 03 NODATA as an empty result', () => {
    const r = parse(providerErrorXml('03', 'NODATA_ERROR'))
    expect(r.rows).toEqual([])
    expect(r.total).toBeNull()
    expect(r.summary.resultCode).toBe('03')
  })

  it('parses the body whatever the status', () => {
    const e = failure(providerErrorXml('99', MESSAGES[0][0]), { status: 400 })
    expect(e).toBeInstanceOf(KcsServiceError)
    expect(e.status).toBe(400)
    // A success envelope with an error status is an HTTP error
    expect(failure(successXml(data), { status: 500 })).toMatchObject({
      name: 'KcsHttpError',
      status: 500,
      retryable: true,
    })
  })
})

const GATEWAY = [
  [1, 'APPLICATION_ERROR', KcsGatewayError, true],
  [4, 'HTTP_ERROR', KcsGatewayError, false],
  [5, 'SERVICETIMEOUT_ERROR', KcsGatewayError, true],
  [10, 'INVALID_REQUEST_PARAMETER_ERROR', KcsGatewayError, false],
  [11, 'NO_MANDATORY_REQUEST_PARAMETERS_ERROR', KcsGatewayError, false],
  [12, 'NO_OPENAPI_SERVICE_ERROR', KcsGatewayError, false],
  [20, 'SERVICE_ACCESS_DENIED_ERROR', KcsAuthError, false],
  [20, 'SERVICE_KEY_IS_NULL', KcsAuthError, false],
  [21, 'TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR', KcsAuthError, false],
  [22, 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR', KcsQuotaExceededError, false],
  [23, 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR', KcsRateLimitError, true],
  [29, 'BLACKLIST_IP_ACCESS_ERROR', KcsGatewayError, false],
  [30, 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR', KcsAuthError, false],
  [31, 'DEADLINE_HAS_EXPIRED_ERROR', KcsAuthError, false],
  [32, 'UNREGISTERED_IP_ERROR', KcsAuthError, false],
  [33, 'UNSIGNED_CALL_ERROR', KcsAuthError, false],
  [99, 'UNKNOWN_ERROR', KcsGatewayError, false],
] as const

describe('gateway errors', () => {
  const statuses = [200, 400, 401, 403, 429, 500]
  it('maps every code in both XML layouts and JSON, with any status', () => {
    for (const [code, token, cls, retryable] of GATEWAY) {
      const padded = String(code).padStart(2, '0')
      const layouts = [
        gatewayErrorXml('SERVICE ERROR', token, padded), // legacy
        gatewayErrorXml(token, '서비스 오류 설명', padded), // current
        gatewayErrorXml(token, '설명', String(code)), // code compared by value: 4 = 04
        `<?xml version="1.0" encoding="UTF-8"?>\n${gatewayErrorXml('SERVICE ERROR', token, ` ${padded} `)}`,
        gatewayErrorJson('SERVICE ERROR', token, padded),
        gatewayErrorJson(token, '설명', padded),
        JSON.stringify({
          OpenAPI_ServiceResponse: {
            cmmMsgHeader: { errMsg: token, returnAuthMsg: 'x', returnReasonCode: code },
          },
        }),
      ]
      for (const body of layouts) {
        for (const status of statuses) {
          const e = failure(body, { status })
          expect(e, `${code} ${body} ${status}`).toBeInstanceOf(cls)
          expect(e.constructor).toBe(cls)
          const g = e as KcsGatewayError
          expect(g.reasonCode).toBe(code)
          expect(g.token).toBe(token)
          expect(g.retryable).toBe(retryable)
          expect(g.status).toBe(status)
          expect(g.hint.length).toBeGreaterThan(0)
        }
      }
    }
  })

  it('reads the code from the token when returnReasonCode is missing', () => {
    const e = failure(
      '<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg></cmmMsgHeader></OpenAPI_ServiceResponse>',
    )
    expect(e).toMatchObject({ name: 'KcsAuthError', reasonCode: 30 })
  })

  it('keeps the Korean description and says what to do for 30', () => {
    const e = failure(
      gatewayErrorXml('SERVICE_KEY_IS_NOT_REGISTERED_ERROR', '등록되지 않은 서비스키입니다.', '30'),
      { status: 403 },
    )
    expect(e.message).toContain('등록되지 않은 서비스키입니다.')
    expect(e.message).toMatch(/not approved for dataset 15100475/)
  })

  it('gives quota errors the next midnight in Korea', () => {
    const e = failure(
      gatewayErrorXml('SERVICE ERROR', 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR', '22'),
      {
        now: new Date('2026-11-24T16:00:00Z'),
      },
    ) as KcsQuotaExceededError
    expect(e.resetsAt.toISOString()).toBe('2026-11-25T15:00:00.000Z')
  })

  it('passes a Retry-After to rate-limit errors', () => {
    const e = failure(
      gatewayErrorXml('SERVICE ERROR', 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR', '23'),
      {
        retryAfterMs: 2000,
      },
    ) as KcsRateLimitError
    expect(e.retryAfterMs).toBe(2000)
  })
})

describe('plain text, HTML and other bodies', () => {
  it('maps "Unauthorized" to KcsAuthError and "API not found" to gateway 12, with any status', () => {
    for (const status of [200, 401, 403, 404, 500]) {
      expect(failure('Unauthorized', { status })).toMatchObject({
        name: 'KcsAuthError',
        reasonCode: 20,
        status,
      })
      expect(failure('API not found', { status })).toMatchObject({
        name: 'KcsGatewayError',
        reasonCode: 12,
        retryable: false,
      })
      expect(failure('<html><body><h1>401 Unauthorized</h1></body></html>', { status })).toBeInstanceOf(
        KcsAuthError,
      )
      expect(
        failure('<!DOCTYPE html><html><head><title>API not found</title></head><body><br></body></html>', {
          status,
        }),
      ).toMatchObject({
        reasonCode: 12,
      })
    }
  })

  it('finds a gateway token in plain text', () => {
    expect(failure('SERVICE_KEY_IS_NOT_REGISTERED_ERROR', { status: 403 })).toMatchObject({
      name: 'KcsAuthError',
      reasonCode: 30,
    })
    expect(failure('error: LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR')).toBeInstanceOf(
      KcsQuotaExceededError,
    )
  })

  it('falls back to the status for unrecognised bodies', () => {
    const html502 =
      '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>'
    expect(failure(html502, { status: 502 })).toMatchObject({
      name: 'KcsHttpError',
      status: 502,
      retryable: true,
    })
    expect(failure('Service Unavailable', { status: 503 })).toMatchObject({
      name: 'KcsHttpError',
      retryable: true,
    })
    expect(failure('', { status: 504 })).toMatchObject({ name: 'KcsHttpError', retryable: true })
    expect(failure('Not Found', { status: 404 })).toMatchObject({ name: 'KcsHttpError', retryable: false })
    expect(failure('<error>boom</error>', { status: 400 })).toMatchObject({
      name: 'KcsHttpError',
      status: 400,
    })
    expect(failure('{"message":"nope"}', { status: 500 })).toMatchObject({
      name: 'KcsHttpError',
      status: 500,
    })
    // 2xx with something that is not the answer
    for (const body of [html502, 'hello', '{"a":1}', '<other/>', '<foo>']) {
      expect(failure(body)).toBeInstanceOf(KcsResponseFormatError)
    }
  })

  it('redacts the key from text copied into errors', () => {
    const key = 'SECRETKEY123'
    const e = failure(`Unauthorized for key ${key}`, { status: 401, redact: (s) => s.replaceAll(key, '***') })
    expect(e.message).not.toContain(key)
    expect(JSON.stringify(e)).not.toContain(key)
    const g = failure(gatewayErrorXml('SERVICE ERROR', `key ${key} unknown`, '30'), {
      redact: (s) => s.replaceAll(key, '***'),
    })
    expect(JSON.stringify(g)).not.toContain(key)
  })
})

describe('declarative endpoints', () => {
  it('a sibling API (totals row last, other fields) is a definition, not new code', () => {
    // Shaped like Newtrade/getNewtradeList: overall totals per month, totals row last.
    interface Row {
      period: string
      exportUsd: number
      importUsd: number
      exportCount: number
    }
    interface Totals {
      exportUsd: number
      importUsd: number
    }
    const sibling: EndpointDefinition<{ from: string }, Row, Totals> = {
      name: 'newtrade',
      path: '/1220000/Newtrade/getNewtradeList',
      datasetId: 'test',
      parseQuery: (input) => input as { from: string },
      toParams: (q) => ({ strtYymm: q.from }),
      fields: {
        period: { source: 'year', type: 'period' },
        exportUsd: { source: 'expDlr', type: 'integer' },
        importUsd: { source: 'impDlr', type: 'integer' },
        exportCount: { source: 'expCnt', type: 'integer' },
      },
      rowSchema: z.object({
        period: z.string(),
        exportUsd: z.number(),
        importUsd: z.number(),
        exportCount: z.number(),
      }),
      totals: {
        detect: { source: 'year', dataPattern: /^\d{4}\.\d{2}$/ },
        fields: {
          exportUsd: { source: 'expDlr', type: 'integer' },
          importUsd: { source: 'impDlr', type: 'integer' },
        },
      },
      exactSums: ['exportUsd', 'importUsd'],
      approximateSums: [],
    }
    const item = (year: string, exp: number, imp: number, cnt: number) =>
      `<item><expCnt>${cnt}</expCnt><expDlr>${exp}</expDlr><impDlr>${imp}</impDlr><year>${year}</year></item>`
    const body = `${XML_DECLARATION}<response><header><resultCode>00</resultCode><resultMsg>정상서비스.</resultMsg></header><body><items>${item('2025.01', 10, 4, 2)}${item('2025.02', 5, 6, 1)}${item('총계', 15, 10, 3)}</items></body></response>`
    const r = parseResponseBody(sibling, body)
    expect(r.rows).toEqual([
      { period: '2025-01', exportUsd: 10, importUsd: 4, exportCount: 2 },
      { period: '2025-02', exportUsd: 5, importUsd: 6, exportCount: 1 },
    ])
    expect(r.total).toEqual({ exportUsd: 15, importUsd: 10 })
    expect(r.summary.sumsMatch).toBe(true)
  })
})
