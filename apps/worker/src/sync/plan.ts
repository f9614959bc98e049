import { sliceCodeLength, slicesOverlap } from '@kcs-trade/db'
import { UsageError } from '../config/errors.js'
import {
  COUNTRY_RE,
  calendarYearWindows,
  HS_RE,
  MONTH_RE,
  monthCount,
  monthIndex,
  type Slice,
  sliceKey,
  type TotalsDataset,
} from './slices.js'

/** What the ledger knows about one slice fetch (the subset the planner needs). */
export interface LedgerEntry {
  country: string
  from: string
  to: string
  hs?: string | undefined
  status: string
  rowCount?: number | null | undefined
}

export interface PlanInput {
  /** Two-letter KCS country codes, or `'all'` for every country in the reference table. */
  countries: readonly string[] | 'all'
  /** First month, `YYYY-MM`. */
  from: string
  /** Last month, `YYYY-MM`. */
  to: string
  /** HS prefix(es) of 2, 4, 6 or 10 digits; omitted = every code (one call per country and year, the minimum). */
  hs?: string | readonly string[] | undefined
  /** Re-fetch slices the ledger already has as fetched successfully. */
  refresh?: boolean
  /** A totals dataset instead of the detail (nitemtrade): planned by `planTotalsFromLedger` (plan-totals.ts). */
  dataset?: TotalsDataset | undefined
}

export interface PlanOptions {
  /** Daily quota the plan is measured against (calls per day). */
  quota: number
  /** A database from `@kcs-trade/db`: its ledger tells what is done and how many rows to expect. */
  db?: unknown
  /** The ledger, already read (wins over `db`). */
  ledger?: readonly LedgerEntry[]
  /** Country table (default: `@kcs-trade/reference`). */
  countryCodes?: () => readonly string[]
}

export interface PlannedSlice extends Slice {
  id: string
  expectedRows: number
  /** `ledger` = rows of this very slice last time; `history` = this country's rows per month elsewhere in the ledger; `estimate` = documented average. */
  expectedFrom: 'ledger' | 'history' | 'estimate'
}

export interface Plan {
  input: {
    countries: string[]
    from: string
    to: string
    hs: string[]
    refresh: boolean
    /** Present for a totals dataset's plan; absent for the detail (nitemtrade). */
    dataset?: TotalsDataset
  }
  slices: PlannedSlice[]
  /** Slices left out because the ledger has them as fetched successfully. */
  skipped: Slice[]
  /** API calls the plan needs (one per slice). */
  calls: number
  /** Days of quota the calls take at `quota` calls a day. */
  quotaDays: number
  quota: number
  expectedRows: number
}

/**
 * Average rows per country-year with `hsSgn` omitted, from KCS-API.md: ~22.35 million rows over 269 countries × 15 years
 * ≈ 5,540 (major partners ~70.9k, medium ~32.6k, small ~5.1k — most countries are small).
 */
export const ESTIMATED_ROWS_PER_COUNTRY_YEAR = 5_540
/** Rough share of a country's rows under one HS prefix, by prefix length (≈ 1 / number of codes at that level). */
const HS_SHARE: Record<number, number> = { 2: 1 / 97, 4: 1 / 1_200, 6: 1 / 5_000, 10: 1 / 11_000 }

export function estimateRows(slice: Slice): number {
  const months = monthCount(slice.from, slice.to)
  const share = slice.hs ? (HS_SHARE[slice.hs.length] ?? 1 / 11_000) : 1
  return Math.max(1, Math.round((ESTIMATED_ROWS_PER_COUNTRY_YEAR * months * share) / 12))
}

