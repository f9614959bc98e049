import { beforeEach, describe, expect, it } from 'vitest'
import { MixedGranularityError } from './errors.js'
import { ledger } from './read-ledger.js'
import { revisions } from './read-revisions.js'
import { recordSliceFailure, replaceSlice } from './replace.js'
import { sliceCodeLength, slicesOverlap } from './slice.js'
import { backends, META, row, useTestDb } from './test-utils/backends.js'
import { tableChecksums } from './test-utils/checksums.js'
import type { Slice, TradeRow } from './types.js'

const US_2025: Slice = { country: 'US', from: '2025-01', to: '2025-12' }

/** What the API answers for a slice: codes one level finer than the prefix (10 digits without one). */
function answer(slice: Slice, codes: readonly string[], months = ['2025-01', '2025-02']): TradeRow[] {
  return months.flatMap((period) =>
    codes.map((hsCode, i) =>
      row({ period, countryCode: slice.country ?? 'US', hsCode, exportUsd: 100 + i, importUsd: 40 }),
    ),
  )
}

describe('sliceCodeLength and slicesOverlap', () => {
  it('gives the length of the codes the API answers with', () => {
    expect(sliceCodeLength(US_2025)).toBe(10)
    expect(sliceCodeLength({ ...US_2025, hs: '85' })).toBe(4)
    expect(sliceCodeLength({ ...US_2025, hs: '8504' })).toBe(6)
    expect(sliceCodeLength({ ...US_2025, hs: '850440' })).toBe(10)
    expect(sliceCodeLength({ hs: '8504401000', from: '2025-01', to: '2025-01' })).toBe(10)
  })

  it('overlap needs a month, the country and a code prefix in common', () => {
    const us85 = { ...US_2025, hs: '85' }
    expect(slicesOverlap(US_2025, us85)).toBe(true)
    expect(slicesOverlap(us85, { ...US_2025, hs: '8504' })).toBe(true)
    expect(slicesOverlap({ ...US_2025, hs: '8504' }, us85)).toBe(true)
    expect(slicesOverlap(us85, { ...US_2025, hs: '84' })).toBe(false)
    expect(slicesOverlap(us85, { ...us85, country: 'CN' })).toBe(false)
    expect(slicesOverlap(us85, { hs: '85', from: '2025-12', to: '2026-03' })).toBe(true)
    expect(slicesOverlap(us85, { hs: '85', from: '2026-01', to: '2026-03' })).toBe(false)
    expect(slicesOverlap({ hs: '8504', from: '2025-01', to: '2025-01' }, US_2025)).toBe(true)
  })
})

describe.each(backends)('one level of detail per part of the mirror, on $name', (backend) => {
  const t = useTestDb(backend)
  beforeEach(async () => {
    if (!backend.skip) await t.reset()
  })

  it.skipIf(backend.skip)(
    'an HS-prefix slice over a full country slice is refused and changes nothing; so is the reverse',
    async () => {
      await replaceSlice(t.db, US_2025, answer(US_2025, ['8504401000', '8504409000', '0201100000']), META)
      const before = await tableChecksums(t.db)
      const us85 = { ...US_2025, hs: '85' }
      let pulled = false
      const source = (async function* () {
        pulled = true
        yield* answer(us85, ['8504'])
      })()
      const error = await replaceSlice(t.db, us85, source, META).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(MixedGranularityError)
      const e = error as MixedGranularityError
      expect(e).toMatchObject({
        code: 'MIXED_GRANULARITY',
        sliceKey: 'US:2025-01..2025-12:85',
        codeLength: 4,
        conflictingSliceKey: 'US:2025-01..2025-12',
        conflictingCodeLength: 10,
        retryable: false,
      })
      expect(e.message).toContain('count that trade twice')
      expect(e.hint).toContain('one kind of slice')
      // Refused before the answer was read (no call spent on it) and nothing was written.
      expect(pulled).toBe(false)
      expect(await tableChecksums(t.db)).toEqual(before)
      expect(await revisions(t.db, { since: new Date(0) })).toEqual([])

      // The same the other way round, and for every country at once.
      await t.reset()
      await replaceSlice(t.db, us85, answer(us85, ['8504', '8501']), META)
      await expect(replaceSlice(t.db, US_2025, answer(US_2025, ['8504401000']), META)).rejects.toThrow(
        MixedGranularityError,
      )
      const all8504 = { hs: '8504', from: '2025-02', to: '2025-02' }
      await expect(
        replaceSlice(t.db, all8504, answer(all8504, ['850440'], ['2025-02']), META),
      ).rejects.toMatchObject({ conflictingSliceKey: 'US:2025-01..2025-12:85', conflictingCodeLength: 4 })
      expect((await ledger(t.db)).map((l) => l.sliceKey)).toEqual(['US:2025-01..2025-12:85'])
    },
  )

  it.skipIf(backend.skip)(
    'slices that do not overlap, or store codes of the same length, are written as before',
    async () => {
      await replaceSlice(t.db, US_2025, answer(US_2025, ['8504401000', '0201100000']), META)
      // Another country, another year, another chapter: no overlap.
      const cn85 = { country: 'CN', from: '2025-01', to: '2025-12', hs: '85' }
      await replaceSlice(t.db, cn85, answer(cn85, ['8504']), META)
      const us85y24 = { country: 'US', from: '2024-01', to: '2024-12', hs: '85' }
      await replaceSlice(t.db, us85y24, answer(us85y24, ['8504'], ['2024-03']), META)
      const cn02 = { country: 'CN', from: '2025-01', to: '2025-12', hs: '02' }
      await expect(replaceSlice(t.db, cn02, answer(cn02, ['0201']), META)).resolves.toBeDefined()
      // A 6-digit prefix answers with 10-digit codes, like the full slice: the same rows, counted once.
      const us850440 = { ...US_2025, hs: '850440' }
      const summary = await replaceSlice(t.db, us850440, answer(us850440, ['8504401000']), META)
      expect(summary).toMatchObject({ added: 0, changed: 0, withdrawn: 0 })
      expect((await ledger(t.db)).length).toBe(5)
    },
  )

  it.skipIf(backend.skip)('a slice that never stored rows does not block another level', async () => {
    const us85 = { ...US_2025, hs: '85' }
    // A failed slice and an empty answer hold nothing to count twice.
    await recordSliceFailure(t.db, us85, { error: 'boom', attempts: 3, durationMs: 5 })
    await replaceSlice(t.db, { ...US_2025, hs: '02' }, [], META)
    await replaceSlice(t.db, US_2025, answer(US_2025, ['8504401000']), META)
    // Once the full slice holds rows, a coarser slice over it is refused.
    await expect(
      replaceSlice(t.db, { ...US_2025, hs: '0201' }, answer(US_2025, ['020110']), META),
    ).rejects.toThrow(MixedGranularityError)
  })
})
