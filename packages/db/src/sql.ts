import { UnsafeIntegerError } from './errors.js'

/** Rows of a `db.execute()` result; node-postgres and PGlite both expose `.rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}

/** Parses an integer that PostgreSQL sent as text (bigint or numeric), refusing unsafe values. */
export function toSafeNumber(field: string, value: string | number | bigint | null | undefined): number {
  if (value === null || value === undefined) return 0
  const n = Number(value)
  if (!Number.isSafeInteger(n)) throw new UnsafeIntegerError(field, String(value))
  return n
}

export function toNullableNumber(field: string, value: string | number | null | undefined): number | null {
  return value === null || value === undefined ? null : toSafeNumber(field, value)
}

/** PostgreSQL timestamps arrive as Date (node-postgres, PGlite) or text (when cast). */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value
  return new Date(String(value))
}
