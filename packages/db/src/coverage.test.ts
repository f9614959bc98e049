/**
 * coverage(): a failed slice stops counting as failed once every one of its months has been fetched
 * successfully afterwards (the worker splits a slice that keeps failing into quarters or months), and
 * counts again when a later attempt fails — on PGlite and PostgreSQL.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { coverage, recordSliceFailure, replaceSlice } from './index.js'
import { backends, META, row, useTestDb } from './test-utils/backends.js'

const FAILURE = { error: 'HTTP 504 (timeout)', errorCode: 'timeout', attempts: 4, durationMs: 10 }
const at = (iso: string) => new Date(iso)

for (const backend of backends) {
  describe(`coverage and superseded failures (${backend.name})`, () => {
    const t = useTestDb(backend)
    beforeEach(async () => {
      if (!backend.skip) await t.reset()
    })

    const quarter = (q: number, fetchedAt: Date, country = 'US') => {
      const from = `2025-${String(q * 3 - 2).padStart(2, '0')}`
      const to = `2025-${String(q * 3).padStart(2, '0')}`
      return replaceSlice(t.db, { country, from, to }, [row({ countryCode: country, period: from })], {
        ...META,
        fetchedAt,
      })
    }
    const usYear = async () => (await coverage(t.db)).find((c) => c.country === 'US' && c.year === 2025)

    it.skipIf(backend.skip)('a year split into quarters that all succeed is no longer failed', async () => {
      await recordSliceFailure(
        t.db,
        { country: 'US', from: '2025-01', to: '2025-12' },
        { ...FAILURE, failedAt: at('2026-01-01T00:00:00Z') },
      )
      expect(await usYear()).toMatchObject({
        failedSlices: 1,
        supersededFailures: 0,
        lastError: FAILURE.error,
      })
      for (const q of [1, 2, 3]) await quarter(q, at('2026-01-01T00:05:00Z'))
      // three quarters are not the whole year: still failed
      expect(await usYear()).toMatchObject({ failedSlices: 1, okSlices: 3, monthsSynced: 9 })
      await quarter(4, at('2026-01-01T00:06:00Z'))
      expect(await usYear()).toMatchObject({
        failedSlices: 0,
        supersededFailures: 1,
        okSlices: 4,
        monthsSynced: 12,
        lastError: null,
      })
    })

    it.skipIf(backend.skip)(
      'older successes, another country or a narrower HS scope do not supersede',
      async () => {
        for (const q of [1, 2, 3, 4]) await quarter(q, at('2026-01-01T00:00:00Z'))
        for (const q of [1, 2, 3, 4]) await quarter(q, at('2026-01-03T00:00:00Z'), 'CN')
        await replaceSlice(
          t.db,
          { country: 'US', hs: '850110', from: '2025-01', to: '2025-12' },
          [row({ hsCode: '8501101000' })],
          {
            ...META,
            fetchedAt: at('2026-01-03T00:00:00Z'),
          },
        )
        // the refresh of the whole year fails after the quarters were fetched
        await recordSliceFailure(
          t.db,
          { country: 'US', from: '2025-01', to: '2025-12' },
          { ...FAILURE, failedAt: at('2026-01-02T00:00:00Z') },
        )
        expect(await usYear()).toMatchObject({ failedSlices: 1, supersededFailures: 0 })
      },
    )
  })
}
