import { type ParseArgsConfig, parseArgs } from 'node:util'
import { printable, quoted, UsageError } from '../config/errors.js'
import { decimalInt } from '../config/numbers.js'
import { COUNTRY_RE, HS_RE, MONTH_RE } from '../sync/slices.js'

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>

export type ParsedValues<T extends Options> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string
} & {
  help?: boolean
}

/** parseArgs with our errors: unknown flags and missing values become a {@link UsageError} pointing at `--help`. */
export function parse<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
): { values: ParsedValues<T>; positionals: string[] } {
  try {
    const config: ParseArgsConfig = {
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals,
    }
    const parsed = parseArgs(config)
    return { values: parsed.values as ParsedValues<T>, positionals: parsed.positionals }
  } catch (error) {
    const message =
      error instanceof Error
        ? error.message.replace(/\. To specify a positional argument.*$/s, '')
        : String(error)
    // parseArgs repeats the flag as typed: escape it (one line, no escape sequences).
    throw new UsageError(`${command}: ${printable(message)}`, `see 'kcs-trade ${command} --help'`)
  }
}

/**
 * A country code as typed, in the API's spelling: two ASCII letters or a letter and a digit, upper-cased (`us` is
 * `US`). Anything else is returned as it is, for the caller to refuse. Only ASCII is upper-cased (`ß` is not `SS`).
 */
export function normalizeCountry(code: string): string {
  return /^[A-Za-z][A-Za-z0-9]$/.test(code) ? code.toUpperCase() : code
}

/** `--country US,CN` (any case) or `all`, checked against the code pattern (not the reference table). */
export function parseCountries(value: string | undefined, command: string): string[] | 'all' {
  if (value === undefined)
    throw new UsageError(
      `${command}: --country is required`,
      "e.g. --country US,CN or --country all; find codes with 'kcs-trade lookup country <name>'",
    )
  if (value.trim().toLowerCase() === 'all') return 'all'
  const codes = value
    .split(',')
    .map((c) => normalizeCountry(c.trim()))
    .filter(Boolean)
  for (const code of codes) {
    if (!COUNTRY_RE.test(code)) {
      throw new UsageError(
        `${command}: country ${quoted(code)} is not a 2-letter KCS country code`,
        `codes are two letters, e.g. US or us; find one with 'kcs-trade lookup country ${printable(code)}'`,
      )
    }
  }
  if (codes.length === 0) throw new UsageError(`${command}: --country is empty`, 'e.g. --country US,CN')
  return codes
}

/** `--hs 85,0202`: HS prefixes of 2, 4, 6 or 10 digits, or undefined when the flag is absent. */
export function parseHsList(value: string | undefined, command: string): string[] | undefined {
  if (value === undefined) return undefined
  const list = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  for (const hs of list) {
    if (!HS_RE.test(hs)) {
      throw new UsageError(
        `${command}: --hs ${quoted(hs)} must be 2, 4, 6 or 10 digits`,
        "search codes with 'kcs-trade lookup hs <text>'",
      )
    }
  }
  return list
}

/** A month flag, `YYYY-MM` (or `YYYYMM`), normalised to `YYYY-MM`. */
export function parseMonth(value: string | undefined, flag: string, command: string): string {
  if (value === undefined)
    throw new UsageError(
      `${command}: --${flag} is required`,
      'months are YYYY-MM, e.g. --from 2025-01 --to 2025-12',
    )
  const v = /^\d{6}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4)}` : value
  if (!MONTH_RE.test(v))
    throw new UsageError(
      `${command}: --${flag} ${quoted(value)} is not a month`,
      'months are YYYY-MM, e.g. 2025-01',
    )
  return v
}

/** A whole-number flag from 1 to `max`, written in plain decimal digits; `fallback` when absent. */
export function parsePositiveInt(
  value: string | undefined,
  flag: string,
  command: string,
  fallback: number,
  max = 1_000,
): number {
  if (value === undefined) return fallback
  const n = decimalInt(value)
  if (n === undefined || n < 1 || n > max) {
    throw new UsageError(
      `${command}: --${flag} must be a whole number from 1 to ${max}, got ${quoted(value)}`,
      `write it in plain decimal digits, e.g. --${flag} ${Math.min(max, fallback)} (no sign, spaces, 0x, exponent or _); see 'kcs-trade ${command} --help'`,
    )
  }
  return n
}
