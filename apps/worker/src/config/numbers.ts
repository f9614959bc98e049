/** Plain decimal digits: what every whole-number flag and variable takes (no sign, spaces, `0x`, exponent or `_`). */
export const DECIMAL_RE = /^\d+$/

/** The number a text of plain decimal digits stands for, or undefined for anything else (`0x10`, `1e2`, ` 100`, `+5`, `1_000`). */
export function decimalInt(text: string): number | undefined {
  if (!DECIMAL_RE.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}
