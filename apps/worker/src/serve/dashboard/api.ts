import type { KcsDatabase } from '@kcs-trade/db'
import { type Clock, kstMonth } from '../../config/clock.js'
import { decimalInt } from '../../config/numbers.js'
import type { QuotaGate } from '../../sync/limits.js'
import type { MetricsSink } from '../../sync/metrics.js'
import { toCsv } from './csv.js'

/** A 400: what was wrong with the request and how to fix it. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message)
  }
}

/** What an endpoint answers: JSON, and for chart data the same rows as CSV. */
export interface ApiResult {
  json: unknown
  csv?: { filename: string; columns: string[]; rows: unknown[][] }
}

export interface DashboardSources {
  db: KcsDatabase | undefined
  quota: QuotaGate | undefined
  /** Call counters and queue counts live in Redis: `undefined` when serve runs without it. */
  metrics: MetricsSink | undefined
  queueCounts: (() => Promise<Record<string, number>>) | undefined
  /** Set when Redis was not reachable: why the quota view is empty (shown to the user). */
  redisNote?: string | undefined
  /** What the quota view says when Redis was there at start but does not answer now. */
  redisLostNote?: string | undefined
  /** Whether Redis answers a ping now (tells a lost Redis from any other failure of the quota reads). */
  redisAnswers?: (() => Promise<boolean>) | undefined
  clock: Clock
  /** Hours after which a synced year inside the freshness window counts as stale. */
  staleAfterHours: number
}

/** The measures of a row or a sum, and their CSV column names. */
export const MEASURES = ['exportKg', 'exportUsd', 'importKg', 'importUsd', 'balanceUsd'] as const
/** CSV column names of {@link MEASURES}. */
export const MEASURE_COLUMNS = ['export_kg', 'export_usd', 'import_kg', 'import_usd', 'balance_usd']

/** Queue states shown on the dashboard. */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'completed',
  'failed',
  'paused',
] as const

// Years 1900–2099: a year such as 0000 is not a date PostgreSQL takes (a 500, not a 400).
const MONTH = /^(19|20)\d{2}-(0[1-9]|1[0-2])$/
/** A country code parameter (upper case after {@link param}). */
export const COUNTRY = /^[A-Z][A-Z0-9]$/
/** An HS prefix parameter: 1–10 digits. */
export const HS = /^\d{1,10}$/

/** The db package, loaded on first use. */
export const lazyDb = () => import('@kcs-trade/db')
/** The reference tables, loaded on first use. */
export const lazyReference = () => import('@kcs-trade/reference')

/** The database, or a 400 saying to sync first. */
export function need(db: KcsDatabase | undefined): KcsDatabase {
  if (!db)
    throw new BadRequest('no database yet', 'run a sync first (kcs-trade sync …), then reload the dashboard')
  return db
}

/** A query parameter matching `re` (country codes upper-cased), undefined when absent, else a 400. */
export function param(url: URL, name: string, re: RegExp, example: string): string | undefined {
  const v = url.searchParams.get(name)
  if (v === null || v === '') return undefined
  const value = name === 'country' ? v.toUpperCase() : v
  if (!re.test(value))
    throw new BadRequest(`${name}: ${JSON.stringify(v)} is not valid`, `e.g. ${name}=${example}`)
  return value
}

/** `limit` (1–500), `fallback` when absent, else a 400. */
export function limitParam(url: URL, fallback: number): number {
  const v = url.searchParams.get('limit')
  if (v === null || v === '') return fallback
  // Plain decimal digits only: Number() would take 0x10, 1e2, " 100" and +5.
  const n = decimalInt(v)
  if (n === undefined || n < 1 || n > 500)
    throw new BadRequest(`limit: ${JSON.stringify(v)}`, 'an integer 1–500 in plain decimal digits')
  return n
}

/** `from`/`to` of the request, else the 12 months ending at the latest mirrored month. */
export async function windowParams(
  db: KcsDatabase,
  url: URL,
  now: number,
): Promise<{ from: string; to: string }> {
  let from = param(url, 'from', MONTH, '2025-01')
  let to = param(url, 'to', MONTH, '2025-12')
  if (!from || !to) {
    const range = await mirrorRange(db)
    const end = to ?? range.latest ?? kstMonth(now)
    to = end
    from = from ?? addMonths(end, -11)
  }
  if (from > to) throw new BadRequest(`from ${from} is after to ${to}`, 'swap them')
  return { from, to }
}

function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + n, 1))
  return d.toISOString().slice(0, 7)
}

async function mirrorRange(db: KcsDatabase): Promise<{ earliest: string | null; latest: string | null }> {
  const { periodRange } = await lazyDb()
  return periodRange(db)
}

