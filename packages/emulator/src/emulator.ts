/** The HTTP emulator: gateway, provider and faults in front of the deterministic dataset. */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import {
  type CalendarDate,
  formatDate,
  formatPeriod,
  kstDate,
  kstDay,
  monthIndex,
  nextKstMidnight,
  parseDate,
  parseMonth,
} from './calendar.js'
import {
  type Answer,
  type DataQuery,
  Dataset,
  type QuirkRates,
  REAL_QUIRK_RATES,
  type ReleaseSchedule,
  RowTable,
  type TradeRow,
  type TradeTotals,
  toTradeRow,
  toTradeTotals,
} from './data.js'
import { FaultController, type FaultRates, type FaultSpec } from './faults.js'
import { matchKey, normalizeKey, quotaKeyOf, rawServiceKey, resolveApprovals } from './keys.js'
import { type DatasetName, datasetAt, OPERATION_PATHS, Siblings, type SiblingTruth } from './siblings.js'
import { EmulatorStats, NO_KEY, UNREGISTERED_KEY } from './stats.js'
import { loadTables } from './tables.js'
import { checkWindow, HS_PREFIX } from './window.js'
import {
  BufferPool,
  type GatewayLayout,
  gatewayJson,
  gatewayXml,
  gatewayXmlContentType,
  html5xx,
  JSON_CONTENT_TYPE,
  PROVIDER_MESSAGES,
  type ProviderErrorBody,
  providerErrorXml,
  SERVICE_KEY_IS_NULL,
  successChunks,
  XML_CONTENT_TYPE,
} from './xml.js'

/** Bytes queued on a response before waiting for it to drain. */
const WRITE_AHEAD_BYTES = 2 * 1024 * 1024

/** The nitemtrade operation (the siblings' paths are in `OPERATION_PATHS`). */
export const OPERATION_PATH = OPERATION_PATHS.nitemtrade
export { PROVIDER_MESSAGES }

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

/**
 * A query to the emulator's ground truth, like an API request: a month window and a country, an
 * HS prefix, or both (one is required). Invalid queries throw.
 */
export interface TruthQuery {
  /** Country code; omitted = all countries. */
  country?: string
  /** `YYYY-MM` (or `YYYYMM`). */
  from: string
  /** `YYYY-MM` (or `YYYYMM`), inclusive. */
  to: string
  /** HS prefix of 2, 4, 6 or 10 digits. */
  hs?: string
}

/** What the API serves for a query: the answer's kind, its data rows and its totals row. */
export interface TruthAnswer {
  /** 'rows': data rows and a totals row; 'totals-only': a lone totals row; 'empty': `<items/>`. */
  kind: Answer['kind']
  rows: TradeRow[]
  total: TradeTotals | null
}

/** One 10-digit row that differs between two data revisions. */
export interface TruthChange {
  kind: 'added' | 'changed' | 'withdrawn'
  period: string
  country: string
  hsCode: string
  before: TradeRow | null
  after: TradeRow | null
}

/** Narrows `Truth.changes` to a country and/or a month range (`YYYY-MM`); an unknown country throws. */
export interface TruthChangeFilter {
  country?: string
  from?: string
  to?: string
}

/** The emulator's ground truth: the exact data it serves, for checking what a client stored. */
export interface Truth extends SiblingTruth {
  /** Exactly the data rows the API serves for this query at the current revision and today. */
  rows(query: TruthQuery): TradeRow[]
  /** The totals row the API serves, or null when the answer is `<items/>`. */
  total(query: TruthQuery): TradeTotals | null
  /** The whole answer the API serves for this query: kind, data rows and totals row. */
  answer(query: TruthQuery): TruthAnswer
  /** The exact difference of the 10-digit rows between two revisions (at the current today). */
  changes(fromRevision: number, toRevision: number, filter?: TruthChangeFilter): TruthChange[]
  /** Newest month with country totals, and newest month with item detail. */
  publication(): { lastTotalsMonth: string; lastDetailMonth: string }
  /**
   * Every country code served, with its KCS Korean name, activity profile and expected rows a month
   * with hsSgn omitted (KCS's real count for 2025-01).
   */
  countries(): Array<{ code: string; name: string; profile: string; rowsPerMonth: number }>
}

