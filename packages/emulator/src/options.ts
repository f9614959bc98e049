/** `createEmulator`'s options: their documentation, their validation at start-up, and the settings a running emulator can change. */
import { type CalendarDate, kstDate, monthIndex, parseDate, parseMonth } from './calendar.js'
import { type QuirkRates, REAL_QUIRK_RATES, type ReleaseSchedule } from './data.js'
import type { FaultRates } from './faults.js'
import type { DatasetName } from './siblings.js'
import type { GatewayLayout, ProviderErrorBody } from './xml.js'

/** Settings of `createEmulator`; only `keys` is required. Invalid values throw at start-up. */
export interface EmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number
  /** Interface to bind (default 127.0.0.1). */
  host?: string
  /** Seed of the data and of random faults (default 1). */
  seed?: number
  /** Registered service keys (raw form; a percent-encoded key is decoded once). */
  keys: readonly string[]
  /**
   * Datasets each key is approved for (`nitemtrade`, `itemtrade`, `nationtrade`, `newtrade`); a key
   * not listed is approved for all four. A key calling a dataset it is not approved for gets 403/30,
   * exactly like an unknown key.
   */
  approvals?: Record<string, readonly DatasetName[]>
  /** Calls per key per dataset per day in Korea (default 10,000; each dataset has its own quota). */
  dailyQuota?: number
  /** Requests per key per clock second before gateway code 23 (default 30). */
  ratePerSecond?: number
  /** The data calendar's "today", `YYYY-MM-DD` (default: follow the clock's date in Korea). */
  today?: string
  /** Data revision (default 1). */
  revision?: number
  /** Seeded random fault rates for every key. */
  faults?: FaultRates
  /** Seeded random fault rates per key (replacing the global rates for that key). */
  faultsByKey?: Record<string, FaultRates>
  /** Clock in epoch ms, for quota days (midnight KST) and per-second windows (default Date.now). */
  now?: () => number
  /** Layout of gateway errors (default 'current', as measured on the live API in 2026-10; or 'legacy'). */
  gatewayLayout?: GatewayLayout
  /** HTTP status of the daily-quota error 22 (default 429; older clients saw 200). */
  quotaStatus?: number
  /** Layout of the quota error (default: gatewayLayout). */
  quotaLayout?: GatewayLayout
  /** HTTP status of the per-second error 23 (default 429). */
  rateLimitStatus?: number
  /** Layout of the per-second error (default: gatewayLayout). */
  rateLimitLayout?: GatewayLayout
  /** Token of the missing-key error 20 (default SERVICE_KEY_IS_NULL, as measured; or SERVICE_ACCESS_DENIED_ERROR). */
  missingKeyToken?: 'SERVICE_ACCESS_DENIED_ERROR' | 'SERVICE_KEY_IS_NULL'
  /**
   * Body after a provider error header (default 'by-cause', as measured: nothing after a window over
   * 12 months, `<body/>` after an hsSgn of the wrong length, nothing for the unmeasured causes), or
   * one variant for every cause: absent, `<body/>`, `<body><totalCount>0…`, or rotating through the three.
   */
  providerErrorBody?: ProviderErrorBody | 'rotate' | 'by-cause'
  /** A published window without trade: `<items/>` (default) or a lone totals row of zeros. */
  emptyAnswer?: 'items' | 'zero-totals'
  /** A window crossing a calendar year: served (default) or answered empty. */
  crossYearWindow?: 'serve' | 'empty'
  /** First month with data, `YYYY-MM` (default 2000-01). */
  firstMonth?: string
  /**
   * Per-row quirk rates; the defaults are the live API's real frequencies (`REAL_QUIRK_RATES`: zeroRow
   * 30/77,606, negativeWeight 19/22.35 M, oddCode 53/22.35 M).
   */
  quirks?: Partial<QuirkRates>
  /**
   * Switches every data quirk off for tests that need clean data: quirk rates 0, totals-row weights
   * equal to the row sums, cleaned item names. Options given explicitly still win.
   */
  cleanData?: boolean
  /** Serve 10-digit names as KCS's code table spells them, a trailing newline or space included (default true). */
  rawItemNames?: boolean
  /** Release days in the following month (defaults: totals on the 15th, detail on the 25th). */
  release?: Partial<ReleaseSchedule>
  /** Month revisions count back from, `YYYY-MM` (default: the newest detailed month at start). */
  revisionAnchor?: string
  /**
   * How far the totals row's weights may differ from the row sums: `'per-row'` (default, as seen live:
   * up to 0.02 kg per row either way, ≈ 740 kg over a US year) or a maximum in kg (0: exact).
   */
  totalsWeightDrift?: number | 'per-row'

  /** Answers kept for repeated identical requests (default 4; 0 disables). Keyed by query, revision and publication state. */
  answerCacheSize?: number
  /** How long an idle keep-alive connection stays open (default 65,000 ms, longer than clients' pools). */
  keepAliveTimeoutMs?: number
  /** Bytes per written chunk of a success body (default 262,144). */
  chunkBytes?: number
}

