import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createKcsClient,
  DEFAULT_BASE_URL,
  type KcsClientOptions,
  type RequestInfo,
  type ResponseInfo,
  type RetryInfo,
} from './client.js'
import type { TradeRow } from './endpoint.js'
import {
  isKcsError,
  KcsAuthError,
  KcsCircuitOpenError,
  type KcsError,
  KcsGatewayError,
  KcsHttpError,
  KcsNetworkError,
  KcsQuotaExceededError,
  KcsRateLimitError,
  KcsResponseFormatError,
  KcsServiceError,
  KcsTimeoutError,
  KcsValidationError,
} from './errors.js'
import { CircuitBreaker } from './resilience.js'
import {
  type DataRowInput,
  dataItem,
  gatewayErrorJson,
  gatewayErrorXml,
  generateLargeAnswer,
  providerErrorXml,
  successXml,
  totalsItem,
} from './test-utils/fixtures.js'
import { dropConnection, type Handler, TestServer, textReply, xmlReply } from './test-utils/server.js'

const RAW_KEY = 'Zm9vYmFy+c2VjcmV0/a2V5==QUJD'
const ENCODED_KEY = encodeURIComponent(RAW_KEY)
const WIRE_KEY = 'Zm9vYmFy%2Bc2VjcmV0%2Fa2V5%3D%3DQUJD'
const KEY_FORMS = [
  RAW_KEY,
  ENCODED_KEY,
  ENCODED_KEY.toLowerCase().replace(/zm9v.*/i, (m) => m),
  encodeURIComponent(ENCODED_KEY),
]

const rows: DataRowInput[] = [
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
    statCd: 'US',
    statCdCntnKor1: '미국',
    hsCd: '0202209000',
    statKor: 'A & B',
    expWgt: 5,
    expDlr: 7,
    impWgt: 9,
    impDlr: 11,
  },
]
const OK_BODY = successXml([totalsItem(rows, 3), ...rows.map(dataItem)])
const RATE_HEADERS = { 'X-RateLimit-Limit': '10000', 'X-RateLimit-Remaining': '9876' }
const QUERY = { from: '2025-01', to: '2025-12', country: 'US', hs: '0202' }

let server: TestServer

beforeAll(async () => {
  server = await new TestServer().start()
})
afterAll(async () => {
  await server.stop()
})
beforeEach(() => {
  server.reset()
})

function client(options: Partial<KcsClientOptions> = {}) {
  return createKcsClient({
    serviceKey: RAW_KEY,
    baseUrl: server.origin,
    retry: { limit: 3, baseDelayMs: 5, maxDelayMs: 20 },
    timeoutMs: 5000,
    ...options,
  })
}

async function failure(p: Promise<unknown>): Promise<KcsError> {
  try {
    await p
  } catch (e) {
    expect(isKcsError(e), String(e)).toBe(true)
    return e as KcsError
  }
  throw new Error('expected a KcsError')
}

/** Asserts no form of the key appears in anything reachable from `value`. */
function expectNoKey(...values: unknown[]): void {
  for (const value of values) {
    const texts = [
      JSON.stringify(value),
      String(value),
      value instanceof Error
        ? `${value.stack}\n${value.message}\n${String((value as { cause?: unknown }).cause)}`
        : '',
    ]
    for (const text of texts) {
      for (const form of [
        RAW_KEY,
        ENCODED_KEY,
        WIRE_KEY,
        WIRE_KEY.toLowerCase(),
        encodeURIComponent(ENCODED_KEY),
      ]) {
        expect(text).not.toContain(form)
      }
    }
  }
}

