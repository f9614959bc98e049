/**
 * replaceCountryTotals / replaceNationalTotals on PGlite and PostgreSQL: a first write, an idempotent
 * rewrite, a revised value, a withdrawn country, failures that leave everything as it was, concurrent
 * writers of one slice, and the ledger and failure records of the sibling datasets.
 */
import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  connect,
  countryTotals,
  DuplicateRowError,
  InvalidArgumentError,
  InvalidSliceError,
  ledger,
  nationalTotals,
  RowCountMismatchError,
  RowSourceError,
  RowValidationError,
  recordSliceFailure,
  replaceCountryTotals,
  replaceNationalTotals,
  revisions,
  totalsSliceKey,
} from './index.js'
import { rowsOf } from './sql.js'
import { asAsync, backends, useTestDb } from './test-utils/backends.js'
import { tableChecksums } from './test-utils/checksums.js'
import { countryRow, countryRows, nationalRows, TOTALS_META } from './test-utils/totals.js'

const YEAR = { from: '2025-01', to: '2025-12' }
const first = new Date('2026-01-15T00:00:00Z')
const second = new Date('2026-02-15T00:00:00Z')
const strip = <T extends { fetchedAt: Date }>(rows: T[]) => rows.map(({ fetchedAt: _, ...r }) => r)

describe('totalsSliceKey', () => {
  it('prefixes the dataset and keeps nitemtrade keys out of reach', () => {
    expect(totalsSliceKey('nationtrade', { country: 'US', ...YEAR })).toBe('nationtrade:US:2025-01..2025-12')
    expect(totalsSliceKey('nationtrade', { from: '202501', to: '202512' })).toBe(
      'nationtrade:*:2025-01..2025-12',
    )
    expect(totalsSliceKey('newtrade', YEAR)).toBe('newtrade:2025-01..2025-12')
    expect(() => totalsSliceKey('newtrade', { country: 'US', ...YEAR })).toThrow(InvalidSliceError)
    expect(() => totalsSliceKey('nationtrade', { from: '2025-01', to: '2026-01' })).toThrow(/13 months/)
    expect(() => totalsSliceKey('nitemtrade' as 'newtrade', YEAR)).toThrow(InvalidArgumentError)
  })
})

