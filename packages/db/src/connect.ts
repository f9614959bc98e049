import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import {
  DatabaseConnectionError,
  DatabaseLockedError,
  describeValue,
  InvalidArgumentError,
  InvalidDatabaseUrlError,
  messageOf,
} from './errors.js'
import { optionsObject, positiveInteger } from './guards.js'
import { noteConnectionLost } from './lost-connections.js'
import { acquirePgliteLock, type PgliteLock } from './pglite-lock.js'
import * as schema from './schema.js'

/** The type of the Drizzle table definitions (`trade_rows`, `sync_ledger`, `revisions`) a KcsDatabase is typed with. */
export type Schema = typeof schema

/** The default PGlite directory, relative to the working directory. */
export const DEFAULT_DATABASE_URL = './.kcs-trade/db'

/** A Drizzle database over node-postgres or PGlite, plus `close()`. */
export type KcsDatabase = PgDatabase<PgQueryResultHKT, Schema> & {
  /** Which engine is underneath. */
  readonly driver: 'postgres' | 'pglite'
  /** The underlying client: a `pg.Pool` or a `PGlite` instance. */
  readonly $client: pg.Pool | PGlite
  /** The URL connected to, password redacted. */
  readonly url: string
  /** Ends the pg pool, or closes PGlite (a second call on PGlite does nothing). */
  close(): Promise<void>
}

/** Settings for `connect`; they apply to `postgres://` URLs only and are ignored for PGlite. */
export interface ConnectOptions {
  /** node-postgres pool size (default 10). */
  poolSize?: number
  /** Milliseconds to wait for a PostgreSQL connection (default 10,000). */
  connectionTimeoutMillis?: number
  /** Reported to PostgreSQL as application_name (default `kcs-trade`). */
  applicationName?: string
}

/** Replaces the password of a URL (and any `password=` parameter) with `***`. */
export function redactUrl(url: string): string {
  if (typeof url !== 'string')
    throw new InvalidArgumentError(
      'url',
      `expected a string, got ${describeValue(url)}`,
      'Pass the database URL as text.',
    )
  let out = url
  try {
    const parsed = new URL(url)
    if (parsed.password) {
      parsed.password = '***'
      out = parsed.toString()
    }
  } catch {
    out = out.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@')
  }
  return out.replace(/([?&]password=)[^&]*/gi, '$1***')
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i
const OTHER_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

/**
 * Opens the mirror's database.
 * - `postgres://` or `postgresql://` → a node-postgres pool (checked with one connection);
 * - `memory://` → an in-memory PGlite (tests, throwaway work);
 * - `file://…` or any path → a PGlite data directory, created if missing;
 * - nothing → `DATABASE_URL` is NOT read here; the default is `./.kcs-trade/db`.
 * Throws `InvalidDatabaseUrlError` or `DatabaseConnectionError`; both carry the URL with its password redacted.
 * A PGlite directory has one owner at a time (a lock file in it names the process): while another process has it
 * open, `connect` throws `DatabaseLockedError` and touches nothing; the lock is released by `close()` or on exit,
 * and the lock of a process that died is taken over.
 */
export async function connect(
  url: string = DEFAULT_DATABASE_URL,
  options: ConnectOptions = {},
): Promise<KcsDatabase> {
  if (typeof url !== 'string')
    throw new InvalidDatabaseUrlError(describeValue(url), 'the URL must be a string')
  if (url.length > 4096)
    throw new InvalidDatabaseUrlError(`${redactUrl(url.slice(0, 60))}…`, 'longer than 4096 characters')
  if (url.includes('\u0000'))
    throw new InvalidDatabaseUrlError(redactUrl(url.replaceAll('\u0000', '\\0')), 'contains a NUL character')
  options = optionsObject(
    options,
    'options',
    'Pass { poolSize?, connectionTimeoutMillis?, applicationName? } or nothing.',
  )
  if (options.poolSize !== undefined) positiveInteger(options.poolSize, 'options.poolSize', 10, 1000)
  if (options.connectionTimeoutMillis !== undefined)
    positiveInteger(options.connectionTimeoutMillis, 'options.connectionTimeoutMillis', 10_000, 3_600_000)
  if (
    options.applicationName !== undefined &&
    (typeof options.applicationName !== 'string' || options.applicationName.length > 63)
  )
    throw new InvalidArgumentError(
      'options.applicationName',
      `must be a string of at most 63 characters, got ${describeValue(options.applicationName)}`,
      'Leave it out for "kcs-trade".',
    )
  const safeUrl = redactUrl(url)
  if (url.trim() === '') throw new InvalidDatabaseUrlError(safeUrl, 'empty')
  if (POSTGRES_URL.test(url)) return connectPostgres(url, safeUrl, options)
  const scheme = OTHER_SCHEME.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'memory') return connectPglite(undefined, safeUrl)
  if (scheme === 'file') {
    let dir: string
    try {
      dir = fileURLToPath(url)
    } catch (error) {
      throw new InvalidDatabaseUrlError(safeUrl, messageOf(error))
    }
    return connectPglite(dir, safeUrl)
  }
  if (scheme !== undefined) {
    throw new InvalidDatabaseUrlError(
      safeUrl,
      `unsupported scheme "${scheme}:" (use postgres://, postgresql://, memory:// or a directory path)`,
    )
  }
  return connectPglite(resolve(url), safeUrl)
}

