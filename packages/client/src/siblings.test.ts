/**
 * The sibling endpoints (Itemtrade, nationtrade, Newtrade): real captured answers parse to the typed
 * rows, the totals row is found by content wherever it stands, requests carry the documented path and
 * parameters, and bad queries are refused before any request.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parseResponseBody } from './body.js'
import { createKcsClient, type KcsClient } from './client.js'
import { KcsAuthError, KcsServiceError, KcsValidationError } from './errors.js'
import {
  countryTradeRowSchema,
  itemTradeRowSchema,
  itemtradeEndpoint,
  nationtradeEndpoint,
  newtradeEndpoint,
  totalsTradeRowSchema,
} from './siblings.js'
import { gatewayErrorXml, providerErrorXml } from './test-utils/fixtures.js'
import { TestServer, xmlReply } from './test-utils/server.js'

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '__fixtures__', 'siblings', name), 'utf8')
const ITEMTRADE = fixture('opendata-go_02_itemtrade_abridged.xml')
const NATIONTRADE = fixture('opendata-go_03_nationtrade_abridged.xml')
const NEWTRADE = fixture('mcportal_Newtrade_getNewtradeList_201601_full.xml')

const KEY = 'c2libGluZw+a2V5/dGVzdA=='

describe('sibling answers as captured (SIBLINGS.md samples)', () => {
  it('Itemtrade: hsCode (not hsCd), typed rows, the totals row LAST recognised by content', () => {
    const { rows, total, summary } = parseResponseBody(itemtradeEndpoint, ITEMTRADE)
    expect(rows).toHaveLength(3)
    expect(rows[0]).toEqual({
      period: '2026-01',
      hsCode: '8542311000',
      itemName: '모노리식(monolithic) 집적회로',
      exportKg: 519207,
      exportUsd: 2408512319,
      importKg: 244117,
      importUsd: 2677339073,
      balanceUsd: -268826754,
    })
    for (const r of rows) expect(itemTradeRowSchema.safeParse(r).success).toBe(true)
    expect(total).toEqual({
      exportKg: 10032085,
      exportUsd: 148993077230,
      importKg: 3823375,
      importUsd: 43089297240,
      balanceUsd: 105903779990,
    })
    // The sample keeps 3 of 120 rows: its totals row cannot match their sum, and the client says so.
    expect(summary.sumsMatch).toBe(false)
    expect(summary.inconsistentRows).toBe(0)
  })

  it('Itemtrade: the totals row is found wherever it stands (first, as nitemtrade sends it)', () => {
    const items = ITEMTRADE.match(/<item>.*?<\/item>/g)!
    const totalsFirst = ITEMTRADE.replace(items.join(''), [items.at(-1), ...items.slice(0, -1)].join(''))
    const a = parseResponseBody(itemtradeEndpoint, ITEMTRADE)
    const b = parseResponseBody(itemtradeEndpoint, totalsFirst)
    expect(b.rows).toEqual(a.rows)
    expect(b.total).toEqual(a.total)
  })

  it('nationtrade: counts, no weights, no totals row', () => {
    const { rows, total, summary } = parseResponseBody(nationtradeEndpoint, NATIONTRADE)
    expect(rows.map((r) => r.period)).toEqual(['2026-01', '2026-02', '2026-03'])
    expect(rows[0]).toEqual({
      period: '2026-01',
      countryCode: 'US',
      countryName: '미국',
      exportCount: 196748,
      exportUsd: 12006733027,
      importCount: 1433422,
      importUsd: 6762138027,
      balanceUsd: 5244595000,
    })
    for (const r of rows) expect(countryTradeRowSchema.safeParse(r).success).toBe(true)
    expect(total).toBeNull()
    expect(summary.sumsMatch).toBeNull()
    expect(summary.weightDiffKg).toBeNull()
  })

  it('Newtrade: the full 2016-01 capture — one month, then the totals row equal to it', () => {
    const { rows, total, summary } = parseResponseBody(newtradeEndpoint, NEWTRADE)
    expect(rows).toEqual([
      {
        period: '2016-01',
        exportCount: 606149,
        exportUsd: 36260420221,
        importCount: 1189202,
        importUsd: 31321900755,
        balanceUsd: 4938519466,
      },
    ])
    expect(totalsTradeRowSchema.safeParse(rows[0]).success).toBe(true)
    expect(total).toEqual({
      exportCount: 606149,
      exportUsd: 36260420221,
      importCount: 1189202,
      importUsd: 31321900755,
      balanceUsd: 4938519466,
    })
    expect(summary.sumsMatch).toBe(true)
    expect(summary.weightDiffKg).toBeNull()
  })

  it('Newtrade: a totals row that does not match the months is reported, not hidden', () => {
    const tampered = NEWTRADE.replace(
      '<expCnt>606149</expCnt><expDlr>36260420221</expDlr><impCnt>1189202</impCnt><impDlr>31321900755</impDlr><year>총계',
      '<expCnt>606150</expCnt><expDlr>36260420221</expDlr><impCnt>1189202</impCnt><impDlr>31321900755</impDlr><year>총계',
    )
    expect(tampered).not.toBe(NEWTRADE)
    expect(parseResponseBody(newtradeEndpoint, tampered).summary.sumsMatch).toBe(false)
  })
})

describe('sibling requests over a socket', () => {
  let server: TestServer
  let kcs: KcsClient
  beforeAll(async () => {
    server = await new TestServer().start()
    kcs = createKcsClient({ serviceKey: KEY, baseUrl: server.origin, retry: 0, circuitBreaker: false })
  })
  afterAll(() => server.stop())
  beforeEach(() => server.reset())

  const query = (i = 0) => new URL(server.requests[i]!.rawUrl, server.origin)

  it('tradeByItem sends Itemtrade/getItemtradeList with strtYymm, endYymm and hsSgn (leading zeros kept)', async () => {
    server.handler = xmlReply(ITEMTRADE)
    const r = await kcs.tradeByItem({ from: '2026-01', to: '2026-06', hs: '0101' })
    expect(r.rows).toHaveLength(3)
    const u = query()
    expect(u.pathname).toBe('/1220000/Itemtrade/getItemtradeList')
    expect([...u.searchParams.keys()]).toEqual(['serviceKey', 'strtYymm', 'endYymm', 'hsSgn'])
    expect(u.searchParams.get('hsSgn')).toBe('0101')
    expect(u.searchParams.get('serviceKey')).toBe(KEY)
    expect(r.meta.url).not.toContain(KEY)
  })

  it('tradeByCountry sends nationtrade/getNationtradeList with cntyCd (Z1 accepted), none without it', async () => {
    server.handler = xmlReply(NATIONTRADE)
    await kcs.tradeByCountry({ from: '202601', to: '202603', country: 'Z1' })
    await kcs.tradeByCountry({ from: '2026-01', to: '2026-03' })
    expect(query(0).pathname).toBe('/1220000/nationtrade/getNationtradeList')
    expect(query(0).searchParams.get('cntyCd')).toBe('Z1')
    expect(query(0).searchParams.get('strtYymm')).toBe('202601')
    expect(query(1).searchParams.has('cntyCd')).toBe(false)
  })

  it('tradeTotals sends Newtrade/getNewtradeList with months only', async () => {
    server.handler = xmlReply(NEWTRADE)
    const r = await kcs.tradeTotals({ from: '2016-01', to: '2016-01' })
    expect(r.meta.sumsMatch).toBe(true)
    expect(query().pathname).toBe('/1220000/Newtrade/getNewtradeList')
    expect([...query().searchParams.keys()]).toEqual(['serviceKey', 'strtYymm', 'endYymm'])
  })

  it('the Range forms split into calendar-year windows and keep the filter', async () => {
    server.handler = xmlReply(NATIONTRADE)
    const windows = []
    for await (const w of kcs.tradeByCountryRange({ from: '2024-11', to: '2026-02', country: 'US' }))
      windows.push(w.query)
    expect(windows).toEqual([
      { from: '2024-11', to: '2024-12', country: 'US' },
      { from: '2025-01', to: '2025-12', country: 'US' },
      { from: '2026-01', to: '2026-02', country: 'US' },
    ])
    expect(server.requests.map((r) => new URL(r.rawUrl, server.origin).searchParams.get('endYymm'))).toEqual([
      '202412',
      '202512',
      '202602',
    ])
  })

  it('errors are the same typed errors, without the key; bad queries never reach the server', async () => {
    server.handler = xmlReply(
      gatewayErrorXml('SERVICE_KEY_IS_NOT_REGISTERED_ERROR', '등록되지 않은 서비스키', '30'),
      403,
    )
    const auth = await kcs.tradeTotals({ from: '2025-01', to: '2025-01' }).catch((e: unknown) => e)
    expect(auth).toBeInstanceOf(KcsAuthError)
    expect(JSON.stringify(auth) + String((auth as Error).stack)).not.toContain(KEY)
    server.handler = xmlReply(providerErrorXml('99', '존재하지 않는 국가코드입니다.'))
    const unknown = await kcs
      .tradeByCountry({ from: '2025-01', to: '2025-01', country: 'QQ' })
      .catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(KcsServiceError)
    expect((unknown as KcsServiceError).reason).toBe('unknown-country')
    server.reset()
    const bad: Array<() => Promise<unknown>> = [
      () => kcs.tradeByItem({ from: '2025-01', to: '2025-01', country: 'US' } as never),
      () => kcs.tradeByItem({ from: '2025-01', to: '2025-01', hs: '854' }),
      () => kcs.tradeByCountry({ from: '2025-01', to: '2025-01', country: 'us' }),
      () => kcs.tradeByCountry({ from: '2025-01', to: '2025-01', hs: '85' } as never),
      () => kcs.tradeTotals({ from: '2024-01', to: '2025-01' }),
    ]
    for (const call of bad) await expect(call()).rejects.toBeInstanceOf(KcsValidationError)
    expect(() => kcs.streamTradeTotals({ from: '2025-13', to: '2025-12' })).toThrow(KcsValidationError)
    expect(server.requests).toHaveLength(0)
    const e = await kcs.tradeTotals({ from: '2024-01', to: '2025-01' }).catch((x: unknown) => x)
    expect((e as Error).message).toContain('tradeTotalsRange()')
  })
})