describe('over a real socket', () => {
  it('fetches rows, the totals row and meta', async () => {
    server.handler = xmlReply(OK_BODY, 200, RATE_HEADERS)
    const { rows: got, total, meta } = await client().tradeByItemCountry(QUERY)
    expect(got).toHaveLength(2)
    expect(got[1]!.itemName).toBe('A & B')
    expect(total).toEqual({
      exportKg: 108,
      exportUsd: 5007,
      importKg: 2009,
      importUsd: 90011,
      balanceUsd: 5007 - 90011,
    })
    expect(meta).toMatchObject({
      limit: 10000,
      remaining: 9876,
      bytes: Buffer.byteLength(OK_BODY),
      attempts: 1,
      status: 200,
      rowCount: 2,
      sumsMatch: true,
      weightDiffKg: { exportKg: 3, importKg: 0 },
      resultCode: '00',
      bodySha256: createHash('sha256').update(OK_BODY).digest('hex'),
    })
    expect(meta.url).toBe(
      `${server.origin}/1220000/nitemtrade/getNitemtradeList?serviceKey=***&strtYymm=202501&endYymm=202512&hsSgn=0202&cntyCd=US`,
    )
    expect(meta.durationMs).toBeGreaterThan(0)
  })

  it('sends the key encoded exactly once, whichever form it was given in', async () => {
    server.handler = xmlReply(OK_BODY)
    for (const serviceKey of [RAW_KEY, ENCODED_KEY]) {
      server.reset()
      await client({ serviceKey }).tradeByItemCountry(QUERY)
      expect(server.requests).toHaveLength(1)
      const raw = server.requests[0]!.rawUrl
      expect(raw).toBe(
        `/1220000/nitemtrade/getNitemtradeList?serviceKey=${WIRE_KEY}&strtYymm=202501&endYymm=202512&hsSgn=0202&cntyCd=US`,
      )
      expect(new URL(raw, 'http://x').searchParams.get('serviceKey')).toBe(RAW_KEY)
    }
    server.reset()
    const hex = 'ab'.repeat(32)
    await client({ serviceKey: hex }).tradeByItemCountry({ from: '202503', to: '202503', hs: '85' })
    expect(server.requests[0]!.rawUrl).toBe(
      `/1220000/nitemtrade/getNitemtradeList?serviceKey=${hex}&strtYymm=202503&endYymm=202503&hsSgn=85`,
    )
  })

  it('sends no header value containing "environment=" and refuses one from the caller', async () => {
    server.handler = xmlReply(OK_BODY)
    await client({ headers: { 'x-trace': 'abc' } }).tradeByItemCountry(QUERY)
    const headers = server.requests[0]!.rawHeaders
    for (let i = 1; i < headers.length; i += 2) expect(headers[i]).not.toMatch(/environment=/i)
    expect(server.requests[0]!.headers['x-trace']).toBe('abc')
    server.reset()
    expect(() => client({ headers: { 'user-agent': 'app; environment=prod' } })).toThrow(KcsValidationError)
    expect(server.requests).toHaveLength(0)
  })

  it('uses a path prefix on baseUrl and defaults to the live origin', async () => {
    server.handler = xmlReply(OK_BODY)
    await client({ baseUrl: `${server.origin}/proxy/` }).tradeByItemCountry(QUERY)
    expect(server.requests[0]!.rawUrl.startsWith('/proxy/1220000/nitemtrade/getNitemtradeList?')).toBe(true)
    expect(createKcsClient({ serviceKey: 'k' }).baseUrl).toBe(DEFAULT_BASE_URL)
    expect(DEFAULT_BASE_URL).toBe('http://apis.data.go.kr')
  })

  it('validates every field before sending anything', async () => {
    const c = client()
    const bad = [
      [{ ...QUERY, from: '2025.01' }, 'from'],
      [{ ...QUERY, to: '2026-01' }, 'to'],
      [{ ...QUERY, from: '2025-06', to: '2025-05' }, 'to'],
      [{ ...QUERY, hs: '020' }, 'hs'],
      [{ ...QUERY, country: 'us' }, 'country'],
      [{ from: '2025-01', to: '2025-12' }, 'country'],
    ] as const
    for (const [query, field] of bad) {
      const e = await failure(c.tradeByItemCountry(query))
      expect(e).toBeInstanceOf(KcsValidationError)
      expect((e as KcsValidationError).field).toBe(field)
      expect(() => c.streamTradeByItemCountry(query)).toThrow(KcsValidationError)
    }
    expect(() => c.tradeByItemCountryRange({ from: '2016-01', to: '2015-01', country: 'US' })).toThrow(
      KcsValidationError,
    )
    expect(() => c.tradeByItemCountryRange({ from: '2016-01', to: '2024-01' })).toThrow(KcsValidationError)
    expect(server.requests).toHaveLength(0)
    for (const options of [
      { serviceKey: '' },
      { serviceKey: 'k', baseUrl: 'ftp://x' },
      { serviceKey: 'k', timeoutMs: 0 },
      { serviceKey: 'k', retry: -1 },
    ]) {
      expect(() => createKcsClient(options)).toThrow(KcsValidationError)
    }
  })

  it('never exposes the key: errors, stacks, JSON, hooks, URLs', async () => {
    const seen: unknown[] = []
    const hooks = {
      onRequest: (i: RequestInfo) => seen.push(i),
      onResponse: (i: ResponseInfo) => seen.push(i),
      onRetry: (i: RetryInfo) => seen.push(i),
    }
    // The gateway echoing the key back, in both fields, with and without encoding.
    server.handler = xmlReply(
      gatewayErrorXml(
        `SERVICE_KEY_IS_NOT_REGISTERED_ERROR ${RAW_KEY}`,
        `key ${WIRE_KEY} / ${ENCODED_KEY}`,
        '30',
      ),
      403,
    )
    for (const serviceKey of [RAW_KEY, ENCODED_KEY]) {
      const e = await failure(client({ serviceKey, hooks }).tradeByItemCountry(QUERY))
      expect(e).toBeInstanceOf(KcsAuthError)
      expect(e.url).toContain('serviceKey=***')
      expectNoKey(e, seen)
    }
    // 5xx text echoing the key, retried: onRetry payloads too
    server.handler = textReply(`upstream said serviceKey=${WIRE_KEY}`, 502)
    const e2 = await failure(client({ hooks }).tradeByItemCountry(QUERY))
    expect(e2.message).toContain('serviceKey=***')
    expectNoKey(e2, seen)
    expect(seen.some((s) => (s as RetryInfo).delayMs !== undefined)).toBe(true)
    // a malformed 200 body quoting the key: the format error quotes body text, scrubbed
    server.handler = xmlReply(
      `<response><header><resultCode>00</resultCode></header><body><items><item><expDlr>${RAW_KEY}</expDlr></item></items></body></response>`,
    )
    const e5 = await failure(client({ hooks }).tradeByItemCountry(QUERY))
    expect(e5).toBeInstanceOf(KcsResponseFormatError)
    expectNoKey(e5)
    server.handler = xmlReply(`<response><header><resultCode>00</resultCode></header>${RAW_KEY}</response>`)
    const e6 = await failure(client({ hooks }).tradeByItemCountry(QUERY))
    expect(e6).toBeInstanceOf(KcsResponseFormatError)
    expect(e6.message).toContain('***')
    expectNoKey(e6)
    // network failure and timeout
    const closed = await new TestServer().start()
    const origin = closed.origin
    await closed.stop()
    const e3 = await failure(client({ baseUrl: origin, retry: 0, hooks }).tradeByItemCountry(QUERY))
    expect(e3).toBeInstanceOf(KcsNetworkError)
    expectNoKey(e3)
    server.handler = () => {}
    const e4 = await failure(client({ timeoutMs: 100, retry: 0, hooks }).tradeByItemCountry(QUERY))
    expect(e4).toBeInstanceOf(KcsTimeoutError)
    expectNoKey(e4, seen)
    for (const s of seen) expect((s as RequestInfo).url).toContain('serviceKey=***')
  })

  it('maps the error layouts over HTTP with their statuses', async () => {
    const cases: [Handler, new (...args: never[]) => KcsError][] = [
      [
        xmlReply(gatewayErrorXml('SERVICE ERROR', 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR', '30'), 403),
        KcsAuthError,
      ],
      [xmlReply(gatewayErrorXml('SERVICE_ACCESS_DENIED_ERROR', '서비스 접근 거부', '20'), 401), KcsAuthError],
      [
        xmlReply(
          gatewayErrorXml('SERVICE ERROR', 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR', '22'),
          200,
        ),
        KcsQuotaExceededError,
      ],
      [
        xmlReply(
          gatewayErrorXml('SERVICE ERROR', 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR', '22'),
          429,
        ),
        KcsQuotaExceededError,
      ],
      [
        textReply(gatewayErrorJson('SERVICE ERROR', 'HTTP_ERROR', '04'), 200, 'application/json'),
        KcsGatewayError,
      ],
      [
        textReply(
          gatewayErrorJson('INVALID_REQUEST_PARAMETER_ERROR', '잘못된 요청 파라메터', '10'),
          400,
          'application/json',
        ),
        KcsGatewayError,
      ],
      [xmlReply(providerErrorXml('99', '존재하지 않는 국가코드입니다.')), KcsServiceError],
      [textReply('Unauthorized', 401), KcsAuthError],
      [textReply('API not found', 404), KcsGatewayError],
      [textReply('<html><body>Internal error</body></html>', 500, 'text/html'), KcsHttpError],
    ]
    for (const [handler, cls] of cases) {
      server.handler = handler
      const e = await failure(client({ retry: 0 }).tradeByItemCountry(QUERY))
      expect(e).toBeInstanceOf(cls)
    }
  })
})

describe('retries', () => {
  const ok = xmlReply(OK_BODY, 200, RATE_HEADERS)
  const transient: [string, Handler][] = [
    ['a dropped connection', dropConnection],
    ['a 503', textReply('Service Unavailable', 503)],
    ['an HTML 502', textReply('<html><head><title>502 Bad Gateway</title></head></html>', 502, 'text/html')],
    ['gateway 01', xmlReply(gatewayErrorXml('SERVICE ERROR', 'APPLICATION_ERROR', '01'))],
    ['gateway 05', xmlReply(gatewayErrorXml('SERVICE ERROR', 'SERVICETIMEOUT_ERROR', '05'))],
    // A body cut short (the connection ended cleanly after part of the document): asking again may get all of it.
    ['a truncated body', xmlReply(OK_BODY.slice(0, 400))],
    [
      'gateway 23',
      xmlReply(
        gatewayErrorXml(
          'LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR',
          '초당 요청 초과',
          '23',
        ),
        429,
      ),
    ],
  ]
  for (const [name, handler] of transient) {
    it(`retries ${name} with backoff, then succeeds`, async () => {
      server.sequence(handler, handler, ok)
      const retries: RetryInfo[] = []
      const r = await client({ hooks: { onRetry: (i) => retries.push(i) } }).tradeByItemCountry(QUERY)
      expect(server.requests).toHaveLength(3)
      expect(r.meta.attempts).toBe(3)
      expect(r.rows).toHaveLength(2)
      expect(retries.map((x) => x.attempt)).toEqual([1, 2])
      expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(2)
      expect(retries[0]!.delayMs).toBeLessThanOrEqual(5)
      expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(5)
      expect(retries[1]!.delayMs).toBeLessThanOrEqual(10)
      expect(retries[0]!.error.retryable).toBe(true)
    })
  }

  it('retries a timeout', async () => {
    server.sequence(() => {}, ok)
    const r = await client({ timeoutMs: 1000 }).tradeByItemCountry(QUERY)
    expect(r.meta.attempts).toBe(2)
  })

  const permanent: [string, Handler, new (...args: never[]) => KcsError][] = [
    [
      'gateway 20',
      xmlReply(gatewayErrorXml('SERVICE ERROR', 'SERVICE_ACCESS_DENIED_ERROR', '20'), 401),
      KcsAuthError,
    ],
    [
      'gateway 22',
      xmlReply(gatewayErrorXml('SERVICE ERROR', 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR', '22')),
      KcsQuotaExceededError,
    ],
    [
      'gateway 30',
      xmlReply(gatewayErrorXml('SERVICE_KEY_IS_NOT_REGISTERED_ERROR', '등록되지 않은 키', '30'), 403),
      KcsAuthError,
    ],
    ['gateway 99', xmlReply(gatewayErrorXml('SERVICE ERROR', 'UNKNOWN_ERROR', '99')), KcsGatewayError],
    [
      'provider 99',
      xmlReply(providerErrorXml('99', '시작년월 형식이 맞지 않습니다.', '<body/>')),
      KcsServiceError,
    ],
    ['a 404', textReply('Not Found', 404), KcsHttpError],
    ['malformed XML', xmlReply(OK_BODY.replace('</items>', '</itemz>')), KcsResponseFormatError],
  ]
  for (const [name, handler, cls] of permanent) {
    it(`never retries ${name}`, async () => {
      server.sequence(handler, ok)
      const retries: RetryInfo[] = []
      const e = await failure(
        client({ hooks: { onRetry: (i) => retries.push(i) } }).tradeByItemCountry(QUERY),
      )
      expect(e).toBeInstanceOf(cls)
      expect(e.retryable).toBe(false)
      expect(e.attempts).toBe(1)
      expect(server.requests).toHaveLength(1)
      expect(retries).toHaveLength(0)
    })
  }

  it('retry: 0 disables retries; the limit bounds them', async () => {
    server.handler = textReply('busy', 503)
    const e = await failure(client({ retry: 0 }).tradeByItemCountry(QUERY))
    expect(e).toMatchObject({ name: 'KcsHttpError', status: 503, retryable: true, attempts: 1 })
    expect(server.requests).toHaveLength(1)
    server.reset()
    const e2 = await failure(
      client({ retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 2 } }).tradeByItemCountry(QUERY),
    )
    expect(e2.attempts).toBe(3)
    expect(server.requests).toHaveLength(3)
  })

  it('honours Retry-After on a rate-limit error (capped by maxDelayMs)', async () => {
    server.sequence(
      xmlReply(
        gatewayErrorXml('SERVICE ERROR', 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR', '23'),
        429,
        { 'Retry-After': '1' },
      ),
      ok,
    )
    const retries: RetryInfo[] = []
    await client({
      retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 50 },
      hooks: { onRetry: (i) => retries.push(i) },
    }).tradeByItemCountry(QUERY)
    expect(retries[0]!.error).toBeInstanceOf(KcsRateLimitError)
    expect(retries[0]!.delayMs).toBe(50)
  })

  it('honours Retry-After on a 503 too', async () => {
    server.sequence((_req, res) => {
      res.writeHead(503, { 'retry-after': '0.04' })
      res.end('busy')
    }, ok)
    const retries: RetryInfo[] = []
    await client({
      retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 1000 },
      hooks: { onRetry: (i) => retries.push(i) },
    }).tradeByItemCountry(QUERY)
    expect(retries[0]!.delayMs).toBe(40)
  })

  it('the caller can abort, and an aborted call is not retried', async () => {
    server.handler = () => {}
    const controller = new AbortController()
    const p = client().tradeByItemCountry(QUERY, { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('stop')), 50)
    await expect(p).rejects.toThrow('stop')
    expect(server.requests).toHaveLength(1)
  })
})

describe('circuit breaker', () => {
  // A breaker with a hand-driven clock: the test does not depend on the machine's speed.
  let now = 0
  const breaker = (failureThreshold: number) =>
    new CircuitBreaker({ failureThreshold, cooldownMs: 30_000 }, () => now)

  it('fails fast after a burst of connection failures and lets a probe through after the cool-down', async () => {
    server.handler = dropConnection
    const c = client({ retry: 0, circuitBreaker: breaker(3) })
    for (let i = 0; i < 3; i++)
      expect(await failure(c.tradeByItemCountry(QUERY))).toBeInstanceOf(KcsNetworkError)
    expect(c.circuitBreaker?.state).toBe('open')
    now += 29_999
    const open = await failure(c.tradeByItemCountry(QUERY))
    expect(open).toBeInstanceOf(KcsCircuitOpenError)
    expect(open.retryable).toBe(true)
    expect((open as KcsCircuitOpenError).retryAt.getTime()).toBe(now + 1)
    expect(server.requests).toHaveLength(3)
    now += 1
    server.handler = xmlReply(OK_BODY)
    const r = await c.tradeByItemCountry(QUERY)
    expect(r.rows).toHaveLength(2)
    expect(server.requests).toHaveLength(4)
    expect(c.circuitBreaker?.state).toBe('closed')
  })

  it('a failed probe re-opens the breaker; retries stop at an open breaker', async () => {
    server.handler = dropConnection
    const c = client({ retry: { limit: 10, baseDelayMs: 1, maxDelayMs: 1 }, circuitBreaker: breaker(2) })
    const e = await failure(c.tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsCircuitOpenError)
    expect(server.requests).toHaveLength(2)
    now += 30_000
    const probe = await failure(c.tradeByItemCountry(QUERY))
    expect(probe).toBeInstanceOf(KcsCircuitOpenError)
    expect(server.requests).toHaveLength(3)
    expect(c.circuitBreaker?.state).toBe('open')
  })

  it('answers from the gateway do not count as connection failures', async () => {
    server.handler = xmlReply(
      gatewayErrorXml('SERVICE ERROR', 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR', '30'),
      403,
    )
    const c = client({ retry: 0, circuitBreaker: { failureThreshold: 2, cooldownMs: 10_000 } })
    for (let i = 0; i < 4; i++)
      expect(await failure(c.tradeByItemCountry(QUERY))).toBeInstanceOf(KcsAuthError)
    expect(c.circuitBreaker?.state).toBe('closed')
    expect(client({ circuitBreaker: false }).circuitBreaker).toBeNull()
  })
})

describe('streaming', () => {
  it('streams a large answer; summary is null until fully consumed', async () => {
    const { xml } = generateLargeAnswer(20_000, 3)
    server.handler = xmlReply(xml, 200, RATE_HEADERS)
    const stream = client().streamTradeByItemCountry(QUERY)
    expect(stream.summary).toBeNull()
    let n = 0
    let exportUsd = 0
    for await (const row of stream) {
      n++
      exportUsd += row.exportUsd
      if (n === 1) expect(stream.summary).toBeNull()
    }
    expect(n).toBe(20_000)
    expect(stream.summary).not.toBeNull()
    expect(stream.summary!.total!.exportUsd).toBe(exportUsd)
    expect(stream.summary!.meta).toMatchObject({
      rowCount: 20_000,
      sumsMatch: true,
      limit: 10000,
      remaining: 9876,
      attempts: 1,
    })
    expect(stream.summary!.meta.bodySha256).toBe(createHash('sha256').update(xml).digest('hex'))
    expect(() => stream[Symbol.asyncIterator]().next()).toBeDefined()
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow(TypeError)
  })

  it('breaking out of the loop cancels the request', async () => {
    const { xml } = generateLargeAnswer(20_000, 4)
    let closed = false
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' })
      res.on('close', () => {
        closed = true
      })
      // Serve slowly so the client is mid-body when it stops.
      let i = 0
      const step = 64 * 1024
      const tick = () => {
        if (res.destroyed) return
        if (i >= xml.length) return void res.end()
        res.write(xml.slice(i, i + step))
        i += step
        setTimeout(tick, 5)
      }
      tick()
    }
    const stream = client().streamTradeByItemCountry(QUERY)
    let n = 0
    for await (const _row of stream) {
      if (++n === 10) break
    }
    expect(stream.summary).toBeNull()
    await new Promise((r) => setTimeout(r, 100))
    expect(closed).toBe(true)
  })

  it('yields batches, and does not retry once rows have been delivered', async () => {
    const { xml } = generateLargeAnswer(5000, 5)
    let delivered = false
    server.sequence(async (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/xml',
        'content-length': String(Buffer.byteLength(xml)),
      })
      res.write(xml.slice(0, Math.floor(xml.length / 2)))
      // Break the connection only once the consumer holds rows.
      while (!delivered) await new Promise((r) => setTimeout(r, 5))
      res.destroy()
    }, xmlReply(xml))
    const seen: TradeRow[] = []
    const stream = client().streamTradeByItemCountry(QUERY)
    const e = await failure(
      (async () => {
        for await (const batch of stream.batches()) {
          seen.push(...batch)
          delivered = true
        }
      })(),
    )
    expect(e).toBeInstanceOf(KcsNetworkError)
    expect(e.retryable).toBe(true)
    expect(seen.length).toBeGreaterThan(0)
    expect(server.requests).toHaveLength(1)
  })

  it('retries a broken body in tradeByItemCountry (nothing was delivered yet)', async () => {
    const { xml } = generateLargeAnswer(5000, 6)
    server.sequence((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/xml',
        'content-length': String(Buffer.byteLength(xml)),
      })
      res.write(xml.slice(0, Math.floor(xml.length / 2)))
      setTimeout(() => res.destroy(), 20)
    }, xmlReply(xml))
    const r = await client().tradeByItemCountry(QUERY)
    expect(r.rows).toHaveLength(5000)
    expect(r.meta.attempts).toBe(2)
  })

  it('splits a range into calendar-year windows, one request each', async () => {
    server.handler = xmlReply(OK_BODY)
    const results = []
    for await (const r of client().tradeByItemCountryRange({ from: '2016-01', to: '2024-06', country: 'US' }))
      results.push(r)
    expect(results).toHaveLength(9)
    expect(results[0]!.query).toEqual({ from: '2016-01', to: '2016-12', country: 'US' })
    expect(results[8]!.query).toEqual({ from: '2024-01', to: '2024-06', country: 'US' })
    const params = server.requests.map((r) => new URL(r.rawUrl, 'http://x').searchParams)
    expect(params.map((p) => `${p.get('strtYymm')}-${p.get('endYymm')}`)).toEqual([
      '201601-201612',
      '201701-201712',
      '201801-201812',
      '201901-201912',
      '202001-202012',
      '202101-202112',
      '202201-202212',
      '202301-202312',
      '202401-202406',
    ])
    expect(params.every((p) => p.get('cntyCd') === 'US' && !p.has('hsSgn'))).toBe(true)
    expect(results[3]!.rows).toHaveLength(2)
    // no X-RateLimit headers on this answer
    expect(results[3]!.meta).toMatchObject({ limit: null, remaining: null })
  })

  it('works with a caller-supplied fetch, and hooks see redacted URLs', async () => {
    server.handler = xmlReply(OK_BODY)
    let calls = 0
    const events: string[] = []
    const c = client({
      fetch: (input, init) => {
        calls++
        return fetch(input, init)
      },
      hooks: {
        onRequest: (i) => events.push(`request ${i.attempt} ${i.url}`),
        onResponse: (i) => {
          events.push(`response ${i.status} ${i.bytes}`)
          throw new Error('a failing hook is ignored')
        },
      },
    })
    const r = await c.tradeByItemCountry(QUERY)
    expect(r.rows).toHaveLength(2)
    expect(calls).toBe(1)
    expect(events[0]).toMatch(
      /^request 1 http:\/\/127\.0\.0\.1:\d+\/1220000\/nitemtrade\/getNitemtradeList\?serviceKey=\*\*\*&/,
    )
    expect(events[1]).toBe(`response 200 ${Buffer.byteLength(OK_BODY)}`)
    expectNoKey(events)
    void KEY_FORMS
  })
})
