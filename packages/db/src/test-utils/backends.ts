import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'
import { connect, type KcsDatabase } from '../connect.js'
import { migrate } from '../migrate.js'
import type { TradeRow } from '../types.js'

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REQUIRE = Boolean(process.env.CI || process.env.KCS_REQUIRE_SERVICES)

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch (error) {
    const message = `PostgreSQL unreachable at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (${String(error)})`
    if (REQUIRE) throw new Error(`${message}; CI/KCS_REQUIRE_SERVICES is set, so PostgreSQL tests must run`)
    console.warn(`${message}: skipping the PostgreSQL half of the db tests`)
    return false
  }
}

export const postgresAvailable = await probePostgres()

export interface Backend {
  name: 'pglite' | 'postgres'
  skip: boolean
}

export const backends: Backend[] = [
  { name: 'pglite', skip: false },
  { name: 'postgres', skip: !postgresAvailable },
]

/** URL of a database named `name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** Creates a fresh database on the test server; returns its URL and a drop function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `kcs_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  return {
    url: databaseUrl(name),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await c.connect()
      await c.query(`drop database if exists ${name} with (force)`)
      await c.end()
    },
  }
}

export interface TestDb {
  /** The migrated database of this describe block. */
  readonly db: KcsDatabase
  /** URL to open more connections to the same database (postgres only; memory:// for PGlite). */
  readonly url: string
  /** Empties every table (between tests). */
  reset(): Promise<void>
}

/** Registers beforeAll/afterAll hooks that give the describe block its own migrated database. */
export function useTestDb(backend: Backend): TestDb {
  let db: KcsDatabase | undefined
  let url = 'memory://'
  let drop: (() => Promise<void>) | undefined
  beforeAll(async () => {
    if (backend.skip) return
    if (backend.name === 'postgres') {
      const created = await createTestDatabase()
      url = created.url
      drop = created.drop
    }
    db = await connect(url, { poolSize: 4 })
    await migrate(db)
  }, 60_000)
  afterAll(async () => {
    await db?.close()
    await drop?.()
  }, 60_000)
  return {
    get db() {
      if (!db) throw new Error('test database not open')
      return db
    },
    get url() {
      return url
    },
    async reset() {
      if (!db) throw new Error('test database not open')
      const { sql } = await import('drizzle-orm')
      await db.execute(
        sql`truncate trade_rows, trade_monthly, revisions, sync_ledger, country_totals, national_totals`,
      )
    },
  }
}

export function row(overrides: Partial<TradeRow> = {}): TradeRow {
  const base: TradeRow = {
    period: '2025-01',
    countryCode: 'US',
    countryName: '미국',
    hsCode: '0101101000',
    itemName: '기타',
    exportKg: 10,
    exportUsd: 100,
    importKg: 5,
    importUsd: 40,
    balanceUsd: 60,
  }
  const r = { ...base, ...overrides }
  if (overrides.balanceUsd === undefined) r.balanceUsd = r.exportUsd - r.importUsd
  return r
}

/** `n` distinct rows for one country over the months of `year`. */
export function rows(country: string, n: number, year = 2025, seed = 0): TradeRow[] {
  const out: TradeRow[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      row({
        period: `${year}-${String((i % 12) + 1).padStart(2, '0')}`,
        countryCode: country,
        countryName: `나라 ${country}`,
        hsCode: String(1_000_000_000 + Math.floor(i / 12) * 7 + 3).padStart(10, '0'),
        itemName: `품목 ${i}`,
        exportKg: i + seed,
        exportUsd: 1000 + i * 3 + seed,
        importKg: i * 2,
        importUsd: 500 + i + seed,
      }),
    )
  }
  return out
}

export const META = { total: null, bodySha256: 'a'.repeat(64), durationMs: 12, attempts: 1 }

export async function* asAsync<T>(items: Iterable<T>, failAt?: number, error?: Error): AsyncGenerator<T> {
  let i = 0
  for (const item of items) {
    if (failAt !== undefined && i === failAt) throw error ?? new Error('stream broke')
    await Promise.resolve()
    yield item
    i++
  }
}
