import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monthIndex } from './calendar.js'
import { Dataset, RowTable } from './data.js'
import { createEmulator, type Emulator, type EmulatorOptions } from './index.js'
import { loadTables } from './tables.js'
import { dataRows, get, items, query } from './test-utils/http.js'
import { rowXml, successChunks } from './xml.js'

const KEY = 'test-key'
const base: EmulatorOptions = { port: 0, seed: 1, keys: [KEY], today: '2026-11-23' }

async function bodyHash(options: EmulatorOptions, path: string): Promise<string> {
  const emu = await createEmulator(options)
  try {
    return createHash('sha256')
      .update((await get(emu.url, path)).body)
      .digest('hex')
  } finally {
    await emu.close()
  }
}

describe('determinism', () => {
  const path = query({ serviceKey: KEY, strtYymm: '202601', endYymm: '202606', cntyCd: 'TR' })

  it('gives the same bytes for the same seed and options', async () => {
    const a = await bodyHash(base, path)
    const b = await bodyHash(base, path)
    expect(a).toBe(b)
  })

  it('gives different data for another seed, revision or today', async () => {
    const a = await bodyHash(base, path)
    expect(await bodyHash({ ...base, seed: 2 }, path)).not.toBe(a)
    expect(await bodyHash({ ...base, revision: 3 }, path)).not.toBe(a)
    // On 2026-05-20 April is in its first release stage (a lone totals row) and May is not out.
    expect(await bodyHash({ ...base, today: '2026-05-20' }, path)).not.toBe(a)
  })
})

describe('the byte writer', () => {
  it('writes exactly what the string template does', () => {
    const tables = loadTables()
    const ds = new Dataset(tables, {
      seed: 5,
      firstMonth: monthIndex(2000, 1),
      quirks: { zeroRow: 0.05, negativeWeight: 0.05, oddCode: 0.05 },
      release: { totalsDay: 15, detailDay: 25 },
      revisionAnchor: monthIndex(2026, 9),
      totalsWeightDrift: 0,
      emptyAnswer: 'items',
      rawItemNames: true,
    })
    const answer = ds.answer(
      { country: ds.countryIndex('MX'), from: monthIndex(2025, 1), to: monthIndex(2025, 3), prefix: '' },
      1,
      { year: 2026, month: 11, day: 23 },
    )
    expect(answer.rows.length).toBeGreaterThan(5000)
    // Small chunks exercise every chunk boundary path.
    const bytes = Buffer.concat([...successChunks(answer.totals, answer.rows, ds.countries, 1000)]).toString(
      'utf8',
    )
    let expected = ''
    for (let k = 0; k < answer.rows.length; k++) expected += rowXml(answer.rows.row(k, ds.countries))
    expect(bytes.slice(bytes.indexOf('</item>') + 7, bytes.indexOf('</items>'))).toBe(expected)
    expect(
      Buffer.concat([...successChunks(null, new RowTable(ds.labels, 0), ds.countries)]).toString(),
    ).toContain('<items/>')
  })
})

describe('ground truth', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await createEmulator(base)
  })
  afterAll(() => emu.close())

  it.each<[{ country: string | undefined; hs: string | undefined }, string]>([
    [{ country: 'KE', hs: undefined }, 'country only'],
    [{ country: 'DE', hs: '84' }, 'country and chapter'],
    [{ country: undefined, hs: '0202' }, 'heading, all countries'],
    [{ country: undefined, hs: '870323' }, 'subheading, all countries'],
  ])('truth.rows equals what HTTP serves (%j, %s)', async (filter) => {
    const params: Record<string, string | undefined> = {
      serviceKey: KEY,
      strtYymm: '202505',
      endYymm: '202508',
      cntyCd: filter.country,
      hsSgn: filter.hs,
    }
    const r = await get(emu.url, query(params))
    const truthQuery = {
      from: '2025-05',
      to: '2025-08',
      ...(filter.country ? { country: filter.country } : {}),
    }
    const rows = emu.truth.rows(filter.hs ? { ...truthQuery, hs: filter.hs } : truthQuery)
    expect(dataRows(r.text)).toEqual(rows)
    const total = emu.truth.total(filter.hs ? { ...truthQuery, hs: filter.hs } : truthQuery)
    const first = items(r.text)[0]!
    expect(total).toEqual({
      exportKg: Number(first.expWgt),
      exportUsd: Number(first.expDlr),
      importKg: Number(first.impWgt),
      importUsd: Number(first.impDlr),
      balanceUsd: Number(first.balPayments),
    })
  })

  it('truth.rows equals what HTTP serves for a 10-digit code and all countries', async () => {
    const code = emu.truth.rows({ country: 'CN', from: '2025-05', to: '2025-05' })[500]!.hsCode
    const r = await get(
      emu.url,
      query({ serviceKey: KEY, strtYymm: '202501', endYymm: '202512', hsSgn: code }),
    )
    const rows = emu.truth.rows({ from: '2025-01', to: '2025-12', hs: code })
    expect(rows.length).toBeGreaterThan(10)
    expect(dataRows(r.text)).toEqual(rows)
  })

  it('describes a totals-only month and an empty one', () => {
    expect(emu.truth.answer({ country: 'US', from: '2026-10', to: '2026-10' })).toMatchObject({
      kind: 'totals-only',
      rows: [],
    })
    expect(emu.truth.answer({ country: 'US', from: '2026-11', to: '2026-12' })).toEqual({
      kind: 'empty',
      rows: [],
      total: null,
    })
  })

  it('rejects malformed truth queries', () => {
    expect(() => emu.truth.rows({ country: 'US', from: '2025-1', to: '2025-02' })).toThrow(/YYYY-MM/)
    expect(() => emu.truth.rows({ country: 'QQ', from: '2025-01', to: '2025-02' })).toThrow(/unknown country/)
    expect(() => emu.truth.rows({ from: '2025-01', to: '2025-02' })).toThrow(/country or an hs prefix/)
    expect(() => emu.truth.rows({ country: 'US', from: '2025-01', to: '2025-02', hs: '123' })).toThrow(
      /2, 4, 6 or 10/,
    )
  })
})

