import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { connect } from './connect.js'
import { InvalidQueryError } from './errors.js'
import type { KcsDatabase, Slice, TradeRow } from './index.js'
import { migrate, migrationsFolder } from './migrate.js'
import { monthlySeries, topItems, topPartners } from './read.js'
import { revisions } from './read-revisions.js'
import { periodRange } from './read-rows.js'
import { replaceSlice } from './replace.js'
import { rebuildRollup, rollupDigitsFor } from './rollup.js'
import { rowsOf } from './sql.js'
import { backends, META, useTestDb } from './test-utils/backends.js'

/** A small seeded PRNG so the sequence is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const CODES = [
  '01',
  '0201',
  '020110',
  '0201100000',
  '0201200000',
  '0202300000',
  '0203',
  '851712',
  '8517130000',
  '8517140000',
  '8542',
  '8542310000',
  '9999999999',
]

/** The API's answer for a slice at a given revision: a deterministic subset of codes with values. */
function answer(slice: Slice, revision: number): TradeRow[] {
  const out: TradeRow[] = []
  const countries = slice.country ? [slice.country] : ['US', 'JP', 'VN']
  const [fy, fm] = slice.from.split('-').map(Number) as [number, number]
  const [ty, tm] = slice.to.split('-').map(Number) as [number, number]
  for (let i = fy * 12 + fm - 1; i <= ty * 12 + tm - 1; i++) {
    const period = `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`
    for (const country of countries) {
      for (const code of CODES) {
        if (slice.hs && !code.startsWith(slice.hs)) continue
        const r = prng(
          i * 1000 + code.length * 31 + Number(code.slice(0, 4)) + country.charCodeAt(0) * 7 + revision * 97,
        )
        if (r() < 0.25) continue // absent this revision: withdrawn or added between revisions
        const exportUsd = Math.floor(r() * 1e9)
        const importUsd = Math.floor(r() * 1e9)
        out.push({
          period,
          countryCode: country,
          countryName: revision > 1 && r() < 0.3 ? `${country} 개정` : `나라 ${country}`,
          hsCode: code,
          itemName: `품목 ${code}`,
          exportKg: Math.floor(r() * 1e6),
          exportUsd,
          importKg: Math.floor(r() * 1e6),
          importUsd,
          balanceUsd: exportUsd - importUsd,
        })
      }
    }
  }
  return out
}

/** The rollup as stored, and as it must be (recomputed from trade_rows), in comparable form. */
async function rollupVsBase(db: KcsDatabase): Promise<{ stored: string[]; expected: string[] }> {
  const cols = `digits, country_code, to_char(period, 'YYYY-MM') as period, hs_prefix, country_name, row_count,
    export_kg::text as ekg, export_usd::text as eusd, import_kg::text as ikg, import_usd::text as iusd, balance_usd::text as bal`
  const stored = rowsOf<Record<string, unknown>>(
    await db.execute(sql.raw(`select ${cols} from trade_monthly`)),
  )
  const expected = rowsOf<Record<string, unknown>>(
    await db.execute(
      sql.raw(`select ${cols} from (
        select d as digits, country_code, period, left(hs_code, d) as hs_prefix, max(country_name) as country_name,
          count(*)::int as row_count, sum(export_kg) as export_kg, sum(export_usd) as export_usd,
          sum(import_kg) as import_kg, sum(import_usd) as import_usd, sum(balance_usd) as balance_usd
        from trade_rows cross join (values (2), (4)) v(d) group by 1, 2, 3, 4) x`),
    ),
  )
  const key = (r: Record<string, unknown>) => Object.values(r).map(String).join('|')
  return { stored: stored.map(key).sort(), expected: expected.map(key).sort() }
}

