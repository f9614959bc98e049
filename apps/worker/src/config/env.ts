import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { createRedactor } from '@kcs-trade/client'
import { z } from 'zod'
import { ConfigError, quoted } from './errors.js'

export const DEFAULT_BASE_URL = 'http://apis.data.go.kr'
export const DEFAULT_DATABASE_URL = './.kcs-trade/db'
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'
export const DEFAULT_QUEUE_PREFIX = 'kcs-trade'
/** The API's documented per-second ceiling; the worker never goes above it. */
export const MAX_RATE_PER_SECOND = 30

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)
const optionalString = z.preprocess(emptyToUndefined, z.string().optional())

/** How a number must be written, said when it is not: `0x10`, `1e2`, ` 100`, `+5` and `1_000` are refused. */
const PLAIN = 'in plain decimal digits (no sign, spaces, 0x, exponent or _)'

/**
 * A whole number written in plain decimal digits (`Number()` would take `0x10`, `1e2`, ` 100` and `+5`), then checked
 * by `check` (`.int()`, `.min()`, `.max()` with their messages); `what` describes it, e.g. "milliseconds, e.g. 30000".
 */
const decimalInt = (what: string, check: (n: z.ZodNumber) => z.ZodNumber, fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d+$/, { message: `must be ${what}, ${PLAIN}` })
      .transform(Number)
      .pipe(check(z.number().int({ message: `must be ${what}` })))
      .default(fallback),
  )

const envSchema = z.object({
  KCS_SERVICE_KEY: optionalString,
  KCS_BASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(DEFAULT_BASE_URL)
      .refine((v) => v.length <= 2048 && /^https?:\/\/[^\s/]+/.test(v), {
        message:
          'must be an http:// or https:// URL of at most 2048 characters, e.g. http://apis.data.go.kr or an emulator URL',
      }),
  ),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(DEFAULT_DATABASE_URL)
      .refine(
        (v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^(postgres|postgresql|memory|file):\/\//i.test(v),
        {
          message: 'must be postgres://…, postgresql://…, memory://, file://… or a directory path for PGlite',
        },
      )
      .refine((v) => v.length <= 4096 && !v.includes('\u0000'), {
        message: 'must be at most 4096 characters, without NUL',
      }),
  ),
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(DEFAULT_REDIS_URL)
      .refine((v) => /^rediss?:\/\/\S+$/.test(v), {
        message: 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
      }),
  ),
  KCS_DAILY_QUOTA: decimalInt(
    'a whole number of calls per day, e.g. 10000',
    (n) => n.positive({ message: 'must be at least 1 (calls per day for this key)' }),
    10_000,
  ),
  KCS_RATE_PER_SECOND: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, {
        message: `must be a number of calls per second between 0.1 and ${MAX_RATE_PER_SECOND}, in plain decimal (e.g. 5 or 0.5; no sign, spaces, 0x, exponent or _)`,
      })
      .transform(Number)
      .pipe(
        z
          .number({ message: `must be a number of calls per second between 0.1 and ${MAX_RATE_PER_SECOND}` })
          .min(0.1, {
            message: `must be a number of calls per second between 0.1 and ${MAX_RATE_PER_SECOND}`,
          })
          .max(MAX_RATE_PER_SECOND, {
            message: `must be at most ${MAX_RATE_PER_SECOND} (the API answers code 23 above that)`,
          }),
      )
      .default(5),
  ),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? emptyToUndefined(v.toLowerCase()) : v),
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        message: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
  KCS_QUEUE_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, {
        message: 'must be 1–64 characters of letters, digits, _ . - (no colon)',
      })
      .default(DEFAULT_QUEUE_PREFIX),
  ),
  KCS_TIMEOUT_MS: decimalInt(
    'whole milliseconds, e.g. 120000',
    (n) => n.min(1000, { message: 'must be at least 1000 ms' }),
    120_000,
  ),
  KCS_FRESHNESS_CRON: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('0 0 6 * * *')
      .refine((v) => v.trim().split(/\s+/).length >= 5 && v.trim().split(/\s+/).length <= 6, {
        message: "must be a cron pattern of 5 or 6 fields, e.g. '0 0 6 * * *' (06:00 KST daily)",
      }),
  ),
  KCS_JOB_LOCK_MS: decimalInt(
    'whole milliseconds, e.g. 60000',
    (n) => n.min(500, { message: 'must be at least 500 ms' }),
    60_000,
  ),
  KCS_SHUTDOWN_TIMEOUT_MS: decimalInt('whole milliseconds, e.g. 10000', (n) => n, 10_000),
  KCS_QUOTA_RECHECK_MS: decimalInt(
    'whole milliseconds, e.g. 300000',
    (n) => n.min(500, { message: 'must be at least 500 ms' }),
    300_000,
  ),
  KCS_CIRCUIT_THRESHOLD: decimalInt(
    'a whole number of consecutive connection failures, e.g. 5',
    (n) => n.min(1, { message: 'must be at least 1' }),
    5,
  ),
  KCS_CIRCUIT_COOLDOWN_MS: decimalInt(
    'whole milliseconds, e.g. 30000',
    (n) => n.min(100, { message: 'must be at least 100 ms' }),
    30_000,
  ),
  KCS_OUTAGE_BUDGET_MS: decimalInt(
    'whole milliseconds, e.g. 3600000 (1 hour)',
    (n) => n.max(604_800_000, { message: 'must be at most 604800000 (7 days)' }),
    3_600_000,
  ),
  KCS_TEST_CLOCK_FILE: optionalString,
})

