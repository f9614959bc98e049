/**
 * `kcs-trade verify`, the pure part: compares what the mirror holds per country and month with the totals KCS
 * publishes independently of the detail (nationtrade per country, Newtrade for Korea), and gives each country-month a
 * verdict. No I/O here: the command (verify-command.ts) and the dashboard read the inputs from the database.
 */
import { monthFromIndex, monthIndex } from './slices.js'

/**
 * - `complete`: the mirror's export and import dollars equal the published totals.
 * - `short` / `over`: the mirror holds less / more than published, and its rows are not what the API answered when they
 *   were fetched (rows lost or added since), or the month was never fetched.
 * - `stale`: the mirror still holds exactly what the API answered, but the published totals differ now: KCS revised
 *   the month after it was fetched. A re-fetch brings it up to date.
 * - `pending`: the totals are out but the API had no detail for the month when it was fetched (KCS publishes the
 *   country totals first and the item detail later in the month).
 * - `partial`: the country is mirrored with HS-prefix slices there: by design it holds part of the trade.
 */
export type Verdict = 'complete' | 'short' | 'over' | 'stale' | 'pending' | 'partial'

/** The verdicts in report order. */
export const VERDICTS: readonly Verdict[] = ['complete', 'short', 'over', 'stale', 'pending', 'partial']

/** Dollars of one country-month, published or mirrored. */
export interface Dollars {
  exportUsd: number
  importUsd: number
}

/** A published country total (nationtrade), as the mirror stores it. */
export interface PublishedCountryMonth extends Dollars {
  period: string
  countryCode: string
  countryName?: string | undefined
}

/** The mirror's detail summed per country and month. */
export interface MirroredCountryMonth extends Dollars {
  period: string
  countryCode: string
  rowCount: number
}

/** A successful fetch of the detail, from the ledger: its window, its HS prefix if any, and its answer's totals row. */
export interface DetailFetch {
  country: string
  from: string
  to: string
  hs?: string | null | undefined
  /** The answer's totals row (null when it had none); only the dollars matter here. */
  totals: Dollars | null
  /** Whether the answer's rows summed to its totals row (null: not checked). */
  sumsMatch: boolean | null
  /** Rows of the answer. */
  rowCount: number
  fetchedAt: Date
}

/** One country-month's verdict with the figures behind it. */
export interface CountryMonthCheck {
  period: string
  countryCode: string
  verdict: Verdict
  published: Dollars
  mirror: Dollars & { rowCount: number }
  /** When the detail of the month was last fetched (null: never). */
  fetchedAt: Date | null
  /** Why, in a few words. */
  reason: string
}

/** Korea's totals for one month: Newtrade, the sum of nationtrade, and the sum of the mirror over every country. */
export interface NationalCheck {
  period: string
  /** Newtrade's figures (null when the mirror has none for the month). */
  published: Dollars | null
  /** The sum of the published country totals (nationtrade): equals `published` when KCS is consistent. */
  countriesSum: Dollars
  mirror: Dollars
  /** Against Newtrade (or the country sum when Newtrade is missing); only meaningful when every country is checked. */
  verdict: Verdict
}

/** Everything `verify` compares, for a window and a set of countries. */
export interface VerifyInput {
  from: string
  to: string
  countries: readonly string[]
  /** Months whose country totals were fetched successfully (`YYYY-MM`); other months cannot be judged. */
  totalsMonths: ReadonlySet<string>
  published: readonly PublishedCountryMonth[]
  national: readonly (Dollars & { period: string })[]
  mirror: readonly MirroredCountryMonth[]
  /** Successful detail fetches (the ledger), any country. */
  fetches: readonly DetailFetch[]
}

/** The outcome of a comparison. */
export interface VerifyReport {
  from: string
  to: string
  countries: string[]
  /** Months of the window whose published totals are not in the mirror (not published yet, or not fetched). */
  unjudgedMonths: string[]
  counts: Record<Verdict, number>
  checks: CountryMonthCheck[]
  national: NationalCheck[]
}

const ZERO: Dollars = { exportUsd: 0, importUsd: 0 }

function same(a: Dollars, b: Dollars): boolean {
  return a.exportUsd === b.exportUsd && a.importUsd === b.importUsd
}

function add(a: Dollars, b: Dollars): Dollars {
  return { exportUsd: a.exportUsd + b.exportUsd, importUsd: a.importUsd + b.importUsd }
}

