import { z } from 'zod'
import { KcsResponseFormatError } from './errors.js'
import { type ParsedTradeQuery, parseTradeQuery, toYyyymm } from './query.js'

/**
 * How one output field is read from an `item` child element:
 * - `string`: the text as is (codes keep leading zeros; `NA` stays Namibia);
 * - `integer`: a plain integer (optional minus sign) that must be a safe integer, never rounded;
 * - `period`: `YYYY.MM` → `YYYY-MM`.
 */
export type FieldType = 'string' | 'integer' | 'period'

/** Where one output field comes from and how its text is read. */
export interface FieldSpec {
  /** The `item` child element the value comes from. */
  readonly source: string
  /** How the element's text is converted. */
  readonly type: FieldType
}

/** A {@link FieldSpec} for every field of the output type `T`. */
export type FieldMapping<T> = { readonly [K in keyof T]: FieldSpec }

/**
 * Everything that differs between the KCS trade APIs, as data: the path, the query validation and
 * its wire parameters, the row layout and mapping, and how the totals row is recognised.
 */
export interface EndpointDefinition<TQuery, TRow, TTotals> {
  /** Short name, e.g. `nitemtrade`. */
  readonly name: string
  /** Path appended to the origin, e.g. `/1220000/nitemtrade/getNitemtradeList`. */
  readonly path: string
  /** The data.go.kr dataset the key must be approved for. */
  readonly datasetId: string
  /** Validates a caller's query (throws `KcsValidationError`); `range` allows more than 12 months. */
  readonly parseQuery: (input: unknown, options?: { range?: boolean }) => TQuery
  /** The wire parameters (without serviceKey), in the order they are sent. */
  readonly toParams: (query: TQuery) => Record<string, string>
  /** Output row fields and where they come from. */
  readonly fields: FieldMapping<TRow>
  /** zod schema of an output row: documentation and test oracle (the hot path uses `fields`). */
  readonly rowSchema: z.ZodType<TRow>
  readonly totals: {
    /**
     * The totals row is recognised by content, never by position (nitemtrade puts it first, the
     * sibling APIs last): an item whose `source` text does NOT match `dataPattern` is the totals row.
     */
    readonly detect: { readonly source: string; readonly dataPattern: RegExp }
    readonly fields: FieldMapping<TTotals>
  }
  /** Totals fields that must equal the sum of the data rows exactly (dollar values). */
  readonly exactSums: readonly (keyof TTotals & keyof TRow & string)[]
  /** Totals fields that may differ from the sum by rounding (weights); the difference is reported. */
  readonly approximateSums: readonly (keyof TTotals & keyof TRow & string)[]
  /** A per-row consistency rule; rows failing it are counted in `meta.inconsistentRows`. */
  readonly rowInvariant?: (row: TRow) => boolean
}

/** The part of a definition that describes the answer (what the body parser needs). */
export type EndpointLayout<TRow, TTotals> = Pick<
  EndpointDefinition<unknown, TRow, TTotals>,
  'name' | 'fields' | 'totals' | 'exactSums' | 'approximateSums' | 'rowInvariant'
>

/** One data row of the nitemtrade answer: one month, partner country and HS code. */
export interface TradeRow {
  /** `YYYY-MM`. */
  period: string
  /** KCS partner country code, e.g. `US`, `NA` (Namibia). */
  countryCode: string
  /** KCS Korean country name, e.g. `미국`. */
  countryName: string
  /** HS code as a string with leading zeros, e.g. `0306171090`. */
  hsCode: string
  /** Leaf tariff name (Korean), often just `기타` ("other"). */
  itemName: string
  /** Export net weight, kg. */
  exportKg: number
  /** Export value, US dollars (FOB). */
  exportUsd: number
  /** Import net weight, kg. */
  importKg: number
  /** Import value, US dollars (CIF). */
  importUsd: number
  /** Trade balance, US dollars (exportUsd − importUsd). */
  balanceUsd: number
}