/** A country's KCS Korean and English names (the code when unknown). */
export async function countryNames(code: string): Promise<{ nameKo: string; nameEn: string }> {
  const { countries } = await lazyReference()
  const c = countries.has(code) ? countries.get(code) : undefined
  // KCS's own spelling: what the API serves and what its users read (에쿠아도르, not 에콰도르).
  return { nameKo: c?.kcsNameKo ?? code, nameEn: c?.nameEn ?? code }
}

/** An HS code's names from the nomenclature (empty when it does not know the code). */
export async function hsNames(code: string): Promise<{ nameKo: string; nameEn: string }> {
  const { hs } = await lazyReference()
  try {
    const e = hs.isValid(code) ? hs.get(code) : undefined
    const en = e?.nameEn ?? ''
    return { nameKo: (e as { nameKo?: string } | undefined)?.nameKo ?? en, nameEn: en }
  } catch {
    return { nameKo: '', nameEn: '' }
  }
}

/**
 * GET /api/meta — the mirror's month range and countries (defaults of the Trade view), and the current
 * month in Korea (`month`), which the page falls back to when the mirror is empty.
 */
export async function meta(s: DashboardSources): Promise<ApiResult> {
  const db = need(s.db)
  const { mirroredCountries } = await lazyDb()
  const [range, codes] = await Promise.all([mirrorRange(db), mirroredCountries(db)])
  const countries = []
  for (const code of codes) countries.push({ code, ...(await countryNames(code)) })
  return { json: { ...range, month: kstMonth(s.clock.now()), countries } }
}

/** Coverage status of one country × year. */
export type CellStatus = 'synced' | 'stale' | 'failed' | 'never'

/** GET /api/coverage — the country × year grid. */
export async function coverageGrid(s: DashboardSources): Promise<ApiResult> {
  const db = need(s.db)
  const { coverage } = await lazyDb()
  const { freshnessWindow } = await import('../../sync/freshness.js')
  const entries = await coverage(db)
  const now = s.clock.now()
  const window = freshnessWindow(s.clock)
  const firstFreshYear = Number(window.from.slice(0, 4))
  const staleBefore = now - s.staleAfterHours * 3_600_000
  const years = entries.map((e) => e.year)
  const minYear = years.length ? Math.min(...years) : 0
  const maxYear = years.length ? Math.max(...years) : -1
  const allYears: number[] = []
  for (let y = minYear; y <= maxYear; y++) allYears.push(y)
  const codes = [...new Set(entries.map((e) => e.country ?? '*'))].sort()
  const countries = []
  for (const code of codes)
    countries.push(
      code === '*'
        ? { code, nameKo: '전체 (HS 슬라이스)', nameEn: 'All (HS slices)' }
        : { code, ...(await countryNames(code)) },
    )
  const byKey = new Map(entries.map((e) => [`${e.country ?? '*'}|${e.year}`, e]))
  const cells = []
  for (const code of codes) {
    for (const year of allYears) {
      const e = byKey.get(`${code}|${year}`)
      let status: CellStatus = 'never'
      if (e) {
        if (e.failedSlices > 0) status = 'failed'
        else if (e.okSlices > 0) {
          const fetched = e.lastFetchedAt?.getTime() ?? 0
          status = year >= firstFreshYear && fetched < staleBefore ? 'stale' : 'synced'
        }
      }
      cells.push({
        country: code,
        year,
        status,
        lastFetchedAt: e?.lastFetchedAt?.toISOString() ?? null,
        updatedAt: e?.updatedAt.toISOString() ?? null,
        lastError: e?.lastError ?? null,
        months: e?.monthsSynced ?? 0,
        rows: e?.rowCount ?? 0,
        okSlices: e?.okSlices ?? 0,
        failedSlices: e?.failedSlices ?? 0,
      })
    }
  }
  return {
    json: {
      generatedAt: new Date(now).toISOString(),
      staleAfterHours: s.staleAfterHours,
      freshnessWindow: window,
      years: allYears,
      countries,
      cells,
    },
  }
}

const CALLS_CSV = { filename: 'calls-per-minute.csv', columns: ['minute', 'calls'] }

/**
 * GET /api/quota — calls today against the quota, reset time, calls per minute, queue counts.
 * Without Redis: `redis: false`, nulls and an empty minute list, and a `note` saying why.
 */
