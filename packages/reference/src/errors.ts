/**
 * Thrown for malformed input: a code that is not a string, has the wrong length or contains
 * characters a code never has, or an unknown option value. Well-formed codes that merely do not
 * exist are not errors: lookups return `undefined` (or `[]`) for them.
 */
export class ReferenceInputError extends TypeError {
  override readonly name = 'ReferenceInputError'
  /** What to do instead, in one sentence. */
  readonly hint: string
  /** The offending value, for logging. */
  readonly input: unknown

  constructor(message: string, options: { hint: string; input: unknown }) {
    super(`${message} (hint: ${options.hint})`)
    this.hint = options.hint
    this.input = options.input
  }
}

export function describeInput(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)
  if (input === null) return 'null'
  return typeof input
}
