import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { connect, type KcsDatabase, tradeRows } from '@kcs-trade/db'
import type { Emulator } from '@kcs-trade/emulator'
import { Redis } from 'ioredis'
import { pingRedis } from '../sync/runtime.js'

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const mustHave = Boolean(process.env.CI || process.env.KCS_REQUIRE_SERVICES)

async function postgresReachable(): Promise<boolean> {
  try {
    const db = await connect(TEST_DATABASE_URL, { connectionTimeoutMillis: 2_000, poolSize: 1 })
    await db.close()
    return true
  } catch {
    return false
  }
}

/** Which services are up. In CI (or with KCS_REQUIRE_SERVICES) a missing one fails loudly instead of skipping. */
export async function services(): Promise<{ redis: boolean; postgres: boolean }> {
  const [redis, postgres] = await Promise.all([pingRedis(REDIS_URL, 2_000), postgresReachable()])
  for (const [name, ok, url] of [
    ['Redis', redis, REDIS_URL],
    ['PostgreSQL', postgres, TEST_DATABASE_URL],
  ] as const) {
    if (ok) continue
    if (mustHave)
      throw new Error(`${name} is required for the worker's integration tests but is unreachable at ${url}`)
    console.warn(`[worker tests] ${name} unreachable at ${url}: skipping the tests that need it`)
  }
  return { redis, postgres }
}

export const available = await services()

/** A BullMQ/Redis prefix of our own per test, so parallel test files never share keys. */
export function uniquePrefix(name: string): string {
  return `kcs-test-${name}-${process.pid}-${randomBytes(3).toString('hex')}`
}

/** Remove every key under a prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

export async function countKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    const keys = await redis.keys(`${prefix}:*`)
    return keys.length
  } finally {
    redis.disconnect()
  }
}

/** A fresh PostgreSQL database for one test file; `drop()` removes it. */
export async function createTestDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const dbName = `kcs_worker_${name}_${process.pid}_${randomBytes(3).toString('hex')}`.toLowerCase()
  const admin = await connect(TEST_DATABASE_URL, { poolSize: 1 })
  const query = (sql: string) =>
    (admin.$client as unknown as { query(q: string): Promise<unknown> }).query(sql)
  await query(`create database ${dbName}`)
  await admin.close()
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${dbName}`
  return {
    url: url.toString(),
    drop: async () => {
      const a = await connect(TEST_DATABASE_URL, { poolSize: 1 })
      try {
        await (a.$client as unknown as { query(q: string): Promise<unknown> }).query(
          `drop database if exists ${dbName} with (force)`,
        )
      } finally {
        await a.close()
      }
    },
  }
}

type Row = {
  period: string
  countryCode: string
  hsCode: string
  exportKg: number
  exportUsd: number
  importKg: number
  importUsd: number
  balanceUsd: number
  countryName: string
  itemName: string
}

function canonical(rows: readonly Row[]): string[] {
  return rows
    .map((r) =>
      [
        r.countryCode,
        r.period,
        r.hsCode,
        r.exportKg,
        r.exportUsd,
        r.importKg,
        r.importUsd,
        r.balanceUsd,
        r.countryName,
        r.itemName,
      ].join('|'),
    )
    .sort()
}

/** The mirror's rows for these countries and window, and the emulator's truth, in comparable form. */
export async function mirrorAndTruth(
  db: KcsDatabase,
  emu: Emulator,
  countries: readonly string[],
  from: string,
  to: string,
) {
  const mirror: Row[] = []
  const truth: Row[] = []
  for (const country of countries) {
    mirror.push(...((await tradeRows(db, { country, from, to })) as Row[]))
    truth.push(...(emu.truth.rows({ country, from, to }) as Row[]))
  }
  return { mirror: canonical(mirror), truth: canonical(truth) }
}

/**
 * Small partners of the emulator, the busiest first (the first twenty have 250–500 rows a month, about
 * 5k a year, like the real small partners): keeps tests fast while every slice has rows.
 */
export function smallCountries(emu: Emulator, n: number): string[] {
  return emu.truth
    .countries()
    .filter((c) => c.profile === 'small')
    .sort((a, b) => b.rowsPerMonth - a.rowsPerMonth || (a.code < b.code ? -1 : 1))
    .map((c) => c.code)
    .slice(0, n)
}

export const CLI_PATH = fileURLToPath(new URL('../cli.ts', import.meta.url))
export const WORKER_DIR = fileURLToPath(new URL('../..', import.meta.url))

export interface CliRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Run `kcs-trade` as a real process (tsx over the sources). */
export function runCliProcess(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 60_000,
): Promise<CliRun> {
  const child = startCliProcess(args, env)
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (d) => {
      stdout += d
    })
    child.stderr?.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kcs-trade ${args.join(' ')} timed out; stderr: ${stderr}`))
    }, timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

export function startCliProcess(args: string[], env: Record<string, string | undefined>) {
  const clean: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) clean[k] = v
  delete clean.KCS_SERVICE_KEY
  if (env.KCS_SERVICE_KEY !== undefined) clean.KCS_SERVICE_KEY = env.KCS_SERVICE_KEY
  // tests pass their own LOG_LEVEL; never inherit a TTY-dependent format
  return spawn(process.execPath, ['--conditions=@kcs-trade/source', '--import', 'tsx', CLI_PATH, ...args], {
    cwd: WORKER_DIR,
    env: clean,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Poll until `check` returns true. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}
