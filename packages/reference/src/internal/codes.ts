import { describeInput, ReferenceInputError } from '../errors.js'

/** Number of digits of an HS (2, 4, 6) or HSK (7–10: 10-digit lines and their 7/8/9-digit groupings) code. */
export type CodeLevel = 2 | 4 | 6 | 7 | 8 | 9 | 10

const SEPARATORS = /[.\s-]/g

/**
 * Reads a commodity code: digits, optionally written with the usual separators (`0202.30`,
 * `8518.30-9000`). Throws ReferenceInputError for anything else.
 */
export function readCode(input: unknown, what = 'HS code'): string {
  if (typeof input !== 'string') {
    throw new ReferenceInputError(`${what} must be a string, got ${describeInput(input)}`, {
      hint: "pass the code as a string with its leading zeros, e.g. '0202' — never as a number",
      input,
    })
  }
  const code = input.replace(SEPARATORS, '')
  if (!/^\d+$/.test(code)) {
    throw new ReferenceInputError(`${what} ${describeInput(input)} must contain digits only`, {
      hint: "write codes as digits such as '0202', '020230' or '0202300000'",
      input,
    })
  }
  if (code.length < 2 || code.length > 10 || code.length === 3 || code.length === 5) {
    throw new ReferenceInputError(`${what} ${describeInput(input)} has ${code.length} digits`, {
      hint: 'HS codes have 2, 4 or 6 digits and HSK codes 10 (7–9 for HSK groupings)',
      input,
    })
  }
  return code
}

export function levelOf(code: string): CodeLevel {
  return code.length as CodeLevel
}