/** The settings the emulator's setters change while it runs. */
export interface LiveSettings {
  now: () => number
  /** A fixed data-calendar today; undefined follows the clock's date in Korea. */
  today: CalendarDate | undefined
  revision: number
  dailyQuota: number
  ratePerSecond: number
}

/** The data calendar's today: the fixed one, or the clock's date in Korea. */
export function currentToday(live: LiveSettings): CalendarDate {
  return live.today ?? kstDate(live.now())
}

export interface ResolvedOptions {
  port: number
  host: string
  seed: number
  dailyQuota: number
  ratePerSecond: number
  today: CalendarDate | undefined
  revision: number
  gatewayLayout: GatewayLayout
  quotaStatus: number
  quotaLayout: GatewayLayout
  rateLimitStatus: number
  rateLimitLayout: GatewayLayout
  missingKeyToken: 'SERVICE_ACCESS_DENIED_ERROR' | 'SERVICE_KEY_IS_NULL'
  providerErrorBody: ProviderErrorBody | 'rotate' | 'by-cause'
  emptyAnswer: 'items' | 'zero-totals'
  crossYearWindow: 'serve' | 'empty'
  firstMonth: number
  quirks: QuirkRates
  release: ReleaseSchedule
  revisionAnchor: number | undefined
  totalsWeightDrift: number | 'per-row'
  rawItemNames: boolean
  keepAliveTimeoutMs: number
  answerCacheSize: number
  chunkBytes: number
}

