/**
 * SQL: every value reaches the database as a bound parameter. Names with quotes, SQL fragments,
 * backslashes, `$1`, dollar quotes, LIKE wildcards and unicode go through the writer (first fetch,
 * re-fetch with changes, failure records) and come back byte for byte through every read helper;
 * codes with the same fragments are refused by validation with a typed error; NUL (which PostgreSQL
 * text cannot store) is refused in names and written as `\0` in diagnostic text. The tables are
 * intact afterwards. On PGlite and PostgreSQL.
 */
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import {
  coverage,
  InvalidQueryError,
  InvalidSliceError,
  iterateTradeRows,
  type KcsDbError,
  ledger,
  mirroredCountries,
  monthlySeries,
  RowValidationError,
  recordSliceFailure,
  replaceSlice,
  revisions,
  topItems,
  topPartners,
  tradeRows,
} from './index.js'
import { backends, META, row, useTestDb } from './test-utils/backends.js'
import { tableChecksums } from './test-utils/checksums.js'
import type { TradeRow } from './types.js'

/** Text the writer must store and return exactly. */
const NASTY = [
  "'; DROP TABLE trade_rows; --",
  "O'Brien",
  "''",
  '\\',
  "\\'; select 1; --",
  'C:\\path\\to\\file',
  '$1',
  '$1::text, $2',
  '$$ dollar $$',
  '$tag$ quoted $tag$',
  '%_ LIKE wildcards %',
  '"double"; drop table revisions; --',
  '); delete from sync_ledger; --',
  '/* comment */ --',
  ':name ? ?? @p1',
  "E'\\x27'",
  '소고기 (냉동) — 한국어',
  '🐄 emoji 👍🏽',
  'مرحبا RTL \u202e reversed',
  'tab\tnew\nline\r',
  '\u0001\u001f control',
  'x'.repeat(100_000),
]
/** Codes carrying the same fragments: refused by validation, never sent. */
const BAD_CODES = [
  "US'; --",
  "U'",
  'U\\',
  '$1',
  "0101' OR '1'='1",
  '01%',
  '01_',
  '0101; DROP TABLE trade_rows',
]
const SLICE = { country: 'US', from: '2025-01', to: '2025-12' }

function answer(suffix = ''): TradeRow[] {
  return NASTY.map((name, i) =>
    row({
      period: `2025-${String((i % 12) + 1).padStart(2, '0')}`,
      hsCode: String(100_000_000 + i).padStart(10, '0'),
      countryName: `미국 ${name}`,
      itemName: `${name}${suffix}`,
      exportUsd: 100 + i,
    }),
  )
}

const byKey = (a: TradeRow, b: TradeRow) =>
  `${a.countryCode}${a.period}${a.hsCode}` < `${b.countryCode}${b.period}${b.hsCode}` ? -1 : 1

