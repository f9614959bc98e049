/**
 * The live API's data quirks, on by default at their real frequency, each of which can be switched off
 * (`cleanData`, or one option each) for tests that need clean data. Over a real socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REAL_QUIRK_RATES } from './data.js'
import { createEmulator, type Emulator, type EmulatorOptions } from './index.js'
import { dataRows, get, items, query } from './test-utils/http.js'

const KEY = 'test-key'
const q = (params: Record<string, string>) => query({ serviceKey: KEY, ...params })

function start(extra: Partial<EmulatorOptions> = {}): Promise<Emulator> {
  return createEmulator({ port: 0, seed: 1, keys: [KEY], today: '2026-11-23', ...extra })
}

/** KCS's code table spells 2930902090 `기타` with a line break after it (and nine more lines like it). */
const NEWLINE_CODE = '2930902090'

describe('data quirks', () => {
  let emu: Emulator
  let clean: Emulator
  beforeAll(async () => {
    emu = await start()
    clean = await start({ cleanData: true })
  })
  afterAll(async () => {
    await emu.close()
    await clean.close()
  })

  it('defaults to the real rates (FACTS.md §5)', () => {
    expect(REAL_QUIRK_RATES.zeroRow).toBeCloseTo(30 / 77_606, 10)
    expect(REAL_QUIRK_RATES.negativeWeight).toBeCloseTo(19 / 22_351_483, 12)
    expect(REAL_QUIRK_RATES.oddCode).toBeCloseTo(53 / 22_351_483, 12)
  })

  it('serves an item name ending in a newline as KCS spells it; cleanData or rawItemNames: false trims it', async () => {
    const query = q({ strtYymm: '202501', endYymm: '202512', hsSgn: NEWLINE_CODE })
    const raw = await get(emu.url, query)
    const rows = dataRows(raw.text)
    expect(rows.length).toBeGreaterThan(0)
    expect(raw.text).toContain('<statKor>기타\n</statKor>')
    expect(rows.every((r) => r.itemName === '기타\n')).toBe(true)
    const trimmed = await get(clean.url, query)
    expect(trimmed.text).toContain('<statKor>기타</statKor>')
    expect(trimmed.text).not.toContain('\n')
    const off = await start({ rawItemNames: false })
    try {
      expect((await get(off.url, query)).text).not.toContain('\n')
    } finally {
      await off.close()
    }
  })

  it('escapes the & of three KCS country names as &amp; (not a quirk to switch off: it is the name)', async () => {
    const r = await get(clean.url, q({ strtYymm: '202501', endYymm: '202512', cntyCd: 'WF' }))
    const rows = dataRows(r.text)
    expect(rows.length).toBeGreaterThan(0)
    expect(r.text).toContain('<statCdCntnKor1>왈라스 &amp; 퓨투나 군도</statCdCntnKor1>')
  })

  it("lets the totals row's weights drift from the row sums by default, dollars exact; exact when clean", async () => {
    const query = q({ strtYymm: '202501', endYymm: '202512', cntyCd: 'US' })
    const drift = async (e: Emulator) => {
      const text = (await get(e.url, query)).text
      const total = items(text)[0]!
      const rows = dataRows(text)
      const sum = (k: 'exportKg' | 'importKg' | 'exportUsd' | 'importUsd') =>
        rows.reduce((s, r) => s + r[k], 0)
      expect(Number(total.expDlr)).toBe(sum('exportUsd'))
      expect(Number(total.impDlr)).toBe(sum('importUsd'))
      return {
        rows: rows.length,
        exp: Number(total.expWgt) - sum('exportKg'),
        imp: Number(total.impWgt) - sum('importKg'),
      }
    }
    const live = await drift(emu)
    // Seen live: 740 kg over 77,606 rows; at most 0.02 kg a row either way here.
    expect(live.exp !== 0 || live.imp !== 0).toBe(true)
    expect(Math.abs(live.exp)).toBeLessThanOrEqual(Math.ceil(0.02 * live.rows))
    expect(Math.abs(live.imp)).toBeLessThanOrEqual(Math.ceil(0.02 * live.rows))
    expect(await drift(clean)).toMatchObject({ exp: 0, imp: 0 })
  })

  it('serves zero-trade rows at the real rate (≈ 30 in a US year), none when clean', () => {
    const zero = (e: Emulator) =>
      e.truth
        .rows({ country: 'US', from: '2025-01', to: '2025-12' })
        .filter((r) => r.exportKg === 0 && r.exportUsd === 0 && r.importKg === 0 && r.importUsd === 0).length
    const n = zero(emu)
    expect(n).toBeGreaterThanOrEqual(12)
    expect(n).toBeLessThanOrEqual(55)
    expect(zero(clean)).toBe(0)
  })

  it('serves negative weights and 6- or 9-digit codes (rare by default, set by quirks), none when clean', async () => {
    const many = await start({ quirks: { negativeWeight: 0.01, oddCode: 0.01 } })
    try {
      const rows = dataRows(
        (await get(many.url, q({ strtYymm: '202501', endYymm: '202501', cntyCd: 'US' }))).text,
      )
      expect(rows.some((r) => r.exportKg < 0 || r.importKg < 0)).toBe(true)
      expect(rows.some((r) => r.hsCode.length === 6)).toBe(true)
      expect(rows.some((r) => r.hsCode.length === 9)).toBe(true)
    } finally {
      await many.close()
    }
    const cleanRows = clean.truth.rows({ country: 'CN', from: '2025-01', to: '2025-12' })
    expect(cleanRows.some((r) => r.exportKg < 0 || r.importKg < 0 || r.hsCode.length !== 10)).toBe(false)
  })

  it('lets an explicit option win over cleanData', async () => {
    const e = await start({ cleanData: true, totalsWeightDrift: 'per-row', rawItemNames: true })
    try {
      const text = (await get(e.url, q({ strtYymm: '202501', endYymm: '202512', hsSgn: NEWLINE_CODE }))).text
      expect(text).toContain('<statKor>기타\n</statKor>')
    } finally {
      await e.close()
    }
  })

  it('rejects a cleanData or rawItemNames that is not a boolean, and a totalsWeightDrift that is not a number or per-row', async () => {
    await expect(start({ cleanData: 'yes' as unknown as boolean })).rejects.toThrow(/cleanData/)
    await expect(start({ rawItemNames: 1 as unknown as boolean })).rejects.toThrow(/rawItemNames/)
    await expect(start({ totalsWeightDrift: 'some' as unknown as number })).rejects.toThrow(
      /totalsWeightDrift/,
    )
  })
})
