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
  /** Korean name of a 4- or 6-digit HS code, for aggregated answers (English only if no Korean text exists). */
  headingName(code: string): string | undefined
}

let cached: Tables | undefined

/** The real reference tables: 269 KCS country codes and the 11,327 10-digit HSK lines. */
export function loadTables(): Tables {
  if (cached) return cached
  const headingNames = new Map<string, string | undefined>()
  const lines = hsk.all().filter((h) => /^\d{10}$/.test(h.code))
  // KCS's classification name of the first line under a code (e.g. 돼지 for 0103): Korean text from
  // KCS's own table, for the few headings and subheadings whose API name is not known.
  const categoryOf = new Map<string, string>()
  for (const h of lines) {
    const name = h.category?.nameKo.replace(/^\((.*)\)$/, '$1')
    if (!name) continue
    for (const code of [h.code.slice(0, 4), h.code.slice(0, 6)])
      if (!categoryOf.has(code)) categoryOf.set(code, name)
  }
  cached = {
    countries: countries
      .all()
      .map((c) => ({ code: c.code, kcsNameKo: c.kcsNameKo || c.nameKo }))
      .sort((a, b) => (a.code < b.code ? -1 : 1)),
    hsk: lines
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
        // The API names every heading and subheading in Korean: its own text where the reference
        // has it (all but 17 headings and 34 subheadings), else KCS's classification name.
        name = entry?.nameKo ?? categoryOf.get(code) ?? entry?.nameEn
      } catch {
        name = categoryOf.get(code)
      }
      headingNames.set(code, name)
      return name
    },
  }
  return cached
}