/** Validate the input of a plan; throws {@link UsageError} with a hint. */
export function validatePlanInput(input: PlanInput, knownCountries: ReadonlySet<string>): void {
  for (const [name, value] of [
    ['from', input.from],
    ['to', input.to],
  ] as const) {
    if (typeof value !== 'string' || !MONTH_RE.test(value)) {
      throw new UsageError(
        `--${name} must be a month as YYYY-MM, got ${JSON.stringify(value)}`,
        'e.g. --from 2024-01 --to 2025-12',
      )
    }
  }
  if (monthIndex(input.to) < monthIndex(input.from)) {
    throw new UsageError(
      `--to (${input.to}) is before --from (${input.from})`,
      'the window is inclusive: --from 2025-01 --to 2025-12',
    )
  }
  if (Number(input.from.slice(0, 4)) < 1988) {
    throw new UsageError(
      `--from ${input.from} is before the statistics start`,
      'KCS monthly statistics start in 1988; the API is usually used from 2000 on',
    )
  }
  if (input.countries !== 'all') {
    if (input.countries.length === 0) {
      throw new UsageError(
        'no country given',
        "pass --country US,CN (KCS codes) or --country all; find a code with 'kcs-trade lookup country <name>'",
      )
    }
    for (const code of input.countries) {
      if (!COUNTRY_RE.test(code)) {
        throw new UsageError(
          `country ${JSON.stringify(code)} is not a 2-letter upper-case KCS code`,
          `find the code with 'kcs-trade lookup country ${code}'`,
        )
      }
      if (knownCountries.size > 0 && !knownCountries.has(code)) {
        throw new UsageError(
          `unknown country code ${code}`,
          `list codes with 'kcs-trade lookup country <name>'`,
        )
      }
    }
  }
  for (const hs of hsList(input.hs)) {
    if (!HS_RE.test(hs)) {
      throw new UsageError(
        `HS prefix ${JSON.stringify(hs)} must be 2, 4, 6 or 10 digits`,
        `search codes with 'kcs-trade lookup hs <text>'`,
      )
    }
  }
}

function hsList(hs: PlanInput['hs']): string[] {
  if (hs === undefined) return []
  return typeof hs === 'string' ? [hs] : [...hs]
}

function ledgerHs(entry: LedgerEntry): string | undefined {
  return entry.hs === null || entry.hs === '' ? undefined : entry.hs
}

/**
 * Plan a backfill: slices of (country, calendar-year window, HS prefix or none), skipping what the ledger has as
 * fetched successfully unless `refresh`. With `hs` omitted this is one call per country and year — the minimum.
 */
export function planFromLedger(
  input: PlanInput,
  options: { quota: number; ledger: readonly LedgerEntry[]; countryCodes: readonly string[] },
): Plan {
  if (!Number.isInteger(options.quota) || options.quota < 1) {
    throw new UsageError(
      `quota must be a whole number ≥ 1, got ${options.quota}`,
      'set KCS_DAILY_QUOTA, e.g. 10000',
    )
  }
  const known = new Set(options.countryCodes)
  validatePlanInput(input, known)
  if (input.dataset)
    throw new RangeError('planFromLedger plans the detail; plan a totals dataset with planTotalsFromLedger')
  const countries =
    input.countries === 'all' ? [...options.countryCodes].sort() : [...new Set(input.countries)]
  const hsPrefixes = [...new Set(hsList(input.hs))]
  // Two prefixes, one inside the other, answered with codes of different lengths (85 and 8504):
  // the same trade at two levels of detail.
  const codeLength = (hs: string) => sliceCodeLength({ hs, from: input.from, to: input.from })
  for (const a of hsPrefixes) {
    const b = hsPrefixes.find((p) => p !== a && p.startsWith(a) && codeLength(p) !== codeLength(a))
    if (b) {
      throw new UsageError(
        `--hs ${a} and --hs ${b} overlap but are answered with ${codeLength(a)}-digit and ${codeLength(b)}-digit ` +
          'codes; sums over both would count that trade twice',
        `keep one of them: --hs ${a} or --hs ${b}`,
      )
    }
  }
  const refresh = input.refresh === true

  // Months fetched OK per (country, hs), and rows-per-month history per (country, hs).
  const okMonths = new Map<string, Set<number>>()
  const exactRows = new Map<string, number>()
  const history = new Map<string, { rows: number; months: number }>()
  for (const entry of options.ledger) {
    if (entry.status !== 'ok') continue
    const hs = ledgerHs(entry)
    const group = `${entry.country}|${hs ?? ''}`
    const months = okMonths.get(group) ?? new Set<number>()
    okMonths.set(group, months)
    for (let m = monthIndex(entry.from); m <= monthIndex(entry.to); m++) months.add(m)
    if (typeof entry.rowCount === 'number') {
      exactRows.set(
        sliceKey({ country: entry.country, from: entry.from, to: entry.to, ...(hs ? { hs } : {}) }),
        entry.rowCount,
      )
      const h = history.get(group) ?? { rows: 0, months: 0 }
      h.rows += entry.rowCount
      h.months += monthCount(entry.from, entry.to)
      history.set(group, h)
    }
  }

  const slices: PlannedSlice[] = []
  const skipped: Slice[] = []
  const windows = calendarYearWindows(input.from, input.to)
  for (const country of countries) {
    for (const hs of hsPrefixes.length > 0 ? hsPrefixes : [undefined]) {
      const group = `${country}|${hs ?? ''}`
      for (const window of windows) {
        const slice: Slice = { country, from: window.from, to: window.to, ...(hs ? { hs } : {}) }
        const done = okMonths.get(group)
        if (!refresh && done && everyMonth(window.from, window.to, (m) => done.has(m))) {
          skipped.push(slice)
          continue
        }
        const id = sliceKey(slice)
        const exact = exactRows.get(id)
        const h = history.get(group)
        let expectedRows: number
        let expectedFrom: PlannedSlice['expectedFrom']
        if (exact !== undefined) {
          expectedRows = exact
          expectedFrom = 'ledger'
        } else if (h && h.months > 0) {
          expectedRows = Math.round((h.rows / h.months) * monthCount(window.from, window.to))
          expectedFrom = 'history'
        } else {
          expectedRows = estimateRows(slice)
          expectedFrom = 'estimate'
        }
        slices.push({ ...slice, id, expectedRows, expectedFrom })
      }
    }
  }
  refuseMixedCodeLengths(slices, options.ledger)
  const calls = slices.length
  return {
    input: { countries, from: input.from, to: input.to, hs: hsPrefixes, refresh },
    slices,
    skipped,
    calls,
    quota: options.quota,
    quotaDays: Math.ceil(calls / options.quota),
    expectedRows: slices.reduce((sum, s) => sum + s.expectedRows, 0),
  }
}

