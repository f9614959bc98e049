/** The emulator's ground truth (`emulator.truth`) and the cached answers both it and the HTTP handler serve. */
import { type CalendarDate, formatPeriod, parseMonth } from './calendar.js'
import {
  type Answer,
  type DataQuery,
  type Dataset,
  RowTable,
  type TradeRow,
  type TradeTotals,
  toTradeRow,
  toTradeTotals,
} from './data.js'
import { assertRevision, parseMonthOrThrow, type ResolvedOptions } from './options.js'
import type { Siblings, SiblingTruth } from './siblings.js'
import { HS_PREFIX } from './window.js'

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

/** Answers of nitemtrade queries at the current revision and today, the last few kept. */
export function answerSource(
  dataset: Dataset,
  settings: ResolvedOptions,
  revision: () => number,
  today: () => CalendarDate,
): (query: DataQuery) => Answer {
  // A retried slice asks the same question again; its answer (≈ 40 bytes a row) is kept for a while.
  const answerCache = new Map<string, Answer>()
  return (query) => {
    if (settings.crossYearWindow === 'empty' && Math.floor(query.from / 12) !== Math.floor(query.to / 12)) {
      return { kind: 'empty', rows: new RowTable(dataset.labels, 0), totals: null }
    }
    const day = today()
    if (settings.answerCacheSize === 0) return dataset.answer(query, revision(), day)
    const pub = dataset.publication(day)
    const key = `${revision()}|${pub.lastTotalsMonth}|${pub.lastDetailMonth}|${query.country ?? ''}|${query.from}|${query.to}|${query.prefix}`
    const hit = answerCache.get(key)
    if (hit) {
      answerCache.delete(key)
      answerCache.set(key, hit)
      return hit
    }
    const answer = dataset.answer(query, revision(), day)
    answerCache.set(key, answer)
    if (answerCache.size > settings.answerCacheSize) answerCache.delete(answerCache.keys().next().value!)
    return answer
  }
}

/** The `Truth` over the dataset, its siblings and the answer source the HTTP handler uses. */
export function createTruth(
  dataset: Dataset,
  siblings: Siblings,
  answerFor: (query: DataQuery) => Answer,
  currentToday: () => CalendarDate,
): Truth {
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

  function tradeRows(table: RowTable): TradeRow[] {
    const out: TradeRow[] = new Array(table.length)
    for (let k = 0; k < table.length; k++) out[k] = toTradeRow(table.row(k, dataset.countries))
    return out
  }

  return {
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
}