/** A key's daily quota on the clock's current day in Korea. */
export interface QuotaState {
  /** Calls allowed per day. */
  limit: number
  /** Calls counted today. */
  used: number
  /** `limit - used`, never below 0. */
  remaining: number
  /** Next midnight in Korea, epoch ms. */
  resetsAt: number
}

/** A running emulator, as `createEmulator` returns it: its address, ground truth, fault and stats controls. */
export interface Emulator {
  /** Origin, e.g. `http://127.0.0.1:8787` (the client appends the operation path). */
  readonly url: string
  readonly port: number
  readonly host: string
  readonly truth: Truth
  readonly faults: FaultController
  readonly stats: EmulatorStats
  readonly revision: number
  readonly today: string
  /** Switches the data to another revision (an integer 1–1000; otherwise throws), as if KCS revised its figures. */
  setRevision(revision: number): void
  /** Fixes the data calendar's today (`YYYY-MM-DD`; otherwise throws), which decides which months are published. */
  setToday(date: string): void
  /** Changes the calls allowed per key per day (a non-negative integer; otherwise throws). */
  setDailyQuota(quota: number): void
  /** Changes the requests allowed per key per clock second before gateway code 23 (a positive integer; otherwise throws). */
  setRatePerSecond(rate: number): void
  /** Replaces the clock (epoch ms) used for quota days, per-second windows and, unless today is fixed, the data calendar. */
  setClock(now: () => number): void
  /** Quota state of a key for a dataset (default nitemtrade) on the clock's current day in Korea. */
  quota(key: string, dataset?: DatasetName): QuotaState
  /** Refuses connections for `ms` (closes and reopens the listener). */
  pause(ms: number): Promise<void>
  /** Stops listening and destroys open connections; resolves once closed. Calling it again does nothing. */
  close(): Promise<void>
}

interface ResponsePlan {
  status: number
  headers: Record<string, string | number>
  chunks: Iterable<string | Uint8Array>
  rows?: number
  /** Where written chunks go back once the socket has taken them. */
  pool?: BufferPool
}

interface Delivery {
  delayMs?: number
  bytesPerSecond?: number
  truncateAt?: number
  truncateMode?: 'end' | 'destroy'
}

type Validated = { ok: true; query: DataQuery } | { ok: false; message: string }