for (const backend of backends) {
  describe(`sibling totals writers (${backend.name})`, () => {
    const t = useTestDb(backend)
    beforeEach(async () => {
      if (!backend.skip) await t.reset()
    })
    const countryRevisions = () => revisions(t.db, { since: new Date(0), dataset: 'nationtrade' })

    it.skipIf(backend.skip)('writes a first fetch without revisions and records the ledger', async () => {
      const answer = countryRows(['US', 'CN', 'Z1'])
      const summary = await replaceCountryTotals(t.db, YEAR, answer, {
        ...TOTALS_META,
        fetchedAt: first,
        rowCount: 36,
      })
      expect(summary).toMatchObject({
        sliceKey: 'nationtrade:*:2025-01..2025-12',
        firstFetch: true,
        rowCount: 36,
        added: 36,
        changed: 0,
        withdrawn: 0,
        unchanged: 0,
        revisionsRecorded: 0,
      })
      const stored = await countryTotals(t.db, YEAR)
      expect(stored).toHaveLength(36)
      expect(stored.every((r) => r.fetchedAt.getTime() === first.getTime())).toBe(true)
      const byKey = (r: { countryCode: string; period: string }) => `${r.countryCode}${r.period}`
      expect(strip(stored)).toEqual([...answer].sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1)))
      expect(await countryRevisions()).toEqual([])
      // The detail's readers do not see the sibling slice.
      expect(await ledger(t.db)).toEqual([])
      const [entry] = await ledger(t.db, { dataset: 'nationtrade' })
      expect(entry).toMatchObject({
        sliceKey: 'nationtrade:*:2025-01..2025-12',
        dataset: 'nationtrade',
        slice: { from: '2025-01', to: '2025-12' },
        status: 'ok',
        rowCount: 36,
        totals: null,
        countTotals: null,
        bodySha256: TOTALS_META.bodySha256,
        lastChanges: { added: 36, changed: 0, withdrawn: 0 },
      })
      expect(entry?.fetchedAt?.toISOString()).toBe(first.toISOString())
    })

    it.skipIf(backend.skip)('national totals: the totals row goes to the ledger', async () => {
      const answer = nationalRows()
      const total = {
        exportCount: answer.reduce((s, r) => s + r.exportCount, 0),
        exportUsd: answer.reduce((s, r) => s + r.exportUsd, 0),
        importCount: answer.reduce((s, r) => s + r.importCount, 0),
        importUsd: answer.reduce((s, r) => s + r.importUsd, 0),
        balanceUsd: answer.reduce((s, r) => s + r.balanceUsd, 0),
      }
      const summary = await replaceNationalTotals(t.db, YEAR, asAsync(answer), () => ({
        ...TOTALS_META,
        total,
        sumsMatch: true,
        rowCount: 12,
      }))
      expect(summary).toMatchObject({ sliceKey: 'newtrade:2025-01..2025-12', firstFetch: true, added: 12 })
      expect(strip(await nationalTotals(t.db, { from: '2025-03', to: '2025-04' }))).toEqual(
        answer.slice(2, 4),
      )
      const [entry] = await ledger(t.db, { dataset: 'newtrade' })
      expect(entry).toMatchObject({ dataset: 'newtrade', countTotals: total, sumsMatch: true, totals: null })
      expect(entry?.slice).toEqual({ from: '2025-01', to: '2025-12' })
    })

    it.skipIf(backend.skip)('is idempotent: the same answer twice changes and records nothing', async () => {
      const answer = countryRows(['US'])
      const slice = { country: 'US', ...YEAR }
      await replaceCountryTotals(t.db, slice, answer, { ...TOTALS_META, fetchedAt: first })
      const before = await tableChecksums(t.db)
      const summary = await replaceCountryTotals(t.db, slice, answer, {
        ...TOTALS_META,
        fetchedAt: second,
        attempts: 3,
      })
      expect(summary).toMatchObject({ firstFetch: false, added: 0, changed: 0, withdrawn: 0, unchanged: 12 })
      expect(summary.revisionsRecorded).toBe(0)
      const after = await tableChecksums(t.db)
      // Only the ledger moved (its fetched_at, attempts, updated_at).
      const changed = after.filter((a) => before.find((b) => b.table === a.table)?.md5 !== a.md5)
      expect(changed.map((c) => c.table)).toEqual(['public.sync_ledger'])
      expect((await countryTotals(t.db, YEAR)).every((r) => r.fetchedAt.getTime() === first.getTime())).toBe(
        true,
      )
      const [entry] = await ledger(t.db, { dataset: 'nationtrade' })
      expect(entry?.fetchedAt?.toISOString()).toBe(second.toISOString())
      expect(entry?.firstFetchedAt?.toISOString()).toBe(first.toISOString())
      expect(entry?.attempts).toBe(3)
    })

    it.skipIf(backend.skip)('records a revised value, a new country and a withdrawn one', async () => {
      const answer = countryRows(['CN', 'JP', 'US'], 2)
      await replaceCountryTotals(t.db, YEAR, answer, { ...TOTALS_META, fetchedAt: first })
      const cnJan = answer[0]!
      const revised = { ...cnJan, exportUsd: cnJan.exportUsd + 500, balanceUsd: cnJan.balanceUsd + 500 }
      const added = countryRow({ countryCode: 'ZZ', countryName: '기타국', period: '2025-02' })
      // JP withdrawn in both months; CN January revised; ZZ new.
      const next = [revised, answer[1]!, ...answer.slice(4), added]
      const summary = await replaceCountryTotals(t.db, YEAR, next, { ...TOTALS_META, fetchedAt: second })
      expect(summary).toMatchObject({ firstFetch: false, added: 1, changed: 1, withdrawn: 2, unchanged: 3 })
      expect(summary.revisionsRecorded).toBe(4)
      const stored = await countryTotals(t.db, { ...YEAR, countries: ['CN', 'JP', 'ZZ'] })
      expect(stored.map((r) => `${r.countryCode} ${r.period} ${r.fetchedAt.toISOString()}`)).toEqual([
        `CN 2025-01 ${second.toISOString()}`,
        `CN 2025-02 ${first.toISOString()}`,
        `ZZ 2025-02 ${second.toISOString()}`,
      ])
      const revs = await countryRevisions()
      expect(revs.map((r) => `${r.kind} ${r.country} ${r.period}`).sort()).toEqual([
        'added ZZ 2025-02',
        'changed CN 2025-01',
        'withdrawn JP 2025-01',
        'withdrawn JP 2025-02',
      ])
      const change = revs.find((r) => r.kind === 'changed')
      expect(change).toMatchObject({
        dataset: 'nationtrade',
        hsCode: '',
        sliceKey: 'nationtrade:*:2025-01..2025-12',
        at: second,
        before: {
          countryName: cnJan.countryName,
          exportUsd: cnJan.exportUsd,
          exportCount: cnJan.exportCount,
        },
        after: { exportUsd: revised.exportUsd, balanceUsd: revised.balanceUsd },
      })
      expect(revs.find((r) => r.kind === 'withdrawn')?.after).toBeNull()
      // The detail's revisions stay empty.
      expect(await revisions(t.db, { since: new Date(0) })).toEqual([])
    })

    it.skipIf(backend.skip)('national totals: a revised month is a changed revision', async () => {
      await replaceNationalTotals(t.db, YEAR, nationalRows(), TOTALS_META)
      const next = nationalRows()
      next[5] = { ...next[5]!, importCount: next[5]!.importCount + 1 }
      const summary = await replaceNationalTotals(t.db, YEAR, next, TOTALS_META)
      expect(summary).toMatchObject({ changed: 1, unchanged: 11, revisionsRecorded: 1 })
      const [rev] = await revisions(t.db, { since: new Date(0), dataset: 'newtrade' })
      expect(rev).toMatchObject({
        dataset: 'newtrade',
        kind: 'changed',
        period: '2025-06',
        country: '',
        hsCode: '',
      })
      expect(rev?.after?.importCount).toBe(next[5]!.importCount)
      expect(rev?.before).not.toHaveProperty('countryName')
    })

    it.skipIf(backend.skip)('a failing row, source or meta leaves the database as it was', async () => {
      await replaceCountryTotals(t.db, YEAR, countryRows(['US', 'CN']), TOTALS_META)
      await replaceCountryTotals(t.db, YEAR, countryRows(['US', 'CN'], 12, 2025, 1), TOTALS_META)
      const before = await tableChecksums(t.db)
      const good = countryRows(['US', 'CN'], 12, 2025, 2)
      const bad = (at: number, row: unknown) => good.map((r, i) => (i === at ? row : r)) as typeof good
      const failures: Array<[() => Promise<unknown>, new (...a: never[]) => Error]> = [
        [
          () => replaceCountryTotals(t.db, YEAR, bad(20, { ...good[20]!, balanceUsd: 1 }), TOTALS_META),
          RowValidationError,
        ],
        [
          () => replaceCountryTotals(t.db, YEAR, bad(20, { ...good[20]!, exportCount: -1 }), TOTALS_META),
          RowValidationError,
        ],
        [
          () => replaceCountryTotals(t.db, YEAR, bad(20, { ...good[20]!, period: '2024-12' }), TOTALS_META),
          RowValidationError,
        ],
        [() => replaceCountryTotals(t.db, YEAR, bad(20, good[3]), TOTALS_META), DuplicateRowError],
        [() => replaceCountryTotals(t.db, YEAR, asAsync(good, 15), TOTALS_META), RowSourceError],
        [
          () => replaceCountryTotals(t.db, YEAR, good, { ...TOTALS_META, rowCount: 5 }),
          RowCountMismatchError,
        ],
        [
          () => replaceCountryTotals(t.db, { country: 'US', ...YEAR }, good, TOTALS_META),
          RowValidationError, // CN rows in a US slice
        ],
        [
          () => replaceCountryTotals(t.db, YEAR, good, () => ({ ...TOTALS_META, attempts: -1 })),
          InvalidArgumentError,
        ],
      ]
      for (const [call, type] of failures) {
        const error = await call().then(
          () => null,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(type)
        expect(await tableChecksums(t.db)).toEqual(before)
      }
      const error = (await replaceCountryTotals(
        t.db,
        YEAR,
        bad(20, { ...good[20]!, balanceUsd: 1 }),
        TOTALS_META,
      ).catch((e: unknown) => e)) as RowValidationError
      expect(error.message).toMatch(
        /Row 20 \(period=2025-09 country=CN\): balanceUsd must be exportUsd − importUsd/,
      )
      expect(error.message).not.toContain('hs=')
    })

    it.skipIf(backend.skip)('concurrent writers of one slice end in one of their answers', async () => {
      const other = backend.name === 'postgres' ? await connect(t.url, { poolSize: 2 }) : t.db
      try {
        const slice = { country: 'KR', ...YEAR }
        const x = countryRows(['KR'], 12, 2025, 1)
        const y = countryRows(['KR'], 9, 2025, 2)
        for (let round = 0; round < 3; round++) {
          await t.reset()
          const results = await Promise.all([
            replaceCountryTotals(t.db, slice, asAsync(x), TOTALS_META, { batchSize: 2 }),
            replaceCountryTotals(other, slice, asAsync(y), TOTALS_META, { batchSize: 2 }),
          ])
          expect(results.map((r) => r.firstFetch).sort()).toEqual([false, true])
          const later = results.find((r) => !r.firstFetch)!
          const winner = later === results[0] ? x : y
          expect(strip(await countryTotals(t.db, YEAR))).toEqual(winner)
          expect(later.revisionsRecorded).toBe(later.added + later.changed + later.withdrawn)
          expect(later.revisionsRecorded).toBeGreaterThan(0)
          const [entry] = await ledger(t.db, { dataset: 'nationtrade' })
          expect(entry?.rowCount).toBe(winner.length)
        }
      } finally {
        if (other !== t.db) await other.close()
      }
    })

    it.skipIf(backend.skip)('recordSliceFailure takes the dataset and keeps the last success', async () => {
      const redact = ['secret-key/+=']
      await replaceNationalTotals(t.db, YEAR, nationalRows(), TOTALS_META)
      await recordSliceFailure(
        t.db,
        YEAR,
        {
          error: 'HTTP 403 for serviceKey=secret-key/+=',
          errorCode: 'forbidden',
          attempts: 2,
          durationMs: 9,
          redact,
        },
        { dataset: 'newtrade' },
      )
      await recordSliceFailure(
        t.db,
        { country: 'US', ...YEAR },
        { error: 'timeout', attempts: 4, durationMs: 9 },
        { dataset: 'nationtrade' },
      )
      const [national] = await ledger(t.db, { dataset: 'newtrade' })
      expect(national).toMatchObject({ status: 'failed', rowCount: 12, errorCode: 'forbidden' })
      expect(national?.lastError).toBe('HTTP 403 for serviceKey=***')
      expect((await ledger(t.db, { dataset: 'nationtrade', status: 'failed' }))[0]?.sliceKey).toBe(
        'nationtrade:US:2025-01..2025-12',
      )
      expect(await ledger(t.db)).toEqual([])
      await expect(
        recordSliceFailure(
          t.db,
          { country: 'US', ...YEAR },
          { error: 'x', attempts: 1, durationMs: 1 },
          {
            dataset: 'newtrade',
          },
        ),
      ).rejects.toBeInstanceOf(InvalidSliceError)
      await expect(
        recordSliceFailure(
          t.db,
          YEAR,
          { error: 'x', attempts: 1, durationMs: 1 },
          { dataset: 'itemtrade' as 'newtrade' },
        ),
      ).rejects.toBeInstanceOf(InvalidArgumentError)
      const counts = rowsOf<{ n: number }>(
        await t.db.execute(sql`select count(*)::int as n from national_totals`),
      )
      expect(counts[0]?.n).toBe(12)
    })
  })
}
