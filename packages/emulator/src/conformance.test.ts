/**
 * Conformance with ../shared/KCS-API.md: one test per rule, over a real socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmulator, type Emulator, type EmulatorOptions, PROVIDER_MESSAGES } from './index.js'
import { dataRows, get, items, PATH, query, reasonCode, resultCode, resultMsg } from './test-utils/http.js'

const KEY = 'test-key'
const ENCODED_STYLE_KEY = 'abc+def/ghi=='
const HEX_KEY = `${'a'.repeat(32)}0123456789abcdef0123456789abcdef`

function start(extra: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return createEmulator({
    port: 0,
    seed: 1,
    keys: [KEY, ENCODED_STYLE_KEY, HEX_KEY],
    today: '2026-11-23',
    ...extra,
  })
}

const q = (params: Record<string, string | undefined>) => query({ serviceKey: KEY, ...params })

describe('KCS-API.md conformance', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await start()
  })
  afterAll(() => emu.close())

  describe('request', () => {
    it('serves GET /1220000/nitemtrade/getNitemtradeList', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'US' }))
      expect(r.status).toBe(200)
      expect(resultCode(r.text)).toBe('00')
    })

    it('accepts a window of 12 months and rejects 13', async () => {
      const ok = await get(emu.url, q({ strtYymm: '202401', endYymm: '202412', cntyCd: 'FJ' }))
      expect(resultCode(ok.text)).toBe('00')
      const bad = await get(emu.url, q({ strtYymm: '202401', endYymm: '202501', cntyCd: 'FJ' }))
      expect(resultCode(bad.text)).toBe('99')
      expect(resultMsg(bad.text)).toBe('시작과 종료의 조회기간은 1년이내 기간만 가능합니다.')
    })

    it('serves a window crossing a calendar year (configurable: crossYearWindow)', async () => {
      const r = await get(emu.url, q({ strtYymm: '202407', endYymm: '202506', cntyCd: 'FJ' }))
      expect(dataRows(r.text).length).toBeGreaterThan(0)
      const strict = await start({ crossYearWindow: 'empty' })
      try {
        const e = await get(strict.url, q({ strtYymm: '202407', endYymm: '202506', cntyCd: 'FJ' }))
        expect(e.text).toContain('<items/>')
      } finally {
        await strict.close()
      }
    })

    it.each([
      ['', '4'],
      ['85', '4'],
      ['8518', '6'],
      ['851830', '10'],
      ['8518309000', '10'],
    ])('granularity: hsSgn %s → codes of %s digits, all starting with the prefix', async (hs, digits) => {
      const params = hs === '' ? { cntyCd: 'US' } : { cntyCd: 'US', hsSgn: hs }
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202503', ...params }))
      const rows = dataRows(r.text)
      expect(rows.length).toBeGreaterThan(0)
      const want = hs === '' ? 10 : Number(digits)
      const lengths = new Set(rows.map((row) => row.hsCode.length))
      // Quirk codes of 6 or 9 digits exist only at the 10-digit level (their own test covers them).
      for (const l of lengths) expect(l === want || (want === 10 && (l === 6 || l === 9))).toBe(true)
      expect(rows.filter((row) => row.hsCode.length === want).length).toBeGreaterThan(rows.length * 0.99)
      for (const row of rows) expect(row.hsCode.startsWith(hs)).toBe(true)
    })

    it('aggregates the 10-digit truth to the coarser level by summing', async () => {
      // 854232 (memory chips): traded with the US every month.
      const fine = emu.truth.rows({ country: 'US', from: '2025-02', to: '2025-02', hs: '854232' })
      const coarse = emu.truth.rows({ country: 'US', from: '2025-02', to: '2025-02', hs: '8542' })
      expect(fine.length).toBeGreaterThan(0)
      const row = coarse.find((r) => r.hsCode === '854232')
      expect(row).toBeDefined()
      const sum = (k: 'exportUsd' | 'importUsd' | 'exportKg' | 'importKg') =>
        fine.reduce((s, r) => s + r[k], 0)
      expect(row!.exportUsd).toBe(sum('exportUsd'))
      expect(row!.importUsd).toBe(sum('importUsd'))
      expect(row!.exportKg).toBe(sum('exportKg'))
      expect(row!.importKg).toBe(sum('importKg'))
    })

    it('serves every partner country when cntyCd is omitted', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', hsSgn: '85' }))
      const countries = new Set(dataRows(r.text).map((row) => row.countryCode))
      expect(countries.size).toBeGreaterThan(100)
      expect(countries.has('US')).toBe(true)
      expect(countries.has('CN')).toBe(true)
    })

    it('rejects a lower-case country code as unknown', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'us' }))
      expect(r.status).toBe(200)
      expect(resultCode(r.text)).toBe('99')
      expect(resultMsg(r.text)).toBe('존재하지 않는 국가코드입니다.')
    })

    it('requires at least one of hsSgn and cntyCd', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501' }))
      expect(resultMsg(r.text)).toBe('품목코드 혹은 국가코드 중 1개 이상은 입력하셔야 합니다.')
    })

    it('ignores numOfRows, pageNo, type, dataType and Accept: application/json', async () => {
      const base = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'FJ' }))
      const noisy = await get(
        emu.url,
        q({
          strtYymm: '202501',
          endYymm: '202501',
          cntyCd: 'FJ',
          numOfRows: '10',
          pageNo: '3',
          type: 'json',
          dataType: 'JSON',
        }),
        { Accept: 'application/json' },
      )
      expect(noisy.status).toBe(200)
      expect(noisy.body.equals(base.body)).toBe(true)
      expect(items(noisy.text).length).toBeGreaterThan(10)
    })

    it('answers _type=json with gateway error 04 as JSON, HTTP 200', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'US', _type: 'json' }))
      expect(r.status).toBe(200)
      expect(r.headers['content-type']).toContain('application/json')
      const doc = JSON.parse(r.text) as { OpenAPI_ServiceResponse: { cmmMsgHeader: Record<string, string> } }
      expect(doc.OpenAPI_ServiceResponse.cmmMsgHeader.returnReasonCode).toBe('04')
      expect(JSON.stringify(doc)).toContain('HTTP_ERROR')
    })
  })

  describe('success response', () => {
    let body: string
    let headers: Record<string, string | string[] | undefined>
    let status: number
    let parsed: ReturnType<typeof items>
    beforeAll(async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202503', cntyCd: 'JP' }))
      body = r.text
      headers = r.headers
      status = r.status
      parsed = items(body)
    })

    it('is HTTP 200, Content-Type application/xml, with the standalone declaration', () => {
      expect(status).toBe(200)
      expect(headers['content-type']).toBe('application/xml')
      expect(body.startsWith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response>')).toBe(true)
    })

    it('has no whitespace between elements (only inside an item name, as KCS spells it)', () => {
      expect(body).not.toMatch(/>\s+</)
      // The only line breaks are the ones some KCS item names end in.
      const outsideNames = body.replace(/<statKor>[^<]*<\/statKor>/g, '')
      expect(outsideNames).not.toMatch(/[\r\n\t]/)
    })

    it('has header 00 / 정상서비스. then body/items/item*, and no totalCount, numOfRows or pageNo', () => {
      expect(body).toContain(
        '<response><header><resultCode>00</resultCode><resultMsg>정상서비스.</resultMsg></header><body><items><item>',
      )
      expect(body.endsWith('</item></items></body></response>')).toBe(true)
      expect(body).not.toMatch(/totalCount|numOfRows|pageNo/)
    })

    it('orders item children alphabetically', () => {
      // items() throws on any other order; every item passes.
      expect(parsed.length).toBeGreaterThan(1000)
    })

    it('puts a totals row first: year 총계, the text fields "-", dollars equal to the row sums', () => {
      const all = parsed
      const first = all[0]!
      expect(first.year).toBe('총계')
      expect([first.hsCd, first.statCd, first.statCdCntnKor1, first.statKor]).toEqual(['-', '-', '-', '-'])
      expect(all.slice(1).every((i) => /^\d{4}\.\d{2}$/.test(i.year))).toBe(true)
      const rows = dataRows(body)
      const sum = (k: 'exportUsd' | 'importUsd' | 'exportKg' | 'importKg') =>
        rows.reduce((s, r) => s + r[k], 0)
      expect(Number(first.expDlr)).toBe(sum('exportUsd'))
      expect(Number(first.impDlr)).toBe(sum('importUsd'))
      // Default: the weights drift by rounding as seen live, by at most 0.02 kg a row.
      const bound = Math.ceil(0.02 * rows.length)
      expect(Math.abs(Number(first.expWgt) - sum('exportKg'))).toBeLessThanOrEqual(bound)
      expect(Math.abs(Number(first.impWgt) - sum('importKg'))).toBeLessThanOrEqual(bound)
    })

    it('keeps balPayments = expDlr − impDlr on every row, the totals row included', () => {
      for (const i of parsed) expect(Number(i.balPayments)).toBe(Number(i.expDlr) - Number(i.impDlr))
      expect(parsed.some((i) => Number(i.balPayments) < 0)).toBe(true)
    })

    it('serves one row per month × country × code with year YYYY.MM', () => {
      const rows = dataRows(body)
      const keys = new Set(rows.map((r) => `${r.period}|${r.countryCode}|${r.hsCode}`))
      expect(keys.size).toBe(rows.length)
      expect(new Set(rows.map((r) => r.period))).toEqual(new Set(['2025-01', '2025-02', '2025-03']))
    })

    it('writes numbers as plain integers and hsCd as a string with leading zeros', () => {
      for (const i of parsed) {
        for (const k of ['balPayments', 'expDlr', 'expWgt', 'impDlr', 'impWgt'] as const) {
          expect(i[k]).toMatch(/^-?(0|[1-9]\d*)$/)
        }
      }
      expect(dataRows(body).some((r) => r.hsCode.startsWith('0'))).toBe(true)
    })

    it('serves statKor as the Korean leaf name (often 기타) and statCdCntnKor1 in the KCS spelling', async () => {
      const rows = dataRows(body)
      expect(rows.some((r) => r.itemName === '기타')).toBe(true)
      expect(rows.every((r) => r.countryName === '일본')).toBe(true)
      const ae = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'AE' }))
      expect(dataRows(ae.text)[0]!.countryName).toBe('아랍에미리트 연합')
    })

    it('names every line in Korean at every level: heading text at 4 digits, the API names at 6', async () => {
      const all = emu.truth.rows({ from: '2025-01', to: '2025-12', country: 'CN', hs: '02' })
      expect(all.find((r) => r.hsCode === '0202')?.itemName).toBe('쇠고기(냉동한 것으로 한정한다)')
      const six = emu.truth.rows({ from: '2025-01', to: '2025-01', country: 'CN', hs: '8542' })
      expect(six.find((r) => r.hsCode === '854232')?.itemName).toBe('메모리')
      // Every heading and subheading the emulator can serve (one month, every partner, chapter by chapter).
      for (const hs of ['01', '27', '84', '85', '87', '89']) {
        const rows = emu.truth.rows({ from: '2025-03', to: '2025-03', hs })
        expect(rows.length).toBeGreaterThan(0)
        expect(
          rows.filter((r) => !/[가-힣]/.test(r.itemName)).map((r) => `${r.hsCode} ${r.itemName}`),
        ).toEqual([])
      }
    })

    it('treats NA as Namibia, a real country code', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202512', cntyCd: 'NA' }))
      expect(resultCode(r.text)).toBe('00')
      const rows = dataRows(r.text)
      expect(rows.length).toBeGreaterThan(0)
      expect(rows.every((row) => row.countryCode === 'NA' && row.countryName === '나미비아')).toBe(true)
    })

    it('escapes & as &amp; (KCS spells TC 투르크 & 카이코스 군도)', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202512', cntyCd: 'TC' }))
      expect(r.text).toContain('<statCdCntnKor1>투르크 &amp; 카이코스 군도</statCdCntnKor1>')
      expect(r.text).not.toMatch(/&(?!amp;|lt;|gt;)/)
      expect(dataRows(r.text).every((row) => row.countryName === '투르크 & 카이코스 군도')).toBe(true)
    })

    it('sends X-RateLimit-Limit and X-RateLimit-Remaining on normal responses', () => {
      expect(headers['x-ratelimit-limit']).toBe('10000')
      expect(Number(headers['x-ratelimit-remaining'])).toBeLessThan(10000)
    })
  })

  describe('quirks', () => {
    it('has rows with all four measures 0 at the default rate', () => {
      const rows = emu.truth.rows({ country: 'US', from: '2025-01', to: '2025-12' })
      const zeros = rows.filter(
        (r) => r.exportKg === 0 && r.exportUsd === 0 && r.importKg === 0 && r.importUsd === 0,
      )
      expect(zeros.length).toBeGreaterThan(20)
      expect(zeros.length).toBeLessThan(rows.length * 0.01)
    })

    it('serves negative weights and 6- or 9-digit codes (rates configurable)', async () => {
      const quirky = await start({ quirks: { negativeWeight: 0.01, oddCode: 0.01 } })
      try {
        const r = await get(quirky.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'US' }))
        const rows = dataRows(r.text)
        expect(rows.some((row) => row.exportKg < 0 || row.importKg < 0)).toBe(true)
        expect(rows.some((row) => row.hsCode.length === 6)).toBe(true)
        expect(rows.some((row) => row.hsCode.length === 9)).toBe(true)
        expect(new Set(rows.map((row) => row.hsCode)).size).toBe(rows.length)
      } finally {
        await quirky.close()
      }
    })

    it('lets the totals weights differ from the sums by rounding when configured (dollars exact)', async () => {
      const drifty = await start({ totalsWeightDrift: 740 })
      try {
        const r = await get(drifty.url, q({ strtYymm: '202501', endYymm: '202506', cntyCd: 'PL' }))
        const all = items(r.text)
        const rows = dataRows(r.text)
        const total = all[0]!
        const expKg = rows.reduce((s, x) => s + x.exportKg, 0)
        expect(Math.abs(Number(total.expWgt) - expKg)).toBeLessThanOrEqual(740)
        expect(Number(total.expDlr)).toBe(rows.reduce((s, x) => s + x.exportUsd, 0))
      } finally {
        await drifty.close()
      }
    })
  })

  describe('empty answers and publication', () => {
    it('answers a future month with <items/>', async () => {
      const r = await get(emu.url, q({ strtYymm: '202612', endYymm: '202612', cntyCd: 'US' }))
      expect(r.text).toBe(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode><resultMsg>정상서비스.</resultMsg></header><body><items/></body></response>',
      )
    })

    it('answers a zero-trade query with <items/>, or a lone zero totals row when configured', async () => {
      const dormant = emu.truth.countries().find((c) => c.profile === 'dormant')!
      const emptyMonth = ['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06'].find(
        (m) => emu.truth.rows({ country: dormant.code, from: m, to: m }).length === 0,
      )!
      const yymm = emptyMonth.replace('-', '')
      const r = await get(emu.url, q({ strtYymm: yymm, endYymm: yymm, cntyCd: dormant.code }))
      expect(r.text).toContain('<items/>')
      const zeroTotals = await start({ emptyAnswer: 'zero-totals' })
      try {
        const z = await get(zeroTotals.url, q({ strtYymm: yymm, endYymm: yymm, cntyCd: dormant.code }))
        const all = items(z.text)
        expect(all).toHaveLength(1)
        expect(all[0]).toMatchObject({ year: '총계', expDlr: '0', impDlr: '0', expWgt: '0', impWgt: '0' })
      } finally {
        await zeroTotals.close()
      }
    })

    it('publishes the previous month on the 15th as a lone totals row, and its detail later', async () => {
      const pub = await start({ today: '2026-11-14' })
      try {
        const oct = q({ strtYymm: '202610', endYymm: '202610', cntyCd: 'US' })
        expect((await get(pub.url, oct)).text).toContain('<items/>')
        pub.setToday('2026-11-15')
        const lone = items((await get(pub.url, oct)).text)
        expect(lone).toHaveLength(1)
        expect(lone[0]!.year).toBe('총계')
        expect(Number(lone[0]!.expDlr)).toBeGreaterThan(0)
        pub.setToday('2026-11-25')
        const detail = items((await get(pub.url, oct)).text)
        expect(detail.length).toBeGreaterThan(1000)
        // The totals published first are the totals of the detail published later.
        expect(detail[0]).toEqual(lone[0])
        expect(pub.truth.publication()).toEqual({ lastTotalsMonth: '2026-10', lastDetailMonth: '2026-10' })
      } finally {
        await pub.close()
      }
    })
  })

  it('follows the clock in Korea when today is not fixed', async () => {
    let clock = Date.UTC(2026, 10, 14, 14, 59) // 2026-11-14 23:59 KST
    const live = await createEmulator({ port: 0, keys: [KEY], now: () => clock })
    try {
      expect(live.today).toBe('2026-11-14')
      expect(live.truth.answer({ country: 'US', from: '2026-10', to: '2026-10' }).kind).toBe('empty')
      clock = Date.UTC(2026, 10, 14, 15, 0) // 2026-11-15 00:00 KST
      expect(live.today).toBe('2026-11-15')
      expect(live.truth.answer({ country: 'US', from: '2026-10', to: '2026-10' }).kind).toBe('totals-only')
      live.setToday('2026-12-01')
      clock = Date.UTC(2027, 0, 1)
      expect(live.today).toBe('2026-12-01')
    } finally {
      await live.close()
    }
  })

  describe('volumes', () => {
    it('serves ~6,400 rows and ~1.8 MB for the US in one month', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'US' }))
      const n = items(r.text).length - 1
      expect(n).toBeGreaterThan(5800)
      expect(n).toBeLessThan(7000)
      expect(r.body.length).toBeGreaterThan(1.5e6)
      expect(r.body.length).toBeLessThan(2.1e6)
    })

    it('serves ~77,000 rows and ~21 MB (~275 bytes a row) for the US full year', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202512', cntyCd: 'US' }))
      const n = r.text.split('</item>').length - 2
      expect(n).toBeGreaterThan(72_000)
      expect(n).toBeLessThan(83_000)
      expect(r.body.length / n).toBeGreaterThan(250)
      expect(r.body.length / n).toBeLessThan(300)
    })

    it("gives each country its real number of rows a month (KCS's 2025-01 counts) and a profile from it", () => {
      const month = (c: string, m = '2025-01') => emu.truth.rows({ country: c, from: m, to: m }).length
      const profiles = new Map(emu.truth.countries().map((c) => [c.code, c.profile]))
      // Real 2025-01 counts: CN 7,791, AE 1,792, AD 2, KP 0 (FACTS.md §5).
      expect(profiles.get('CN')).toBe('major')
      expect(month('CN')).toBe(7791)
      expect(profiles.get('AE')).toBe('medium')
      expect(month('AE')).toBe(1792)
      expect(profiles.get('AD')).toBe('small')
      expect(month('AD')).toBe(2)
      expect(profiles.get('KP')).toBe('dormant')
      expect(month('KP', '2025-06')).toBe(0)
      // Other months keep the size (±15 %).
      expect(month('CN', '2025-03') / 7791).toBeGreaterThan(0.85)
      expect(month('CN', '2025-03') / 7791).toBeLessThan(1.15)
    })

    it('accepts every reference country code, and most of them have rows in a month', async () => {
      const codes = emu.truth.countries().map((c) => c.code)
      expect(codes.length).toBe(269)
      let withRows = 0
      for (const code of codes) {
        if (emu.truth.rows({ country: code, from: '2025-01', to: '2025-01' }).length > 0) withRows++
      }
      // 236 of the 269 KCS codes had rows in 2025-01.
      expect(withRows).toBe(236)
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'ZW' }))
      expect(resultCode(r.text)).toBe('00')
    })
  })

  describe('provider errors (99, HTTP 200)', () => {
    it.each([
      [
        'window over 12 months',
        { strtYymm: '202401', endYymm: '202501', cntyCd: 'US' },
        PROVIDER_MESSAGES.periodTooLong,
      ],
      [
        'end before start',
        { strtYymm: '202505', endYymm: '202504', cntyCd: 'US' },
        PROVIDER_MESSAGES.endBeforeStart,
      ],
      [
        'bad YYYYMM 2026-01',
        { strtYymm: '2026-01', endYymm: '202601', cntyCd: 'US' },
        PROVIDER_MESSAGES.badPeriodFormat,
      ],
      [
        'bad YYYYMM 2026.01',
        { strtYymm: '2026.01', endYymm: '202601', cntyCd: 'US' },
        PROVIDER_MESSAGES.badPeriodFormat,
      ],
      [
        'a required parameter missing',
        { strtYymm: '202501', cntyCd: 'US' },
        PROVIDER_MESSAGES.missingParameter,
      ],
      [
        'unknown country code',
        { strtYymm: '202501', endYymm: '202501', cntyCd: 'QQ' },
        PROVIDER_MESSAGES.unknownCountry,
      ],
      [
        'hsSgn of 3 digits',
        { strtYymm: '202501', endYymm: '202501', hsSgn: '851' },
        PROVIDER_MESSAGES.badHsLength,
      ],
      [
        'neither hsSgn nor cntyCd',
        { strtYymm: '202501', endYymm: '202501' },
        PROVIDER_MESSAGES.filterRequired,
      ],
    ])('%s', async (_name, params, message) => {
      const r = await get(emu.url, q(params))
      expect(r.status).toBe(200)
      expect(r.headers['content-type']).toBe('application/xml')
      // As measured: `<body/>` after an hsSgn of the wrong length, nothing after the other causes.
      const tail = message === PROVIDER_MESSAGES.badHsLength ? '<body/>' : ''
      expect(r.text).toBe(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>99</resultCode><resultMsg>${message}</resultMsg></header>${tail}</response>`,
      )
    })

    it('has the exact Korean messages of KCS-API.md', () => {
      expect(Object.values(PROVIDER_MESSAGES)).toEqual([
        '시작과 종료의 조회기간은 1년이내 기간만 가능합니다.',
        '종료년월이 시작년월보다 크거나 같아야 합니다.',
        '시작년월 형식이 맞지 않습니다.',
        '필수 요청변수가 누락되었습니다.',
        '존재하지 않는 국가코드입니다.',
        '품목코드는 2,4,6,10 자리로 입력해야 합니다.',
        '품목코드 혹은 국가코드 중 1개 이상은 입력하셔야 합니다.',
      ])
    })

    it('sends the three body variants: absent, <body/>, <body><totalCount>0</totalCount></body>', async () => {
      const rotating = await start({ providerErrorBody: 'rotate' })
      try {
        const bad = q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'QQ' })
        const tails = []
        for (let i = 0; i < 3; i++) tails.push((await get(rotating.url, bad)).text.split('</header>')[1])
        expect(tails).toEqual([
          '</response>',
          '<body/></response>',
          '<body><totalCount>0</totalCount></body></response>',
        ])
      } finally {
        await rotating.close()
      }
    })
  })

  describe('gateway errors', () => {
    it('missing key: 401, code 20, token SERVICE_KEY_IS_NULL', async () => {
      const r = await get(emu.url, query({ strtYymm: '202501', endYymm: '202501', cntyCd: 'US' }))
      expect(r.status).toBe(401)
      expect(r.text).toContain('<errMsg>SERVICE_KEY_IS_NULL</errMsg>')
      expect(reasonCode(r.text)).toBe('20')
      expect(r.headers['x-ratelimit-limit']).toBeUndefined()
    })

    it('unknown key (or not approved for this dataset): 403, code 30', async () => {
      const r = await get(
        emu.url,
        query({ serviceKey: 'not-registered', strtYymm: '202501', endYymm: '202501', cntyCd: 'US' }),
      )
      expect(r.status).toBe(403)
      expect(r.text).toContain('SERVICE_KEY_IS_NOT_REGISTERED_ERROR')
      expect(reasonCode(r.text)).toBe('30')
      expect(r.headers['x-ratelimit-remaining']).toBeUndefined()
    })

    it('unknown operation: 400, code 12', async () => {
      const r = await get(
        emu.url,
        `/1220000/nitemtrade/getNoSuchList?serviceKey=${KEY}&strtYymm=202501&endYymm=202501&cntyCd=US`,
      )
      expect(r.status).toBe(400)
      expect(reasonCode(r.text)).toBe('12')
      expect(r.text).toContain('NO_OPENAPI_SERVICE_ERROR')
    })

    it('a request header value containing environment=: 400, code 10, as JSON', async () => {
      const r = await get(emu.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'US' }), {
        'User-Agent': 'node-fetch (environment=test)',
      })
      expect(r.status).toBe(400)
      const doc = JSON.parse(r.text) as { OpenAPI_ServiceResponse: { cmmMsgHeader: Record<string, string> } }
      expect(doc.OpenAPI_ServiceResponse.cmmMsgHeader.returnReasonCode).toBe('10')
    })

    it('the current layout puts the token in errMsg and a Korean description in returnAuthMsg', async () => {
      const current = await start({ gatewayLayout: 'current' })
      try {
        const r = await get(
          current.url,
          query({ serviceKey: 'nope', strtYymm: '202501', endYymm: '202501', cntyCd: 'US' }),
        )
        expect(r.status).toBe(403)
        expect(r.text).toContain('<errMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</errMsg>')
        expect(r.text).toMatch(/<returnAuthMsg>[가-힣 ]+<\/returnAuthMsg>/)
        expect(reasonCode(r.text)).toBe('30')
      } finally {
        await current.close()
      }
    })

    it('accepts the key raw or percent-encoded exactly once; a double-encoded key is unknown (403/30)', async () => {
      const params = 'strtYymm=202501&endYymm=202501&cntyCd=FJ'
      const raw = await get(emu.url, `${PATH}?serviceKey=${ENCODED_STYLE_KEY}&${params}`)
      expect(raw.status).toBe(200)
      const once = encodeURIComponent(ENCODED_STYLE_KEY)
      expect(once).toContain('%2B')
      const encoded = await get(emu.url, `${PATH}?serviceKey=${once}&${params}`)
      expect(encoded.status).toBe(200)
      expect(encoded.body.equals(raw.body)).toBe(true)
      const twice = await get(emu.url, `${PATH}?serviceKey=${encodeURIComponent(once)}&${params}`)
      expect(twice.status).toBe(403)
      expect(reasonCode(twice.text)).toBe('30')
      const hex = await get(emu.url, `${PATH}?serviceKey=${HEX_KEY}&${params}`)
      expect(hex.status).toBe(200)
    })
  })
})

describe('limits', () => {
  it('daily quota: code 22 once the quota is used, status and layout configurable, reset at midnight KST', async () => {
    // 2026-11-23 14:59:59 UTC = 23:59:59 KST.
    let clock = Date.UTC(2026, 10, 23, 14, 59, 0)
    const emu = await start({ dailyQuota: 3, now: () => clock, quotaStatus: 200, quotaLayout: 'current' })
    try {
      const url = q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'FJ' })
      const remaining = []
      for (let i = 0; i < 3; i++) {
        const r = await get(emu.url, url)
        expect(r.status).toBe(200)
        expect(r.headers['x-ratelimit-limit']).toBe('3')
        remaining.push(r.headers['x-ratelimit-remaining'])
      }
      expect(remaining).toEqual(['2', '1', '0'])
      const over = await get(emu.url, url)
      expect(over.status).toBe(200)
      expect(over.text).toContain('<errMsg>LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR</errMsg>')
      expect(reasonCode(over.text)).toBe('22')
      expect(over.headers['x-ratelimit-limit']).toBeUndefined()
      expect(emu.quota(KEY)).toMatchObject({
        limit: 3,
        used: 3,
        remaining: 0,
        resetsAt: Date.UTC(2026, 10, 23, 15),
      })
      clock = Date.UTC(2026, 10, 23, 14, 59, 59, 999)
      expect(reasonCode((await get(emu.url, url)).text)).toBe('22')
      clock = Date.UTC(2026, 10, 23, 15, 0, 0)
      const next = await get(emu.url, url)
      expect(next.status).toBe(200)
      expect(next.headers['x-ratelimit-remaining']).toBe('2')
      emu.setDailyQuota(1)
      expect(reasonCode((await get(emu.url, url)).text)).toBe('22')
      expect(emu.stats.count('gateway-22', KEY)).toBe(3)
    } finally {
      await emu.close()
    }
  })

  it('quota is per key', async () => {
    const emu = await start({ dailyQuota: 1, now: () => Date.UTC(2026, 10, 23, 3) })
    try {
      const url = (key: string) =>
        query({ serviceKey: key, strtYymm: '202501', endYymm: '202501', cntyCd: 'FJ' })
      expect((await get(emu.url, url(KEY))).status).toBe(200)
      const over = await get(emu.url, url(KEY))
      expect(over.status).toBe(429)
      expect(reasonCode(over.text)).toBe('22')
      expect((await get(emu.url, url(HEX_KEY))).status).toBe(200)
    } finally {
      await emu.close()
    }
  })

  it('per-second limit: code 23 beyond ratePerSecond requests in one clock second, per key', async () => {
    let clock = Date.UTC(2026, 10, 23, 3, 0, 0, 100)
    const emu = await start({ ratePerSecond: 2, now: () => clock, rateLimitStatus: 503 })
    try {
      const url = q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'FJ' })
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await get(emu.url, url)).status)
      expect(statuses).toEqual([200, 200, 503, 503])
      const limited = await get(emu.url, url)
      expect(reasonCode(limited.text)).toBe('23')
      expect(limited.text).toContain('LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR')
      clock += 1000
      expect((await get(emu.url, url)).status).toBe(200)
      expect(emu.stats.peakPerSecond(KEY)).toBe(5)
      expect(emu.stats.count('gateway-23', KEY)).toBe(3)
      // Rejected calls do not use the daily quota.
      expect(emu.quota(KEY).used).toBe(3)
    } finally {
      await emu.close()
    }
  })
})
