import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseResponseBody, ResponseBodyParser } from './body.js'
import { nitemtradeEndpoint, type TradeRow, tradeRowSchema, tradeTotalsSchema } from './endpoint.js'
import { isKcsError, KcsGatewayError, KcsServiceError } from './errors.js'
import {
  dataItem,
  gatewayErrorJson,
  gatewayErrorXml,
  providerErrorXml,
  successXml,
  totalsItem,
} from './test-utils/fixtures.js'

const SEED = 20261124
const RUNS = 400

type Outcome = { kind: 'rows'; rows: TradeRow[]; total: unknown } | { kind: 'error'; name: string }

/** Parses `bytes` split at `cuts`; anything thrown that is not a KcsError fails the property. */
function run(bytes: Uint8Array, status: number, cuts: number[]): Outcome {
  const parser = new ResponseBodyParser(nitemtradeEndpoint, { status })
  const rows: TradeRow[] = []
  try {
    let from = 0
    for (const cut of [...cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)) {
      rows.push(...parser.write(bytes.subarray(from, Math.max(from, cut))))
      from = Math.max(from, cut)
    }
    rows.push(...parser.write(bytes.subarray(from)))
    const last = parser.end()
    rows.push(...last.rows)
    return { kind: 'rows', rows, total: last.summary.total }
  } catch (e) {
    if (!isKcsError(e)) throw new Error(`not a KcsError: ${String(e)}`)
    return { kind: 'error', name: e.name }
  }
}

function check(bytes: Uint8Array, status: number, cuts: number[]): void {
  const whole = run(bytes, status, [])
  const split = run(bytes, status, cuts)
  // The chunking never changes the outcome.
  expect(split).toEqual(whole)
  if (whole.kind === 'rows') {
    for (const row of whole.rows) tradeRowSchema.parse(row)
    if (whole.total !== null) tradeTotalsSchema.parse(whole.total)
  }
}

const sample = [
  {
    year: '2025.01',
    statCd: 'NA',
    statCdCntnKor1: '나미비아',
    hsCd: '0306171090',
    statKor: 'A & B',
    expWgt: 1,
    expDlr: 20,
    impWgt: 3,
    impDlr: 4,
  },
  {
    year: '2025.02',
    statCd: 'US',
    statCdCntnKor1: '미국',
    hsCd: '0202',
    statKor: '기타',
    expWgt: -5,
    expDlr: 6,
    impWgt: 7,
    impDlr: 8,
  },
]
const SEEDS = [
  successXml([totalsItem(sample), ...sample.map(dataItem)]),
  successXml([...sample.map(dataItem), totalsItem(sample)]),
  successXml([]),
  providerErrorXml('99', '존재하지 않는 국가코드입니다.', '<body/>'),
  providerErrorXml('03', 'NODATA_ERROR'),
  gatewayErrorXml('SERVICE ERROR', 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR', '30'),
  gatewayErrorJson('SERVICE ERROR', 'HTTP_ERROR', '04'),
  '<html><body>Unauthorized</body></html>',
]

const TOKENS = [
  '<',
  '>',
  '/',
  '&',
  ';',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  '<?xml version="1.0"?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<!DOCTYPE x>',
  '<response>',
  '</response>',
  '<header>',
  '</header>',
  '<body>',
  '</body>',
  '<items>',
  '</items>',
  '<items/>',
  '<item>',
  '</item>',
  '<resultCode>',
  '</resultCode>',
  '00',
  '99',
  '<resultMsg>',
  '</resultMsg>',
  '<year>',
  '</year>',
  '2025.01',
  '총계',
  '<expDlr>',
  '</expDlr>',
  '<hsCd>',
  '</hsCd>',
  '0202',
  '-1',
  '9007199254740993',
  '&amp;',
  '&lt;',
  '&#x41;',
  '&#0;',
  '&bogus;',
  '<OpenAPI_ServiceResponse>',
  '<cmmMsgHeader>',
  '<returnReasonCode>',
  '22',
  '</returnReasonCode>',
  'SERVICE_KEY_IS_NOT_REGISTERED_ERROR',
  '{',
  '}',
  'Unauthorized',
  '\uFEFF',
  '가',
]

const status = fc.constantFrom(200, 200, 200, 201, 400, 401, 403, 404, 429, 500, 502, 503)
const cuts = fc.array(fc.nat(), { maxLength: 6 })
const encode = (s: string) => new TextEncoder().encode(s)

describe('any body yields rows or a KcsError', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), status, cuts, (b, s, c) => check(b, s, c)),
      {
        seed: SEED,
        numRuns: RUNS,
      },
    )
  })

  it('random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400, unit: 'grapheme' }), status, cuts, (t, s, c) =>
        check(encode(t), s, c),
      ),
      {
        seed: SEED,
        numRuns: RUNS,
      },
    )
  })

  it('random sequences of XML-ish tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), status, cuts, (parts, s, c) =>
        check(encode(parts.join('')), s, c),
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('mutated real answers and error documents', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('byte' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        status,
        cuts,
        (doc, muts, s, c) => {
          let bytes = encode(doc)
          for (const m of muts) {
            const at = m.at % (bytes.length + 1)
            if (m.kind === 'delete')
              bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + m.len)])
            else if (m.kind === 'insert')
              bytes = new Uint8Array([...bytes.subarray(0, at), ...encode(m.text), ...bytes.subarray(at)])
            else if (m.kind === 'truncate') bytes = bytes.subarray(0, at)
            else if (at < bytes.length) {
              bytes = new Uint8Array(bytes)
              bytes[at] = m.value
            }
          }
          check(bytes, s, c)
        },
      ),
      { seed: SEED, numRuns: RUNS * 2 },
    )
  })

  it('the unmutated seeds parse as expected (the property is not vacuous)', () => {
    expect(run(encode(SEEDS[0]!), 200, [])).toMatchObject({
      kind: 'rows',
      rows: [{ itemName: 'A & B' }, { exportKg: -5 }],
    })
    expect(run(encode(SEEDS[3]!), 200, [])).toEqual({ kind: 'error', name: 'KcsServiceError' })
    expect(run(encode(SEEDS[5]!), 403, [])).toEqual({ kind: 'error', name: 'KcsAuthError' })
  })
})

