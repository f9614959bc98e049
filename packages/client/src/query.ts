import { z } from 'zod'
import { KcsValidationError, type KcsValidationField } from './errors.js'
import { describeValue, optionsObject } from './guards.js'

/** A request for trade statistics. Months are `'YYYY-MM'` or `'YYYYMM'`. */
export interface TradeQuery {
  /** First month, `'YYYY-MM'` or `'YYYYMM'`. */
  from: string
  /** Last month (inclusive), `'YYYY-MM'` or `'YYYYMM'`. */
  to: string
  /** Upper-case 2-character KCS partner country code (`NA` is Namibia; `Z1`, the IMF, has a digit). */
  country?: string
  /** HS code prefix of 2, 4, 6 or 10 digits. */
  hs?: string
}

/** A validated query with months normalised to `'YYYY-MM'`. */
export interface ParsedTradeQuery {
  from: string
  to: string
  country?: string
  hs?: string
}

/** One request window: at most 12 months, inside one calendar year. */
export interface TradeWindow {
  from: string
  to: string
}

/** The most months one request may cover (the API refuses longer periods). */
export const MAX_WINDOW_MONTHS = 12

const MONTH = /^(\d{4})-?(\d{2})$/

/** Parses `'YYYY-MM'` or `'YYYYMM'` into a month index (year*12 + month-1), or undefined. */
function monthIndex(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const m = MONTH.exec(value)
  if (!m) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  if (month < 1 || month > 12 || year < 1900) return undefined
  return year * 12 + (month - 1)
}

function formatMonth(index: number, separator = '-'): string {
  const year = Math.floor(index / 12)
  const month = (index % 12) + 1
  return `${year}${separator}${String(month).padStart(2, '0')}`
}

/** `'2025-01'` → `'202501'`, as the API wants it. */
export function toYyyymm(month: string): string {
  const index = monthIndex(month)
  if (index === undefined)
    throw new KcsValidationError(
      'month',
      `${describeValue(month)} is not a month written YYYY-MM or YYYYMM (months 01–12, years from 1900).`,
      'Use YYYY-MM, e.g. "2025-01".',
    )
  return formatMonth(index, '')
}

/**
 * Number of months from `from` to `to`, both included (0 or negative when `to` is before `from`).
 * Throws `KcsValidationError` when either is not a month written `YYYY-MM` or `YYYYMM` (it returned
 * NaN before 0.x: a NaN travelled on silently into loops and comparisons).
 */
export function monthsBetween(from: string, to: string): number {
  const a = monthIndex(from)
  const b = monthIndex(to)
  if (a === undefined)
    throw new KcsValidationError(
      'from',
      `${describeValue(from)} is not a month written YYYY-MM or YYYYMM.`,
      FIELD_HINTS.from!,
    )
  if (b === undefined)
    throw new KcsValidationError(
      'to',
      `${describeValue(to)} is not a month written YYYY-MM or YYYYMM.`,
      FIELD_HINTS.to!,
    )
  return b - a + 1
}

const monthField = (field: 'from' | 'to') =>
  z
    .string({ error: `${field} must be a string month such as "2025-01".` })
    .refine((v) => monthIndex(v) !== undefined, {
      message: `${field} must be a month written YYYY-MM or YYYYMM (e.g. "2025-01"); months are 01–12.`,
    })

const countryField = z
  .string({ error: 'country must be a string such as "US".' })
  .regex(/^[A-Z][A-Z0-9]$/, {
    message:
      'country must be an upper-case 2-letter KCS country code such as "US" (lower case is rejected upstream).',
  })
  .optional()

const hsField = z
  .string({ error: 'hs must be a string of digits such as "0202" (leading zeros matter).' })
  .regex(/^(\d{2}|\d{4}|\d{6}|\d{10})$/, {
    message: 'hs must be an HS prefix of 2, 4, 6 or 10 digits (e.g. "85", "0202").',
  })
  .optional()

const baseSchema = z.strictObject({
  from: monthField('from'),
  to: monthField('to'),
  country: countryField,
  hs: hsField,
})

function checkRange(
  value: z.infer<typeof baseSchema>,
  ctx: z.RefinementCtx,
  maxMonths: number | null,
  rangeMethod = 'tradeByItemCountryRange',
  requireFilter = true,
): void {
  const a = monthIndex(value.from)
  const b = monthIndex(value.to)
  if (a === undefined || b === undefined) return // already reported by the field's own check
  const span = b - a + 1
  if (span < 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `to (${value.to}) must be the same as or after from (${value.from}).`,
    })
  } else if (maxMonths !== null && span > maxMonths) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `the window ${value.from}..${value.to} spans ${span} months; the API allows at most ${maxMonths}. Use ${rangeMethod}() or splitIntoWindows().`,
    })
  }
  if (requireFilter && value.country === undefined && value.hs === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['country'],
      message: 'give at least one of country (e.g. "US") and hs (e.g. "0202"); the API requires one of them.',
    })
  }
}