export interface WorkerConfig {
  serviceKey: string | undefined
  baseUrl: string
  databaseUrl: string
  redisUrl: string
  dailyQuota: number
  ratePerSecond: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  queuePrefix: string
  timeoutMs: number
  freshnessCron: string
  /** BullMQ job lock: a killed worker's job is picked up again after about this long. */
  jobLockMs: number
  /**
   * On SIGTERM/SIGINT, how long in-flight slices (worker jobs, `sync --inline`) may take to finish before their calls
   * are aborted and they are given back (jobs back to waiting, inline slices unrecorded). Default 10 s.
   */
  shutdownTimeoutMs: number
  /** While the daily quota is spent, a waiting job looks at the clock again after at most this long (real ms). */
  quotaRecheckMs: number
  /** Consecutive connection failures (network, timeout, 5xx) that open the client's circuit breaker. */
  circuitThreshold: number
  /** How long the circuit breaker stays open before one probe request is let through. */
  circuitCooldownMs: number
  /** How long a job waits out an unreachable API or database (no attempt used) before it counts as a failure. */
  outageBudgetMs: number
  /**
   * TEST ONLY (`KCS_TEST_CLOCK_FILE`): a file holding a number of milliseconds the worker's calendar clock runs ahead
   * of the system clock (quota day, midnight KST). Fault suites use it to move the workers past midnight in Korea
   * together with the emulator; unset in production, where the system clock is used.
   */
  testClockFile: string | undefined
}

/** Read and validate the configuration; throws {@link ConfigError} naming every variable to fix. */
export function loadConfig(
  env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
): WorkerConfig {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment')
      const raw = env[name]
      const shown = name === 'KCS_SERVICE_KEY' || raw === undefined ? '' : ` (got ${quoted(raw)})`
      return `${name}${shown}: ${issue.message}`
    })
    throw new ConfigError(problems)
  }
  const e = parsed.data
  const notADirectory = pgliteFileProblem(e.DATABASE_URL)
  if (notADirectory) throw new ConfigError([`DATABASE_URL (got ${quoted(e.DATABASE_URL)}): ${notADirectory}`])
  return {
    serviceKey: e.KCS_SERVICE_KEY?.trim(),
    baseUrl: e.KCS_BASE_URL.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    dailyQuota: e.KCS_DAILY_QUOTA,
    ratePerSecond: e.KCS_RATE_PER_SECOND,
    logLevel: e.LOG_LEVEL,
    queuePrefix: e.KCS_QUEUE_PREFIX,
    timeoutMs: e.KCS_TIMEOUT_MS,
    freshnessCron: e.KCS_FRESHNESS_CRON,
    jobLockMs: e.KCS_JOB_LOCK_MS,
    shutdownTimeoutMs: e.KCS_SHUTDOWN_TIMEOUT_MS,
    quotaRecheckMs: e.KCS_QUOTA_RECHECK_MS,
    circuitThreshold: e.KCS_CIRCUIT_THRESHOLD,
    circuitCooldownMs: e.KCS_CIRCUIT_COOLDOWN_MS,
    outageBudgetMs: e.KCS_OUTAGE_BUDGET_MS,
    testClockFile: e.KCS_TEST_CLOCK_FILE?.trim(),
  }
}

/**
 * Why a PGlite `DATABASE_URL` (a path or `file://…`) cannot be a database directory: it names an existing file, or a
 * path inside one. Undefined when it can (an existing directory, or a path that can be created), and for
 * `postgres://` and `memory://`. Checked before anything opens it, where PGlite would say "EEXIST … mkdir".
 */
export function pgliteFileProblem(url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^file:\/\//i.test(url)) return undefined
  let path: string
  try {
    path = /^file:\/\//i.test(url) ? new URL(url).pathname : resolve(url)
  } catch {
    return undefined
  }
  // The path itself, else the nearest ancestor that exists: PGlite creates what is missing below a directory.
  let at = path
  for (;;) {
    let isDirectory: boolean
    try {
      isDirectory = statSync(at).isDirectory()
    } catch {
      const up = resolve(at, '..')
      if (up === at) return undefined
      at = up
      continue
    }
    if (isDirectory) return undefined
    return at !== path
      ? `is inside ${quoted(at)}, which is a file, not a directory: a PGlite database is a directory; use a path outside it, or a postgres:// URL`
      : 'is a file, not a PGlite directory or a postgres:// URL: a PGlite database is a directory (it is created if missing); give a new or existing directory, or postgres://user@host:5432/db'
  }
}

/** The service key, or a {@link ConfigError} saying how to set it. */
export function requireServiceKey(config: WorkerConfig): string {
  if (!config.serviceKey) {
    throw new ConfigError([
      'KCS_SERVICE_KEY: is not set — set it to your data.go.kr service key for dataset 15100475 ' +
        '(or run `kcs-trade demo`, which needs no key)',
    ])
  }
  return config.serviceKey
}

/** A short, stable, non-reversible id for a service key: used in Redis key names and logs instead of the key. */
export function keyFingerprint(serviceKey: string): string {
  return createHash('sha256').update(serviceKey).digest('hex').slice(0, 16)
}

let cached: { key: string; redact: (text: string) => string } | undefined

/**
 * Replace every spelling of the key in `text` with `[redacted]`: the client's redactor (raw, percent- and
 * form-encoded once or twice, escapes in either hex case; no regular expression built from the key, so a key of any
 * length works). A key shorter than 4 characters is not redacted: it would blank out ordinary text.
 */
export function redactKey(text: string, serviceKey: string | undefined): string {
  if (!serviceKey || serviceKey.length < 4) return text
  if (cached?.key !== serviceKey)
    cached = { key: serviceKey, redact: createRedactor([serviceKey], '[redacted]') }
  return cached.redact(text)
}

/** Is the URL's host a loopback address (127.0.0.0/8, ::1, localhost)? */
export function isLoopbackUrl(url: string): boolean {
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return false
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '[::1]') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}