/** Validates options up front, so a typo fails at start-up with a clear message. */
export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  if (!options || !Array.isArray(options.keys))
    throw new Error('createEmulator: keys must be an array of service keys')
  for (const k of options.keys) {
    if (typeof k !== 'string' || k === '')
      throw new Error('createEmulator: every key must be a non-empty string')
  }
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('port must be an integer in 0..65535')
  const seed = options.seed ?? 1
  if (!Number.isInteger(seed)) throw new Error('seed must be an integer')
  const dailyQuota = options.dailyQuota ?? 10_000
  assertNonNegativeInteger(dailyQuota, 'dailyQuota')
  const ratePerSecond = options.ratePerSecond ?? 30
  assertPositiveInteger(ratePerSecond, 'ratePerSecond')
  const revision = options.revision ?? 1
  assertRevision(revision)
  const layout = options.gatewayLayout ?? 'current'
  for (const [name, value] of [
    ['gatewayLayout', layout],
    ['quotaLayout', options.quotaLayout],
    ['rateLimitLayout', options.rateLimitLayout],
  ] as const) {
    if (value !== undefined && value !== 'legacy' && value !== 'current') {
      throw new Error(`${name} must be 'legacy' or 'current'`)
    }
  }
  const quotaStatus = options.quotaStatus ?? 429
  const rateLimitStatus = options.rateLimitStatus ?? 429
  assertStatus(quotaStatus, 'quotaStatus')
  assertStatus(rateLimitStatus, 'rateLimitStatus')
  const providerErrorBody = options.providerErrorBody ?? 'by-cause'
  if (!['by-cause', 'absent', 'empty', 'totalCount', 'rotate'].includes(providerErrorBody)) {
    throw new Error("providerErrorBody must be 'by-cause', 'absent', 'empty', 'totalCount' or 'rotate'")
  }
  const emptyAnswer = options.emptyAnswer ?? 'items'
  if (emptyAnswer !== 'items' && emptyAnswer !== 'zero-totals') {
    throw new Error("emptyAnswer must be 'items' or 'zero-totals'")
  }
  const crossYearWindow = options.crossYearWindow ?? 'serve'
  if (crossYearWindow !== 'serve' && crossYearWindow !== 'empty') {
    throw new Error("crossYearWindow must be 'serve' or 'empty'")
  }
  const clean = options.cleanData ?? false
  if (typeof clean !== 'boolean') throw new Error('cleanData must be true or false')
  const quirks: QuirkRates = {
    ...(clean ? { zeroRow: 0, negativeWeight: 0, oddCode: 0 } : REAL_QUIRK_RATES),
    ...options.quirks,
  }
  for (const [name, rate] of Object.entries(quirks)) {
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
      throw new Error(`quirks.${name} must be in [0, 1]`)
  }
  const release: ReleaseSchedule = { totalsDay: 15, detailDay: 25, ...options.release }
  if (
    !Number.isInteger(release.totalsDay) ||
    !Number.isInteger(release.detailDay) ||
    release.totalsDay < 1 ||
    release.detailDay > 31 ||
    release.detailDay < release.totalsDay
  ) {
    throw new Error('release: totalsDay and detailDay must be days 1..31 with detailDay >= totalsDay')
  }
  const missingKeyToken = options.missingKeyToken ?? 'SERVICE_KEY_IS_NULL'
  if (missingKeyToken !== 'SERVICE_ACCESS_DENIED_ERROR' && missingKeyToken !== 'SERVICE_KEY_IS_NULL') {
    throw new Error("missingKeyToken must be 'SERVICE_ACCESS_DENIED_ERROR' or 'SERVICE_KEY_IS_NULL'")
  }
  const totalsWeightDrift = options.totalsWeightDrift ?? (clean ? 0 : 'per-row')
  if (totalsWeightDrift !== 'per-row') assertNonNegativeInteger(totalsWeightDrift, 'totalsWeightDrift')
  const rawItemNames = options.rawItemNames ?? !clean
  if (typeof rawItemNames !== 'boolean') throw new Error('rawItemNames must be true or false')
  const answerCacheSize = options.answerCacheSize ?? 4
  assertNonNegativeInteger(answerCacheSize, 'answerCacheSize')
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 65_000
  assertNonNegativeInteger(keepAliveTimeoutMs, 'keepAliveTimeoutMs')
  const chunkBytes = options.chunkBytes ?? 256 * 1024
  assertPositiveInteger(chunkBytes, 'chunkBytes')
  return {
    port,
    host: options.host ?? '127.0.0.1',
    seed,
    dailyQuota,
    ratePerSecond,
    today: options.today === undefined ? undefined : parseDateOrThrow(options.today),
    revision,
    gatewayLayout: layout,
    quotaStatus,
    quotaLayout: options.quotaLayout ?? layout,
    rateLimitStatus,
    rateLimitLayout: options.rateLimitLayout ?? layout,
    missingKeyToken,
    providerErrorBody,
    emptyAnswer,
    crossYearWindow,
    firstMonth:
      options.firstMonth === undefined ? monthIndex(2000, 1) : parseMonthOrThrow(options.firstMonth),
    quirks,
    release,
    revisionAnchor:
      options.revisionAnchor === undefined ? undefined : parseMonthOrThrow(options.revisionAnchor),
    totalsWeightDrift,
    rawItemNames,
    keepAliveTimeoutMs,
    answerCacheSize,
    chunkBytes,
  }
}

export function parseDateOrThrow(date: string): CalendarDate {
  const d = typeof date === 'string' ? parseDate(date) : undefined
  if (!d) throw new Error(`today must be a date YYYY-MM-DD, got '${String(date)}'`)
  return d
}

export function parseMonthOrThrow(month: string): number {
  const m = typeof month === 'string' ? parseMonth(month) : undefined
  if (m === undefined) throw new Error(`expected a month YYYY-MM, got '${String(month)}'`)
  return m
}

export function assertRevision(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error('revision must be an integer in 1..1000')
}

export function assertNonNegativeInteger(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`)
}

export function assertPositiveInteger(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`)
}

export function assertStatus(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new Error(`${name} must be an HTTP status 100..599`)
}
