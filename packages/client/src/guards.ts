import { describeValue } from './describe.js'
import { KcsValidationError } from './errors.js'

export { describeValue }

/** Options-style argument: undefined (→ `{}`) or a plain object; anything else is a KcsValidationError. */
export function optionsObject<T extends object>(value: T | undefined, field: string, hint: string): T {
  if (value === undefined) return {} as T
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KcsValidationError(field, `${field} must be an object, got ${describeValue(value)}.`, hint)
  }
  return value
}

/** Bytes for the hashers and the body parser: a Uint8Array (Buffer included), nothing else. */
export function assertBytes(value: unknown, field: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new KcsValidationError(
      field,
      `${field} must be a Uint8Array, got ${describeValue(value)}.`,
      'Pass bytes (a Uint8Array or Buffer); encode text with new TextEncoder().encode(text).',
    )
  }
}