describe.each(backends)('trade_monthly rollup on $name', (backend) => {
  const t = useTestDb(backend)
  beforeEach(async () => {
    if (!backend.skip) await t.reset()
  })

  it.skipIf(backend.skip)(
    'always equals trade_rows grouped by country, month and 2/4 digits: first writes, revisions, withdrawals, HS-prefix and all-country slices',
    async () => {
      const steps: Array<[Slice, number]> = [
        [{ country: 'US', from: '2025-01', to: '2025-06' }, 1],
        [{ country: 'JP', from: '2025-01', to: '2025-06' }, 1],
        [{ country: 'US', from: '2025-01', to: '2025-06' }, 2], // revised: changed, added, withdrawn
        [{ country: 'US', from: '2025-03', to: '2025-03', hs: '020110' }, 3], // prefix longer than 4 digits
        // Chapters and headings where the mirror holds nothing at another level of detail (their
        // answers have 4- and 6-digit codes, which the writer keeps apart from 10-digit ones).
        [{ country: 'JP', from: '2025-09', to: '2025-10', hs: '85' }, 4], // a chapter
        [{ country: 'JP', from: '2025-09', to: '2025-10', hs: '85' }, 5], // the chapter revised
        [{ country: 'VN', from: '2025-05', to: '2025-05', hs: '8542' }, 5], // a heading
        [{ country: 'VN', from: '2025-05', to: '2025-05', hs: '8542' }, 6], // the heading revised
        [{ from: '2025-07', to: '2025-08', hs: '02' }, 1], // all countries, a new part of the mirror
        [{ from: '2025-01', to: '2025-08', hs: '851713' }, 1], // all countries over written country slices
        [{ from: '2025-07', to: '2025-07', hs: '02' }, 2], // all countries, revised
        [{ country: 'VN', from: '2025-08', to: '2025-08', hs: '02' }, 6], // one country of an all-country slice
        [{ country: 'US', from: '2025-01', to: '2025-06' }, 2], // unchanged re-write
      ]
      expect(await periodRange(t.db)).toEqual({ earliest: null, latest: null })
      for (const [slice, revision] of steps) {
        const rows = answer(slice, revision)
        await replaceSlice(t.db, slice, rows, { ...META, rowCount: rows.length })
        const { stored, expected } = await rollupVsBase(t.db)
        expect(stored.length).toBeGreaterThan(0)
        expect(stored, JSON.stringify(slice)).toEqual(expected)
      }
      expect(await periodRange(t.db)).toEqual({ earliest: '2025-01', latest: '2025-10' })
      const applied = await revisions(t.db, { since: new Date(0) })
      expect(applied.length).toBeGreaterThan(0)
      const newest = await revisions(t.db, { since: new Date(0), order: 'desc', limit: 3 })
      expect(newest.map((r) => r.id)).toEqual(
        applied
          .map((r) => r.id)
          .reverse()
          .slice(0, 3),
      )
      // An empty answer withdraws everything in its scope, and the groups go with it.
      await replaceSlice(t.db, { country: 'JP', from: '2025-01', to: '2025-06' }, [], {
        ...META,
        rowCount: 0,
      })
      const after = await rollupVsBase(t.db)
      expect(after.stored).toEqual(after.expected)
      expect(after.stored.some((k) => /\|JP\|2025-0[1-6]\|/.test(k))).toBe(false)
      expect(after.stored.some((k) => /\|JP\|2025-09\|/.test(k))).toBe(true)

      // Reads served by the rollup equal the same aggregates over trade_rows.
      const base = async (where: string) =>
        rowsOf<{ period: string; e: string }>(
          await t.db.execute(
            sql.raw(`select to_char(period, 'YYYY-MM') as period, sum(export_usd)::text as e
              from trade_rows where ${where} group by period order by period`),
          ),
        ).map((r) => ({ period: r.period, exportUsd: Number(r.e) }))
      for (const [country, prefix] of [
        [undefined, undefined],
        ['US', undefined],
        ['US', '02'],
        [undefined, '0201'],
        [undefined, '8'],
        ['JP', '851'],
        ['US', '020110'], // longer than 4: trade_rows
      ] as const) {
        const series = await monthlySeries(t.db, {
          country,
          hsPrefix: prefix,
          from: '2025-01',
          to: '2025-12',
        })
        const where = [
          `period between '2025-01-01' and '2025-12-01'`,
          country ? `country_code = '${country}'` : 'true',
          prefix ? `hs_code like '${prefix}%'` : 'true',
        ].join(' and ')
        expect(
          series.map((p) => ({ period: p.period, exportUsd: p.exportUsd })),
          `${country} ${prefix}`,
        ).toEqual(await base(where))
      }
      const partners = await topPartners(t.db, { from: '2025-01', to: '2025-12', limit: 10, hsPrefix: '02' })
      const partnerTruth = rowsOf<{ c: string; n: string; t: string }>(
        await t.db.execute(
          sql.raw(`select country_code as c, max(country_name) as n, (sum(export_usd) + sum(import_usd))::text as t
            from trade_rows where hs_code like '02%' group by 1 order by sum(export_usd) + sum(import_usd) desc, 1`),
        ),
      )
      expect(partners.map((p) => [p.country, p.countryName, p.tradeUsd])).toEqual(
        partnerTruth.map((r) => [r.c, r.n, Number(r.t)]),
      )
      const headings = await topItems(t.db, {
        country: 'US',
        from: '2025-01',
        to: '2025-12',
        limit: 100,
        hsDigits: 4,
      })
      const headingTruth = rowsOf<{ h: string; t: string }>(
        await t.db.execute(
          sql.raw(`select left(hs_code, 4) as h, (sum(export_usd) + sum(import_usd))::text as t
            from trade_rows where country_code = 'US' group by 1 order by sum(export_usd) + sum(import_usd) desc, 1`),
        ),
      )
      expect(headings.map((h) => [h.hsCode, h.tradeUsd, h.itemName])).toEqual(
        headingTruth.map((r) => [r.h, Number(r.t), '']),
      )
      await expect(
        topItems(t.db, { from: '2025-01', to: '2025-12', limit: 5, hsDigits: 3 as 2 }),
      ).rejects.toBeInstanceOf(InvalidQueryError)
      // An HS prefix narrows the ranking to its codes (the dashboard's "US · HS 0202" lists only 0202…),
      // from the rollup (groups) or from trade_rows (codes), with the same sums.
      const itemTruth = async (key: string, where: string) =>
        rowsOf<{ h: string; t: string }>(
          await t.db.execute(
            sql.raw(`select ${key} as h, (sum(export_usd) + sum(import_usd))::text as t
              from trade_rows where ${where} group by 1 order by sum(export_usd) + sum(import_usd) desc, 1`),
          ),
        ).map((r) => [r.h, Number(r.t)])
      for (const [country, prefix, hsDigits] of [
        ['US', '02', 4],
        [undefined, '8', 2],
        ['US', '0202', 4],
        ['JP', '85', undefined],
        ['US', '0201', undefined],
        [undefined, '020110', undefined],
      ] as const) {
        const ranked = await topItems(t.db, {
          country,
          hsPrefix: prefix,
          from: '2025-01',
          to: '2025-12',
          limit: 100,
          ...(hsDigits ? { hsDigits } : {}),
        })
        const where = [
          `period between '2025-01-01' and '2025-12-01'`,
          country ? `country_code = '${country}'` : 'true',
          `hs_code like '${prefix}%'`,
        ].join(' and ')
        const truth = await itemTruth(hsDigits ? `left(hs_code, ${hsDigits})` : 'hs_code', where)
        expect(truth.length, `${country} ${prefix} ${hsDigits}`).toBeGreaterThan(0)
        expect(
          ranked.map((h) => [h.hsCode, h.tradeUsd]),
          `${country} ${prefix} ${hsDigits}`,
        ).toEqual(truth)
        expect(ranked.every((h) => h.hsCode.startsWith(prefix))).toBe(true)
      }
      await expect(
        topItems(t.db, { from: '2025-01', to: '2025-12', limit: 5, hsDigits: 2, hsPrefix: '0202' }),
      ).rejects.toThrow(/hsPrefix 0202 is longer than the 2-digit groups/)
      await expect(
        topItems(t.db, { from: '2025-01', to: '2025-12', limit: 5, hsPrefix: '02x' }),
      ).rejects.toBeInstanceOf(InvalidQueryError)

      // rebuildRollup gives the same table.
      const before = await rollupVsBase(t.db)
      await t.db.execute(sql`delete from trade_monthly`)
      expect((await rebuildRollup(t.db)).groups).toBe(before.stored.length)
      expect((await rollupVsBase(t.db)).stored).toEqual(before.stored)
    },
    60_000,
  )
})