/** The totals row of the nitemtrade answer: the sums over the whole query, same units as {@link TradeRow}. */
export interface TradeTotals {
  /** Total export net weight, kg. */
  exportKg: number
  /** Total export value, US dollars. */
  exportUsd: number
  /** Total import net weight, kg. */
  importKg: number
  /** Total import value, US dollars. */
  importUsd: number
  /** Total trade balance, US dollars. */
  balanceUsd: number
}

const safeInteger = z.number().int().refine(Number.isSafeInteger, 'not a safe integer')

/** zod schema of a {@link TradeRow}: no extra keys, `period` as `YYYY-MM`, numbers as safe integers. */
export const tradeRowSchema: z.ZodType<TradeRow> = z.strictObject({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  countryCode: z.string(),
  countryName: z.string(),
  hsCode: z.string(),
  itemName: z.string(),
  exportKg: safeInteger,
  exportUsd: safeInteger,
  importKg: safeInteger,
  importUsd: safeInteger,
  balanceUsd: safeInteger,
})

/** zod schema of {@link TradeTotals}: no extra keys, every value a safe integer. */
export const tradeTotalsSchema: z.ZodType<TradeTotals> = z.strictObject({
  exportKg: safeInteger,
  exportUsd: safeInteger,
  importKg: safeInteger,
  importUsd: safeInteger,
  balanceUsd: safeInteger,
})

/** 품목별 국가별 수출입실적 — export/import by item and country, dataset 15100475. */
export const nitemtradeEndpoint: EndpointDefinition<ParsedTradeQuery, TradeRow, TradeTotals> = {
  name: 'nitemtrade',
  path: '/1220000/nitemtrade/getNitemtradeList',
  datasetId: '15100475',
  parseQuery: parseTradeQuery,
  // Validates again (cheap): a caller may hand a query that never went through parseQuery.
  toParams: (query) => {
    const q = parseTradeQuery(query, { range: true })
    const params: Record<string, string> = { strtYymm: toYyyymm(q.from), endYymm: toYyyymm(q.to) }
    if (q.hs !== undefined) params.hsSgn = q.hs
    if (q.country !== undefined) params.cntyCd = q.country
    return params
  },
  fields: {
    period: { source: 'year', type: 'period' },
    countryCode: { source: 'statCd', type: 'string' },
    countryName: { source: 'statCdCntnKor1', type: 'string' },
    hsCode: { source: 'hsCd', type: 'string' },
    itemName: { source: 'statKor', type: 'string' },
    exportKg: { source: 'expWgt', type: 'integer' },
    exportUsd: { source: 'expDlr', type: 'integer' },
    importKg: { source: 'impWgt', type: 'integer' },
    importUsd: { source: 'impDlr', type: 'integer' },
    balanceUsd: { source: 'balPayments', type: 'integer' },
  },
  rowSchema: tradeRowSchema,
  totals: {
    detect: { source: 'year', dataPattern: /^\d{4}\.\d{2}$/ },
    fields: {
      exportKg: { source: 'expWgt', type: 'integer' },
      exportUsd: { source: 'expDlr', type: 'integer' },
      importKg: { source: 'impWgt', type: 'integer' },
      importUsd: { source: 'impDlr', type: 'integer' },
      balanceUsd: { source: 'balPayments', type: 'integer' },
    },
  },
  exactSums: ['exportUsd', 'importUsd', 'balanceUsd'],
  approximateSums: ['exportKg', 'importKg'],
  // Total: anything that is not a row object is simply not a consistent row.
  rowInvariant: (row) =>
    row !== null && typeof row === 'object' && row.balanceUsd === row.exportUsd - row.importUsd,
}

// ---------------------------------------------------------------------------------------------
// Compilation: turn a definition into the position-based mappers the scanner feeds.

const T_STRING = 0
const T_INTEGER = 1
const T_PERIOD = 2

interface CompiledField {
  key: string
  slot: number
  type: number
  source: string
}

