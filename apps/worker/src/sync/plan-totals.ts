import { UsageError } from '../config/errors.js'
import {
  everyMonth,
  type LedgerEntry,
  type Plan,
  type PlanInput,
  type PlannedSlice,
  validatePlanInput,
} from './plan.js'
import {
  calendarYearWindows,
  monthCount,
  monthIndex,
  type Slice,
  sliceKey,
  type TotalsDataset,
} from './slices.js'

/** Rows a month of `nationtrade` answers without a country: about 237 partners traded with in a month (2026-01). */
export const ESTIMATED_COUNTRIES_PER_MONTH = 237

/**
 * Plan a totals dataset: one slice per calendar year — for `nationtrade` every country in one call (`country: '*'`,
 * as `verify` needs it) or one call per country named, for `newtrade` the national totals. The ledger given must be
 * that dataset's (`country: '*'` for an every-country slice). A month an every-country slice fetched counts as fetched
 * for each country.
 */
export function planTotalsFromLedger(
  input: PlanInput & { dataset: TotalsDataset },
  options: { quota: number; ledger: readonly LedgerEntry[]; countryCodes: readonly string[] },
): Plan {
  if (!Number.isInteger(options.quota) || options.quota < 1)
    throw new UsageError(
      `quota must be a whole number ≥ 1, got ${options.quota}`,
      'set KCS_DAILY_QUOTA, e.g. 10000',
    )
  validatePlanInput(input, new Set(options.countryCodes))
  const { dataset } = input
  const hs = input.hs === undefined ? [] : typeof input.hs === 'string' ? [input.hs] : [...input.hs]
  if (hs.length > 0)
    throw new UsageError(
      `--hs does not apply to ${dataset}: its rows are totals over all items`,
      'drop --hs, or use --dataset itemtrade with kcs-trade fetch for item totals',
    )
  if (dataset === 'newtrade' && input.countries !== 'all')
    throw new UsageError(
      'newtrade has no countries: its rows are Korea’s national totals',
      'drop --country (or use --dataset nationtrade for totals per country)',
    )
  const countries = input.countries === 'all' ? ['*'] : [...new Set(input.countries)]
  const refresh = input.refresh === true
  const okMonths = new Map<string, Set<number>>()
  const exactRows = new Map<string, number>()
  for (const entry of options.ledger) {
    if (entry.status !== 'ok') continue
    const months = okMonths.get(entry.country) ?? new Set<number>()
    okMonths.set(entry.country, months)
    for (let m = monthIndex(entry.from); m <= monthIndex(entry.to); m++) months.add(m)
    if (typeof entry.rowCount === 'number')
      exactRows.set(
        sliceKey({ country: entry.country, from: entry.from, to: entry.to, dataset }),
        entry.rowCount,
      )
  }
  const everyCountry = okMonths.get('*')
  const slices: PlannedSlice[] = []
  const skipped: Slice[] = []
  for (const country of countries) {
    const own = okMonths.get(country)
    for (const window of calendarYearWindows(input.from, input.to)) {
      const slice: Slice = { country, from: window.from, to: window.to, dataset }
      const fetched = (m: number) => own?.has(m) === true || everyCountry?.has(m) === true
      if (!refresh && everyMonth(window.from, window.to, fetched)) {
        skipped.push(slice)
        continue
      }
      const id = sliceKey(slice)
      const exact = exactRows.get(id)
      const perMonth = country === '*' && dataset === 'nationtrade' ? ESTIMATED_COUNTRIES_PER_MONTH : 1
      slices.push({
        ...slice,
        id,
        expectedRows: exact ?? perMonth * monthCount(window.from, window.to),
        expectedFrom: exact === undefined ? 'estimate' : 'ledger',
      })
    }
  }
  const calls = slices.length
  return {
    input: { countries, from: input.from, to: input.to, hs: [], refresh, dataset },
    slices,
    skipped,
    calls,
    quota: options.quota,
    quotaDays: Math.ceil(calls / options.quota),
    expectedRows: slices.reduce((sum, s) => sum + s.expectedRows, 0),
  }
}