/**
 * A slice with an HS prefix stores coarser codes than one without (`--hs 85` gives 4-digit codes, no
 * prefix 10-digit ones). Where both would cover the same months, country and codes the mirror would
 * count that trade twice. The database refuses the second kind too (MixedGranularityError), but only
 * once its job runs and fails; the plan refuses it before anything is enqueued.
 */
function refuseMixedCodeLengths(slices: readonly Slice[], ledger: readonly LedgerEntry[]): void {
  const byCountry = new Map<string, { slice: Slice; length: number }[]>()
  for (const entry of ledger) {
    if (typeof entry.rowCount !== 'number' || entry.rowCount <= 0) continue
    const hs = ledgerHs(entry)
    const slice: Slice = { country: entry.country, from: entry.from, to: entry.to, ...(hs ? { hs } : {}) }
    const list = byCountry.get(entry.country) ?? []
    list.push({ slice, length: sliceCodeLength(slice) })
    byCountry.set(entry.country, list)
  }
  for (const slice of slices) {
    const length = sliceCodeLength(slice)
    const held = byCountry
      .get(slice.country)
      ?.find((e) => e.length !== length && slicesOverlap(e.slice, slice))
    if (!held) continue
    const asked = slice.hs ? `--hs ${slice.hs}` : 'a plan without --hs'
    const heldAs = held.slice.hs ? `--hs ${held.slice.hs}` : 'no --hs'
    throw new UsageError(
      `${asked} would mirror ${slice.country} ${slice.from}..${slice.to} as ${length}-digit HS codes, but the mirror ` +
        `already holds ${held.length}-digit codes there (${held.slice.country} ${held.slice.from}..${held.slice.to}, ` +
        `${heldAs}); sums over both would count that trade twice`,
      held.length === 10
        ? `the 10-digit rows already sum to any level (kcs-trade export --country ${slice.country}${slice.hs ? ` --hs ${slice.hs}` : ''} --level ${length} --out <file>); to keep HS-prefix slices too, mirror them into another database (DATABASE_URL=...)`
        : 'keep one kind of slice per mirror: plan with the same --hs as before, or mirror into another database (DATABASE_URL=...)',
    )
  }
}

export function everyMonth(from: string, to: string, test: (m: number) => boolean): boolean {
  for (let m = monthIndex(from); m <= monthIndex(to); m++) if (!test(m)) return false
  return true
}