describe('the rollup migration', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it('fills trade_monthly from the rows a mirror already had', async () => {
    // A mirror at the first migration, with rows, then migrated to the current schema.
    const dir = mkdtempSync(join(tmpdir(), 'kcs-rollup-migration-'))
    dirs.push(dir)
    cpSync(migrationsFolder, dir, { recursive: true })
    const journalPath = join(dir, 'meta', '_journal.json')
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] }
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }))
    const db = await connect('memory://')
    try {
      expect((await migrate(db, { migrationsFolder: dir })).applied).toEqual(['0000_initial'])
      await db.execute(sql`
        insert into trade_rows (period, country_code, hs_code, country_name, item_name, export_kg, export_usd, import_kg, import_usd, balance_usd)
        values ('2025-01-01', 'US', '0201100000', '미국', 'a', 1, 10, 2, 4, 6),
               ('2025-01-01', 'US', '0201200000', '미국', 'b', 3, 20, 4, 5, 15),
               ('2025-01-01', 'US', '0202300000', '미국', 'c', 5, 30, 6, 6, 24),
               ('2025-02-01', 'JP', '8517130000', '일본', 'd', 7, 40, 8, 7, 33)`)
      expect((await migrate(db)).applied).toEqual(['0001_monthly_rollup', '0002_sibling_totals'])
      const { stored, expected } = await rollupVsBase(db)
      expect(stored).toHaveLength(5) // US 0201, 0202, 02; JP 8517, 85
      expect(stored).toEqual(expected)
    } finally {
      await db.close()
    }
  })

  it('rollupDigitsFor picks the level that answers a prefix exactly', () => {
    expect([null, '8', '02', '020', '0201', '02011'].map((p) => rollupDigitsFor(p))).toEqual([
      2,
      2,
      2,
      4,
      4,
      null,
    ])
  })
})
