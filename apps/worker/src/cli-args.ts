import { type ParseArgsConfig, parseArgs } from 'node:util'
import { UsageError } from './errors.js'
import { COUNTRY_RE, HS_RE, MONTH_RE } from './slices.js'

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
    throw new UsageError(`${command}: ${message}`, `see 'kcs-trade ${command} --help'`)
  }
}

export function parseCountries(value: string | undefined, command: string): string[] | 'all' {
  if (value === undefined)
    throw new UsageError(
      `${command}: --country is required`,
      "e.g. --country US,CN or --country all; find codes with 'kcs-trade lookup country <name>'",
    )
  if (value.trim().toLowerCase() === 'all') return 'all'
  const codes = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  for (const code of codes) {
    if (!COUNTRY_RE.test(code)) {
      throw new UsageError(
        `${command}: country ${JSON.stringify(code)} is not a 2-letter upper-case KCS code`,
        `codes are upper case (US, not us); find one with 'kcs-trade lookup country ${code}'`,
      )
    }
  }
  if (codes.length === 0) throw new UsageError(`${command}: --country is empty`, 'e.g. --country US,CN')
  return codes
}

export function parseHsList(value: string | undefined, command: string): string[] | undefined {
  if (value === undefined) return undefined
  const list = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
  for (const hs of list) {
    if (!HS_RE.test(hs)) {
      throw new UsageError(
        `${command}: --hs ${JSON.stringify(hs)} must be 2, 4, 6 or 10 digits`,
        "search codes with 'kcs-trade lookup hs <text>'",
      )
    }
  }
  return list
}

export function parseMonth(value: string | undefined, flag: string, command: string): string {
  if (value === undefined)
    throw new UsageError(
      `${command}: --${flag} is required`,
      'months are YYYY-MM, e.g. --from 2025-01 --to 2025-12',
    )
  const v = /^\d{6}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4)}` : value
  if (!MONTH_RE.test(v))
    throw new UsageError(
      `${command}: --${flag} ${JSON.stringify(value)} is not a month`,
      'months are YYYY-MM, e.g. 2025-01',
    )
  return v
}

export function parsePositiveInt(
  value: string | undefined,
  flag: string,
  command: string,
  fallback: number,
  max = 1_000,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(
      `${command}: --${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`,
      `see 'kcs-trade ${command} --help'`,
    )
  }
  return n
}
