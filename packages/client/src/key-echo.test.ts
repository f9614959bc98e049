import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parseResponseBody } from './body.js'
import { createKcsClient } from './client.js'
import { nitemtradeEndpoint } from './endpoint.js'
import { isKcsError } from './errors.js'
import { dataItem, providerErrorXml, successXml, totalsItem } from './test-utils/fixtures.js'
import { TestServer } from './test-utils/server.js'

/**
 * Issue 14 item 11: a broken or hostile server echoes the service key in the text fields of the rows
 * (country and item names). The rows the client returns must not carry it, in any spelling; and a
 * 40 KB key must not crash redaction ("Regular expression too large").
 */

const RAW = 'EchoKey+AbC/dEf+GhI/jKl=='
const ENCODED = encodeURIComponent(RAW)
const QUERY = { from: '2025-01', to: '2025-01', country: 'US', hs: '0202' }
const lower = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())

const SPELLINGS = [
  RAW,
  ENCODED,
  lower(ENCODED),
  encodeURIComponent(ENCODED),
  lower(encodeURIComponent(ENCODED)),
  new URLSearchParams({ k: RAW }).toString().slice(2),
]

function echoAnswer(): string {
  const rows = SPELLINGS.map((s, i) => ({
    year: '2025.01',
    statCd: 'US',
    statCdCntnKor1: `미국 ${s}`,
    hsCd: `02023000${String(i).padStart(2, '0')}`,
    statKor: `기타 (${s}) ${s}`,
    expWgt: 1,
    expDlr: 2,
    impWgt: 3,
    impDlr: 4,
  }))
  return successXml([totalsItem(rows), ...rows.map(dataItem)])
}

let server: TestServer
beforeAll(async () => {
  server = await new TestServer().start()
})
afterAll(async () => {
  await server.stop()
})
beforeEach(() => {
  server.reset()
  server.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml;charset=UTF-8' })
    res.end(echoAnswer())
  }
})

function expectClean(rows: readonly { countryName: string; itemName: string }[]): void {
  expect(rows).toHaveLength(SPELLINGS.length)
  for (const row of rows) {
    expect(row.countryName).toBe('미국 ***')
    expect(row.itemName).toBe('기타 (***) ***')
  }
  const text = JSON.stringify(rows)
  for (const s of SPELLINGS) expect(text).not.toContain(s)
}

describe('a server that echoes the key in row text', () => {
  for (const serviceKey of [RAW, ENCODED]) {
    it(`collected rows are redacted (key given ${serviceKey === RAW ? 'raw' : 'encoded'})`, async () => {
      const client = createKcsClient({ serviceKey, baseUrl: server.origin, retry: 0 })
      const result = await client.tradeByItemCountry(QUERY)
      expectClean(result.rows)
      // The hash is of the bytes received, which did contain the key: it is not recomputed.
      expect(result.meta.rowCount).toBe(SPELLINGS.length)
    })
  }

  it('streamed rows are redacted', async () => {
    const client = createKcsClient({ serviceKey: RAW, baseUrl: server.origin, retry: 0 })
    const rows = []
    for await (const row of client.streamTradeByItemCountry(QUERY)) rows.push(row)
    expectClean(rows)
  })

  it('parseResponseBody redacts row text when given a redactor, and leaves it without one', () => {
    const body = echoAnswer()
    const redact = (t: string) => t.replaceAll(RAW, '***')
    const redacted = parseResponseBody(nitemtradeEndpoint, body, { redact })
    expect(redacted.rows[0]!.countryName).toBe('미국 ***')
    const verbatim = parseResponseBody(nitemtradeEndpoint, body)
    expect(verbatim.rows[0]!.countryName).toBe(`미국 ${RAW}`)
  })
})

describe('a 40 KB service key', () => {
  const BIG = 'Zz+/='.repeat(8192)
  let big: Server
  let origin = ''
  let answer = ''
  beforeAll(async () => {
    // The key travels in the request line: this server accepts 1 MiB of headers.
    big = createServer({ maxHeaderSize: 1 << 20 }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml;charset=UTF-8' })
      res.end(answer)
    })
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(big.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    big.closeAllConnections()
    await new Promise<void>((resolve) => big.close(() => resolve()))
  })

  it('a success answer echoing it: rows and resultMsg redacted, no crash', async () => {
    const row = {
      year: '2025.01',
      statCd: 'US',
      statCdCntnKor1: `미국 ${encodeURIComponent(BIG)}`,
      hsCd: '0202300000',
      statKor: BIG,
      expWgt: 1,
      expDlr: 2,
      impWgt: 3,
      impDlr: 4,
    }
    answer = successXml([totalsItem([row]), dataItem(row)]).replace('정상서비스.', `ok ${BIG}`)
    const client = createKcsClient({ serviceKey: BIG, baseUrl: origin, retry: 0 })
    const result = await client.tradeByItemCountry(QUERY)
    expect(result.rows[0]).toMatchObject({ countryName: '미국 ***', itemName: '***' })
    expect(result.meta.resultMsg).toBe('ok ***')
  })

  it('an error answer echoing it: a typed error without the key', async () => {
    answer = providerErrorXml('30', `SERVICE KEY IS NOT REGISTERED ERROR. ${BIG}`)
    const client = createKcsClient({ serviceKey: encodeURIComponent(BIG), baseUrl: origin, retry: 0 })
    const error = await client.tradeByItemCountry(QUERY).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isKcsError(error), String(error)).toBe(true)
    const text = JSON.stringify({ m: (error as Error).message, e: error })
    expect(text).not.toContain('Zz+/=Zz+/=')
    expect(text).not.toContain(encodeURIComponent('Zz+/=Zz+/='))
  })
})
