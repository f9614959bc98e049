/**
 * The gateway answers measured on the live API (KCS-API.md, "Gateway answers measured on the live
 * API (2026-10)") are the emulator's defaults: exact bytes, status, content type and headers over a
 * real socket with plain `fetch`, and the real `@kcs-trade/client` maps each to its typed error.
 */
import {
  createKcsClient,
  type FetchLike,
  KcsAuthError,
  type KcsClient,
  KcsGatewayError,
  KcsQuotaExceededError,
  KcsRateLimitError,
  nitemtradeEndpoint,
  parseResponseBody,
} from '@kcs-trade/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CLI_USAGE,
  createEmulator,
  type Emulator,
  type EmulatorOptions,
  GATEWAY_CODES,
  OPERATION_PATH,
  PROVIDER_MESSAGES,
  parseEmulatorArgs,
} from './index.js'

const KEY = 'gw+measured/key=='
/** Not registered; carries the signs that get percent-encoded, so a leak in any form would show. */
const STRANGER = 'stranger+canary/KEY=42'
const TODAY = '2026-11-23'
const WINDOW = 'strtYymm=202501&endYymm=202501&cntyCd=FJ'

/** The 403/30 sample of KCS-API.md, byte for byte (no `standalone`, no line break at the end). */
const MEASURED_403 = `<?xml version="1.0" encoding="UTF-8"?>
<OpenAPI_ServiceResponse>
<cmmMsgHeader>
  <errMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</errMsg>
  <returnAuthMsg>등록되지 않은 서비스키</returnAuthMsg>
  <returnReasonCode>30</returnReasonCode>
</cmmMsgHeader>
</OpenAPI_ServiceResponse>`

const MEASURED_04 =
  '{"OpenAPI_ServiceResponse":{"cmmMsgHeader":{"errMsg":"HTTP_ERROR","returnAuthMsg":"HTTP 에러","returnReasonCode":"04"}}}'

/** The current layout with the sample's formatting, written out independently of the emulator. */
function currentXml(token: string, description: string, code: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<OpenAPI_ServiceResponse>',
    '<cmmMsgHeader>',
    `  <errMsg>${token}</errMsg>`,
    `  <returnAuthMsg>${description}</returnAuthMsg>`,
    `  <returnReasonCode>${code}</returnReasonCode>`,
    '</cmmMsgHeader>',
    '</OpenAPI_ServiceResponse>',
  ].join('\n')
}

function currentJson(token: string, description: string, code: string): string {
  return `{"OpenAPI_ServiceResponse":{"cmmMsgHeader":{"errMsg":"${token}","returnAuthMsg":"${description}","returnReasonCode":"${code}"}}}`
}

interface Answer {
  status: number
  contentType: string | null
  limit: string | null
  remaining: string | null
  bytes: Buffer
  text: string
}

/** Plain `fetch`; `search` goes on the wire as written. */
async function fetchRaw(origin: string, search: string, path = OPERATION_PATH): Promise<Answer> {
  const res = await fetch(`${origin}${path}?${search}`)
  const bytes = Buffer.from(await res.arrayBuffer())
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    limit: res.headers.get('x-ratelimit-limit'),
    remaining: res.headers.get('x-ratelimit-remaining'),
    bytes,
    text: bytes.toString('utf8'),
  }
}

const withKey = (key: string, extra = '') =>
  `serviceKey=${encodeURIComponent(key)}&${WINDOW}${extra === '' ? '' : `&${extra}`}`

function start(extra: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return createEmulator({ port: 0, seed: 1, keys: [KEY], today: TODAY, ...extra })
}

function client(emu: Emulator, serviceKey: string, fetchImpl?: FetchLike): KcsClient {
  return createKcsClient({
    serviceKey,
    baseUrl: emu.url,
    retry: 0,
    circuitBreaker: false,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  })
}

async function failure(kcs: KcsClient): Promise<Error> {
  try {
    await kcs.tradeByItemCountry({ country: 'FJ', from: '2025-01', to: '2025-01' })
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to fail')
}

/** The key in any form it could take on the wire or in a message. */
function expectNoKey(error: Error, key: string): void {
  const forms = [key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2)]
  const texts = [error.message, String(error.stack), JSON.stringify(error), String(error.cause ?? '')]
  for (const text of texts) for (const form of forms) expect(text).not.toContain(form)
}

