/**
 * A PostgreSQL server that goes away in the middle of a write (a restart, a failover, pg_terminate_backend):
 * the writer's error must still say so by SQLSTATE, so that the sync engine waits out the outage instead of
 * failing the slice. Before `inTransaction`, the error was drizzle's "Failed query: rollback" with no code.
 */
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { replaceCountryTotals, replaceSlice } from './index.js'
import { backends, META, rows, useTestDb } from './test-utils/backends.js'
import { tableChecksums } from './test-utils/checksums.js'
import { countryRows, TOTALS_META } from './test-utils/totals.js'

const postgres = backends.find((b) => b.name === 'postgres')!

/** Yields `items`, ending every other connection to the database once `at` of them have gone by. */
async function* cutAt<T>(items: T[], at: number, url: string): AsyncGenerator<T> {
  for (const [i, item] of items.entries()) {
    if (i === at) {
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        const name = decodeURIComponent(new URL(url).pathname.slice(1))
        // Wait until the server has told the writer's connection (the 57P01 notice is asynchronous).
        await admin.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
          [name],
        )
        for (let tries = 0; tries < 200; tries++) {
          const left = await admin.query(
            `select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
            [name],
          )
          if (left.rows[0].n === 0) break
          await new Promise((r) => setTimeout(r, 10))
        }
      } finally {
        await admin.end()
      }
    }
    yield item
  }
}

/** SQLSTATE and socket codes along an error's cause chain. */
function codes(error: unknown): string[] {
  const out: string[] = []
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') out.push(code)
  }
  return out
}

describe.skipIf(postgres.skip)('a write cut by the server going away (postgres)', () => {
  const t = useTestDb(postgres)

  it('replaceSlice reports the server’s 57P01, not the failed rollback, and leaves the mirror as it was', async () => {
    const slice = { country: 'US', from: '2025-01', to: '2025-12' }
    const data = rows('US', 30_000)
    const before = await tableChecksums(t.db)
    const error = await replaceSlice(t.db, slice, cutAt(data, 15_000, t.url), META).catch((e) => e)
    expect(error).toMatchObject({ code: 'REPLACE_FAILED' })
    expect(codes(error)).toContain('57P01')
    // The failed rollback is kept for whoever needs it, outside the cause chain.
    expect(String((error as { cause?: { rollbackError?: unknown } }).cause?.rollbackError)).toMatch(
      /rollback/,
    )
    expect(await tableChecksums(t.db)).toEqual(before)
    // The pool replaces the lost connection: the retry writes the slice.
    const summary = await replaceSlice(t.db, slice, data, META)
    expect(summary.added).toBe(30_000)
  }, 60_000)

  it('the totals writers keep the code as well', async () => {
    const data = countryRows(
      Array.from(
        { length: 200 },
        (_, i) =>
          `${'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[Math.floor(i / 26) % 26]}${'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[i % 26]}`,
      ),
    )
    const error = await replaceCountryTotals(
      t.db,
      { from: '2025-01', to: '2025-12' },
      cutAt(data, 1_200, t.url),
      TOTALS_META,
    ).catch((e) => e)
    expect(codes(error)).toContain('57P01')
  }, 60_000)
})
