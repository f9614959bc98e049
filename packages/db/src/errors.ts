import { hostname } from 'node:os'

/** What to do about each kind of error, when the thrower gives no more specific hint. */
const DEFAULT_HINTS: Record<string, string> = {
  INVALID_DATABASE_URL: 'Use postgres://user@host:5432/db, memory:// or a directory path for PGlite.',
  DATABASE_UNREACHABLE: 'Check that the server runs and the URL (host, port, database, user) is right.',
  DATABASE_LOCKED:
    'Stop the process that has the PGlite directory open and retry, or use PostgreSQL (DATABASE_URL=postgres://…) when several processes must read and write at once: a PGlite directory has one process at a time.',
  MIGRATION_FAILED: 'Check the migrations folder and that the database user may create tables.',
  INVALID_SLICE:
    'A slice is { country?: "US", hs?: "0202", from: "2025-01", to: "2025-12" }: at least one of country and hs, 1–12 months.',
  INVALID_QUERY:
    'Months are "YYYY-MM" (or "YYYYMM"), countries two upper-case letters ("US"), HS prefixes 1–10 digits, limits 1–100000.',
  INVALID_ARGUMENT: 'See the function’s documentation for the expected argument.',
  INVALID_ROW: 'Nothing was written. Pass the rows of the API answer for this slice, unchanged.',
  DUPLICATE_ROW:
    'Nothing was written. An answer lists each (month, country, HS code) once: fetch the slice again.',
  ROW_SOURCE_FAILED: 'Nothing was written; the previous state of the slice is intact. Fetch the slice again.',
  REPLACE_FAILED: 'Nothing was written; the previous state of the slice is intact. See `cause`, then retry.',
  UNSAFE_INTEGER: 'Query a narrower window, fewer countries or a longer HS prefix.',
  MIXED_GRANULARITY:
    'Nothing was written. Keep one kind of slice per mirror: country × year without an HS prefix is the cheapest full mirror and sums to any level; mirror HS-prefix slices into another database (DATABASE_URL).',
  ROW_COUNT_MISMATCH:
    'Nothing was written. The answer was cut short or fetchMeta.rowCount is wrong: fetch it again.',
}

/**
 * Base class of every error this package throws on purpose; `code` is stable for programs and
 * `hint` says what to do about it (it is also appended to `message` as ` Hint: …`; `detail` is the message
 * without it).
 */