export async function quotaRate(s: DashboardSources): Promise<ApiResult> {
  const now = s.clock.now()
  const withoutRedis = (note: string): ApiResult => ({
    json: {
      now: new Date(now).toISOString(),
      redis: false,
      note,
      quota: null,
      callsPerMinute: [],
      callsLastHour: null,
      queue: null,
    },
    csv: { ...CALLS_CSV, rows: [] },
  })
  if (!s.metrics || !s.queueCounts)
    return withoutRedis(s.redisNote ?? 'Redis not reachable: no queue, quota or call-rate data')
  let snap: Awaited<ReturnType<QuotaGate['snapshot']>> | null
  let perMinute: Awaited<ReturnType<MetricsSink['callsPerMinute']>>
  let queue: Record<string, number>
  try {
    ;[snap, perMinute, queue] = await Promise.all([
      s.quota ? s.quota.snapshot() : Promise.resolve(null),
      s.metrics.callsPerMinute(60),
      s.queueCounts(),
    ])
  } catch (error) {
    // Every read above is a Redis read; unless Redis still answers, it went away after serve started
    // (it reconnects by itself).
    if (s.redisAnswers && (await s.redisAnswers())) throw error
    return withoutRedis(s.redisLostNote ?? 'Redis is not answering: no queue, quota or call-rate data')
  }
  return {
    json: {
      now: new Date(now).toISOString(),
      redis: true,
      quota: snap
        ? {
            day: snap.day,
            used: snap.used,
            limit: snap.limit,
            remaining: snap.remaining,
            resetsAt: new Date(snap.resetAt).toISOString(),
            resetInSeconds: Math.max(0, Math.round((snap.resetAt - now) / 1000)),
          }
        : null,
      callsPerMinute: perMinute,
      callsLastHour: perMinute.reduce((n, m) => n + m.calls, 0),
      queue,
    },
    csv: { ...CALLS_CSV, rows: perMinute.map((m) => [m.minute, m.calls]) },
  }
}

/** GET /api/search?q= — HS codes and countries by Korean or English name or code. */
export async function search(url: URL): Promise<ApiResult> {
  const q = (url.searchParams.get('q') ?? '').trim()
  if (q.length === 0) throw new BadRequest('q is empty', 'e.g. q=소고기, q=beef or q=0201')
  if (q.length > 100) throw new BadRequest('q is longer than 100 characters', 'search for a word or a code')
  const { countries, hs } = await lazyReference()
  let hsHits: Array<{ code: string; level: number; nameEn: string; nameKo: string | null }> = []
  try {
    hsHits = hs.search(q, { limit: 12 }).map((h) => ({
      code: h.code,
      level: h.level,
      nameEn: h.nameEn,
      nameKo: (h as { nameKo?: string }).nameKo ?? null,
    }))
  } catch {
    hsHits = []
  }
  const needle = q.toLowerCase().replace(/\s+/g, ' ')
  const countryHits = countries
    .all()
    .filter(
      (c) =>
        c.code.toLowerCase() === needle ||
        c.kcsNameKo.toLowerCase().includes(needle) ||
        c.nameKo.toLowerCase().includes(needle) ||
        c.nameEn.toLowerCase().includes(needle) ||
        c.aliases.some((a) => a.toLowerCase() === needle),
    )
    .slice(0, 8)
    .map((c) => ({ code: c.code, nameKo: c.kcsNameKo, nameEn: c.nameEn }))
  return { json: { query: q, hs: hsHits, countries: countryHits } }
}

/** GET /api/revisions?limit=&days= — the latest changes re-fetches found, newest first. */
export async function latestRevisions(s: DashboardSources, url: URL): Promise<ApiResult> {
  const db = need(s.db)
  const { revisions } = await lazyDb()
  const limit = limitParam(url, 50)
  const daysRaw = url.searchParams.get('days')
  const days = daysRaw === null || daysRaw === '' ? 90 : decimalInt(daysRaw)
  if (days === undefined || days < 1 || days > 3660)
    throw new BadRequest(`days: ${JSON.stringify(daysRaw)}`, 'an integer 1–3660 in plain decimal digits')
  const since = new Date(s.clock.now() - days * 86_400_000)
  const list = await revisions(db, { since, limit, order: 'desc' })
  const rows = list.map((r) => {
    const before = r.before
    const after = r.after
    const delta = (k: (typeof MEASURES)[number]) => (after?.[k] ?? 0) - (before?.[k] ?? 0)
    return {
      id: r.id,
      kind: r.kind,
      at: r.at.toISOString(),
      period: r.period,
      country: r.country,
      hsCode: r.hsCode,
      before,
      after,
      change: Object.fromEntries(MEASURES.map((m) => [m, delta(m)])) as Record<
        (typeof MEASURES)[number],
        number
      >,
    }
  })
  return {
    json: { since: since.toISOString(), items: rows },
    csv: {
      filename: 'revisions.csv',
      columns: [
        'id',
        'at',
        'kind',
        'period',
        'country',
        'hs',
        ...MEASURE_COLUMNS.flatMap((c) => [`${c}_before`, `${c}_after`]),
      ],
      rows: rows.map((r) => [
        r.id,
        r.at,
        r.kind,
        r.period,
        r.country,
        r.hsCode,
        ...MEASURES.flatMap((m) => [r.before?.[m] ?? '', r.after?.[m] ?? '']),
      ]),
    },
  }
}

/** The CSV text of a result (404-worthy when the endpoint has none). */
export function csvOf(result: ApiResult): { filename: string; text: string } | null {
  if (!result.csv) return null
  return { filename: result.csv.filename, text: toCsv(result.csv.columns, result.csv.rows) }
}