describe('the error mapper, over random statuses and random gateway/provider documents', () => {
  const anyStatus = fc.integer({ min: 100, max: 599 })
  // Printable text, as a gateway or provider would put in a message (XML-escaped by the fixtures).
  const message = fc.stringMatching(/^[ -~가-힣]{0,40}$/)

  function outcome(body: string, s: number): unknown {
    try {
      return parseResponseBody(nitemtradeEndpoint, body, { status: s }).summary
    } catch (e) {
      if (!isKcsError(e)) throw new Error(`not a KcsError: ${String(e)}`)
      return e
    }
  }

  it('a gateway document maps to a gateway error with its reason code, whatever the status', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99 }),
        message,
        message,
        fc.boolean(),
        anyStatus,
        (code, errMsg, authMsg, json, s) => {
          const reason = String(code).padStart(2, '0')
          const body = json
            ? gatewayErrorJson(errMsg, authMsg, reason)
            : gatewayErrorXml(errMsg, authMsg, reason)
          const e = outcome(body, s)
          expect(e).toBeInstanceOf(KcsGatewayError)
          expect((e as KcsGatewayError).reasonCode).toBe(code)
          expect((e as KcsGatewayError).layer).toBe('gateway')
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('a provider document maps by its resultCode: 03 no data, gateway codes, else a service error', () => {
    const gatewayCodes = new Set([20, 21, 22, 23, 29, 30, 31, 32, 33])
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), message, anyStatus, (code, msg, s) => {
        const resultCode = String(code).padStart(2, '0')
        const out = outcome(providerErrorXml(resultCode, msg), s)
        if (code === 3) {
          expect(out).toMatchObject({ resultCode: '03', rowCount: 0, total: null })
        } else if (gatewayCodes.has(code)) {
          expect(out).toBeInstanceOf(KcsGatewayError)
          expect((out as KcsGatewayError).reasonCode).toBe(code)
          expect((out as KcsGatewayError).layer).toBe('provider')
        } else {
          expect(out).toBeInstanceOf(KcsServiceError)
          expect((out as KcsServiceError).retryable).toBe(code === 1 || code === 2 || code === 5)
        }
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('any text at any status: a KcsError or a no-data answer, never another exception', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'grapheme' }), anyStatus, (t, s) => {
        const out = outcome(t, s)
        if (!isKcsError(out)) expect((out as { resultCode: string }).resultCode).toBe('03')
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