describe.each(backends)('SQL values are parameterised on $name', (backend) => {
  const t = useTestDb(backend)

  it.skipIf(backend.skip)('names round-trip exactly through the writer and every read helper', async () => {
    const first = answer()
    expect(await replaceSlice(t.db, SLICE, first, META)).toMatchObject({ added: NASTY.length })
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual([...first].sort(byKey))
    const streamed: TradeRow[] = []
    for await (const r of iterateTradeRows(
      t.db,
      { from: '2025-01', to: '2025-12', country: 'US' },
      { pageSize: 3 },
    ))
      streamed.push(r)
    expect(streamed).toEqual([...first].sort(byKey))

    // A re-fetch that changes every name: the diff path and the revisions carry them.
    const second = answer(' (rev)')
    const summary = await replaceSlice(t.db, SLICE, second, META)
    expect(summary).toMatchObject({ changed: NASTY.length, added: 0, withdrawn: 0 })
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual([...second].sort(byKey))
    const revs = await revisions(t.db, { since: new Date(0) })
    expect(revs).toHaveLength(NASTY.length)
    const names = new Map(revs.map((r) => [r.hsCode, [r.before?.itemName, r.after?.itemName]]))
    for (const [i, name] of NASTY.entries()) {
      expect(names.get(String(100_000_000 + i).padStart(10, '0'))).toEqual([name, `${name} (rev)`])
    }

    const items = await topItems(t.db, { from: '2025-01', to: '2025-12', country: 'US', limit: 100 })
    expect(items.map((i) => i.itemName).sort()).toEqual(second.map((r) => r.itemName).sort())
    const partners = await topPartners(t.db, { from: '2025-01', to: '2025-12', limit: 5 })
    expect(partners).toHaveLength(1)
    expect(second.map((r) => r.countryName)).toContain(partners[0]?.countryName)
    expect(await mirroredCountries(t.db)).toEqual(['US'])
    const series = await monthlySeries(t.db, {
      from: '2025-01',
      to: '2025-12',
      country: 'US',
      hsPrefix: '01',
    })
    expect(series.reduce((s, p) => s + p.exportUsd, 0)).toBe(second.reduce((s, r) => s + r.exportUsd, 0))
  })

  it.skipIf(backend.skip)(
    'failure texts and codes round-trip through recordSliceFailure, ledger and coverage',
    async () => {
      for (const [i, text] of NASTY.entries()) {
        const slice = {
          country: 'JP',
          from: `2024-${String((i % 12) + 1).padStart(2, '0')}`,
          to: `2024-${String((i % 12) + 1).padStart(2, '0')}`,
        }
        const hs = String(10 + i)
        await recordSliceFailure(
          t.db,
          { ...slice, hs },
          { error: text, errorCode: text.slice(0, 40), attempts: 2, durationMs: 3 },
        )
        const [entry] = await ledger(t.db, { country: 'JP', hs })
        expect(entry?.lastError).toBe(text.slice(0, 2000))
        expect(entry?.errorCode).toBe(text.slice(0, 40))
        // A slice key is free text to the filter: bound, so it matches only itself.
        expect(await ledger(t.db, { sliceKey: text.slice(0, 200) })).toEqual([])
        expect(await ledger(t.db, { sliceKey: entry?.sliceKey as string })).toHaveLength(1)
      }
      const cov = await coverage(t.db)
      expect(cov.find((c) => c.country === 'JP')?.failedSlices).toBe(NASTY.length)
    },
  )

  it.skipIf(backend.skip)(
    'codes with SQL fragments and NUL in names are refused with typed errors; nothing written',
    async () => {
      const before = await tableChecksums(t.db)
      const refused: Array<[string, () => Promise<unknown>, new (...args: never[]) => KcsDbError]> = []
      for (const code of BAD_CODES) {
        refused.push(
          [
            `slice country ${code}`,
            () => replaceSlice(t.db, { ...SLICE, country: code }, [row()], META),
            InvalidSliceError,
          ],
          [
            `slice hs ${code}`,
            () => replaceSlice(t.db, { from: '2025-01', to: '2025-01', hs: code }, [row()], META),
            InvalidSliceError,
          ],
          [
            `row countryCode ${code}`,
            () => replaceSlice(t.db, SLICE, [row({ countryCode: code })], META),
            RowValidationError,
          ],
          [
            `row hsCode ${code}`,
            () => replaceSlice(t.db, SLICE, [row({ hsCode: code })], META),
            RowValidationError,
          ],
          [
            `row period ${code}`,
            () => replaceSlice(t.db, SLICE, [row({ period: `2025-01${code}` })], META),
            RowValidationError,
          ],
          [
            `failure slice ${code}`,
            () =>
              recordSliceFailure(
                t.db,
                { ...SLICE, country: code },
                { error: 'x', attempts: 1, durationMs: 1 },
              ),
            InvalidSliceError,
          ],
          [
            `tradeRows country ${code}`,
            () => tradeRows(t.db, { from: '2025-01', to: '2025-12', country: code }),
            InvalidQueryError,
          ],
          [
            `tradeRows hsPrefix ${code}`,
            () => tradeRows(t.db, { from: '2025-01', to: '2025-12', hsPrefix: code }),
            InvalidQueryError,
          ],
          [
            `monthlySeries country ${code}`,
            () => monthlySeries(t.db, { from: '2025-01', to: '2025-12', country: code }),
            InvalidQueryError,
          ],
          [
            `topPartners hsPrefix ${code}`,
            () => topPartners(t.db, { from: '2025-01', to: '2025-12', hsPrefix: code, limit: 5 }),
            InvalidQueryError,
          ],
          [
            `topItems country ${code}`,
            () => topItems(t.db, { from: '2025-01', to: '2025-12', country: code, limit: 5 }),
            InvalidQueryError,
          ],
          [
            `revisions country ${code}`,
            () => revisions(t.db, { since: new Date(0), country: code }),
            InvalidQueryError,
          ],
          [`ledger country ${code}`, () => ledger(t.db, { country: code }), InvalidQueryError],
          [`ledger hs ${code}`, () => ledger(t.db, { hs: code }), InvalidQueryError],
          [`ledger from ${code}`, () => ledger(t.db, { from: code }), InvalidQueryError],
        )
      }
      refused.push(
        [
          'NUL in itemName',
          () => replaceSlice(t.db, SLICE, [row({ itemName: 'beef\u0000; drop' })], META),
          RowValidationError,
        ],
        [
          'NUL in countryName',
          () => replaceSlice(t.db, SLICE, [row({ countryName: '\u0000' })], META),
          RowValidationError,
        ],
        ['NUL in a ledger sliceKey filter', () => ledger(t.db, { sliceKey: 'US\u0000' }), InvalidQueryError],
      )
      for (const [name, attempt, type] of refused) {
        const error = await attempt().then(
          () => new Error(`${name}: accepted`),
          (e: unknown) => e,
        )
        expect(error, name).toBeInstanceOf(type)
        expect((error as KcsDbError).hint, name).not.toBe('')
      }
      expect(await tableChecksums(t.db)).toEqual(before)
    },
  )

  it.skipIf(backend.skip)('NUL in failure text is stored as \\0, not a driver error', async () => {
    await recordSliceFailure(
      t.db,
      { country: 'KR', from: '2025-01', to: '2025-01' },
      { error: 'bad\u0000byte', errorCode: '\u0000', attempts: 1, durationMs: 1 },
    )
    const [entry] = await ledger(t.db, { country: 'KR' })
    expect(entry?.lastError).toBe('bad\\0byte')
    expect(entry?.errorCode).toBe('\\0')
  })

  it.skipIf(backend.skip)('the tables are intact afterwards', async () => {
    const r = (await t.db.execute(
      sql`select to_regclass('public.trade_rows')::text as a, to_regclass('public.revisions')::text as b, to_regclass('public.sync_ledger')::text as c`,
    )) as unknown as { rows: Array<Record<string, string | null>> }
    expect(r.rows[0]).toEqual({ a: 'trade_rows', b: 'revisions', c: 'sync_ledger' })
    expect((await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).length).toBe(NASTY.length)
  })
})