export interface CompiledEndpoint<TRow, TTotals> {
  readonly itemFields: readonly string[]
  isTotals(values: readonly (string | undefined)[]): boolean
  mapRow(values: readonly (string | undefined)[]): TRow
  mapTotals(values: readonly (string | undefined)[]): TTotals
  /** Adds a data row's `exactSums` then `approximateSums` fields into `sums`, in that order. */
  accumulate(row: TRow, sums: number[]): void
}

/** Parses a plain integer; rejects anything else, and anything beyond ±MAX_SAFE_INTEGER. */
export function parseSafeInteger(text: string, field: string): number {
  const len = text.length
  const negative = text.charCodeAt(0) === 45 /* - */
  const first = negative ? 1 : 0
  if (len === first) throw new KcsResponseFormatError(`<${field}> is not an integer: "${text.slice(0, 40)}"`)
  // Accumulating digit by digit is exact below 2^53 and cheaper than Number(text); once past
  // MAX_SAFE_INTEGER the float stays past it, so the check below cannot be fooled by rounding.
  let n = 0
  for (let i = first; i < len; i++) {
    const c = text.charCodeAt(i) - 48
    if (c < 0 || c > 9)
      throw new KcsResponseFormatError(`<${field}> is not an integer: "${text.slice(0, 40)}"`)
    n = n * 10 + c
  }
  if (n > Number.MAX_SAFE_INTEGER) {
    throw new KcsResponseFormatError(
      `<${field}> value ${text.slice(0, 40)} is beyond Number.MAX_SAFE_INTEGER`,
    )
  }
  return negative && n !== 0 ? -n : n
}

const periodCache = new Map<string, string>()

function parsePeriod(text: string, field: string): string {
  // Few distinct months per answer: cache them (also shares one string per month across rows).
  const cached = periodCache.get(text)
  if (cached !== undefined) return cached
  // YYYY.MM with a real month
  if (
    text.length === 7 &&
    text.charCodeAt(4) === 46 &&
    isDigits(text, 0, 4) &&
    isDigits(text, 5, 7) &&
    ((text.charCodeAt(5) === 48 && text.charCodeAt(6) !== 48) ||
      (text.charCodeAt(5) === 49 && text.charCodeAt(6) <= 50))
  ) {
    const period = `${text.slice(0, 4)}-${text.slice(5)}`
    if (periodCache.size < 4096) periodCache.set(text, period)
    return period
  }
  throw new KcsResponseFormatError(`<${field}> is not a month YYYY.MM: "${text.slice(0, 40)}"`)
}

