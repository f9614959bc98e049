/**
 * A short, always-safe description of a value for an error message: strings are quoted and cut at
 * 60 characters, symbols and bigints never throw, objects are named by their kind. Never the value
 * of a long string in full (a 10 MB argument must not become a 10 MB message).
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