/** Compare the mirror with the published totals; see {@link Verdict}. */
export function compareWithPublished(input: VerifyInput): VerifyReport {
  const key = (country: string, period: string) => `${country}|${period}`
  const published = new Map(input.published.map((p) => [key(p.countryCode, p.period), p]))
  const mirror = new Map(input.mirror.map((m) => [key(m.countryCode, m.period), m]))
  const months: string[] = []
  for (let m = monthIndex(input.from); m <= monthIndex(input.to); m++) months.push(monthFromIndex(m))
  const judged = months.filter((p) => input.totalsMonths.has(p))
  // A month the detail API answered with no rows at all, for every country fetched: not published in detail yet.
  const rowsInMonth = new Map<string, number>()
  for (const m of input.mirror) rowsInMonth.set(m.period, (rowsInMonth.get(m.period) ?? 0) + m.rowCount)

  const fetchesOf = new Map<string, DetailFetch[]>()
  for (const f of input.fetches) fetchesOf.set(f.country, [...(fetchesOf.get(f.country) ?? []), f])
  // Whether the mirror still holds what the API answered to a fetch: as many rows over its window and, when the
  // answer's rows summed to its totals row, the same dollars.
  const intact = (f: DetailFetch): boolean => {
    let sum = ZERO
    let rows = 0
    for (let m = monthIndex(f.from); m <= monthIndex(f.to); m++) {
      const row = mirror.get(key(f.country, monthFromIndex(m)))
      if (row) {
        sum = add(sum, row)
        rows += row.rowCount
      }
    }
    return rows === f.rowCount && (f.sumsMatch !== true || f.totals === null || same(sum, f.totals))
  }

  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>
  const checks: CountryMonthCheck[] = []
  for (const countryCode of input.countries) {
    const fetches = fetchesOf.get(countryCode) ?? []
    for (const period of judged) {
      const pub: Dollars = published.get(key(countryCode, period)) ?? ZERO
      const mir = mirror.get(key(countryCode, period))
      const held = {
        exportUsd: mir?.exportUsd ?? 0,
        importUsd: mir?.importUsd ?? 0,
        rowCount: mir?.rowCount ?? 0,
      }
      const covering = fetches.filter((f) => f.from <= period && period <= f.to)
      const latest = covering
        .filter((f) => !f.hs)
        .sort((a, b) => b.fetchedAt.getTime() - a.fetchedAt.getTime())[0]
      const fetchedAt = latest?.fetchedAt ?? covering[0]?.fetchedAt ?? null
      const check = (verdict: Verdict, reason: string) => {
        counts[verdict]++
        checks.push({ period, countryCode, verdict, published: pub, mirror: held, fetchedAt, reason })
      }
      if (same(pub, held)) check('complete', 'the sums equal the published totals')
      else if (covering.some((f) => f.hs) && !latest)
        check('partial', 'mirrored with HS-prefix slices: part of the trade by design')
      else if (!latest)
        check(
          held.exportUsd + held.importUsd < pub.exportUsd + pub.importUsd ? 'short' : 'over',
          'never fetched',
        )
      else if ((rowsInMonth.get(period) ?? 0) === 0)
        check('pending', 'the API had no detail for this month when it was fetched')
      else if (intact(latest))
        check(
          'stale',
          `KCS revised the month after it was fetched (${latest.fetchedAt.toISOString().slice(0, 10)})`,
        )
      else {
        const less = held.exportUsd + held.importUsd < pub.exportUsd + pub.importUsd
        check(
          less ? 'short' : 'over',
          less ? 'rows are missing from the mirror' : 'the mirror holds rows KCS does not count',
        )
      }
    }
  }

  const national: NationalCheck[] = judged.map((period) => {
    let countriesSum = ZERO
    for (const p of input.published) if (p.period === period) countriesSum = add(countriesSum, p)
    let mirrorSum = ZERO
    for (const m of input.mirror) if (m.period === period) mirrorSum = add(mirrorSum, m)
    const newtrade = input.national.find((n) => n.period === period)
    const target = newtrade ?? countriesSum
    const verdict: Verdict = same(target, mirrorSum)
      ? 'complete'
      : (rowsInMonth.get(period) ?? 0) === 0
        ? 'pending'
        : mirrorSum.exportUsd + mirrorSum.importUsd < target.exportUsd + target.importUsd
          ? 'short'
          : 'over'
    return {
      period,
      published: newtrade ? { exportUsd: newtrade.exportUsd, importUsd: newtrade.importUsd } : null,
      countriesSum,
      mirror: mirrorSum,
      verdict,
    }
  })

  return {
    from: input.from,
    to: input.to,
    countries: [...input.countries],
    unjudgedMonths: months.filter((p) => !input.totalsMonths.has(p)),
    counts,
    checks,
    national,
  }
}

/**
 * The detail slices that bring the differing country-months back in line: per country and calendar year, one window
 * from its first to its last short, over or stale month (one call each).
 */
export function fixSlices(report: VerifyReport): Array<{ country: string; from: string; to: string }> {
  const spans = new Map<string, { country: string; from: string; to: string }>()
  for (const c of report.checks) {
    if (c.verdict !== 'short' && c.verdict !== 'over' && c.verdict !== 'stale') continue
    const id = `${c.countryCode}|${c.period.slice(0, 4)}`
    const span = spans.get(id)
    if (!span) spans.set(id, { country: c.countryCode, from: c.period, to: c.period })
    else {
      if (c.period < span.from) span.from = c.period
      if (c.period > span.to) span.to = c.period
    }
  }
  return [...spans.values()].sort(
    (a, b) => a.country.localeCompare(b.country) || a.from.localeCompare(b.from),
  )
}