export class KcsDbError extends Error {
  readonly code: string
  /** What to do about the error, in a sentence. */
  readonly hint: string
  constructor(code: string, message: string, options?: { cause?: unknown; hint?: string }) {
    const hint = options?.hint ?? DEFAULT_HINTS[code] ?? ''
    // An oversized input must not become an oversized error.
    if (typeof message === 'string' && message.length > 16_384)
      message = `${message.slice(0, 16_384)}… (${message.length - 16_384} more characters)`
    super(
      hint ? `${message} Hint: ${hint}` : message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = new.target.name
    this.code = code
    this.hint = hint
  }

  /** What went wrong, without the hint (`message` is `detail` and ` Hint: <hint>`): print the two apart. */
  get detail(): string {
    const tail = this.hint ? ` Hint: ${this.hint}` : ''
    return tail && this.message.endsWith(tail) ? this.message.slice(0, -tail.length) : this.message
  }
}

/**
 * An argument of the wrong type or shape (not a database made by `connect`, options that are not an
 * object, a batch size that is not a positive integer, …). Nothing was read or written.
 */
export class InvalidArgumentError extends KcsDbError {
  /** The parameter that was wrong, e.g. `db`, `options.batchSize`. */
  readonly argument: string
  constructor(argument: string, message: string, hint?: string) {
    super('INVALID_ARGUMENT', `${argument}: ${message}`, hint === undefined ? undefined : { hint })
    this.argument = argument
  }
}

/**
 * A short description of any value for an error message: never throws (symbols, bigints, cycles) and
 * never copies a long string in full.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  switch (typeof value) {
    case 'undefined':
      return 'undefined'
    case 'number':
    case 'boolean':
      return String(value)
    case 'bigint':
      return `${value.toString()}n`
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      return value instanceof Date
        ? Number.isNaN(value.getTime())
          ? 'an invalid Date'
          : 'a Date'
        : 'an object'
  }
}

/** The database URL could not be understood. `url` has its password redacted. */
export class InvalidDatabaseUrlError extends KcsDbError {
  readonly url: string
  constructor(url: string, reason: string) {
    super('INVALID_DATABASE_URL', `Invalid database URL ${url}: ${reason}`)
    this.url = url
  }
}

/** The server (or the PGlite directory) could not be opened. `url` has its password redacted. */
export class DatabaseConnectionError extends KcsDbError {
  readonly url: string
  constructor(url: string, reason: string, cause?: unknown) {
    super('DATABASE_UNREACHABLE', `Cannot connect to ${url}: ${reason}`, { cause })
    this.url = url
  }
}

/** Who holds a PGlite directory, as its lock file records it. */
export interface LockOwner {
  pid: number
  /** The owner's host name (a directory on a shared disk may be held from another machine). */
  host: string
  /** The owner's command line, secrets removed. */
  command: string
  /** When it took the directory (ISO 8601). */
  since: string
}

/**
 * The PGlite directory is open in another process (or in another connection of this one). PGlite is a
 * single-process engine: a second opener would overwrite the first's files and leave the directory unusable,
 * so nothing was read or written. The owner's pid, command and host come from the directory's lock file.
 */
export class DatabaseLockedError extends KcsDbError {
  /** The PGlite directory. */
  readonly directory: string
  /** Its lock file, naming the owner. */
  readonly lockFile: string
  /** What the lock file says of the owner: pid, command, host, since (empty when it could not be read). */
  readonly owner: Readonly<Partial<LockOwner>>
  constructor(directory: string, ownerArgument: Partial<LockOwner> = {}, lockFile = '') {
    const owner: Partial<LockOwner> = ownerArgument && typeof ownerArgument === 'object' ? ownerArgument : {}
    const dir = printable(directory)
    const pid = typeof owner.pid === 'number' ? owner.pid : undefined
    const command = printable(owner.command)
    const host = printable(owner.host)
    const foreign = host !== '' && host !== hostnameOrEmpty()
    const self = pid === process.pid && !foreign
    const who =
      pid === undefined
        ? 'another process'
        : self
          ? `this process (pid ${pid})`
          : `process ${pid}${command ? ` (${command})` : ''}${foreign ? ` on host ${host}` : ''}`
    const since = owner.since ? ` since ${printable(owner.since)}` : ''
    const hint = self
      ? 'Use the connection this process already has, or close it before opening the directory again.'
      : `Stop ${pid === undefined ? 'the process that has it open' : `process ${pid}`}${foreign ? ` on ${host}` : ''} and retry, or use PostgreSQL (DATABASE_URL=postgres://…) when several processes must read and write at once: a PGlite directory has one process at a time.${foreign && lockFile ? ` If that process is gone, delete ${printable(lockFile)}.` : ''}`
    super(
      'DATABASE_LOCKED',
      `PGlite directory ${dir} is in use by ${who}${since}; nothing was read or written.`,
      {
        hint,
      },
    )
    this.directory = typeof directory === 'string' ? directory : dir
    this.lockFile = typeof lockFile === 'string' ? lockFile : ''
    this.owner = {
      ...(pid === undefined ? {} : { pid }),
      ...(command ? { command } : {}),
      ...(host ? { host } : {}),
      ...(owner.since ? { since: printable(owner.since) } : {}),
    }
  }
}

/** Text for a message: control characters escaped (a lock file is input), at most 300 characters. */
function printable(value: unknown): string {
  if (value === undefined || value === null) return ''
  const text = String(value)
  const clipped = text.length > 300 ? `${text.slice(0, 300)}…` : text
  return clipped.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
}

function hostnameOrEmpty(): string {
  try {
    return hostname()
  } catch {
    return ''
  }
}

export class MigrationError extends KcsDbError {
  constructor(message: string, cause?: unknown) {
    super('MIGRATION_FAILED', message, { cause })
  }
}

export class InvalidSliceError extends KcsDbError {
  constructor(message: string, hint?: string) {
    super('INVALID_SLICE', message, hint === undefined ? undefined : { hint })
  }
}

/** Invalid read-helper arguments (a bad period, HS prefix, limit...). */
export class InvalidQueryError extends KcsDbError {
  constructor(message: string, hint?: string) {
    super('INVALID_QUERY', message, hint === undefined ? undefined : { hint })
  }
}

/** The primary key of a mirrored row: month, partner country and HS code (as a DuplicateRowError reports it). */
export interface RowKey {
  period: string
  countryCode: string
  hsCode: string
}

/** A row of an answer failed validation; nothing of the answer was written. */
export class RowValidationError extends KcsDbError {
  /** 0-based position of the row in the answer. */
  readonly rowIndex: number
  readonly field: string
  readonly row: unknown
  constructor(rowIndex: number, field: string, reason: string, row: unknown) {
    super('INVALID_ROW', `Row ${rowIndex} (${describeRow(row)}): ${field} ${reason}`)
    this.rowIndex = rowIndex
    this.field = field
    this.row = row
  }
}

/**
 * The answer holds the same (period, country, HS code) twice; nothing of it was written. For the
 * sibling datasets the key has no HS code (`hsCode: ''`) and, for national totals, no country either.
 */
export class DuplicateRowError extends KcsDbError {
  readonly rowIndex: number
  readonly key: RowKey
  constructor(rowIndex: number, key: RowKey, hint?: string) {
    // Parts a dataset does not have ('') are left out of the message.
    const parts = [`period=${key?.period}`]
    if (key?.countryCode !== '') parts.push(`country=${key?.countryCode}`)
    if (key?.hsCode !== '') parts.push(`hs=${key?.hsCode}`)
    super(
      'DUPLICATE_ROW',
      `Row ${rowIndex} repeats the key ${parts.join(' ')}`,
      hint === undefined ? undefined : { hint },
    )
    this.rowIndex = rowIndex
    this.key = key
  }
}

/** The row iterator threw; the previous state of the slice is intact. The original error is `cause`. */
export class RowSourceError extends KcsDbError {
  readonly sliceKey: string
  constructor(sliceKey: string, cause: unknown) {
    super('ROW_SOURCE_FAILED', `Reading the rows of slice ${sliceKey} failed: ${messageOf(cause)}`, { cause })
    this.sliceKey = sliceKey
  }
}

/** The database refused the write; the previous state of the slice is intact. */
export class ReplaceSliceError extends KcsDbError {
  readonly sliceKey: string
  constructor(sliceKey: string, cause: unknown) {
    super('REPLACE_FAILED', `Replacing slice ${sliceKey} failed: ${messageOf(cause)}`, { cause })
    this.sliceKey = sliceKey
  }
}

/**
 * The slice would store its trade at another level of detail than a slice already in the mirror that
 * covers some of the same months, country and codes (say 4-digit codes of `US:…:85` next to the
 * 10-digit codes of `US:…`). Writing it would make every sum over the overlap count that trade twice,
 * and each re-fetch would withdraw the other slice's rows, so nothing is written. Not retryable.
 */
export class MixedGranularityError extends KcsDbError {
  readonly sliceKey: string
  /** The code length the slice would store (4, 6 or 10). */
  readonly codeLength: number
  /** A slice in the mirror that overlaps it, and the code length of its rows. */
  readonly conflictingSliceKey: string
  readonly conflictingCodeLength: number
  /** Fetching again cannot help: the mirror must change first. */
  readonly retryable = false
  constructor(
    sliceKey: string,
    codeLength: number,
    conflictingSliceKey: string,
    conflictingCodeLength: number,
  ) {
    super(
      'MIXED_GRANULARITY',
      `Slice ${sliceKey} would store ${codeLength}-digit HS codes where slice ${conflictingSliceKey} already ` +
        `stores ${conflictingCodeLength}-digit codes for some of the same months, country and codes; sums ` +
        'over both would count that trade twice.',
    )
    this.sliceKey = sliceKey
    this.codeLength = codeLength
    this.conflictingSliceKey = conflictingSliceKey
    this.conflictingCodeLength = conflictingCodeLength
  }
}

/** A sum does not fit a JS number exactly; `value` holds the exact decimal. */
export class UnsafeIntegerError extends KcsDbError {
  readonly field: string
  readonly value: string
  constructor(field: string, value: string) {
    super('UNSAFE_INTEGER', `${field} = ${value} exceeds Number.MAX_SAFE_INTEGER; query a narrower slice`)
    this.field = field
    this.value = value
  }
}

function describeRow(row: unknown): string {
  if (row === null || typeof row !== 'object') return describeValue(row)
  const r = row as Record<string, unknown>
  const text = (v: unknown) =>
    typeof v === 'string' ? (v.length > 60 ? `${v.slice(0, 60)}…` : v) : describeValue(v)
  // A sibling dataset's row has no HS code (and a national total no country): those are left out.
  let out = `period=${text(r.period)}`
  if ('countryCode' in r || 'hsCode' in r) out += ` country=${text(r.countryCode)}`
  if ('hsCode' in r) out += ` hs=${text(r.hsCode)}`
  return out
}

/**
 * The message of a cause, for a wrapping error's message: its `detail` (the client's and this package's
 * errors keep the message without its hint there), else its message. The wrapper adds the hint that
 * applies to it.
 */
export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const detail = (error as { detail?: unknown }).detail
  return typeof detail === 'string' ? detail : error.message
}
