/**
 * English and Korean names of the export's countries and HS codes, from @kcs-trade/reference.
 *
 * - Countries: `countries.get(code)` (`nameEn`, CLDR; `kcsNameKo`, KCS's own spelling, the one the
 *   API serves). A code the table lacks keeps the Korean name the mirror holds and no English name.
 * - 2-, 4- and 6-digit codes: the HS edition in force in the row's month — HS2022 from 2022, HS2017
 *   for 2017–2021, HS2012 before — falling back to the other editions when the code is missing there.
 *   Korean names are the ones the KCS API serves for headings and subheadings (the reference's
 *   `nameKo`); the few it lacks have no Korean name (null).
 * - 10-digit lines (and the 7–9-digit groupings the API sometimes serves): the HSK table, whose one
 *   edition is 2025-01-01. Its names are relative to the parent ("Other", "기타"); such a name is
 *   given after its parent's (`Frozen meat of bovine animals: Other`). A line the HSK 2025 table lacks
 *   (retired before 2025) gets its HS subheading's English name and the Korean name KCS served in
 *   the mirror.
 */
import type {
  countries as CountryTable,
  HsEdition,
  hsk as HskTable,
  hs as HsTable,
} from '@kcs-trade/reference'

export interface Names {
  en: string | null
  ko: string | null
}

export interface Reference {
  countries: typeof CountryTable
  hs: typeof HsTable
  hsk: typeof HskTable
}

/** The HS edition KCS classified a month's trade under. */
export function hsEditionOf(period: string): HsEdition {
  const year = Number(period.slice(0, 4))
  return year >= 2022 ? '2022' : year >= 2017 ? '2017' : '2012'
}

const EDITION_ORDER: Record<HsEdition, HsEdition[]> = {
  '2022': ['2022', '2017', '2012'],
  '2017': ['2017', '2022', '2012'],
  '2012': ['2012', '2017', '2022'],
}

const RELATIVE_EN = /^(other|others|of |for |in |with |not |excluding |parts|n\.e\.s)/i
const RELATIVE_KO = /^(기타|그 밖의|그 외)/

/** A cache of names per (code, edition): bounded by the reference tables, not by the export size. */
export class NameResolver {
  private readonly countryCache = new Map<string, Names>()
  private readonly hsCache = new Map<string, Names>()

  constructor(private readonly ref: Reference) {}

  country(code: string, mirrorName: string): Names {
    const hit = this.countryCache.get(code)
    if (hit) return hit
    const c = this.ref.countries.get(code)
    const names: Names = c ? { en: c.nameEn, ko: c.kcsNameKo } : { en: null, ko: mirrorName || null }
    this.countryCache.set(code, names)
    return names
  }

  hs(code: string, period: string, mirrorName: string): Names {
    // A 10-digit line in HSK 2025 has one name; one missing from it is named from its subheading in the
    // edition of the row's month and from the name KCS served, so those enter the key.
    const key =
      code.length <= 6
        ? `${hsEditionOf(period)}:${code}`
        : this.inHsk(code)
          ? `hsk:${code}`
          : `hsk-missing:${hsEditionOf(period)}:${code}:${mirrorName}`
    const hit = this.hsCache.get(key)
    if (hit) return hit
    const names =
      code.length <= 6 ? this.hsNames(code, hsEditionOf(period)) : this.hskNames(code, period, mirrorName)
    this.hsCache.set(key, names)
    return names
  }

  private readonly hskKnown = new Map<string, boolean>()

  private inHsk(code: string): boolean {
    let known = this.hskKnown.get(code)
    if (known === undefined) {
      known = code.length <= 10 && this.ref.hsk.get(code) !== undefined
      this.hskKnown.set(code, known)
    }
    return known
  }

  private hsNames(code: string, edition: HsEdition): Names {
    if (code.length !== 2 && code.length !== 4 && code.length !== 6) return { en: null, ko: null }
    for (const e of EDITION_ORDER[edition]) {
      const entry = this.ref.hs.get(code, { edition: e })
      if (entry) return { en: entry.nameEn, ko: entry.nameKo ?? null }
    }
    return { en: null, ko: null }
  }

  private hskNames(code: string, period: string, mirrorName: string): Names {
    const entry = code.length <= 10 ? this.ref.hsk.get(code) : undefined
    if (!entry) {
      const sub = this.hsNames(code.slice(0, 6), hsEditionOf(period))
      return { en: sub.en, ko: mirrorName || null }
    }
    const parents = entry.path.slice(0, -1).reverse()
    const parentEn = parents.find((p) => p.nameEn)?.nameEn
    const parentKo = parents.find((p) => p.nameKo)?.nameKo
    return {
      en: parentEn && RELATIVE_EN.test(entry.nameEn) ? `${parentEn}: ${entry.nameEn}` : entry.nameEn,
      ko: parentKo && RELATIVE_KO.test(entry.nameKo) ? `${parentKo}: ${entry.nameKo}` : entry.nameKo,
    }
  }
}