/** The zod schema of a single-request query (window ≤ 12 months). */
export const tradeQuerySchema = baseSchema.superRefine((v, ctx) => checkRange(v, ctx, MAX_WINDOW_MONTHS))
/** The zod schema of a range query (any length; split into windows by the client). */
export const tradeRangeQuerySchema = baseSchema.superRefine((v, ctx) => checkRange(v, ctx, null))

/** Options of {@link parseTradeQuery} and {@link validateTradeQuery}. */
export interface ParseTradeQueryOptions {
  /** Allow ranges longer than 12 months (for tradeByItemCountryRange / planning). Default false. */
  range?: boolean
}

const FIELD_HINTS: Record<string, string> = {
  from: 'Write months as YYYY-MM, e.g. { from: "2025-01" }.',
  to: 'Write months as YYYY-MM, at most 12 months after from, and not before it.',
  country: 'Use an upper-case 2-letter code such as "US"; give country or hs or both.',
  hs: 'Use a string of 2, 4, 6 or 10 digits such as "0202".',
  query: 'Pass an object { from, to, country?, hs? }.',
}

function toValidationErrors(
  error: z.ZodError,
  fields = 'from, to, country and hs',
  shape = '{ from, to, country?, hs? }',
): KcsValidationError[] {
  return error.issues.map((issue) => {
    let field: KcsValidationField = typeof issue.path[0] === 'string' ? issue.path[0] : 'query'
    let message = issue.message
    if (issue.code === 'unrecognized_keys') {
      field = issue.keys[0] ?? 'query'
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; a query has ${fields}.`
    } else if (field === 'query' && issue.code === 'invalid_type') {
      message = `the query must be an object ${shape}.`
    }
    const hint =
      issue.code === 'unrecognized_keys'
        ? 'Remove the unknown field or fix its spelling.'
        : (FIELD_HINTS[field] ?? FIELD_HINTS.query!)
    return new KcsValidationError(field, message, hint)
  })
}

/**
 * The result of {@link validateTradeQuery}: the normalised query, or every validation error found
 * (`error` is the first of `errors`).
 */
export type ValidateTradeQueryResult =
  | { ok: true; query: ParsedTradeQuery }
  | { ok: false; error: KcsValidationError; errors: KcsValidationError[] }

/** Validates a query without throwing. The first error is the one `parseTradeQuery` would throw. */
export function validateTradeQuery(
  input: unknown,
  options: ParseTradeQueryOptions = {},
): ValidateTradeQueryResult {
  const opts = optionsObject(options, 'options', 'Pass { range: true } or leave the options out.')
  const schema = opts.range ? tradeRangeQuerySchema : tradeQuerySchema
  const result = schema.safeParse(input)
  if (!result.success) {
    const errors = toValidationErrors(result.error)
    return { ok: false, error: errors[0]!, errors }
  }
  const v = result.data
  const query: ParsedTradeQuery = {
    from: formatMonth(monthIndex(v.from)!),
    to: formatMonth(monthIndex(v.to)!),
  }
  if (v.country !== undefined) query.country = v.country
  if (v.hs !== undefined) query.hs = v.hs
  return { ok: true, query }
}

/** Validates a query and normalises months to `'YYYY-MM'`; throws `KcsValidationError` naming the field. */
export function parseTradeQuery(input: unknown, options: ParseTradeQueryOptions = {}): ParsedTradeQuery {
  const result = validateTradeQuery(input, options)
  if (!result.ok) throw result.error
  return result.query
}

/**
 * Cuts `from..to` (inclusive, `'YYYY-MM'` or `'YYYYMM'`) into windows of at most 12 months that
 * never cross a calendar year: one window per calendar year, clipped to the range.
 */
export function splitIntoWindows(from: string, to: string): TradeWindow[] {
  const a = monthIndex(from)
  const b = monthIndex(to)
  if (a === undefined)
    throw new KcsValidationError(
      'from',
      `${describeValue(from)} is not a month written YYYY-MM or YYYYMM.`,
      FIELD_HINTS.from!,
    )
  if (b === undefined)
    throw new KcsValidationError(
      'to',
      `${describeValue(to)} is not a month written YYYY-MM or YYYYMM.`,
      FIELD_HINTS.to!,
    )
  if (b < a)
    throw new KcsValidationError(
      'to',
      `to (${to}) must be the same as or after from (${from}).`,
      FIELD_HINTS.to!,
    )
  const windows: TradeWindow[] = []
  let start = a
  while (start <= b) {
    const yearEnd = Math.floor(start / 12) * 12 + 11
    const end = Math.min(yearEnd, b)
    windows.push({ from: formatMonth(start), to: formatMonth(end) })
    start = end + 1
  }
  return windows
}

// ---------------------------------------------------------------------------------------------
// The sibling APIs' queries: the same months and codes, each with only the filters its API takes.

/** A query of `Itemtrade` (item totals over all partners): months and an optional HS prefix. */
export interface ItemTradeQuery {
  /** First month, `'YYYY-MM'` or `'YYYYMM'`. */
  from: string
  /** Last month (inclusive), `'YYYY-MM'` or `'YYYYMM'`. */
  to: string
  /** HS code prefix of 2, 4, 6 or 10 digits; rows always come at 10 digits. Omitted: every code. */
  hs?: string
}

/** A query of `nationtrade` (country totals over all items): months and an optional country. */
export interface CountryTradeQuery {
  /** First month, `'YYYY-MM'` or `'YYYYMM'`. */
  from: string
  /** Last month (inclusive), `'YYYY-MM'` or `'YYYYMM'`. */
  to: string
  /** Upper-case 2-character KCS country code (`Z1`, the IMF, has a digit). Omitted: every country. */
  country?: string
}

/** A query of `Newtrade` (Korea's overall totals): months only. */
export interface TotalsTradeQuery {
  /** First month, `'YYYY-MM'` or `'YYYYMM'`. */
  from: string
  /** Last month (inclusive), `'YYYY-MM'` or `'YYYYMM'`. */
  to: string
}

/** A filter a sibling API accepts besides its window: a partner country or an HS prefix. */
export type QueryFilter = 'country' | 'hs'

/**
 * Builds the validator of a sibling API's query from the filters it accepts (data, like the endpoint
 * definitions): unknown fields — a `country` sent to Itemtrade — are refused before any request.
 */
export function createSiblingQueryParser<TQuery extends { from: string; to: string }>(
  filters: readonly QueryFilter[],
  rangeMethod: string,
): (input: unknown, options?: ParseTradeQueryOptions) => TQuery {
  const shape: Record<string, z.ZodType> = { from: monthField('from'), to: monthField('to') }
  if (filters.includes('country')) shape.country = countryField
  if (filters.includes('hs')) shape.hs = hsField
  const object = z.strictObject(shape)
  const check = (maxMonths: number | null) =>
    object.superRefine((v, ctx) =>
      checkRange(v as z.infer<typeof baseSchema>, ctx, maxMonths, rangeMethod, false),
    )
  const single = check(MAX_WINDOW_MONTHS)
  const range = check(null)
  const names = ['from', 'to', ...filters]
  const fieldList = `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
  const shapeText = `{ from, to${filters.map((f) => `, ${f}?`).join('')} }`
  return (input, options = {}) => {
    const opts = optionsObject(options, 'options', 'Pass { range: true } or leave the options out.')
    const result = (opts.range ? range : single).safeParse(input)
    if (!result.success) throw toValidationErrors(result.error, fieldList, shapeText)[0]!
    const v = result.data as Record<string, string | undefined>
    const query: Record<string, string> = {
      from: formatMonth(monthIndex(v.from)!),
      to: formatMonth(monthIndex(v.to)!),
    }
    for (const f of filters) if (v[f] !== undefined) query[f] = v[f]
    return query as unknown as TQuery
  }
}

/** Validates an `Itemtrade` query (`{ from, to, hs? }`); throws `KcsValidationError` naming the field. */
export const parseItemTradeQuery = createSiblingQueryParser<ItemTradeQuery>(['hs'], 'tradeByItemRange')
/** Validates a `nationtrade` query (`{ from, to, country? }`); throws `KcsValidationError` naming the field. */
export const parseCountryTradeQuery = createSiblingQueryParser<CountryTradeQuery>(
  ['country'],
  'tradeByCountryRange',
)
/** Validates a `Newtrade` query (`{ from, to }`); throws `KcsValidationError` naming the field. */
export const parseTotalsTradeQuery = createSiblingQueryParser<TotalsTradeQuery>([], 'tradeTotalsRange')
