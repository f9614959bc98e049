import type { EndpointLayout, FieldSpec } from './endpoint.js'
import { KcsValidationError } from './errors.js'
import { describeValue, optionsObject } from './guards.js'

/** What the body parser learned about a complete answer besides its rows. */
export interface BodySummary<TTotals> {
  /** The totals row, or null when the answer has none. */
  total: TTotals | null
  /** Number of data rows (the totals row excluded). */
  rowCount: number
  /** Whether the data rows' dollar sums equal the totals row exactly; null without a totals row. */
  sumsMatch: boolean | null
  /** Totals-row weight minus the sum of the data rows' weights (rounding upstream); null without a totals row. */
  weightDiffKg: Record<string, number> | null
  /** Data rows breaking the endpoint's row invariant (balance ≠ export − import). */
  inconsistentRows: number
  /** Raw body bytes. */
  bytes: number
  /** SHA-256 of the raw body bytes, hex. */
  bodySha256: string
  /** Provider result code (`00` for data, `03` for a no-data answer). */
  resultCode: string
  /** Provider result message accompanying `resultCode`. */
  resultMsg: string
}

/** Options of {@link ResponseBodyParser} and {@link parseResponseBody}. */
export interface BodyParserOptions {
  /** HTTP status of the response (default 200). */
  status?: number
  /**
   * Redacts the service key from text copied into errors and from the text fields of every row and
   * of the totals row (a broken or hostile server may echo the key in a name).
   */
  redact?: (text: string) => string
  /** Redacted request URL, attached to errors. */
  url?: string
  /** From a `Retry-After` header, attached to rate-limit errors. */
  retryAfterMs?: number
  /** Clock for `KcsQuotaExceededError.resetsAt` (tests). */
  now?: Date
  /** Hash the body (default true). Off, `bodySha256` is `''`: for bodies whose hash is already known. */
  hash?: boolean
  /** Refuse a body longer than this many bytes with a `KcsResponseFormatError` (default: no limit). */
  maxBytes?: number
}

/** The parts of an endpoint layout the parser reads; a wrong value is a KcsValidationError, not a crash. */
export function assertEndpointLayout(endpoint: unknown): void {
  const e = endpoint as Partial<EndpointLayout<unknown, unknown>> | null
  const ok =
    e !== null &&
    typeof e === 'object' &&
    e.fields !== null &&
    typeof e.fields === 'object' &&
    e.totals !== null &&
    typeof e.totals === 'object' &&
    Array.isArray(e.exactSums) &&
    Array.isArray(e.approximateSums)
  if (!ok)
    throw new KcsValidationError(
      'endpoint',
      `the endpoint must be an endpoint definition, got ${describeValue(endpoint)}.`,
      'Pass nitemtradeEndpoint (or a definition of the same shape).',
    )
}

/** The parser options, checked; a wrong value is a KcsValidationError. */
export function checkParserOptions(options: unknown): BodyParserOptions {
  const o = optionsObject(
    options as BodyParserOptions | undefined,
    'options',
    'Pass { status?, redact?, url?, maxBytes? } or nothing.',
  )
  const hint =
    'See BodyParserOptions: status is an HTTP status (100–599), redact a function, maxBytes a positive integer.'
  if (o.status !== undefined && !(Number.isInteger(o.status) && o.status >= 100 && o.status <= 599))
    throw new KcsValidationError(
      'options',
      `status must be an HTTP status 100–599, got ${describeValue(o.status)}.`,
      hint,
    )
  if (o.redact !== undefined && typeof o.redact !== 'function')
    throw new KcsValidationError(
      'options',
      `redact must be a function, got ${describeValue(o.redact)}.`,
      hint,
    )
  if (o.maxBytes !== undefined && !(Number.isSafeInteger(o.maxBytes) && o.maxBytes > 0))
    throw new KcsValidationError(
      'options',
      `maxBytes must be a positive integer, got ${describeValue(o.maxBytes)}.`,
      hint,
    )
  if (o.now !== undefined && !(o.now instanceof Date && !Number.isNaN(o.now.getTime())))
    throw new KcsValidationError('options', `now must be a valid Date, got ${describeValue(o.now)}.`, hint)
  return o
}

/** The names of the fields read as text (`string`), where an echoed key could hide. */
export function textFields(fields: object): string[] {
  return Object.entries(fields as Record<string, FieldSpec>)
    .filter(([, spec]) => spec.type === 'string')
    .map(([name]) => name)
}
