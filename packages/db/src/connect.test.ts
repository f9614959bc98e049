import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { connect, redactUrl } from './connect.js'
import { DatabaseConnectionError, InvalidDatabaseUrlError } from './errors.js'
import { migrate } from './migrate.js'
import { ledger } from './read-ledger.js'
import { tradeRows } from './read-rows.js'
import { replaceSlice } from './replace.js'
import {
  createTestDatabase,
  META,
  postgresAvailable,
  rows,
  TEST_DATABASE_URL,
} from './test-utils/backends.js'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('connect', () => {
  it('opens a PGlite directory that persists across connections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcs-db-'))
    dirs.push(dir)
    const path = join(dir, 'nested', 'db')
    const db = await connect(path)
    expect(db.driver).toBe('pglite')
    await migrate(db)
    await replaceSlice(db, { country: 'US', from: '2025-01', to: '2025-12' }, rows('US', 5), META)
    await db.close()
    const again = await connect(pathToFileURL(path).toString())
    try {
      expect(await migrate(again)).toEqual({ applied: [] })
      expect(await tradeRows(again, { from: '2025-01', to: '2025-12' })).toHaveLength(5)
      expect(await ledger(again)).toHaveLength(1)
    } finally {
      await again.close()
    }
    // PGlite's initdb on disk is slow on a loaded machine
  }, 180_000)

  it('rejects unknown schemes and malformed PostgreSQL URLs, redacting the password', async () => {
    const e1 = await connect('mysql://root:hunter2@localhost/db').catch((e: unknown) => e)
    expect(e1).toBeInstanceOf(InvalidDatabaseUrlError)
    expect(String((e1 as Error).message)).not.toContain('hunter2')
    expect((e1 as InvalidDatabaseUrlError).url).toBe('mysql://root:***@localhost/db')
    const e2 = await connect('postgres://user:hunter2@:99999999/db').catch((e: unknown) => e)
    expect(e2).toBeInstanceOf(InvalidDatabaseUrlError)
    expect(String((e2 as Error).message)).not.toContain('hunter2')
    await expect(connect('')).rejects.toBeInstanceOf(InvalidDatabaseUrlError)
  })

  it('reports an unreachable server with a typed error and no password', async () => {
    const error = await connect('postgresql://kcs:s3cr%40t-pw@127.0.0.1:1/mirror', {
      connectionTimeoutMillis: 2000,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseConnectionError)
    const message = String((error as Error).message)
    expect(message).toContain('postgresql://kcs:***@127.0.0.1:1/mirror')
    expect(message).toMatch(/ECONNREFUSED/)
    expect(message).not.toContain('s3cr')
    expect(JSON.stringify(error)).not.toContain('s3cr')
    expect((error as DatabaseConnectionError).code).toBe('DATABASE_UNREACHABLE')
  })

  it.skipIf(!postgresAvailable)('reports a missing database on a live server', async () => {
    const url = new URL(TEST_DATABASE_URL)
    url.pathname = '/kcs_missing_database_for_test'
    url.password = 'pw-not-to-leak'
    const error = await connect(url.toString()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseConnectionError)
    expect(String((error as Error).message)).toMatch(/kcs_missing_database_for_test/)
    expect(String((error as Error).message)).not.toContain('pw-not-to-leak')
  })

  it.skipIf(!postgresAvailable)('connects to PostgreSQL with a node-postgres pool', async () => {
    const db = await connect(TEST_DATABASE_URL)
    try {
      expect(db.driver).toBe('postgres')
    } finally {
      await db.close()
    }
  })
})

describe('redactUrl', () => {
  it('hides passwords in URLs and password= parameters', () => {
    expect(redactUrl('postgres://u:p@h:5432/d')).toBe('postgres://u:***@h:5432/d')
    expect(redactUrl('postgres://u@h/d?password=x&sslmode=require')).toBe(
      'postgres://u@h/d?password=***&sslmode=require',
    )
    expect(redactUrl('postgres://u:p@w@rd@h/d')).not.toContain('rd@h/d?')
    expect(redactUrl('./.kcs-trade/db')).toBe('./.kcs-trade/db')
  })
})

describe.skipIf(!postgresAvailable)('a PostgreSQL connection lost during a transaction', () => {
  it('fails that replaceSlice with an error (the process survives) and leaves the database usable', async () => {
    const created = await createTestDatabase()
    const app = `kcs-terminate-${process.pid}-${Date.now()}`
    const db = await connect(created.url, { applicationName: app, poolSize: 2 })
    const admin = await connect(created.url, { poolSize: 1 })
    const crashes: unknown[] = []
    const onUncaught = (error: unknown) => crashes.push(error)
    process.on('uncaughtException', onUncaught)
    try {
      await migrate(db)
      const slice = { country: 'US', from: '2025-01', to: '2025-12' }
      // The row source kills the transaction's backend while the transaction waits for more rows (no query in flight).
      async function* killedMidway() {
        yield* rows('US', 3)
        await (admin.$client as unknown as { query(q: string, v: unknown[]): Promise<unknown> }).query(
          'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
          [app],
        )
        await new Promise((r) => setTimeout(r, 300))
        yield* rows('US', 5)
      }
      await expect(replaceSlice(db, slice, killedMidway(), META)).rejects.toThrow()
      expect(crashes).toEqual([])
      // Nothing of the failed attempt was kept; the next attempt goes through on a fresh connection.
      expect(await tradeRows(admin, { from: '2025-01', to: '2025-12' })).toHaveLength(0)
      await replaceSlice(db, slice, rows('US', 5), META)
      expect(await tradeRows(db, { from: '2025-01', to: '2025-12' })).toHaveLength(5)
    } finally {
      process.off('uncaughtException', onUncaught)
      await db.close().catch(() => {})
      await admin.close().catch(() => {})
      await created.drop()
    }
  }, 60_000)
})
