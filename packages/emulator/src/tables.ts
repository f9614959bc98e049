/**
 * The one place that touches the reference tables. Everything else in the emulator sees only this
 * shape, so a change in the reference package's API is absorbed here.
 */
import { readFileSync } from 'node:fs'

export interface CountryEntry {
  code: string
  /** The KCS Korean spelling served as `statCdCntnKor1`. */
  kcsNameKo: string
}

export interface HskEntry {
  /** 10-digit HSK code. */
  code: string
  /** The Korean leaf name served as `statKor` (often `기타`). */
  nameKo: string
}

export interface Tables {
  /** Sorted by code. */
  countries: readonly CountryEntry[]
  /** Sorted by code, 10-digit only. */
  hsk: readonly HskEntry[]
  /** Korean (else English) name of a 4- or 6-digit HS code, for aggregated answers. */
  headingName(code: string): string | undefined
}

let cached: Tables | undefined

export function loadTables(): Tables {
  if (cached) return cached
  // TEMPORARY development adapter until @kcs-trade/reference lands.
  const raw = JSON.parse(readFileSync('/tmp/emu-dev-tables.json', 'utf8')) as {
    hsk: HskEntry[]
    countries: CountryEntry[]
  }
  cached = {
    countries: [...raw.countries].sort((a, b) => (a.code < b.code ? -1 : 1)),
    hsk: raw.hsk.filter((h) => /^\d{10}$/.test(h.code)).sort((a, b) => (a.code < b.code ? -1 : 1)),
    headingName: () => undefined,
  }
  return cached
}
