import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { connect } from './connect.js'
import { MigrationError } from './errors.js'
import { migrate, migrationsFolder } from './migrate.js'
import { rowsOf } from './sql.js'
import { createTestDatabase, postgresAvailable } from './test-utils/backends.js'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('migrations', () => {
  it('ship with the package and are found next to src/ and dist/', () => {
    expect(migrationsFolder).toBe(join(packageRoot, 'drizzle'))
    expect(existsSync(join(migrationsFolder, 'meta', '_journal.json'))).toBe(true)
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { files: string[] }
    expect(pkg.files).toContain('drizzle')
  })

  it('apply once on PGlite, a second run applies nothing, a missing folder is a typed error', async () => {
    const db = await connect('memory://')
    try {
      const first = await migrate(db)
      expect(first.applied).toEqual(['0000_initial', '0001_monthly_rollup', '0002_sibling_totals'])
      expect(await migrate(db)).toEqual({ applied: [] })
      const tables = rowsOf<{ t: string }>(
        await db.execute(sql`select tablename as t from pg_tables where schemaname = 'public' order by 1`),
      )
      expect(tables.map((r) => r.t)).toEqual([
        'country_totals',
        'national_totals',
        'revisions',
        'sync_ledger',
        'trade_monthly',
        'trade_rows',
      ])
      await expect(migrate(db, { migrationsFolder: '/nonexistent/drizzle' })).rejects.toBeInstanceOf(
        MigrationError,
      )
    } finally {
      await db.close()
    }
  })

  it.skipIf(!postgresAvailable)(
    'apply exactly once when several processes start at once (PostgreSQL)',
    async () => {
      const { url, drop } = await createTestDatabase()
      const dbs = await Promise.all(Array.from({ length: 4 }, () => connect(url, { poolSize: 1 })))
      try {
        const results = await Promise.all(dbs.map((db) => migrate(db)))
        expect(results.flatMap((r) => r.applied)).toEqual([
          '0000_initial',
          '0001_monthly_rollup',
          '0002_sibling_totals',
        ])
        expect(await migrate(dbs[0]!)).toEqual({ applied: [] })
        const count = rowsOf<{ n: number }>(
          await dbs[0]!.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
        )
        expect(count[0]?.n).toBe(3)
      } finally {
        await Promise.all(dbs.map((db) => db.close()))
        await drop()
      }
    },
  )

  it.skipIf(!postgresAvailable)('keep their bookkeeping per migrationsSchema', async () => {
    const { url, drop } = await createTestDatabase()
    const db = await connect(url)
    try {
      await migrate(db, { migrationsSchema: 'kcs_meta', migrationsTable: 'applied' })
      const rows = rowsOf<{ n: number }>(
        await db.execute(sql`select count(*)::int as n from kcs_meta.applied`),
      )
      expect(rows[0]?.n).toBe(3)
    } finally {
      await db.close()
      await drop()
    }
  })
})
