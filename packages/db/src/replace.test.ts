import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import type { KcsDatabase } from './connect.js'
import { connect } from './connect.js'
import {
  DuplicateRowError,
  InvalidQueryError,
  InvalidSliceError,
  ReplaceSliceError,
  RowSourceError,
  RowValidationError,
  UnsafeIntegerError,
} from './errors.js'
import { monthlySeries, topItems, topPartners } from './read.js'
import { ledger } from './read-ledger.js'
import { revisions } from './read-revisions.js'
import { tradeRows } from './read-rows.js'
import { RowCountMismatchError, recordSliceFailure, replaceSlice } from './replace.js'
import { asAsync, backends, META, row, rows, useTestDb } from './test-utils/backends.js'
import type { Slice, TradeRow } from './types.js'

const US_2025 = { country: 'US', from: '2025-01', to: '2025-12' }

function sortRows(list: TradeRow[]): TradeRow[] {
  return [...list].sort((a, b) =>
    `${a.countryCode}${a.period}${a.hsCode}` < `${b.countryCode}${b.period}${b.hsCode}` ? -1 : 1,
  )
}

describe.each(backends)('replaceSlice on $name', (backend) => {
  const t = useTestDb(backend)
  beforeEach(async () => {
    if (!backend.skip) await t.reset()
  })

  it.skipIf(backend.skip)('writes a first fetch without revisions and records the ledger', async () => {
    expect(t.db.driver).toBe(backend.name)
    expect(t.db.url).toBe(backend.name === 'pglite' ? 'memory://' : t.url)
    const answer = rows('US', 50)
    const summary = await replaceSlice(t.db, US_2025, answer, {
      ...META,
      total: { exportKg: 1, exportUsd: 2, importKg: 3, importUsd: 4, balanceUsd: -2 },
      sumsMatch: true,
      rowCount: 50,
    })
    expect(summary).toMatchObject({
      firstFetch: true,
      rowCount: 50,
      added: 50,
      changed: 0,
      withdrawn: 0,
      unchanged: 0,
    })
    expect(summary.revisionsRecorded).toBe(0)
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual(sortRows(answer))
    expect(await revisions(t.db, { since: new Date(0) })).toEqual([])
    const [entry] = await ledger(t.db)
    expect(entry).toMatchObject({
      sliceKey: 'US:2025-01..2025-12',
      slice: { country: 'US', from: '2025-01', to: '2025-12' },
      status: 'ok',
      rowCount: 50,
      totals: { exportKg: 1, exportUsd: 2, importKg: 3, importUsd: 4, balanceUsd: -2 },
      sumsMatch: true,
      bodySha256: META.bodySha256,
      attempts: 1,
      durationMs: 12,
      lastError: null,
      lastChanges: { added: 50, changed: 0, withdrawn: 0 },
    })
    expect(entry?.fetchedAt).toBeInstanceOf(Date)
  })

  it.skipIf(backend.skip)('is idempotent: the same answer twice changes and records nothing', async () => {
    const answer = rows('US', 40)
    const first = new Date('2026-01-01T00:00:00Z')
    const second = new Date('2026-02-01T00:00:00Z')
    await replaceSlice(t.db, US_2025, answer, { ...META, fetchedAt: first })
    const before = await t.db.execute(sql`select *, fetched_at::text as f from trade_rows order by 1, 2, 3`)
    const summary = await replaceSlice(t.db, US_2025, answer, { ...META, fetchedAt: second, attempts: 2 })
    expect(summary).toMatchObject({ firstFetch: false, added: 0, changed: 0, withdrawn: 0, unchanged: 40 })
    expect(summary.revisionsRecorded).toBe(0)
    const after = await t.db.execute(sql`select *, fetched_at::text as f from trade_rows order by 1, 2, 3`)
    expect((after as unknown as { rows: unknown[] }).rows).toEqual(
      (before as unknown as { rows: unknown[] }).rows,
    )
    expect(await revisions(t.db, { since: new Date(0) })).toEqual([])
    const [entry] = await ledger(t.db)
    expect(entry?.fetchedAt?.toISOString()).toBe(second.toISOString())
    expect(entry?.firstFetchedAt?.toISOString()).toBe(first.toISOString())
    expect(entry?.attempts).toBe(2)
  })

  it.skipIf(backend.skip)(
    'updates changed rows, deletes withdrawn ones, adds new ones, with revisions',
    async () => {
      const answer = rows('US', 30)
      await replaceSlice(t.db, US_2025, answer, META)
      const changed = {
        ...answer[3]!,
        exportUsd: answer[3]!.exportUsd + 7,
        balanceUsd: answer[3]!.balanceUsd + 7,
      }
      const renamed = { ...answer[4]!, itemName: "새 이름 'renamed'" }
      const added = row({ period: '2025-12', hsCode: '9999999999', exportUsd: 5, importUsd: 9 })
      const next = [...answer.slice(0, 3), changed, renamed, ...answer.slice(6), added] // answer[5] withdrawn
      const at = new Date('2026-03-01T00:00:00Z')
      const summary = await replaceSlice(t.db, US_2025, asAsync(next), { ...META, fetchedAt: at })
      expect(summary).toMatchObject({ firstFetch: false, added: 1, changed: 2, withdrawn: 1, unchanged: 27 })
      expect(summary.revisionsRecorded).toBe(4)
      expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual(sortRows(next))
      const revs = await revisions(t.db, { since: new Date(0) })
      const byKind = (kind: string) => revs.filter((r) => r.kind === kind)
      expect(byKind('withdrawn')).toEqual([
        expect.objectContaining({
          period: answer[5]!.period,
          country: 'US',
          hsCode: answer[5]!.hsCode,
          after: null,
          before: expect.objectContaining({ exportUsd: answer[5]!.exportUsd, itemName: answer[5]!.itemName }),
          at,
          sliceKey: 'US:2025-01..2025-12',
        }),
      ])
      const changedRevs = byKind('changed')
      expect(changedRevs).toHaveLength(2)
      const money = changedRevs.find((r) => r.hsCode === changed.hsCode && r.period === changed.period)
      expect(money?.before?.exportUsd).toBe(answer[3]!.exportUsd)
      expect(money?.after?.exportUsd).toBe(changed.exportUsd)
      const name = changedRevs.find((r) => r.hsCode === renamed.hsCode && r.period === renamed.period)
      expect(name?.before?.itemName).toBe(answer[4]!.itemName)
      expect(name?.after?.itemName).toBe(renamed.itemName)
      expect(byKind('added')).toEqual([
        expect.objectContaining({
          hsCode: '9999999999',
          before: null,
          after: expect.objectContaining({ exportUsd: 5 }),
        }),
      ])
      const entry = (await ledger(t.db))[0]
      expect(entry?.lastChanges).toEqual({ added: 1, changed: 2, withdrawn: 1 })
      // an empty answer withdraws everything in the slice
      const empty = await replaceSlice(t.db, US_2025, [], META)
      expect(empty).toMatchObject({ withdrawn: next.length, rowCount: 0 })
      expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual([])
    },
  )

  it.skipIf(backend.skip)('touches only the rows inside the slice (window, country, prefix)', async () => {
    const us2025 = rows('US', 24)
    const us2024 = rows('US', 24, 2024)
    const cn2025 = rows('CN', 24)
    await replaceSlice(t.db, US_2025, us2025, META)
    await replaceSlice(t.db, { country: 'US', from: '202401', to: '202412' }, us2024, META)
    await replaceSlice(t.db, { country: 'CN', from: '2025-01', to: '2025-12' }, cn2025, META)
    // a one-month US slice withdraws only that month
    const jan = us2025.filter((r) => r.period === '2025-01')
    const s1 = await replaceSlice(t.db, { country: 'US', from: '2025-01', to: '2025-01' }, jan.slice(1), META)
    expect(s1).toMatchObject({ withdrawn: 1, unchanged: jan.length - 1, firstFetch: true })
    // first fetch of a sub-slice over existing rows still records the change
    expect(s1.revisionsRecorded).toBe(1)
    expect(await tradeRows(t.db, { country: 'US', from: '2024-01', to: '2024-12' })).toEqual(sortRows(us2024))
    expect(await tradeRows(t.db, { country: 'CN', from: '2025-01', to: '2025-12' })).toEqual(sortRows(cn2025))
    // an HS-only slice (all countries) replaces that prefix in every country, nothing else; a 6-digit
    // prefix is answered with 10-digit codes, the level of detail of the country slices
    const hsSlice = { hs: '100000', from: '2025-02', to: '2025-02' }
    const inPrefix = [...us2025, ...cn2025].filter(
      (r) => r.period === '2025-02' && r.hsCode.startsWith('100000'),
    )
    expect(inPrefix.length).toBeGreaterThan(1)
    const s2 = await replaceSlice(t.db, hsSlice, [inPrefix[0]!], META)
    expect(s2).toMatchObject({ withdrawn: inPrefix.length - 1, unchanged: 1 })
    const remaining = await tradeRows(t.db, { from: '2025-02', to: '2025-02' })
    expect(remaining.filter((r) => r.hsCode.startsWith('100000'))).toEqual([inPrefix[0]])
    expect(await tradeRows(t.db, { from: '2025-03', to: '2025-03' })).toHaveLength(4)
  })

  it.skipIf(backend.skip)(
    'rejects rows outside the slice, invalid rows and duplicates, writing nothing',
    async () => {
      const answer = rows('US', 12)
      await replaceSlice(t.db, US_2025, answer, META)
      const snapshot = await tradeRows(t.db, { from: '2000-01', to: '2099-12' })
      const ledgerBefore = await ledger(t.db)
      const cases: [TradeRow[], new (...args: never[]) => Error, RegExp][] = [
        [[...answer.slice(1), row({ period: '2026-01' })], RowValidationError, /period is outside/],
        [[row({ countryCode: 'CN' })], RowValidationError, /countryCode is not the slice's country/],
        [[row({ period: '2025/01' })], RowValidationError, /period must be YYYY-MM/],
        [[row({ hsCode: '01A1' })], RowValidationError, /hsCode/],
        [[row({ hsCode: "1'; DROP TABLE trade_rows; --" })], RowValidationError, /hsCode/],
        [[row({ exportUsd: 1.5 })], RowValidationError, /exportUsd must be a safe integer/],
        [[row({ importKg: 2 ** 53 })], RowValidationError, /importKg must be a safe integer/],
        [[row({ itemName: 5 as unknown as string })], RowValidationError, /itemName/],
        [[...answer, answer[7]!], DuplicateRowError, /repeats the key period=2025-08 country=US hs=/],
      ]
      for (const [bad, type, message] of cases) {
        const error = await replaceSlice(t.db, US_2025, bad, META).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(type)
        expect(String((error as Error).message)).toMatch(message)
      }
      const dup = (await replaceSlice(t.db, US_2025, [...answer, answer[7]!], META).catch(
        (e) => e,
      )) as DuplicateRowError
      expect(dup.key).toEqual({ period: answer[7]!.period, countryCode: 'US', hsCode: answer[7]!.hsCode })
      expect(dup.rowIndex).toBe(12)
      const bad = (await replaceSlice(t.db, US_2025, [row(), row({ hsCode: 'x' })], META).catch(
        (e) => e,
      )) as RowValidationError
      expect(bad).toMatchObject({ rowIndex: 1, field: 'hsCode', code: 'INVALID_ROW' })
      expect(await tradeRows(t.db, { from: '2000-01', to: '2099-12' })).toEqual(snapshot)
      expect(await ledger(t.db)).toEqual(ledgerBefore)
      expect(await revisions(t.db, { since: new Date(0) })).toEqual([])
    },
  )

  it.skipIf(backend.skip)('rolls back when the row source fails mid-way or the count disagrees', async () => {
    const answer = rows('US', 30)
    await replaceSlice(t.db, US_2025, answer, META)
    const snapshot = await tradeRows(t.db, { from: '2025-01', to: '2025-12' })
    const changed = answer.map((r) => ({ ...r, exportUsd: r.exportUsd + 1, balanceUsd: r.balanceUsd + 1 }))
    // fail after the first staged batch was sent
    const error = await replaceSlice(t.db, US_2025, asAsync(changed, 25, new Error('socket hang up')), META, {
      batchSize: 10,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RowSourceError)
    expect((error as RowSourceError).cause).toEqual(new Error('socket hang up'))
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual(snapshot)
    const mismatch = await replaceSlice(t.db, US_2025, changed, { ...META, rowCount: 31 }).catch(
      (e: unknown) => e,
    )
    expect(mismatch).toBeInstanceOf(RowCountMismatchError)
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual(snapshot)
    expect(await revisions(t.db, { since: new Date(0) })).toEqual([])
    // a database-side failure is typed too (the trade_rows table is locked out by a check violation)
    const badMeta = { ...META, durationMs: 2 ** 40 }
    const dbError = await replaceSlice(t.db, US_2025, changed, badMeta).catch((e: unknown) => e)
    expect(dbError).toBeInstanceOf(ReplaceSliceError)
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual(snapshot)
  })

  it.skipIf(backend.skip)('reads a meta function once, after the last row, on both write paths', async () => {
    const answer = rows('US', 30)
    const calls: number[] = []
    let delivered = 0
    async function* stream() {
      for (const r of answer) {
        delivered++
        yield r
      }
    }
    const late = (sha: string) => () => {
      calls.push(delivered)
      return { ...META, bodySha256: sha, rowCount: delivered }
    }
    // first fetch (direct path), then a re-fetch with one change (staged path)
    await replaceSlice(t.db, US_2025, stream(), late('a'.repeat(64)))
    delivered = 0
    answer[0] = { ...answer[0]!, exportUsd: answer[0]!.exportUsd + 5, balanceUsd: answer[0]!.balanceUsd + 5 }
    const second = await replaceSlice(t.db, US_2025, stream(), late('b'.repeat(64)))
    expect(calls).toEqual([30, 30])
    expect(second).toMatchObject({ changed: 1, rowCount: 30 })
    expect((await ledger(t.db))[0]).toMatchObject({ bodySha256: 'b'.repeat(64), rowCount: 30 })
    // a late meta that disagrees with the rows is refused, and nothing changes
    const snapshot = await tradeRows(t.db, { from: '2025-01', to: '2025-12' })
    const error = await replaceSlice(t.db, US_2025, answer.slice(1), () => ({ ...META, rowCount: 30 })).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(RowCountMismatchError)
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual(snapshot)
  })

  it.skipIf(backend.skip)(
    'rolls back a first fetch that fails after rows were already inserted',
    async () => {
      const answer = rows('KR', 40)
      const broken = [...answer.slice(0, 30), { ...answer[30]!, exportKg: Number.NaN }, ...answer.slice(31)]
      const error = await replaceSlice(
        t.db,
        { country: 'KR', from: '2025-01', to: '2025-12' },
        broken,
        META,
        {
          batchSize: 10,
        },
      ).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'INVALID_ROW', rowIndex: 30, field: 'exportKg' })
      const streamError = await replaceSlice(
        t.db,
        { country: 'KR', from: '2025-01', to: '2025-12' },
        asAsync(answer, 35, new Error('reset by peer')),
        META,
        { batchSize: 10 },
      ).catch((e: unknown) => e)
      expect(streamError).toBeInstanceOf(RowSourceError)
      expect(await tradeRows(t.db, { country: 'KR', from: '2025-01', to: '2025-12' })).toEqual([])
      expect(await ledger(t.db, { country: 'KR' })).toEqual([])
      // and the slice still counts as never fetched
      const ok = await replaceSlice(t.db, { country: 'KR', from: '2025-01', to: '2025-12' }, answer, META)
      expect(ok).toMatchObject({ firstFetch: true, added: 40, revisionsRecorded: 0 })
    },
  )

  it.skipIf(backend.skip)('validates slices', async () => {
    const bad = [
      { from: '2025-01', to: '2025-12' },
      { country: 'us', from: '2025-01', to: '2025-12' },
      { country: 'US', from: '2025-01', to: '2026-01' },
      { country: 'US', from: '2025-03', to: '2025-02' },
      { country: 'US', hs: '123', from: '2025-01', to: '2025-01' },
      { country: "'; DROP TABLE sync_ledger; --", from: '2025-01', to: '2025-01' },
    ]
    for (const slice of bad) {
      await expect(replaceSlice(t.db, slice, [], META)).rejects.toBeInstanceOf(InvalidSliceError)
    }
    const s = await replaceSlice(
      t.db,
      { country: 'US', hs: '0101', from: '202501', to: '202501' },
      [row()],
      META,
    )
    expect(s.sliceKey).toBe('US:2025-01..2025-01:0101')
  })

  it.skipIf(backend.skip)('keeps sums exact beyond 2^31 and 2^53', async () => {
    const big = 2 ** 53 - 1
    const huge = [
      row({ hsCode: '0101000001', exportUsd: big, importUsd: 0 }),
      row({ hsCode: '0101000002', exportUsd: big, importUsd: 0 }),
      row({ hsCode: '0101000003', exportUsd: 3, importUsd: big, balanceUsd: 3 - big }),
    ]
    await replaceSlice(t.db, US_2025, huge, META)
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-01' })).toEqual(sortRows(huge))
    const error = (await monthlySeries(t.db, { country: 'US', from: '2025-01', to: '2025-01' }).catch(
      (e) => e,
    )) as UnsafeIntegerError
    expect(error).toBeInstanceOf(UnsafeIntegerError)
    expect(error.field).toBe('exportUsd')
    expect(error.value).toBe((2n * BigInt(big) + 3n).toString())
    // beyond 2^31 but safe: exact numbers
    const medium = Array.from({ length: 12 }, (_, i) =>
      row({
        period: '2025-02',
        hsCode: `02020000${String(i).padStart(2, '0')}`,
        exportUsd: 2 ** 31 + i,
        importUsd: 2 ** 33,
      }),
    )
    await replaceSlice(t.db, { country: 'US', from: '2025-02', to: '2025-02' }, medium, META)
    const [feb] = await monthlySeries(t.db, { country: 'US', from: '2025-02', to: '2025-02' })
    expect(feb).toEqual({
      period: '2025-02',
      exportKg: 120,
      exportUsd: 12 * 2 ** 31 + 66,
      importKg: 60,
      importUsd: 12 * 2 ** 33,
      balanceUsd: 12 * 2 ** 31 + 66 - 12 * 2 ** 33,
    })
    const [partner] = await topPartners(t.db, { from: '2025-02', to: '2025-02', limit: 5 })
    expect(partner?.tradeUsd).toBe(12 * 2 ** 31 + 66 + 12 * 2 ** 33)
  })

  it.skipIf(backend.skip)('round-trips SQL-ish names and never interpolates query arguments', async () => {
    const nasty = [
      row({
        hsCode: '0101000001',
        countryName: 'O\'Brien "land"; DROP TABLE trade_rows; --',
        itemName: "'); DELETE FROM sync_ledger; --",
      }),
      row({
        hsCode: '0101000002',
        countryName: ['\\x00 $1 $$ $', '{x} %s'].join(''),
        itemName: 'naïve 日本 \t tab \n newline , comma',
      }),
    ]
    await replaceSlice(t.db, US_2025, nasty, META)
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual(sortRows(nasty))
    const items = await topItems(t.db, { country: 'US', from: '2025-01', to: '2025-12', limit: 10 })
    expect(items.map((i) => i.itemName).sort()).toEqual(nasty.map((r) => r.itemName).sort())
    for (const attempt of [
      () => monthlySeries(t.db, { country: "US' OR '1'='1", from: '2025-01', to: '2025-12' }),
      () => monthlySeries(t.db, { hsPrefix: "01%' OR 1=1 --", from: '2025-01', to: '2025-12' }),
      () =>
        topItems(t.db, {
          country: 'US',
          from: "2025-01'; DROP TABLE trade_rows; --",
          to: '2025-12',
          limit: 1,
        }),
    ]) {
      await expect(attempt()).rejects.toBeInstanceOf(InvalidQueryError)
    }
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toHaveLength(2)
  })

  it.skipIf(backend.skip)('every read helper refuses or parameterises hostile arguments', async () => {
    const nasty = [row({ hsCode: '0101000001', countryName: "O'Brien; DROP TABLE trade_rows; --" })]
    await replaceSlice(t.db, US_2025, nasty, META)
    const evil = "US'; DROP TABLE trade_rows; --"
    const window = { from: '2025-01', to: '2025-12' }
    const refused: (() => Promise<unknown>)[] = [
      () => monthlySeries(t.db, { ...window, country: evil }),
      () => monthlySeries(t.db, { ...window, to: "2025-12' OR '1'='1" }),
      () => topPartners(t.db, { ...window, hsPrefix: "0101' OR 1=1 --", limit: 5 }),
      () => topPartners(t.db, { ...window, limit: '5; DROP TABLE trade_rows' as unknown as number }),
      () => topPartners(t.db, { ...window, limit: 5, by: 'constructor' as unknown as 'tradeUsd' }),
      () => topPartners(t.db, { ...window, limit: 5, by: 'tradeUsd; DROP TABLE x' as unknown as 'tradeUsd' }),
      () => topItems(t.db, { ...window, country: evil, limit: 5 }),
      () => topItems(t.db, { ...window, limit: 5, by: 'toString' as unknown as 'tradeUsd' }),
      () => topItems(t.db, { ...window, limit: 5, hsLength: '2) OR (1=1' as unknown as number }),
      () => tradeRows(t.db, { ...window, country: evil }),
      () => tradeRows(t.db, { ...window, hsPrefix: "01'; --" }),
      () => tradeRows(t.db, { from: "2025-01'--", to: '2025-12' }),
      () => revisions(t.db, { since: new Date(0), country: evil }),
      () => revisions(t.db, { since: "2025-01-01'; --" as unknown as Date }),
      () => revisions(t.db, { since: new Date(0), until: "now()'--" as unknown as Date }),
      () => revisions(t.db, { since: new Date(0), afterId: '0; DROP TABLE revisions' as unknown as number }),
      () => revisions(t.db, { since: new Date(0), limit: '1 OR 1=1' as unknown as number }),
      () => ledger(t.db, { country: evil }),
      () => ledger(t.db, { hs: "01' OR '1'='1" }),
      () => ledger(t.db, { from: "2025-01' OR '1'='1" }),
      () => ledger(t.db, { to: "2025-12'; --" }),
    ]
    for (const [i, attempt] of refused.entries()) {
      await expect(attempt(), `case ${i}`).rejects.toBeInstanceOf(InvalidQueryError)
    }
    // Free-text filters are bound as parameters: they match nothing and change nothing.
    expect(await ledger(t.db, { sliceKey: "x' OR '1'='1" })).toEqual([])
    // status is an enum: anything else is refused (it used to be bound and match nothing).
    await expect(ledger(t.db, { status: "ok' OR '1'='1" as unknown as 'ok' })).rejects.toBeInstanceOf(
      InvalidQueryError,
    )
    expect(await ledger(t.db, {})).toHaveLength(1)
    expect(await tradeRows(t.db, window)).toEqual(sortRows(nasty))
    expect(await topPartners(t.db, { ...window, limit: 5 })).toHaveLength(1)
    expect(await revisions(t.db, { since: new Date(0) })).toEqual([])
  })

  it.skipIf(backend.skip)('records failures without touching rows, redacting the key', async () => {
    const key = 'k3y+/=SECRET%2Babc'
    const answer = rows('US', 12)
    await replaceSlice(t.db, US_2025, answer, { ...META, total: null })
    await recordSliceFailure(t.db, US_2025, {
      error: `GET http://apis.data.go.kr/x?serviceKey=${encodeURIComponent(key)} failed; key ${key}`,
      errorCode: 'HTTP_500',
      attempts: 4,
      durationMs: 1234,
      redact: [key],
    })
    const [entry] = await ledger(t.db, { status: 'failed' })
    expect(entry).toMatchObject({
      status: 'failed',
      attempts: 4,
      durationMs: 1234,
      errorCode: 'HTTP_500',
      rowCount: 12,
    })
    expect(entry?.lastError).toContain('serviceKey=***')
    expect(entry?.lastError).not.toContain('SECRET')
    expect(entry?.failedAt).toBeInstanceOf(Date)
    expect(entry?.fetchedAt).toBeInstanceOf(Date)
    expect(await tradeRows(t.db, { from: '2025-01', to: '2025-12' })).toEqual(sortRows(answer))
    // nothing anywhere in the database contains the key
    const dump = await t.db.execute(
      sql`select (select coalesce(string_agg(l::text, '|'), '') from sync_ledger l) ||
                 (select coalesce(string_agg(r::text, '|'), '') from revisions r) ||
                 (select coalesce(string_agg(t::text, '|'), '') from trade_rows t) as d`,
    )
    const text = String((dump as unknown as { rows: { d: string }[] }).rows[0]?.d)
    expect(text).toContain('serviceKey=***')
    expect(text).not.toContain('SECRET')
    // a failure of a never-fetched slice creates its ledger row; a later success clears the error
    await recordSliceFailure(
      t.db,
      { country: 'CN', from: '2025-01', to: '2025-12' },
      {
        error: 'timeout',
        attempts: 1,
        durationMs: 5,
      },
    )
    const [cn] = await ledger(t.db, { country: 'CN' })
    expect(cn).toMatchObject({ status: 'failed', rowCount: null, fetchedAt: null, lastError: 'timeout' })
    const ok = await replaceSlice(
      t.db,
      { country: 'CN', from: '2025-01', to: '2025-12' },
      rows('CN', 3),
      META,
    )
    expect(ok.firstFetch).toBe(true)
    const [cnOk] = await ledger(t.db, { country: 'CN' })
    expect(cnOk).toMatchObject({ status: 'ok', lastError: null, errorCode: null, rowCount: 3 })
  })

  it.skipIf(backend.skip)(
    'lets two concurrent first fetches of one slice end as one of the answers',
    async () => {
      const other = backend.name === 'postgres' ? await connect(t.url, { poolSize: 2 }) : t.db
      try {
        const slice = { country: 'JP', from: '2025-01', to: '2025-12' }
        const x = rows('JP', 300)
        const y = rows('JP', 250, 2025, 7)
        const [sx, sy] = await Promise.all([
          replaceSlice(t.db, slice, asAsync(x), META, { batchSize: 40 }),
          replaceSlice(other, slice, asAsync(y), META, { batchSize: 40 }),
        ])
        // exactly one of them was the first fetch; the other saw its rows and recorded the difference
        expect([sx.firstFetch, sy.firstFetch].sort()).toEqual([false, true])
        const second = sx.firstFetch ? sy : sx
        const winner = sx.firstFetch ? y : x
        expect(second.revisionsRecorded).toBe(second.added + second.changed + second.withdrawn)
        expect(second.revisionsRecorded).toBeGreaterThan(0)
        expect(await tradeRows(t.db, { country: 'JP', from: '2025-01', to: '2025-12' })).toEqual(
          sortRows(winner),
        )
        expect((await ledger(t.db, { country: 'JP' }))[0]?.rowCount).toBe(winner.length)
      } finally {
        if (other !== t.db) await other.close()
      }
    },
  )

  it.skipIf(backend.skip)(
    'serialises concurrent replacements of overlapping slices into one consistent state',
    async () => {
      const other = backend.name === 'postgres' ? await connect(t.url, { poolSize: 2 }) : t.db
      try {
        const base = rows('US', 600)
        const june = base.filter((r) => r.period === '2025-06')
        const a = base.map((r, i) =>
          i % 3 === 0 ? { ...r, exportUsd: r.exportUsd + 1, balanceUsd: r.balanceUsd + 1 } : r,
        )
        const b = [...base.slice(100), row({ period: '2025-06', hsCode: '8888888888' })]
        const c = june.map((r) => ({ ...r, importUsd: r.importUsd + 1000, balanceUsd: r.balanceUsd - 1000 }))
        const d = june.slice(10).map((r) => ({ ...r, importKg: r.importKg + 2000 }))
        const writers: [Slice, (r: TradeRow) => boolean, TradeRow[], KcsDatabase][] = [
          [US_2025, () => true, a, t.db],
          [US_2025, () => true, b, other],
          [{ country: 'US', from: '2025-06', to: '2025-06' }, (r) => r.period === '2025-06', c, other],
          [
            { hs: '100000', from: '2025-06', to: '2025-06' },
            (r) => r.period === '2025-06' && r.hsCode.startsWith('100000'),
            d,
            t.db,
          ],
        ]
        // The final state must be what one of the 24 serial orders of the four writers gives.
        const outcomes = new Set<string>()
        for (const order of permutations([0, 1, 2, 3])) {
          let state = base
          for (const w of order) {
            const [, inScope, answer] = writers[w]!
            state = [...state.filter((r) => !inScope(r)), ...answer]
          }
          outcomes.add(JSON.stringify(sortRows(state)))
        }
        for (let round = 0; round < 3; round++) {
          await replaceSlice(t.db, US_2025, base, META)
          // On PostgreSQL every writer finishes streaming, then all four race for the slices at once.
          // (PGlite runs one transaction at a time: a barrier would deadlock; its writers queue.)
          const gate = backend.name === 'postgres' ? barrier(writers.length) : async () => {}
          const results = await Promise.allSettled(
            writers.map(([slice, , answer, db]) =>
              replaceSlice(db, slice, gated(answer, gate), META, { batchSize: 50 }),
            ),
          )
          expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
            'ok',
            'ok',
            'ok',
            'ok',
          ])
          const final = await tradeRows(t.db, { from: '2025-01', to: '2025-12' })
          expect(outcomes.has(JSON.stringify(final))).toBe(true)
          // the revisions replay to the final state: every key's last revision agrees with it
          const revs = await revisions(t.db, { since: new Date(0) })
          const last = new Map<string, (typeof revs)[number]>()
          for (const r of revs) last.set(`${r.period}|${r.hsCode}`, r)
          const finalKeys = new Map(final.map((f) => [`${f.period}|${f.hsCode}`, f]))
          for (const [k, r] of last) {
            if (r.kind === 'withdrawn') expect(finalKeys.has(k)).toBe(false)
            else expect(r.after?.importUsd).toBe(finalKeys.get(k)?.importUsd)
          }
        }
      } finally {
        if (other !== t.db) await other.close()
      }
    },
  )
})

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items]
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  )
}

function barrier(n: number): () => Promise<void> {
  let arrived = 0
  let release!: () => void
  const all = new Promise<void>((resolve) => {
    release = resolve
  })
  return async () => {
    arrived++
    if (arrived === n) release()
    await all
  }
}

async function* gated<T>(items: T[], wait: () => Promise<void>): AsyncGenerator<T> {
  yield* items
  await wait()
}
