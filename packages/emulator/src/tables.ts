/**
 * The one place that touches the reference tables. Everything else in the emulator sees only this
 * shape, so a change in the reference package's API is absorbed here.
 */
import { countries } from '@kcs-trade/reference/countries'
import { hs } from '@kcs-trade/reference/hs'
import { hsk } from '@kcs-trade/reference/hsk'
import { RAW_ITEM_NAMES } from './generated/calibration.js'

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
  /** The name exactly as KCS's code table spells it, where that differs (a trailing newline or space). */
  rawNameKo?: string
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

/** The real reference tables: 269 KCS country codes and the 11,327 10-digit HSK lines. */
export function loadTables(): Tables {
  if (cached) return cached
  const headingNames = new Map<string, string | undefined>()
  cached = {
    countries: countries
      .all()
      .map((c) => ({ code: c.code, kcsNameKo: c.kcsNameKo || c.nameKo }))
      .sort((a, b) => (a.code < b.code ? -1 : 1)),
    hsk: hsk
      .all()
      .filter((h) => /^\d{10}$/.test(h.code))
      .map((h) => {
        const raw = RAW_ITEM_NAMES[h.code]
        return raw === undefined
          ? { code: h.code, nameKo: h.nameKo }
          : { code: h.code, nameKo: h.nameKo, rawNameKo: raw }
      })
      .sort((a, b) => (a.code < b.code ? -1 : 1)),
    headingName(code) {
      if (headingNames.has(code)) return headingNames.get(code)
      let name: string | undefined
      try {
        const entry = hs.get(code)
        // The API names every heading and subheading in Korean; the reference carries its texts.
        name = entry ? (entry.nameKo ?? entry.nameEn) : undefined
      } catch {
        name = undefined
      }
      headingNames.set(code, name)
      return name
    },
  }
  return cached
}
