/**
 * The sibling APIs (Itemtrade, nationtrade, Newtrade): the project's client against the emulator over
 * a real socket, consistency of the four datasets, conformance to SIBLINGS.md's facts, and per-dataset
 * key approval and quota.
 */
import {
  createKcsClient,
  isKcsError,
  KcsAuthError,
  type KcsClient,
  KcsQuotaExceededError,
  KcsServiceError,
} from '@kcs-trade/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmulator, type Emulator, OPERATION_PATHS, PROVIDER_MESSAGES } from './index.js'
import { get } from './test-utils/http.js'

const KEY = 'sibling+key/with=signs'
const ITEM_ONLY = 'approved-for-nitemtrade-only'
const TODAY = '2026-11-23'

const sum = (rows: readonly object[], field: string) =>
  rows.reduce((s, r) => s + ((r as Record<string, number>)[field] ?? 0), 0)

describe('the sibling APIs', () => {
  let emu: Emulator
  let kcs: KcsClient
  beforeAll(async () => {
    emu = await createEmulator({
      port: 0,
      seed: 7,
      keys: [KEY, ITEM_ONLY],
      approvals: { [ITEM_ONLY]: ['nitemtrade'] },
      today: TODAY,
    })
    kcs = createKcsClient({ serviceKey: KEY, baseUrl: emu.url, retry: 0, circuitBreaker: false })
  })
  afterAll(() => emu.close())

  const path = (name: keyof typeof OPERATION_PATHS, query: string, key = KEY) =>
    `${OPERATION_PATHS[name]}?serviceKey=${encodeURIComponent(key)}&${query}`

  describe('the client against the emulator', () => {
    it('tradeByItem: rows equal the truth, the totals row (sent LAST) equals their sum', async () => {
      const q = { from: '2025-01', to: '2025-03', hs: '8542' }
      const { rows, total, meta } = await kcs.tradeByItem(q)
      const truth = emu.truth.itemTrade(q)
      expect(rows).toEqual(truth.rows)
      expect(total).toEqual(truth.total)
      expect(rows.length).toBeGreaterThan(30)
      expect(meta.sumsMatch).toBe(true)
      expect(meta.weightDiffKg).toEqual({ exportKg: 0, importKg: 0 })
      expect(meta.inconsistentRows).toBe(0)
      for (const r of rows) expect(r.hsCode).toMatch(/^8542\d{6}$/)
    })

    it('streamTradeByItem and tradeByItemRange give the same rows', async () => {
      const q = { from: '2025-11', to: '2026-02', hs: '0202' }
      const stream = kcs.streamTradeByItem(q)
      const streamed = []
      for await (const r of stream) streamed.push(r)
      const windows = []
      for await (const w of kcs.tradeByItemRange(q)) windows.push(w)
      expect(windows.map((w) => w.query)).toEqual([
        { from: '2025-11', to: '2025-12', hs: '0202' },
        { from: '2026-01', to: '2026-02', hs: '0202' },
      ])
      expect(windows.flatMap((w) => w.rows)).toEqual(streamed)
      expect(stream.summary?.meta.sumsMatch).toBe(true)
      expect(streamed).toEqual([
        ...emu.truth.itemTrade({ from: '2025-11', to: '2025-12', hs: '0202' }).rows,
        ...emu.truth.itemTrade({ from: '2026-01', to: '2026-02', hs: '0202' }).rows,
      ])
    })

    it('tradeByCountry: every partner, no totals row, counts; one country with cntyCd', async () => {
      const all = await kcs.tradeByCountry({ from: '2025-01', to: '2025-01' })
      expect(all.rows).toEqual(emu.truth.countryTrade({ from: '2025-01', to: '2025-01' }).rows)
      expect(all.total).toBeNull()
      expect(all.meta.sumsMatch).toBeNull()
      expect(all.rows.length).toBe(236) // KCS: 236 of the 269 codes had trade in 2025-01
      const us = await kcs.tradeByCountry({ from: '2025-01', to: '2025-06', country: 'US' })
      expect(us.rows.map((r) => r.period)).toEqual([
        '2025-01',
        '2025-02',
        '2025-03',
        '2025-04',
        '2025-05',
        '2025-06',
      ])
      expect(us.rows[0]).toEqual(all.rows.find((r) => r.countryCode === 'US'))
      for (const r of us.rows) expect(r.exportCount).toBeGreaterThan(1000)
      const windows = []
      for await (const w of kcs.tradeByCountryRange({ from: '2024-12', to: '2025-01', country: 'CN' }))
        windows.push(w)
      expect(windows.map((w) => w.rows.length)).toEqual([1, 1])
    })

    it('tradeTotals: one row a month and the totals row (sent LAST), counts summed exactly', async () => {
      const q = { from: '2025-01', to: '2025-12' }
      const { rows, total, meta } = await kcs.tradeTotals(q)
      const truth = emu.truth.tradeTotals(q)
      expect(rows).toEqual(truth.rows)
      expect(total).toEqual(truth.total)
      expect(rows).toHaveLength(12)
      expect(meta.sumsMatch).toBe(true)
      expect(meta.weightDiffKg).toBeNull()
      const stream = kcs.streamTradeTotals({ from: '2026-01', to: '2026-03' })
      let n = 0
      for await (const _ of stream) n++
      expect(n).toBe(3)
      expect(stream.summary?.total?.exportUsd).toBe(
        sum(emu.truth.tradeTotals({ from: '2026-01', to: '2026-03' }).rows, 'exportUsd'),
      )
      let windows = 0
      for await (const _ of kcs.tradeTotalsRange({ from: '2024-01', to: '2025-12' })) windows++
      expect(windows).toBe(2)
    })

    it('provider errors are typed; a key not approved for a dataset is a KcsAuthError without the key', async () => {
      const unknown = await kcs
        .tradeByCountry({ from: '2025-01', to: '2025-01', country: 'QQ' })
        .catch((e) => e)
      expect(unknown).toBeInstanceOf(KcsServiceError)
      expect((unknown as KcsServiceError).reason).toBe('unknown-country')
      const other = createKcsClient({
        serviceKey: ITEM_ONLY,
        baseUrl: emu.url,
        retry: 0,
        circuitBreaker: false,
      })
      for (const call of [
        () => other.tradeByItem({ from: '2025-01', to: '2025-01', hs: '85' }),
        () => other.tradeByCountry({ from: '2025-01', to: '2025-01' }),
        () => other.tradeTotals({ from: '2025-01', to: '2025-01' }),
      ]) {
        const e = await call().catch((err: unknown) => err)
        expect(e).toBeInstanceOf(KcsAuthError)
        expect(isKcsError(e) && e.status).toBe(403)
        expect(JSON.stringify(e)).not.toContain(ITEM_ONLY)
        expect(String((e as Error).message) + (e as Error).stack).not.toContain(ITEM_ONLY)
      }
      // …and the same key works on the dataset it is approved for.
      const ok = await other.tradeByItemCountry({ from: '2025-01', to: '2025-01', country: 'AD' })
      expect(ok.meta.resultCode).toBe('00')
    })
  })

  describe('one truth: the four datasets agree', () => {
    it('Σ Itemtrade = Σ nitemtrade over countries, for a month and a prefix', () => {
      for (const hs of ['85', '0202', '27']) {
        const q = { from: '2025-03', to: '2025-03', hs }
        const item = emu.truth.itemTrade(q).total!
        const rows = emu.truth.rows(q) // nitemtrade, every country
        expect(item.exportUsd).toBe(sum(rows, 'exportUsd'))
        expect(item.importUsd).toBe(sum(rows, 'importUsd'))
        expect(item.exportKg).toBe(sum(rows, 'exportKg'))
        expect(item.importKg).toBe(sum(rows, 'importKg'))
      }
    })

    it('Σ nationtrade for a month = Newtrade for that month (dollars and counts)', () => {
      for (const month of ['2016-01', '2025-07', '2026-10']) {
        const countries = emu.truth.countryTrade({ from: month, to: month }).rows
        const [total] = emu.truth.tradeTotals({ from: month, to: month }).rows
        expect(total).toEqual({
          period: month,
          exportCount: sum(countries, 'exportCount'),
          exportUsd: sum(countries, 'exportUsd'),
          importCount: sum(countries, 'importCount'),
          importUsd: sum(countries, 'importUsd'),
          balanceUsd: sum(countries, 'balanceUsd'),
        })
      }
    })

    it('nationtrade per country = Σ nitemtrade of that country', () => {
      for (const country of ['US', 'CN', 'NA', 'ZZ', 'TC']) {
        const q = { from: '2025-05', to: '2025-05', country }
        const [row] = emu.truth.countryTrade(q).rows
        const items = emu.truth.rows(q)
        expect(row?.exportUsd).toBe(sum(items, 'exportUsd'))
        expect(row?.importUsd).toBe(sum(items, 'importUsd'))
        // Every traded row counts at least one declaration in its direction.
        expect(row!.exportCount).toBeGreaterThanOrEqual(items.filter((r) => r.exportUsd > 0).length)
      }
    })

    it('stays one truth after a revision', () => {
      emu.setRevision(3)
      try {
        const month = emu.truth.publication().lastDetailMonth
        const q = { from: month, to: month }
        const countries = emu.truth.countryTrade(q).rows
        expect(emu.truth.tradeTotals(q).rows[0]?.exportUsd).toBe(sum(countries, 'exportUsd'))
        const us = emu.truth.rows({ ...q, country: 'US' })
        expect(countries.find((r) => r.countryCode === 'US')?.exportUsd).toBe(sum(us, 'exportUsd'))
      } finally {
        emu.setRevision(1)
      }
    })
  })

  describe('conformance to SIBLINGS.md', () => {
    it('Itemtrade: children in alphabetical order with hsCode, 10-digit rows, totals row LAST', async () => {
      const r = await get(emu.url, path('itemtrade', 'strtYymm=202601&endYymm=202601&hsSgn=85'))
      expect(r.status).toBe(200)
      expect(r.headers['content-type']).toBe('application/xml')
      const items = r.text.match(/<item>.*?<\/item>/g)!
      for (const item of items)
        expect(item).toMatch(
          /^<item><balPayments>-?\d+<\/balPayments><expDlr>\d+<\/expDlr><expWgt>-?\d+<\/expWgt><hsCode>[^<]+<\/hsCode><impDlr>\d+<\/impDlr><impWgt>-?\d+<\/impWgt><statKor>[^<]*<\/statKor><year>[^<]+<\/year><\/item>$/,
        )
      expect(items.at(-1)).toMatch(/<hsCode>-<\/hsCode>.*<statKor>-<\/statKor><year>총계<\/year>/)
      expect(
        items.slice(0, -1).every((i) => /<hsCode>85\d{8}<\/hsCode>.*<year>2026\.01<\/year>/.test(i)),
      ).toBe(true)
      expect(r.text).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8" standalone="yes"\?><response><header><resultCode>00<\/resultCode><resultMsg>정상서비스.<\/resultMsg><\/header><body><items><item>/,
      )
      expect(r.text.endsWith('</item></items></body></response>')).toBe(true)
    })

    it('Itemtrade: a 10-digit code without trade or a future month answers <items/>', async () => {
      for (const q of ['strtYymm=202601&endYymm=202601&hsSgn=9999999999', 'strtYymm=202701&endYymm=202701']) {
        const r = await get(emu.url, path('itemtrade', q))
        expect(r.text).toBe(
          '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode><resultMsg>정상서비스.</resultMsg></header><body><items/></body></response>',
        )
      }
    })

    it('nationtrade: alphabetical children, counts, no weights, no totals row, sorted by expDlr descending, &amp;', async () => {
      const r = await get(emu.url, path('nationtrade', 'strtYymm=202501&endYymm=202501'))
      const items = r.text.match(/<item>.*?<\/item>/g)!
      for (const item of items)
        expect(item).toMatch(
          /^<item><balPayments>-?\d+<\/balPayments><expCnt>\d+<\/expCnt><expDlr>\d+<\/expDlr><impCnt>\d+<\/impCnt><impDlr>\d+<\/impDlr><statCd>[A-Z][A-Z0-9]<\/statCd><statCdCntnKor1>[^<]+<\/statCdCntnKor1><year>2025\.01<\/year><\/item>$/,
        )
      expect(r.text).not.toContain('총계')
      const exports = items.map((i) => Number(/<expDlr>(\d+)</.exec(i)![1]))
      expect(exports).toEqual([...exports].sort((a, b) => b - a))
      expect(items[0]).toContain('<statCd>CN</statCd><statCdCntnKor1>중국</statCdCntnKor1>')
      expect(r.text).toContain('<statCd>ZZ</statCd><statCdCntnKor1>기타국</statCdCntnKor1>')
      expect(r.text).toContain('투르크 &amp; 카이코스 군도')
      for (const item of items) {
        const [bal, exp, imp] = [/<balPayments>(-?\d+)</, /<expDlr>(\d+)</, /<impDlr>(\d+)</].map((re) =>
          Number(re.exec(item)![1]),
        )
        expect(bal).toBe(exp! - imp!)
      }
    })

    it('Newtrade: balPayments, expCnt, expDlr, impCnt, impDlr, year; the totals row LAST, like the 2016-01 capture', async () => {
      const r = await get(emu.url, path('newtrade', 'strtYymm=201601&endYymm=201601'))
      expect(r.text).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8" standalone="yes"\?><response><header><resultCode>00<\/resultCode><resultMsg>정상서비스.<\/resultMsg><\/header><body><items><item><balPayments>(-?\d+)<\/balPayments><expCnt>(\d+)<\/expCnt><expDlr>(\d+)<\/expDlr><impCnt>(\d+)<\/impCnt><impDlr>(\d+)<\/impDlr><year>2016\.01<\/year><\/item><item><balPayments>\1<\/balPayments><expCnt>\2<\/expCnt><expDlr>\3<\/expDlr><impCnt>\4<\/impCnt><impDlr>\5<\/impDlr><year>총계<\/year><\/item><\/items><\/body><\/response>$/,
      )
    })

    it('Newtrade 2016-01 is calibrated to the real capture (dollars within 3 %, declaration counts within 5 %)', () => {
      const [row] = emu.truth.tradeTotals({ from: '2016-01', to: '2016-01' }).rows
      const near = (value: number, real: number, tolerance: number) =>
        expect(Math.abs(value / real - 1), `${value} vs ${real}`).toBeLessThan(tolerance)
      near(row!.exportUsd, 36_260_420_221, 0.03)
      near(row!.importUsd, 31_321_900_755, 0.03)
      near(row!.exportCount, 606_149, 0.05)
      near(row!.importCount, 1_189_202, 0.05)
    })

    it('provider errors: the same 99 messages, nothing after the header', async () => {
      const cases: Array<[keyof typeof OPERATION_PATHS, string, string]> = [
        ['itemtrade', 'strtYymm=202501&endYymm=202601', PROVIDER_MESSAGES.periodTooLong],
        ['nationtrade', 'strtYymm=202501&endYymm=202601', PROVIDER_MESSAGES.periodTooLong],
        ['newtrade', 'strtYymm=202501&endYymm=202601', PROVIDER_MESSAGES.periodTooLong],
        ['newtrade', 'strtYymm=202506&endYymm=202501', PROVIDER_MESSAGES.endBeforeStart],
        ['newtrade', 'strtYymm=2025-01&endYymm=202501', PROVIDER_MESSAGES.badPeriodFormat],
        ['newtrade', 'strtYymm=202501', PROVIDER_MESSAGES.missingParameter],
        ['nationtrade', 'strtYymm=202501&endYymm=202501&cntyCd=us', PROVIDER_MESSAGES.unknownCountry],
        ['nationtrade', 'strtYymm=202501&endYymm=202501&cntyCd=QQ', PROVIDER_MESSAGES.unknownCountry],
      ]
      for (const [name, q, message] of cases) {
        const r = await get(emu.url, path(name, q))
        expect(r.status).toBe(200)
        expect(r.text).toBe(
          `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>99</resultCode><resultMsg>${message}</resultMsg></header></response>`,
        )
      }
      const hs = await get(emu.url, path('itemtrade', 'strtYymm=202501&endYymm=202501&hsSgn=854'))
      expect(hs.text).toContain(`<resultMsg>${PROVIDER_MESSAGES.badHsLength}</resultMsg>`)
    })

    it('numOfRows and pageNo are ignored; the service path is case-sensitive (another casing is 12)', async () => {
      const a = await get(emu.url, path('newtrade', 'strtYymm=202501&endYymm=202503'))
      const b = await get(emu.url, path('newtrade', 'strtYymm=202501&endYymm=202503&numOfRows=10&pageNo=2'))
      expect(b.text).toBe(a.text)
      const lower = await get(
        emu.url,
        `/1220000/newtrade/getNewtradeList?serviceKey=${KEY}&strtYymm=202501&endYymm=202501`,
      )
      expect(lower.status).toBe(400)
      expect(lower.text).toContain('<returnReasonCode>12</returnReasonCode>')
    })

    it('a month whose country totals are out but not its detail: nationtrade and Newtrade have it', async () => {
      // today 2026-11-23: 2026-10's totals are out (15th), its detail is not (25th).
      expect(emu.truth.publication()).toEqual({ lastTotalsMonth: '2026-10', lastDetailMonth: '2026-09' })
      expect(emu.truth.tradeTotals({ from: '2026-10', to: '2026-10' }).rows).toHaveLength(1)
      expect(emu.truth.countryTrade({ from: '2026-10', to: '2026-10' }).rows.length).toBeGreaterThan(200)
      const item = emu.truth.itemTrade({ from: '2026-10', to: '2026-10', hs: '85' })
      expect(item.rows).toEqual([]) // as nitemtrade: a lone totals row
      expect(item.total?.exportUsd).toBe(
        emu.truth.total({ from: '2026-10', to: '2026-10', hs: '85' })?.exportUsd,
      )
      const before = emu.stats.count('totals-only')
      const r = await get(emu.url, path('itemtrade', 'strtYymm=202610&endYymm=202610&hsSgn=85'))
      expect(r.text).toMatch(
        /<body><items><item><balPayments>-?\d+<\/balPayments>.*<year>총계<\/year><\/item><\/items>/,
      )
      expect(r.text.match(/<item>/g)).toHaveLength(1)
      expect(emu.stats.count('totals-only')).toBe(before + 1)
    })
  })

  describe('per-dataset approval and quota', () => {
    it('a key not approved for a dataset gets 403/30 there, byte for byte like an unknown key', async () => {
      const unknown = await get(emu.url, path('newtrade', 'strtYymm=202501&endYymm=202501', 'no-such-key'))
      for (const name of ['itemtrade', 'nationtrade', 'newtrade'] as const) {
        const r = await get(emu.url, path(name, 'strtYymm=202501&endYymm=202501', ITEM_ONLY))
        expect(r.status).toBe(403)
        expect(r.text).toBe(unknown.text)
        expect(r.headers['x-ratelimit-limit']).toBeUndefined()
      }
      const ok = await get(emu.url, path('nitemtrade', 'strtYymm=202501&endYymm=202501&cntyCd=AD', ITEM_ONLY))
      expect(ok.status).toBe(200)
    })

    it('each dataset has its own daily quota', async () => {
      const quotaKey = 'quota-key'
      const e = await createEmulator({ port: 0, keys: [quotaKey], dailyQuota: 2, today: TODAY, seed: 7 })
      try {
        const call = (name: keyof typeof OPERATION_PATHS, q = 'strtYymm=202501&endYymm=202501') =>
          get(e.url, `${OPERATION_PATHS[name]}?serviceKey=${quotaKey}&${q}`)
        expect((await call('newtrade')).headers['x-ratelimit-remaining']).toBe('1')
        expect((await call('newtrade')).headers['x-ratelimit-remaining']).toBe('0')
        const refused = await call('newtrade')
        expect(refused.text).toContain('<returnReasonCode>22</returnReasonCode>')
        expect(e.quota(quotaKey, 'newtrade')).toMatchObject({ used: 2, remaining: 0 })
        expect(e.quota(quotaKey, 'nationtrade')).toMatchObject({ used: 0, remaining: 2 })
        // The other datasets still answer, each counting its own calls.
        const nation = await call('nationtrade')
        expect(nation.headers['x-ratelimit-remaining']).toBe('1')
        const item = await call('nitemtrade', 'strtYymm=202501&endYymm=202501&cntyCd=AD')
        expect(item.headers['x-ratelimit-remaining']).toBe('1')
        expect(e.quota(quotaKey)).toMatchObject({ used: 1 })
        const client = createKcsClient({
          serviceKey: quotaKey,
          baseUrl: e.url,
          retry: 0,
          circuitBreaker: false,
        })
        const err = await client.tradeTotals({ from: '2025-01', to: '2025-01' }).catch((x: unknown) => x)
        expect(err).toBeInstanceOf(KcsQuotaExceededError)
        expect(String((err as Error).message)).not.toContain(quotaKey)
      } finally {
        await e.close()
      }
    })

    it('approvals are checked at start-up', async () => {
      await expect(createEmulator({ keys: ['a'], approvals: { b: ['newtrade'] } })).rejects.toThrow(
        /approvals/,
      )
      await expect(
        createEmulator({ keys: ['a'], approvals: { a: ['tradebycountry' as 'newtrade'] } }),
      ).rejects.toThrow(/approvals/)
    })
  })
})
