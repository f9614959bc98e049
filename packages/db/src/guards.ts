import { describeValue, InvalidArgumentError } from './errors.js'

/** The first argument of every reader and writer: a database made by `connect` (or a transaction of one). */
export function assertDatabase(db: unknown): void {
  const d = db as { execute?: unknown; transaction?: unknown } | null
  if (
    d === null ||
    typeof d !== 'object' ||
    typeof d.execute !== 'function' ||
    typeof d.transaction !== 'function'
  ) {
    throw new InvalidArgumentError(
      'db',
      `expected a database opened with connect(), got ${describeValue(db)}`,
      'Open one with `const db = await connect(url)` (and `await migrate(db)` once), then pass `db`.',
    )
  }
}

/** A required object argument (a query, a slice, a failure record). */
export function assertObject(value: unknown, argument: string, hint: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, `expected an object, got ${describeValue(value)}`, hint)
  }
}

/** An optional options object: `undefined` becomes `{}`; anything else that is not an object is refused. */
export function optionsObject<T extends object>(value: T | undefined, argument: string, hint: string): T {
  if (value === undefined) return {} as T
  assertObject(value, argument, hint)
  return value
}

/** An optional positive integer option (a batch or page size) of at most `max`. */
export function positiveInteger(value: unknown, argument: string, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(
      argument,
      `must be an integer from 1 to ${max}, got ${describeValue(value)}`,
      `Leave it out for the default (${fallback}).`,
    )
  }
  return value
}
