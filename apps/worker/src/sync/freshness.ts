/**
 * The freshness job's work: the window of recent months KCS still revises, and the slices that keep a
 * mirror fresh over it (every mirrored country, the kinds of slice the ledger holds, the totals datasets).
 */
import { type KcsDatabase, mirroredCountries } from '@kcs-trade/db'
import type { Clock } from '../config/clock.js'
import { kstMonth, systemClock } from '../config/clock.js'
import { ledgerEntries } from './engine.js'
import type { LedgerEntry } from './plan.js'
import { planFromLedger } from './plan.js'
import type { Slice } from './slices.js'

/** The freshness window: the last 13 months (the current KST month and the 12 before), re-fetched on a schedule. */
export function freshnessWindow(clock: Clock = systemClock, months = 13): { from: string; to: string } {
  const to = kstMonth(clock.now())
  const y = Number(to.slice(0, 4))
  const m = Number(to.slice(5, 7)) - 1
  const start = new Date(Date.UTC(y, m - (months - 1), 1))
  const from = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`
  return { from, to }
}

/**
 * Slices of the freshness job: every mirrored country over the last 13 months, split at calendar
 * years, as the mirror holds it, and the totals datasets the mirror holds over the same window. Each year of the window is refreshed with the kinds of slice (no HS
 * prefix, or each prefix) the ledger holds rows for in it; months not mirrored yet take the kind of the
 * country's latest slice. A `--hs 85` mirror stays a `--hs 85` mirror, never widened to every code.
 */
export async function freshnessSlices(
  db: KcsDatabase,
  clock: Clock = systemClock,
  quota = 10_000,
): Promise<Slice[]> {
  const codes = await mirroredCountries(db)
  const window = freshnessWindow(clock)
  // Validates the window and splits it at calendar years, as a refresh plan would.
  const windows = planFromLedger(
    { countries: ['KR'], ...window, refresh: true },
    { quota, ledger: [], countryCodes: [] },
  ).slices.map(({ from, to }) => ({ from, to }))
  // The totals datasets the mirror holds are refreshed over the same window: every country (or the countries
  // mirrored one by one) for nationtrade, the nation for newtrade.
  const totals: Slice[] = []
  for (const dataset of ['nationtrade', 'newtrade'] as const) {
    const held = new Set(
      (await ledgerEntries(db, dataset)).filter((e) => e.status === 'ok').map((e) => e.country),
    )
    const scopes = held.has('*') ? ['*'] : [...held].sort()
    for (const country of scopes) for (const w of windows) totals.push({ country, ...w, dataset })
  }
  if (codes.length === 0) return totals
  const held = new Map<string, LedgerEntry[]>()
  for (const entry of await ledgerEntries(db)) {
    if (typeof entry.rowCount !== 'number' || entry.rowCount <= 0) continue
    held.set(entry.country, [...(held.get(entry.country) ?? []), entry])
  }
  const slices: Slice[] = []
  for (const country of codes) {
    const entries = held.get(country) ?? []
    const latest = entries
      .map((e) => e.to)
      .sort()
      .at(-1)
    for (const w of windows) {
      const overlapping = entries.filter((e) => e.from <= w.to && e.to >= w.from)
      const source = overlapping.length > 0 ? overlapping : entries.filter((e) => e.to === latest)
      const kinds = source.length > 0 ? new Set(source.map((e) => e.hs ?? '')) : new Set([''])
      for (const hs of [...kinds].sort()) slices.push({ country, ...w, ...(hs ? { hs } : {}) })
    }
  }
  return [...slices, ...totals]
}