describe('gateway answers as measured on the live API (defaults)', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await start()
  })
  afterAll(() => emu.close())

  it('unknown key: 403, application/xml, the current layout byte for byte, no quota headers', async () => {
    const before = emu.quota(KEY).used
    for (const search of [
      withKey(STRANGER),
      // A registered key percent-encoded twice is unknown too, with the same bytes.
      `serviceKey=${encodeURIComponent(encodeURIComponent(KEY))}&${WINDOW}`,
    ]) {
      const r = await fetchRaw(emu.url, search)
      expect(r.status).toBe(403)
      expect(r.contentType).toBe('application/xml')
      expect(r.bytes.equals(Buffer.from(MEASURED_403, 'utf8'))).toBe(true)
      expect(r.text).not.toContain('standalone')
      expect(r.text.endsWith('</OpenAPI_ServiceResponse>')).toBe(true)
      expect([r.limit, r.remaining]).toEqual([null, null])
    }
    expect(emu.quota(KEY).used).toBe(before)
    expect(emu.stats.count('gateway-30', '(unregistered)')).toBe(2)
  })

  it('no key: 401 with SERVICE_KEY_IS_NULL (code 20), same formatting, no quota headers', async () => {
    const want = currentXml('SERVICE_KEY_IS_NULL', '서비스 접근거부', '20')
    for (const search of [WINDOW, `serviceKey=&${WINDOW}`]) {
      const r = await fetchRaw(emu.url, search)
      expect(r.status).toBe(401)
      expect(r.contentType).toBe('application/xml')
      expect(r.text).toBe(want)
      expect([r.limit, r.remaining]).toEqual([null, null])
    }
  })

  it('_type=json: 200, application/json, the measured body, with X-RateLimit-* headers, using the quota', async () => {
    const before = emu.quota(KEY).used
    const r = await fetchRaw(emu.url, withKey(KEY, '_type=json'))
    expect(r.status).toBe(200)
    expect(r.contentType).toBe('application/json')
    expect(r.bytes.equals(Buffer.from(MEASURED_04, 'utf8'))).toBe(true)
    expect(emu.quota(KEY).used).toBe(before + 1)
    expect(r.limit).toBe('10000')
    expect(r.remaining).toBe(String(10_000 - (before + 1)))
    expect(emu.stats.count('gateway-04', KEY)).toBe(1)
    // The next normal answer counts on from there.
    const next = await fetchRaw(emu.url, withKey(KEY))
    expect(next.status).toBe(200)
    expect(next.remaining).toBe(String(10_000 - (before + 2)))
  })

  it('_type=json is refused only after the key checks: no key → 401/20, unknown key → 403/30 (as JSON, no quota)', async () => {
    const before = emu.quota(KEY).used
    const none = await fetchRaw(emu.url, `${WINDOW}&_type=json`)
    expect(none.status).toBe(401)
    expect(none.contentType).toBe('application/json')
    expect(none.text).toBe(currentJson('SERVICE_KEY_IS_NULL', '서비스 접근거부', '20'))
    expect([none.limit, none.remaining]).toEqual([null, null])
    const stranger = await fetchRaw(emu.url, withKey(STRANGER, '_type=json'))
    expect(stranger.status).toBe(403)
    expect(stranger.contentType).toBe('application/json')
    expect(stranger.text).toBe(
      currentJson('SERVICE_KEY_IS_NOT_REGISTERED_ERROR', '등록되지 않은 서비스키', '30'),
    )
    expect([stranger.limit, stranger.remaining]).toEqual([null, null])
    expect(emu.quota(KEY).used).toBe(before)
  })

  it('unknown operation: 400/12 in the same current layout', async () => {
    const r = await fetchRaw(emu.url, withKey(KEY), '/1220000/nitemtrade/getNoSuchList')
    expect(r.status).toBe(400)
    expect(r.contentType).toBe('application/xml')
    expect(r.text).toBe(currentXml('NO_OPENAPI_SERVICE_ERROR', '해당 오픈API 서비스가 없거나 폐기됨', '12'))
  })

  it('every gateway code the emulator can send comes in the same formatting, with its own token and description', async () => {
    for (const g of Object.values(GATEWAY_CODES)) {
      expect(g.description).toMatch(/^[가-힣A-Za-z ]+$/)
      emu.faults.next({ kind: 'gateway', code: g.code, status: 503 })
      const r = await fetchRaw(emu.url, withKey(KEY))
      expect(r.status).toBe(503)
      expect(r.contentType).toBe('application/xml')
      expect(r.text).toBe(currentXml(g.token, g.description, g.code))
    }
    // The two descriptions measured on this API.
    expect(GATEWAY_CODES['30']!.description).toBe('등록되지 않은 서비스키')
    expect(GATEWAY_CODES['04']!.description).toBe('HTTP 에러')
  })

  it('provider 99: nothing after the header for a window over 12 months, <body/> for an hsSgn of the wrong length', async () => {
    const head = (msg: string) =>
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>99</resultCode><resultMsg>${msg}</resultMsg></header>`
    const long = await fetchRaw(
      emu.url,
      `serviceKey=${encodeURIComponent(KEY)}&strtYymm=202401&endYymm=202501&cntyCd=US`,
    )
    expect(long.status).toBe(200)
    expect(long.contentType).toBe('application/xml')
    expect(long.limit).toBe('10000')
    expect(long.text).toBe(`${head(PROVIDER_MESSAGES.periodTooLong)}</response>`)
    const hs = await fetchRaw(
      emu.url,
      `serviceKey=${encodeURIComponent(KEY)}&strtYymm=202501&endYymm=202501&hsSgn=851`,
    )
    expect(hs.status).toBe(200)
    expect(hs.contentType).toBe('application/xml')
    expect(hs.text).toBe(`${head(PROVIDER_MESSAGES.badHsLength)}<body/></response>`)
  })

  it('an empty answer is <items/> with no totals row; numOfRows and pageNo are ignored, no totalCount', async () => {
    const empty = await fetchRaw(
      emu.url,
      `serviceKey=${encodeURIComponent(KEY)}&strtYymm=202612&endYymm=202612&cntyCd=US`,
    )
    expect(empty.status).toBe(200)
    expect(empty.contentType).toBe('application/xml')
    expect(empty.text).toBe(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode><resultMsg>정상서비스.</resultMsg></header><body><items/></body></response>',
    )
    const plain = await fetchRaw(emu.url, withKey(KEY))
    const paged = await fetchRaw(emu.url, withKey(KEY, 'numOfRows=10&pageNo=2'))
    expect(paged.status).toBe(200)
    expect(paged.bytes.equals(plain.bytes)).toBe(true)
    expect(paged.text).not.toMatch(/totalCount|numOfRows|pageNo/)
  })

  describe('the client maps each answer to its typed error, and never shows the key', () => {
    it('403/30 → KcsAuthError (not registered)', async () => {
      const error = await failure(client(emu, STRANGER))
      expect(error).toBeInstanceOf(KcsAuthError)
      expect(error).toMatchObject({
        reasonCode: 30,
        token: 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR',
        description: '등록되지 않은 서비스키',
        status: 403,
        layer: 'gateway',
        retryable: false,
      })
      expectNoKey(error, STRANGER)
    })

    it('401/20 SERVICE_KEY_IS_NULL → KcsAuthError 20', async () => {
      // The client always sends its key; drop it on the way to reach the no-key answer.
      const withoutKey: FetchLike = (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init)
        const url = new URL(request.url)
        url.searchParams.delete('serviceKey')
        return fetch(url, { headers: request.headers, signal: request.signal })
      }
      const error = await failure(client(emu, KEY, withoutKey))
      expect(error).toBeInstanceOf(KcsAuthError)
      expect(error).toMatchObject({
        reasonCode: 20,
        token: 'SERVICE_KEY_IS_NULL',
        status: 401,
        retryable: false,
      })
      expectNoKey(error, KEY)
    })

    it('the _type=json answer (which the client cannot send) reads as gateway error 04', async () => {
      const r = await fetchRaw(emu.url, withKey(KEY, '_type=json'))
      let error: unknown
      try {
        parseResponseBody(nitemtradeEndpoint, r.bytes, { status: r.status })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(KcsGatewayError)
      expect(error).toMatchObject({ reasonCode: 4, token: 'HTTP_ERROR', retryable: false })
    })

    it('22 and 23 in the current layout → KcsQuotaExceededError, KcsRateLimitError', async () => {
      let clock = Date.UTC(2026, 10, 23, 3, 0, 0)
      const tight = await start({ dailyQuota: 1, ratePerSecond: 1, now: () => clock })
      try {
        const kcs = client(tight, KEY)
        await kcs.tradeByItemCountry({ country: 'FJ', from: '2025-01', to: '2025-01' })
        const rate = await failure(kcs)
        expect(rate).toBeInstanceOf(KcsRateLimitError)
        expect(rate).toMatchObject({
          reasonCode: 23,
          status: 429,
          description: '초당 서비스 요청제한 횟수 초과 에러',
        })
        clock += 1000
        const quota = await failure(kcs)
        expect(quota).toBeInstanceOf(KcsQuotaExceededError)
        expect(quota).toMatchObject({
          reasonCode: 22,
          status: 429,
          description: '일일 서비스 요청제한 횟수 초과 에러',
        })
        clock += 1000
        const raw = await fetchRaw(tight.url, withKey(KEY))
        expect(raw.contentType).toBe('application/xml')
        expect(raw.text).toBe(
          currentXml(
            'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR',
            '일일 서비스 요청제한 횟수 초과 에러',
            '22',
          ),
        )
        expect([raw.limit, raw.remaining]).toEqual([null, null])
        // With the quota used up, _type=json gets 22 (as JSON): the quota check comes before the 04.
        clock += 1000
        const json = await fetchRaw(tight.url, withKey(KEY, '_type=json'))
        expect(json.status).toBe(429)
        expect(json.text).toBe(
          currentJson(
            'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR',
            '일일 서비스 요청제한 횟수 초과 에러',
            '22',
          ),
        )
      } finally {
        await tight.close()
      }
    })
  })
})

describe('the former defaults stay selectable', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await start({
      gatewayLayout: 'legacy',
      missingKeyToken: 'SERVICE_ACCESS_DENIED_ERROR',
      providerErrorBody: 'absent',
    })
  })
  afterAll(() => emu.close())

  it('legacy layout: tab-indented, no declaration, token in returnAuthMsg', async () => {
    const r = await fetchRaw(emu.url, withKey(STRANGER))
    expect(r.status).toBe(403)
    expect(r.contentType).toBe('text/xml;charset=UTF-8')
    expect(r.text).toBe(
      '<OpenAPI_ServiceResponse>\n\t<cmmMsgHeader>\n\t\t<errMsg>SERVICE ERROR</errMsg>\n\t\t<returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg>\n\t\t<returnReasonCode>30</returnReasonCode>\n\t</cmmMsgHeader>\n</OpenAPI_ServiceResponse>',
    )
    const none = await fetchRaw(emu.url, WINDOW)
    expect(none.status).toBe(401)
    expect(none.text).toContain('<errMsg>SERVICE ERROR</errMsg>')
    expect(none.text).toContain('<returnAuthMsg>SERVICE_ACCESS_DENIED_ERROR</returnAuthMsg>')
    const error = await failure(client(emu, STRANGER))
    expect(error).toBeInstanceOf(KcsAuthError)
    expect(error).toMatchObject({ reasonCode: 30 })
    expectNoKey(error, STRANGER)
  })

  it("providerErrorBody 'absent': nothing after the header whatever the cause", async () => {
    const hs = await fetchRaw(
      emu.url,
      `serviceKey=${encodeURIComponent(KEY)}&strtYymm=202501&endYymm=202501&hsSgn=851`,
    )
    expect(hs.text.endsWith('</header></response>')).toBe(true)
  })

  it('the CLI states the new defaults and still takes the former values', () => {
    expect(CLI_USAGE).toContain('(default current)')
    expect(CLI_USAGE).toContain('(default by-cause)')
    expect(
      parseEmulatorArgs(['--gateway-layout', 'legacy', '--provider-error-body', 'absent']),
    ).toMatchObject({
      gatewayLayout: 'legacy',
      providerErrorBody: 'absent',
    })
    expect(parseEmulatorArgs(['--provider-error-body', 'by-cause'])).toMatchObject({
      providerErrorBody: 'by-cause',
    })
  })

  it('rejects an unknown providerErrorBody', async () => {
    await expect(start({ providerErrorBody: 'sometimes' as never })).rejects.toThrow(/by-cause/)
  })
})