describe('revisions', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await createEmulator(base)
  })
  afterAll(() => emu.close())

  it('change a small share of past values, recent months mostly, and withdraw some rows', () => {
    const changes = emu.truth.changes(1, 2, { country: 'US' })
    const rows = emu.truth.rows({ country: 'US', from: '2025-10', to: '2026-09' }).length
    expect(changes.length).toBeGreaterThan(rows * 0.005)
    expect(changes.length).toBeLessThan(rows * 0.03)
    const kinds = new Set(changes.map((c) => c.kind))
    expect(kinds).toEqual(new Set(['added', 'changed', 'withdrawn']))
    const recent = changes.filter((c) => c.period >= '2025-10').length
    expect(recent / changes.length).toBeGreaterThan(0.8)
    expect(changes.every((c) => c.period <= '2026-09' && c.period >= '2024-10')).toBe(true)
  })

  it('truth.changes is the exact diff of what HTTP serves before and after setRevision', async () => {
    const path = query({ serviceKey: KEY, strtYymm: '202601', endYymm: '202609', cntyCd: 'PL' })
    const before = dataRows((await get(emu.url, path)).text)
    emu.setRevision(3)
    try {
      const after = dataRows((await get(emu.url, path)).text)
      const key = (r: { period: string; hsCode: string }) => `${r.period}|${r.hsCode}`
      const beforeMap = new Map(before.map((r) => [key(r), r]))
      const afterMap = new Map(after.map((r) => [key(r), r]))
      type Diff = { kind: string; key: string; before: unknown; after: unknown }
      const diff: Diff[] = []
      for (const [k, r] of beforeMap) {
        const a = afterMap.get(k)
        if (!a) diff.push({ kind: 'withdrawn', key: k, before: r, after: null })
        else if (JSON.stringify(a) !== JSON.stringify(r))
          diff.push({ kind: 'changed', key: k, before: r, after: a })
      }
      for (const [k, a] of afterMap)
        if (!beforeMap.has(k)) diff.push({ kind: 'added', key: k, before: null, after: a })
      const truth = emu.truth
        .changes(1, 3, { country: 'PL', from: '2026-01', to: '2026-09' })
        .map((c) => ({ kind: c.kind, key: `${c.period}|${c.hsCode}`, before: c.before, after: c.after }))
      const sort = (xs: Diff[]) => [...xs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      expect(diff.length).toBeGreaterThan(50)
      expect(sort(truth)).toEqual(sort(diff))
      // Totals follow the revised rows.
      const first = items((await get(emu.url, path)).text)[0]!
      expect(Number(first.expDlr)).toBe(after.reduce((s, r) => s + r.exportUsd, 0))
    } finally {
      emu.setRevision(1)
    }
  })

  it('are deterministic and reversible', () => {
    const a = emu.truth.changes(1, 2, { country: 'JP', from: '2026-01' })
    const b = emu.truth.changes(1, 2, { country: 'JP', from: '2026-01' })
    expect(a).toEqual(b)
    const back = emu.truth.changes(2, 1, { country: 'JP', from: '2026-01' })
    expect(back.length).toBe(a.length)
    expect(emu.truth.changes(2, 2)).toEqual([])
  })
})