async function connectPostgres(url: string, safeUrl: string, options: ConnectOptions): Promise<KcsDatabase> {
  try {
    const parsed = new URL(url)
    if (!parsed.hostname && !parsed.searchParams.get('host')) throw new Error('no host')
  } catch (error) {
    throw new InvalidDatabaseUrlError(safeUrl, messageOf(error))
  }
  let pool: pg.Pool
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
      application_name: options.applicationName ?? 'kcs-trade',
    })
  } catch (error) {
    throw new InvalidDatabaseUrlError(safeUrl, redactText(messageOf(error), url))
  }
  // A client losing its server (a restart, a failover, an administrator's pg_terminate_backend) must not crash the
  // process; the query in flight or the next one on that client reports it. The pool covers idle clients; a client
  // checked out for a transaction (replaceSlice keeps one while it streams an answer) has no listener of its own, and
  // an 'error' event without a listener would end the process.
  pool.on('error', () => {})
  pool.on('connect', (client) => {
    client.on('error', (error) => noteConnectionLost(client, error))
  })
  try {
    const client = await pool.connect()
    client.release()
  } catch (error) {
    await pool.end().catch(() => {})
    throw new DatabaseConnectionError(safeUrl, redactText(describePgError(error), url))
  }
  const db = drizzleNodePg({ client: pool, schema })
  return Object.assign(db, {
    driver: 'postgres' as const,
    url: safeUrl,
    close: () => pool.end(),
  }) as unknown as KcsDatabase
}

async function connectPglite(dir: string | undefined, safeUrl: string): Promise<KcsDatabase> {
  let lock: PgliteLock | undefined
  try {
    if (dir !== undefined) mkdirSync(dir, { recursive: true })
  } catch (error) {
    throw new DatabaseConnectionError(safeUrl, `cannot open PGlite: ${messageOf(error)}`)
  }
  if (dir !== undefined) {
    try {
      lock = acquirePgliteLock(dir)
    } catch (error) {
      if (error instanceof DatabaseLockedError) throw error
      throw new DatabaseConnectionError(safeUrl, `cannot lock the PGlite directory: ${messageOf(error)}`)
    }
  }
  let client: PGlite
  try {
    client = new PGlite(dir)
    await client.waitReady
  } catch (error) {
    lock?.release()
    throw new DatabaseConnectionError(safeUrl, `cannot open PGlite: ${messageOf(error)}`)
  }
  const db = drizzlePglite({ client, schema })
  let closed = false
  return Object.assign(db, {
    driver: 'pglite' as const,
    url: safeUrl,
    close: async () => {
      if (closed) return
      closed = true
      try {
        await client.close()
      } finally {
        lock?.release()
      }
    },
  }) as unknown as KcsDatabase
}

function describePgError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e) => messageOf(e)).join('; ')
  }
  const code = (error as { code?: unknown } | null)?.code
  const message = messageOf(error)
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message
}

/** Removes the password of `url` from a driver message, in case a driver echoes it. */
function redactText(text: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password)
    if (password) return text.split(password).join('***')
  } catch {
    // unparseable URL: nothing more to redact than the URL form already did
  }
  return text
}
