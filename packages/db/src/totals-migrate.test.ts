/**
 * Migration 0002 (the sibling datasets) applied to a database at 0001 that holds data, on PGlite and
 * PostgreSQL: the existing rows, ledger and revisions keep working and are `nitemtrade`, and the new
 * tables take sibling slices.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  coverage,
  type KcsDatabase,
  ledger,
  migrate,
  migrationsFolder,
  replaceCountryTotals,
  replaceSlice,
  revisions,
  tradeRows,
} from './index.js'
import { rowsOf } from './sql.js'
import { backends, createTestDatabase, META } from './test-utils/backends.js'
import { countryRows, TOTALS_META } from './test-utils/totals.js'

/** A copy of the shipped migrations folder that stops after `0001_monthly_rollup`. */
function migrationsUpTo0001(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcs-migrations-'))
  mkdirSync(join(dir, 'meta'))
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string }>
  }
  const entries = journal.entries.filter((e) => e.tag === '0000_initial' || e.tag === '0001_monthly_rollup')
  expect(entries).toHaveLength(2)
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }))
  for (const e of entries) copyFileSync(join(migrationsFolder, `${e.tag}.sql`), join(dir, `${e.tag}.sql`))
  return dir
}

/** What a mirror written by the 0001-era package holds: rows, rollup, an ok and a failed slice, a revision. */
async function seedAt0001(db: KcsDatabase): Promise<void> {
  await db.execute(sql`
    insert into trade_rows values
      ('2025-01-01', 'US', '0101101000', '미국', '기타', 10, 100, 5, 40, 60, '2026-01-01T00:00:00Z'),
      ('2025-02-01', 'US', '0101101000', '미국', '기타', 11, 110, 5, 40, 70, '2026-01-01T00:00:00Z')`)
  await db.execute(sql`
    insert into trade_monthly
    select 4, country_code, period, left(hs_code, 4), max(country_name), count(*)::int, sum(export_kg),
      sum(export_usd), sum(import_kg), sum(import_usd), sum(balance_usd)
    from trade_rows group by 2, 3, 4`)
  await db.execute(sql`
    insert into trade_monthly
    select 2, country_code, period, left(hs_prefix, 2), max(country_name), sum(row_count)::int, sum(export_kg),
      sum(export_usd), sum(import_kg), sum(import_usd), sum(balance_usd)
    from trade_monthly where digits = 4 group by 2, 3, 4`)
  await db.execute(sql`
    insert into sync_ledger (slice_key, country_code, period_from, period_to, status, row_count, body_sha256,
      last_added, last_changed, last_withdrawn, fetched_at, first_fetched_at, attempts, duration_ms)
    values ('US:2025-01..2025-12', 'US', '2025-01-01', '2025-12-01', 'ok', 2, ${META.bodySha256}, 0, 1, 0,
      '2026-01-01T00:00:00Z', '2025-12-01T00:00:00Z', 1, 12)`)
  await db.execute(sql`
    insert into sync_ledger (slice_key, country_code, period_from, period_to, status, attempts, duration_ms,
      last_error, error_code, failed_at)
    values ('CN:2025-01..2025-12', 'CN', '2025-01-01', '2025-12-01', 'failed', 4, 30, 'HTTP 504', 'timeout',
      '2026-01-02T00:00:00Z')`)
  await db.execute(sql`
    insert into revisions (kind, period, country_code, hs_code, before, after, at, slice_key)
    values ('changed', '2025-02-01', 'US', '0101101000', '{"exportUsd": 105}', '{"exportUsd": 110}',
      '2026-01-01T00:00:00Z', 'US:2025-01..2025-12')`)
}

for (const backend of backends) {
  describe(`migration 0002 over a 0001 database with data (${backend.name})`, () => {
    let db: KcsDatabase | undefined
    let drop: (() => Promise<void>) | undefined
    let folder = ''
    beforeAll(async () => {
      if (backend.skip) return
      folder = migrationsUpTo0001()
      let url = 'memory://'
      if (backend.name === 'postgres') {
        const created = await createTestDatabase()
        url = created.url
        drop = created.drop
      }
      db = await connect(url, { poolSize: 2 })
    }, 60_000)
    afterAll(async () => {
      await db?.close()
      await drop?.()
      if (folder) rmSync(folder, { recursive: true, force: true })
    }, 60_000)

    it.skipIf(backend.skip)('keeps the existing mirror working and as nitemtrade', async () => {
      const d = db!
      expect((await migrate(d, { migrationsFolder: folder })).applied).toEqual([
        '0000_initial',
        '0001_monthly_rollup',
      ])
      await seedAt0001(d)
      const coverageAt0001 = rowsOf<{ n: number }>(
        await d.execute(sql`select count(*)::int as n from sync_ledger`),
      )
      expect(coverageAt0001[0]?.n).toBe(2)

      expect((await migrate(d)).applied).toEqual(['0002_sibling_totals'])
      const datasets = rowsOf<{ t: string; dataset: string; n: number }>(
        await d.execute(sql`
          select 'sync_ledger' as t, dataset, count(*)::int as n from sync_ledger group by dataset
          union all select 'revisions', dataset, count(*)::int from revisions group by dataset`),
      )
      expect(datasets).toEqual([
        { t: 'sync_ledger', dataset: 'nitemtrade', n: 2 },
        { t: 'revisions', dataset: 'nitemtrade', n: 1 },
      ])
      const entries = await ledger(d)
      expect(entries.map((e) => [e.sliceKey, e.status])).toEqual([
        ['CN:2025-01..2025-12', 'failed'],
        ['US:2025-01..2025-12', 'ok'],
      ])
      expect(entries[1]).not.toHaveProperty('dataset')
      expect(await revisions(d, { since: new Date(0) })).toMatchObject([
        { kind: 'changed', country: 'US', hsCode: '0101101000', after: { exportUsd: 110 } },
      ])
      expect(await coverage(d)).toMatchObject([
        { country: 'CN', year: 2025, failedSlices: 1, okSlices: 0 },
        { country: 'US', year: 2025, okSlices: 1, monthsSynced: 12, rowCount: 2 },
      ])
      // The old slice re-fetched unchanged: nothing changes, nothing recorded.
      const again = await replaceSlice(
        d,
        { country: 'US', from: '2025-01', to: '2025-12' },
        await tradeRows(d, {
          from: '2025-01',
          to: '2025-12',
        }),
        META,
      )
      expect(again).toMatchObject({ firstFetch: false, unchanged: 2, revisionsRecorded: 0 })
      // The new tables take sibling slices next to it.
      await replaceCountryTotals(
        d,
        { country: 'US', from: '2025-01', to: '2025-12' },
        countryRows(['US']),
        TOTALS_META,
      )
      expect(await ledger(d, { dataset: 'nationtrade' })).toHaveLength(1)
      expect(await ledger(d)).toHaveLength(2)
      // The check constraints hold.
      await expect(d.execute(sql`update sync_ledger set dataset = 'itemtrade'`)).rejects.toThrow()
      await expect(d.execute(sql`update revisions set dataset = ''`)).rejects.toThrow()
      expect((await migrate(d)).applied).toEqual([])
    })
  })
}
