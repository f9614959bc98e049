/** Base class of every error this package throws on purpose; `code` is stable for programs. */
export class KcsDbError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
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

export class MigrationError extends KcsDbError {
  constructor(message: string, cause?: unknown) {
    super('MIGRATION_FAILED', message, { cause })
  }
}

export class InvalidSliceError extends KcsDbError {
  constructor(message: string) {
    super('INVALID_SLICE', message)
  }
}

/** Invalid read-helper arguments (a bad period, HS prefix, limit...). */
export class InvalidQueryError extends KcsDbError {
  constructor(message: string) {
    super('INVALID_QUERY', message)
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

/** The answer holds the same (period, country, HS code) twice; nothing of it was written. */
export class DuplicateRowError extends KcsDbError {
  readonly rowIndex: number
  readonly key: RowKey
  constructor(rowIndex: number, key: RowKey) {
    super(
      'DUPLICATE_ROW',
      `Row ${rowIndex} repeats the key period=${key.period} country=${key.countryCode} hs=${key.hsCode}`,
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
  if (row === null || typeof row !== 'object') return String(row)
  const r = row as Record<string, unknown>
  return `period=${String(r.period)} country=${String(r.countryCode)} hs=${String(r.hsCode)}`
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