function isDigits(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

function typeCode(type: FieldType): number {
  return type === 'integer' ? T_INTEGER : type === 'period' ? T_PERIOD : T_STRING
}

function compileFields(mapping: Record<string, FieldSpec>, slots: Map<string, number>): CompiledField[] {
  return Object.entries(mapping).map(([key, spec]) => ({
    key,
    slot: slots.get(spec.source)!,
    type: typeCode(spec.type),
    source: spec.source,
  }))
}

function mapWith(
  fields: readonly CompiledField[],
  values: readonly (string | undefined)[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!
    const v = values[f.slot]
    if (v === undefined) throw new KcsResponseFormatError(`an <item> has no <${f.source}>`)
    out[f.key] =
      f.type === T_STRING
        ? v
        : f.type === T_INTEGER
          ? parseSafeInteger(v, f.source)
          : parsePeriod(v, f.source)
  }
  return out
}

/**
 * Builds a mapper with the row's keys written out as an object literal: every row then gets the same
 * hidden class from one allocation, which is markedly faster than assigning keys in a loop. Keys and
 * sources come from the endpoint definition (code, not the response) and are embedded as JSON
 * strings. Where code generation is forbidden (a Content-Security-Policy without 'unsafe-eval'),
 * the generic loop is used instead.
 */
function generateMapper(
  fields: readonly CompiledField[],
): ((values: readonly (string | undefined)[]) => unknown) | null {
  const lines: string[] = []
  const props: string[] = []
  fields.forEach((f, i) => {
    lines.push(
      `const v${i} = values[${f.slot}]; if (v${i} === undefined) missing(${JSON.stringify(f.source)});`,
    )
    const expr =
      f.type === T_STRING
        ? `v${i}`
        : f.type === T_INTEGER
          ? `int(v${i}, ${JSON.stringify(f.source)})`
          : `period(v${i}, ${JSON.stringify(f.source)})`
    props.push(`${JSON.stringify(f.key)}: ${expr}`)
  })
  const body = `return function mapRow(values) {\n${lines.join('\n')}\nreturn { ${props.join(', ')} };\n}`
  try {
    const factory = new Function('int', 'period', 'missing', body) as (
      int: typeof parseSafeInteger,
      period: typeof parsePeriod,
      missing: (source: string) => never,
    ) => (values: readonly (string | undefined)[]) => unknown
    return factory(parseSafeInteger, parsePeriod, (source) => {
      throw new KcsResponseFormatError(`an <item> has no <${source}>`)
    })
  } catch {
    return null
  }
}

function generateAccumulator(keys: readonly string[]): ((row: unknown, sums: number[]) => void) | null {
  const body = `return function accumulate(row, sums) {\n${keys.map((k, i) => `sums[${i}] += row[${JSON.stringify(k)}];`).join('\n')}\n}`
  try {
    return new Function(body)() as (row: unknown, sums: number[]) => void
  } catch {
    return null
  }
}

const compiledCache = new WeakMap<object, CompiledEndpoint<unknown, unknown>>()

/** Turns a declarative definition into the position-based mappers used on the hot path. */
export function compileEndpoint<TRow, TTotals>(
  def: EndpointLayout<TRow, TTotals>,
  options: { codegen?: boolean } = {},
): CompiledEndpoint<TRow, TTotals> {
  const codegen = options.codegen !== false
  const cached = codegen ? compiledCache.get(def) : undefined
  if (cached) return cached as CompiledEndpoint<TRow, TTotals>
  const sources = new Set<string>()
  for (const spec of Object.values<FieldSpec>(def.fields)) sources.add(spec.source)
  for (const spec of Object.values<FieldSpec>(def.totals.fields)) sources.add(spec.source)
  sources.add(def.totals.detect.source)
  // The API sends children in alphabetical order; the scanner tries slots in this order first.
  const itemFields = [...sources].sort()
  const slots = new Map(itemFields.map((s, i) => [s, i] as const))
  const rowFields = compileFields(def.fields as Record<string, FieldSpec>, slots)
  const totalFields = compileFields(def.totals.fields as Record<string, FieldSpec>, slots)
  const fastRow = codegen ? generateMapper(rowFields) : null
  const sumKeys: string[] = [...def.exactSums, ...def.approximateSums]
  const fastSum = codegen ? generateAccumulator(sumKeys) : null
  const detectSlot = slots.get(def.totals.detect.source)!
  const detectSource = def.totals.detect.source
  const dataPattern = def.totals.detect.dataPattern
  const compiled: CompiledEndpoint<TRow, TTotals> = {
    itemFields,
    isTotals(values) {
      const v = values[detectSlot]
      if (v === undefined) throw new KcsResponseFormatError(`an <item> has no <${detectSource}>`)
      return !dataPattern.test(v)
    },
    mapRow: (fastRow ?? ((values) => mapWith(rowFields, values))) as CompiledEndpoint<
      TRow,
      TTotals
    >['mapRow'],
    mapTotals: (values) => mapWith(totalFields, values) as TTotals,
    accumulate: (fastSum ??
      ((row: unknown, sums: number[]) => {
        const r = row as Record<string, number>
        for (let i = 0; i < sumKeys.length; i++) sums[i]! += r[sumKeys[i]!]!
      })) as CompiledEndpoint<TRow, TTotals>['accumulate'],
  }
  if (codegen) compiledCache.set(def, compiled as CompiledEndpoint<unknown, unknown>)
  return compiled
}