/** Starts an emulator listening on `options.port` (0 = any free port). */
export async function createEmulator(options: EmulatorOptions): Promise<Emulator> {
  const settings = resolveOptions(options)
  const tables = loadTables()
  let now = options.now ?? Date.now
  // Without a fixed today, the data calendar follows the clock's date in Korea.
  let fixedToday = settings.today
  const currentToday = (): CalendarDate => fixedToday ?? kstDate(now())
  let revision = settings.revision
  let dailyQuota = settings.dailyQuota
  let ratePerSecond = settings.ratePerSecond
  const firstMonth = settings.firstMonth
  const dataset = new Dataset(tables, {
    seed: settings.seed,
    firstMonth,
    quirks: settings.quirks,
    release: settings.release,
    revisionAnchor: 0,
    totalsWeightDrift: settings.totalsWeightDrift,
    emptyAnswer: settings.emptyAnswer,
    rawItemNames: settings.rawItemNames,
  })
  dataset.options.revisionAnchor =
    settings.revisionAnchor ?? dataset.publication(currentToday()).lastDetailMonth
  // The reference year (every partner's row count is fitted in it) and the newest published ones.
  const newest = Math.floor(dataset.publication(currentToday()).lastDetailMonth / 12)
  dataset.warm([2025, newest, newest - 1])

  const keys = new Set(options.keys.map(normalizeKey))
  const approvals = resolveApprovals(options.approvals, keys)
  const siblings = new Siblings(dataset, () => revision, currentToday)
  const faults = new FaultController(settings.seed, options.faults ?? {}, options.faultsByKey ?? {})
  const stats = new EmulatorStats()
  const quotaUsed = new Map<string, { day: string; used: number }>()
  const secondCounts = new Map<string, { second: number; count: number }>()
  let providerBodyTurn = 0
  const bufferPool = new BufferPool()

  function toDataQuery(q: TruthQuery): DataQuery {
    const from = parseMonth(q.from)
    const to = parseMonth(q.to)
    if (from === undefined || to === undefined) throw new Error('truth query: from/to must be YYYY-MM')
    if (to < from) throw new Error('truth query: to is before from')
    const hs = q.hs ?? ''
    if (hs !== '' && !HS_PREFIX.test(hs)) {
      throw new Error('truth query: hs must have 2, 4, 6 or 10 digits')
    }
    let country: number | undefined
    if (q.country !== undefined) {
      country = dataset.countryIndex(q.country)
      if (country === undefined) throw new Error(`truth query: unknown country '${q.country}'`)
    } else if (hs === '') {
      throw new Error('truth query: give a country or an hs prefix (the API requires one)')
    }
    return { country, from, to, prefix: hs }
  }

  // A retried slice asks the same question again; its answer (≈ 40 bytes a row) is kept for a while.
  const answerCache = new Map<string, Answer>()

  function answerFor(query: DataQuery): Answer {
    if (settings.crossYearWindow === 'empty' && Math.floor(query.from / 12) !== Math.floor(query.to / 12)) {
      return { kind: 'empty', rows: new RowTable(dataset.labels, 0), totals: null }
    }
    const today = currentToday()
    if (settings.answerCacheSize === 0) return dataset.answer(query, revision, today)
    const pub = dataset.publication(today)
    const key = `${revision}|${pub.lastTotalsMonth}|${pub.lastDetailMonth}|${query.country ?? ''}|${query.from}|${query.to}|${query.prefix}`
    const hit = answerCache.get(key)
    if (hit) {
      answerCache.delete(key)
      answerCache.set(key, hit)
      return hit
    }
    const answer = dataset.answer(query, revision, today)
    answerCache.set(key, answer)
    if (answerCache.size > settings.answerCacheSize) answerCache.delete(answerCache.keys().next().value!)
    return answer
  }

  function tradeRows(table: RowTable): TradeRow[] {
    const out: TradeRow[] = new Array(table.length)
    for (let k = 0; k < table.length; k++) out[k] = toTradeRow(table.row(k, dataset.countries))
    return out
  }

  const truth: Truth = {
    rows: (q) => tradeRows(answerFor(toDataQuery(q)).rows),
    total: (q) => {
      const a = answerFor(toDataQuery(q))
      return a.totals ? toTradeTotals(a.totals) : null
    },
    answer: (q) => {
      const a = answerFor(toDataQuery(q))
      return { kind: a.kind, rows: tradeRows(a.rows), total: a.totals ? toTradeTotals(a.totals) : null }
    },
    itemTrade: (q) => siblings.truth('itemtrade', q),
    countryTrade: (q) => siblings.truth('nationtrade', q),
    tradeTotals: (q) => siblings.truth('newtrade', q),
    changes: (fromRevision, toRevision, filter = {}) => {
      assertRevision(fromRevision)
      assertRevision(toRevision)
      const country = filter.country === undefined ? undefined : dataset.countryIndex(filter.country)
      if (filter.country !== undefined && country === undefined) {
        throw new Error(`truth.changes: unknown country '${filter.country}'`)
      }
      const f: { country?: number; from?: number; to?: number } = {}
      if (country !== undefined) f.country = country
      if (filter.from !== undefined) f.from = parseMonthOrThrow(filter.from)
      if (filter.to !== undefined) f.to = parseMonthOrThrow(filter.to)
      const pub = dataset.publication(currentToday())
      return dataset.changes(fromRevision, toRevision, pub.lastDetailMonth, f).map((c) => ({
        kind: c.kind,
        period: formatPeriod(c.month),
        country: c.country.code,
        hsCode: c.code,
        before: c.before ? toTradeRow(c.before) : null,
        after: c.after ? toTradeRow(c.after) : null,
      }))
    },
    publication: () => {
      const pub = dataset.publication(currentToday())
      return {
        lastTotalsMonth: formatPeriod(pub.lastTotalsMonth),
        lastDetailMonth: formatPeriod(pub.lastDetailMonth),
      }
    },
    countries: () =>
      dataset.countries.map((c) => ({
        code: c.code,
        name: c.name,
        profile: c.profile,
        rowsPerMonth: c.target,
      })),
  }

  function validate(params: URLSearchParams): Validated {
    const window = checkWindow(params)
    if (!window.ok) return window
    const { from, to } = window
    const hs = params.get('hsSgn') ?? ''
    const cnty = params.get('cntyCd') ?? ''
    if (hs === '' && cnty === '') return { ok: false, message: PROVIDER_MESSAGES.filterRequired }
    if (hs !== '' && !HS_PREFIX.test(hs)) {
      return { ok: false, message: PROVIDER_MESSAGES.badHsLength }
    }
    let country: number | undefined
    if (cnty !== '') {
      country = dataset.countryIndex(cnty)
      if (country === undefined) return { ok: false, message: PROVIDER_MESSAGES.unknownCountry }
    }
    return { ok: true, query: { country, from, to, prefix: hs } }
  }

  function gatewayPlan(code: string, status: number, layout: GatewayLayout, token?: string): ResponsePlan {
    return {
      status,
      headers: { 'Content-Type': gatewayXmlContentType(layout) },
      chunks: [gatewayXml(code, layout, token)],
    }
  }

  function jsonGatewayPlan(
    code: string,
    status: number,
    layout: GatewayLayout = settings.gatewayLayout,
    token?: string,
  ): ResponsePlan {
    return {
      status,
      headers: { 'Content-Type': JSON_CONTENT_TYPE },
      chunks: [gatewayJson(code, layout, token)],
    }
  }

  function providerBody(message: string): ProviderErrorBody {
    if (settings.providerErrorBody === 'by-cause') {
      // Measured (KCS-API.md 2026-10): a window over 12 months ends after the header, an hsSgn of the
      // wrong length has `<body/>`. The other causes are not measured; they keep the former default.
      return message === PROVIDER_MESSAGES.badHsLength ? 'empty' : 'absent'
    }
    if (settings.providerErrorBody !== 'rotate') return settings.providerErrorBody
    const variants: ProviderErrorBody[] = ['absent', 'empty', 'totalCount']
    return variants[providerBodyTurn++ % variants.length]!
  }

  function faultPlan(fault: FaultSpec): ResponsePlan | undefined {
    switch (fault.kind) {
      case 'http5xx': {
        const status = fault.status ?? [500, 502, 503, 504][Math.floor(faults.draw() * 4)]!
        return { status, headers: { 'Content-Type': 'text/html' }, chunks: [html5xx(status)] }
      }
      case 'text401':
        return { status: 401, headers: { 'Content-Type': 'text/plain' }, chunks: ['Unauthorized'] }
      case 'notFound':
        return { status: 404, headers: { 'Content-Type': 'text/plain' }, chunks: ['API not found'] }
      case 'rate23':
        return gatewayPlan('23', settings.rateLimitStatus, settings.rateLimitLayout)
      case 'quota22':
        return gatewayPlan('22', settings.quotaStatus, settings.quotaLayout)
      case 'gateway':
        return gatewayPlan(fault.code ?? '01', fault.status ?? 200, settings.gatewayLayout)
      case 'provider':
        return {
          status: 200,
          headers: { 'Content-Type': XML_CONTENT_TYPE },
          chunks: [
            providerErrorXml(
              fault.resultCode ?? '99',
              fault.resultMsg ?? '기타 에러',
              providerBody(fault.resultMsg ?? ''),
            ),
          ],
        }
      default:
        return undefined
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = now()
    const rawUrl = req.url ?? '/'
    const q = rawUrl.indexOf('?')
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q)
    const search = q < 0 ? '' : rawUrl.slice(q + 1)
    const params = new URLSearchParams(search)
    const rawKey = rawServiceKey(search)
    const key = rawKey === undefined || rawKey === '' ? undefined : matchKey(rawKey, keys)
    const label = rawKey === undefined || rawKey === '' ? NO_KEY : (key ?? UNREGISTERED_KEY)
    stats.arrive(label, at)

    const finish = (outcome: string, plan: ResponsePlan, delivery: Delivery = {}) => {
      stats.outcome(label, outcome)
      return deliver(res, plan, delivery)
    }

    // The firewall answers before the gateway looks at anything else.
    for (let i = 1; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]!.includes('environment=')) return finish('gateway-10', jsonGatewayPlan('10', 400))
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return finish('method-not-allowed', {
        status: 405,
        headers: { 'Content-Type': 'text/plain', Allow: 'GET' },
        chunks: ['Method Not Allowed'],
      })
    }
    const datasetName = datasetAt(path)
    if (datasetName === undefined) return finish('gateway-12', gatewayPlan('12', 400, settings.gatewayLayout))

    let delivery: Delivery = {}
    const fault = faults.pick(key ?? rawKey)
    if (fault) {
      stats.fault(fault.kind)
      if (fault.kind === 'reset') {
        stats.outcome(label, 'fault-reset')
        resetSocket(req.socket)
        return
      }
      if (fault.kind === 'hang') {
        stats.outcome(label, 'fault-hang')
        if (fault.delayMs !== undefined) setTimeout(() => req.socket.destroy(), fault.delayMs).unref()
        return
      }
      const plan = faultPlan(fault)
      if (plan) return finish(`fault-${fault.kind}`, plan)
      if (fault.kind === 'slow') {
        delivery = { delayMs: fault.delayMs ?? 1500 }
        if (fault.bytesPerSecond !== undefined) delivery.bytesPerSecond = fault.bytesPerSecond
      } else if (fault.kind === 'truncate') {
        delivery = {
          truncateAt: fault.afterBytes ?? 200 + Math.floor(faults.draw() * 16_000),
          truncateMode: fault.mode ?? 'end',
        }
      }
    }
    const outcomeOf = (o: string) => (delivery.truncateAt !== undefined ? 'fault-truncate' : o)

    // `_type=json` is refused (04) only after the key, per-second and quota checks: the measured 04
    // carries X-RateLimit-* headers and uses the quota, so the gateway has identified the key and
    // counted the call first (plausibly it forwards the call and cannot convert KCS's XML). So a missing
    // or unknown key with `_type=json` gets 401/20 or 403/30 — as JSON, the form asked for (plausible:
    // other datasets behind the same gateway answer JSON to callers asking for it; not measured here).
    const wantsJson = params.get('_type')?.toLowerCase() === 'json'
    const gateway = wantsJson ? jsonGatewayPlan : gatewayPlan
    if (label === NO_KEY) {
      return finish(
        outcomeOf('gateway-20'),
        gateway(
          '20',
          401,
          settings.gatewayLayout,
          settings.missingKeyToken === 'SERVICE_KEY_IS_NULL' ? SERVICE_KEY_IS_NULL : undefined,
        ),
        delivery,
      )
    }
    // A key not approved for this dataset is refused exactly like an unknown one (measured: 403/30).
    if (key === undefined || !(approvals.get(key)?.has(datasetName) ?? true))
      return finish(outcomeOf('gateway-30'), gateway('30', 403, settings.gatewayLayout), delivery)

    const second = Math.floor(at / 1000)
    let window = secondCounts.get(key)
    if (!window || window.second !== second) {
      window = { second, count: 0 }
      secondCounts.set(key, window)
    }
    window.count++
    if (window.count > ratePerSecond) {
      return finish(
        outcomeOf('gateway-23'),
        gateway('23', settings.rateLimitStatus, settings.rateLimitLayout),
        delivery,
      )
    }
    const day = kstDay(at)
    // Each dataset has its own daily quota (SIBLINGS.md: 10,000 calls a day per API).
    const quotaKey = quotaKeyOf(key, datasetName)
    let used = quotaUsed.get(quotaKey)
    if (!used || used.day !== day) {
      used = { day, used: 0 }
      quotaUsed.set(quotaKey, used)
    }
    if (used.used >= dailyQuota) {
      return finish(
        outcomeOf('gateway-22'),
        gateway('22', settings.quotaStatus, settings.quotaLayout),
        delivery,
      )
    }
    used.used++
    const rateHeaders = {
      'X-RateLimit-Limit': dailyQuota,
      'X-RateLimit-Remaining': Math.max(0, dailyQuota - used.used),
    }
    if (wantsJson) {
      return finish(
        outcomeOf('gateway-04'),
        {
          status: 200,
          headers: { 'Content-Type': JSON_CONTENT_TYPE, ...rateHeaders },
          chunks: [gatewayJson('04', settings.gatewayLayout)],
        },
        delivery,
      )
    }

    const v = datasetName === 'nitemtrade' ? validate(params) : siblings.validate(datasetName, params)
    if (!v.ok) {
      return finish(
        outcomeOf('provider-99'),
        {
          status: 200,
          headers: { 'Content-Type': XML_CONTENT_TYPE, ...rateHeaders },
          chunks: [providerErrorXml('99', v.message, providerBody(v.message))],
        },
        delivery,
      )
    }
    if ('dataset' in v.query) {
      const { outcome, rows, chunks } = siblings.serve(v.query)
      const headers = { 'Content-Type': XML_CONTENT_TYPE, ...rateHeaders }
      return finish(outcomeOf(outcome), { status: 200, headers, chunks, rows }, delivery)
    }
    const answer = answerFor(v.query)
    const outcome = answer.kind === 'rows' ? 'ok' : answer.kind === 'totals-only' ? 'totals-only' : 'empty'
    return finish(
      outcomeOf(outcome),
      {
        status: 200,
        headers: { 'Content-Type': XML_CONTENT_TYPE, ...rateHeaders },
        chunks: successChunks(answer.totals, answer.rows, dataset.countries, settings.chunkBytes, bufferPool),
        pool: bufferPool,
        rows: answer.rows.length,
      },
      delivery,
    )
  }

  async function deliver(res: ServerResponse, plan: ResponsePlan, delivery: Delivery): Promise<void> {
    let aborted = false
    res.once('close', () => {
      aborted = true
    })
    if (delivery.delayMs) await sleep(delivery.delayMs)
    if (aborted) return
    res.writeHead(plan.status, plan.headers)
    if (res.req.method === 'HEAD') {
      res.end()
      return
    }
    let written = 0
    const started = Date.now()
    for (const chunk of plan.chunks) {
      if (aborted) return
      let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
      if (delivery.truncateAt !== undefined && written + buf.length >= delivery.truncateAt) {
        buf = buf.subarray(0, Math.max(0, delivery.truncateAt - written))
        if (buf.length > 0) res.write(buf)
        written += buf.length
        stats.served(0, written)
        if (delivery.truncateMode === 'destroy') {
          // Let the partial chunk leave before the socket goes.
          setTimeout(() => res.socket?.destroy(), 20).unref()
        } else {
          res.end()
        }
        return
      }
      if (delivery.bytesPerSecond) {
        for (let off = 0; off < buf.length && !aborted; off += 1024) {
          const piece = buf.subarray(off, off + 1024)
          if (!res.write(piece)) await drainOrClose(res)
          written += piece.length
          const due = started + (written / delivery.bytesPerSecond) * 1000
          const wait = due - Date.now()
          if (wait > 0) await sleep(wait)
        }
        continue
      }
      written += buf.length
      const chunkBuf = buf
      if (plan.pool) res.write(chunkBuf, () => plan.pool!.give(chunkBuf))
      else res.write(chunkBuf)
      // Keep a few chunks queued so generation overlaps with the socket draining.
      if (res.writableLength > WRITE_AHEAD_BYTES) await drainOrClose(res)
    }
    if (aborted) return
    res.end()
    stats.served(plan.rows ?? 0, written)
  }

  const connections = new Set<Socket>()
  const servers = new Set<Server>()
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the emulator must be loud, but must not leak request details such as the key.
      console.error('kcs-emulator: internal error:', error instanceof Error ? error.message : error)
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' })
        res.end('emulator internal error')
      } else {
        res.destroy()
      }
    })
  }

  function newServer(): Server {
    const server = createServer({ keepAlive: true }, onRequest)
    // Longer than client pools keep idle sockets, so a reused socket is never closed under a request.
    server.keepAliveTimeout = settings.keepAliveTimeoutMs
    server.on('connection', (socket) => {
      connections.add(socket)
      socket.once('close', () => connections.delete(socket))
    })
    servers.add(server)
    server.once('close', () => servers.delete(server))
    return server
  }

  let current = newServer()
  current.listen(settings.port, settings.host)
  await once(current, 'listening')
  const port = (current.address() as AddressInfo).port
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const url = `http://${hostForUrl}:${port}`
  let closed = false
  let reopenTimer: NodeJS.Timeout | undefined
  let reopenDone: (() => void) | undefined

  faults.refuser = async (ms: number) => {
    if (closed) throw new Error('the emulator is closed')
    if (!Number.isFinite(ms) || ms < 0) throw new Error('refuseFor: ms must be a non-negative number')
    const old = current
    old.close()
    old.closeIdleConnections()
    // Keep-alive sockets would otherwise carry requests straight through the "refused" period.
    for (const socket of connections) if (!socketBusy(socket)) socket.destroy()
    stats.fault('refuse')
    await new Promise<void>((resolve) => {
      reopenDone = resolve
      reopenTimer = setTimeout(() => {
        reopenTimer = undefined
        reopenDone = undefined
        if (closed) return resolve()
        current = newServer()
        current.once('error', () => resolve())
        current.listen(port, settings.host, () => resolve())
      }, ms)
    })
  }

  const emulator: Emulator = {
    url,
    port,
    host: settings.host,
    truth,
    faults,
    stats,
    get revision() {
      return revision
    },
    get today() {
      return formatDate(currentToday())
    },
    setRevision(n) {
      assertRevision(n)
      revision = n
    },
    setToday(date) {
      fixedToday = parseDateOrThrow(date)
    },
    setDailyQuota(n) {
      assertNonNegativeInteger(n, 'dailyQuota')
      dailyQuota = n
    },
    setRatePerSecond(n) {
      assertPositiveInteger(n, 'ratePerSecond')
      ratePerSecond = n
    },
    setClock(fn) {
      if (typeof fn !== 'function') throw new Error('setClock needs a function returning epoch ms')
      now = fn
    },
    quota(key, datasetName = 'nitemtrade') {
      const k = matchKey(key, keys)
      const at = now()
      const entry = k === undefined ? undefined : quotaUsed.get(quotaKeyOf(k, datasetName))
      const usedToday = entry && entry.day === kstDay(at) ? entry.used : 0
      return {
        limit: dailyQuota,
        used: usedToday,
        remaining: Math.max(0, dailyQuota - usedToday),
        resetsAt: nextKstMidnight(at),
      }
    },
    pause: (ms) => faults.refuseFor(ms),
    async close() {
      if (closed) return
      closed = true
      if (reopenTimer) clearTimeout(reopenTimer)
      reopenDone?.()
      const all = [...servers]
      for (const s of all) {
        s.close()
        s.closeAllConnections()
      }
      for (const socket of connections) socket.destroy()
      await Promise.all(all.map((s) => (s.listening ? once(s, 'close') : Promise.resolve())))
    },
  }
  return emulator
}

interface ResolvedOptions {
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

function resetSocket(socket: Socket): void {
  const s = socket as Socket & { resetAndDestroy?: () => Socket }
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy()
  else socket.destroy()
}

function socketBusy(socket: Socket): boolean {
  // node:http marks sockets that carry an in-flight response; idle keep-alive sockets have none.
  return Boolean((socket as Socket & { _httpMessage?: unknown })._httpMessage)
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function parseDateOrThrow(date: string): CalendarDate {
  const d = typeof date === 'string' ? parseDate(date) : undefined
  if (!d) throw new Error(`today must be a date YYYY-MM-DD, got '${String(date)}'`)
  return d
}

function parseMonthOrThrow(month: string): number {
  const m = typeof month === 'string' ? parseMonth(month) : undefined
  if (m === undefined) throw new Error(`expected a month YYYY-MM, got '${String(month)}'`)
  return m
}

function assertRevision(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error('revision must be an integer in 1..1000')
}

function assertNonNegativeInteger(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`)
}

function assertPositiveInteger(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`)
}

function assertStatus(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new Error(`${name} must be an HTTP status 100..599`)
}
