/**
 * Slices of the sibling datasets (`nationtrade`, `newtrade`): a window of 1–12 months, and for
 * `nationtrade` a country or every country. Their ledger keys carry the dataset as a prefix, so they
 * never meet an nitemtrade key (`US:2025-01..2025-12`).
 */
import { describeValue, InvalidArgumentError, InvalidQueryError, InvalidSliceError } from './errors.js'
import { monthIndex, normalizePeriod } from './slice.js'
import type { NormalizedSlice } from './types.js'

/** The APIs the mirror records: the detail (`nitemtrade`) and the two sibling totals datasets. */
export type Dataset = 'nitemtrade' | 'nationtrade' | 'newtrade'

/** The sibling datasets whose totals the mirror keeps (`country_totals`, `national_totals`). */
export type TotalsDataset = 'nationtrade' | 'newtrade'

/** Every dataset name, for checks and messages. */
export const DATASETS: readonly Dataset[] = ['nitemtrade', 'nationtrade', 'newtrade']

/**
 * A query of a sibling dataset: a window of 1–12 months (`YYYY-MM`, `YYYYMM` accepted) and, for
 * `nationtrade` only, a country (absent: every country).
 */
export interface TotalsSlice {
  /** `YYYY-MM` (or `YYYYMM`) */
  from: string
  /** `YYYY-MM` (or `YYYYMM`), inclusive */
  to: string
  /** Two upper-case letters or digits after a letter (`US`, `Z1`); `nationtrade` only. */
  country?: string | undefined
}

const COUNTRY = /^[A-Z][A-Z0-9]$/
const SLICE_HINT =
  'A totals slice is { from: "2025-01", to: "2025-12" } (1–12 months), with country: "US" for nationtrade only.'

/** `dataset` as a sibling totals dataset, or an InvalidArgumentError naming the allowed ones. */
export function totalsDataset(dataset: unknown, argument = 'dataset'): TotalsDataset {
  if (dataset === 'nationtrade' || dataset === 'newtrade') return dataset
  throw new InvalidArgumentError(
    argument,
    `expected 'nationtrade' or 'newtrade', got ${describeValue(dataset)}`,
    "Country totals are 'nationtrade', national totals 'newtrade'.",
  )
}

/** A reader's `dataset` filter: absent means `nitemtrade` (what every reader returned before the siblings). */
export function queryDataset(dataset: unknown): Dataset {
  if (dataset === undefined) return 'nitemtrade'
  if (typeof dataset === 'string' && (DATASETS as readonly string[]).includes(dataset)) {
    return dataset as Dataset
  }
  throw new InvalidQueryError(
    `dataset must be one of ${DATASETS.join(', ')}, got ${describeValue(dataset)}`,
    'Leave dataset out for the detail (nitemtrade), or name a sibling dataset.',
  )
}

/** Validates a totals slice of `dataset` and gives it its ledger key; hs is always null. */
export function normalizeTotalsSlice(dataset: TotalsDataset, slice: TotalsSlice): NormalizedSlice {
  if (slice === null || typeof slice !== 'object' || Array.isArray(slice))
    throw new InvalidSliceError(`slice must be an object, got ${describeValue(slice)}`, SLICE_HINT)
  const from = normalizePeriod(slice.from)
  const to = normalizePeriod(slice.to)
  if (!from)
    throw new InvalidSliceError(
      `slice.from must be YYYY-MM or YYYYMM, got ${describeValue(slice.from)}`,
      SLICE_HINT,
    )
  if (!to)
    throw new InvalidSliceError(
      `slice.to must be YYYY-MM or YYYYMM, got ${describeValue(slice.to)}`,
      SLICE_HINT,
    )
  const months = monthIndex(to) - monthIndex(from) + 1
  if (months < 1) throw new InvalidSliceError(`slice window ${from}..${to} ends before it starts`, SLICE_HINT)
  if (months > 12)
    throw new InvalidSliceError(
      `slice window ${from}..${to} spans ${months} months (at most 12, as the API allows)`,
      'Split the window into calendar years (or shorter).',
    )
  const raw = (slice as { country?: unknown; hs?: unknown }).country
  const country = raw === undefined || raw === null || raw === '' ? null : raw
  if (country !== null && (typeof country !== 'string' || !COUNTRY.test(country)))
    throw new InvalidSliceError(
      `slice.country must be a KCS country code (two upper-case letters, e.g. US or Z1), got ${describeValue(country)}`,
      SLICE_HINT,
    )
  if (country !== null && dataset === 'newtrade')
    throw new InvalidSliceError(
      `newtrade has no country (it publishes Korea's national totals), got country ${country}`,
      'Leave country out for newtrade; country totals are the nationtrade dataset.',
    )
  const hs = (slice as { hs?: unknown }).hs
  if (hs !== undefined && hs !== null && hs !== '')
    throw new InvalidSliceError(
      `${dataset} has no HS code dimension, got hs ${describeValue(hs)}`,
      'Leave hs out; item totals are derived from trade_rows (see the README).',
    )
  const key =
    dataset === 'newtrade' ? `newtrade:${from}..${to}` : `nationtrade:${country ?? '*'}:${from}..${to}`
  return { key, country: typeof country === 'string' ? country : null, hs: null, from, to }
}

/**
 * The ledger key of a sibling-dataset slice: `nationtrade:US:2025-01..2025-12`,
 * `nationtrade:*:2025-01..2025-12` (every country) or `newtrade:2025-01..2025-12`. Months may be
 * given as `YYYYMM`; a malformed slice throws InvalidSliceError, an unknown dataset
 * InvalidArgumentError.
 */
export function totalsSliceKey(dataset: 'nationtrade' | 'newtrade', slice: TotalsSlice): string {
  return normalizeTotalsSlice(totalsDataset(dataset), slice).key
}
