/**
 * The 269 country and area codes of the KCS trade API, with the Korean spelling KCS returns and
 * Korean and English names.
 *
 *   import { countries } from '@kcs-trade/reference/countries'
 *   countries.get('NA')                   // Namibia — a real code, never "missing"
 *   countries.byName('아랍에미리트 연합')  // AE
 *   countries.get('EC')?.kcsNameKo        // '에쿠아도르' (nameKo: '에콰도르')
 *
 * This module loads no HS or HSK table.
 */
import { describeInput, ReferenceInputError } from './errors.js'
import { COUNTRIES } from './generated/countries.js'
import { nameKey } from './internal/normalize.js'

export { ReferenceInputError } from './errors.js'

/**
 * What kind of code an entry is, in ISO 3166-1 terms:
 * - `iso`: a current ISO 3166-1 alpha-2 assignment (249 codes);
 * - `union`: `EU`, the European Union;
 * - `user-assigned`: `ZZ`, which KCS uses for 기타국 ("other countries");
 * - `former-iso`: a code ISO 3166-1 once assigned and has withdrawn, still in the KCS list
 *   (`AN` Netherlands Antilles, `CS`, `CT`, `FX`, `JT`, `MI`, `NQ`, `NT`, `PZ`, `TP`, `WK`, `YU`, `ZR`);
 * - `kcs-only`: a code of KCS's own, in no ISO list (`PO`, `RA`, `RK`, `YM`, `Z1`).
 */
export type CountryKind = 'iso' | 'union' | 'user-assigned' | 'former-iso' | 'kcs-only'

/** Where a country's nameKo comes from: `mofa` (외교부 국가표준코드), `cldr`, or `kcs` (no other source names the code). */
export type CountryNameKoSource = 'mofa' | 'cldr' | 'kcs'

/** One country or area code of the KCS trade API, with its names and ISO codes. Entries are frozen. */
export interface Country {
  /** Two upper-case characters, as the KCS API uses them (`cntyCd`, `statCd`): letters, except `Z1`. */
  readonly code: string
  /**
   * Korean name: the Ministry of Foreign Affairs spelling where it has one, else CLDR's, else (for
   * codes no other source names) the KCS spelling.
   */
  readonly nameKo: string
  /** English name: CLDR's; for the 18 KCS codes CLDR does not name, written for this package. */
  readonly nameEn: string
  /** ISO 3166-1 alpha-3; only for `kind: 'iso'`. */
  readonly alpha3?: string
  /** ISO 3166-1 numeric, three digits; only for `kind: 'iso'`. */
  readonly numeric?: string
  /**
   * The Korean spelling KCS returns in `statCdCntnKor1`, from KCS's own code table, exactly (`아랍에미리트
   * 연합` for AE, `에쿠아도르` for EC, `남조지아 & 남샌드위치 군도` for GS — the XML escapes `&`).
   */
  readonly kcsNameKo: string
  /** `true` for every entry: each code's KCS spelling is known from the KCS code table. */
  readonly kcsNameKoKnown: boolean
  /** Where nameKo comes from. */
  readonly nameKoSource: CountryNameKoSource
  readonly kind: CountryKind
  /**
   * Other spellings from the sources, Korean and English: the KCS spelling (where it differs from
   * nameKo), CLDR names and variants, i18n-iso-countries names and variants, the MOFA English
   * name. Never includes nameKo or nameEn.
   */
  readonly aliases: readonly string[]
}

const KINDS: Record<string, CountryKind> = {
  i: 'iso',
  n: 'union',
  u: 'user-assigned',
  f: 'former-iso',
  k: 'kcs-only',
}
const NAME_KO_SOURCES: Record<string, CountryNameKoSource> = { m: 'mofa', c: 'cldr', k: 'kcs' }

interface Table {
  readonly list: readonly Country[]
  readonly byCode: ReadonlyMap<string, Country>
}

let cache: Table | undefined
let nameCache: Map<string, Country | null> | undefined

function table(): Table {
  if (cache) return cache
  const list: Country[] = []
  const byCode = new Map<string, Country>()
  for (const line of COUNTRIES.split('\n')) {
    const [
      code = '',
      nameKo = '',
      nameEn = '',
      alpha3 = '',
      numeric = '',
      kcs = '',
      source = '',
      kind = '',
      aliases = '',
    ] = line.split('\t')
    const country: Country = Object.freeze({
      code,
      nameKo,
      nameEn,
      ...(alpha3 ? { alpha3 } : {}),
      ...(numeric ? { numeric } : {}),
      // Empty when the KCS spelling equals nameKo.
      kcsNameKo: kcs || nameKo,
      kcsNameKoKnown: true,
      nameKoSource: NAME_KO_SOURCES[source] ?? 'cldr',
      kind: KINDS[kind] ?? 'iso',
      aliases: Object.freeze(aliases ? aliases.split('|') : []),
    })
    list.push(country)
    byCode.set(code, country)
  }
  cache = { list, byCode }
  return cache
}

/** nameKey -> country, or null when the name is ambiguous at its best rank. Built on first byName. */
function nameIndex(): Map<string, Country | null> {
  if (nameCache) return nameCache
  const { list } = table()
  // Names rank: 0 own names (nameKo, nameEn, kcsNameKo, codes), 1 aliases. A key shared by two
  // countries at its best rank (`Congo` is an alias of both CG and CD) resolves to neither.
  const best = new Map<string, { rank: number; country: Country | null }>()
  const add = (name: string, rank: number, country: Country) => {
    const key = nameKey(name)
    if (!key) return
    const known = best.get(key)
    if (!known || rank < known.rank) best.set(key, { rank, country })
    else if (rank === known.rank && known.country !== country) known.country = null
  }
  for (const c of list) {
    for (const name of [c.nameKo, c.nameEn, c.kcsNameKo]) add(name, 0, c)
    for (const alias of c.aliases) add(alias, 1, c)
  }
  nameCache = new Map()
  for (const [key, value] of best) nameCache.set(key, value.country)
  return nameCache
}

function readCountryCode(code: unknown): string {
  if (typeof code !== 'string') {
    throw new ReferenceInputError(`country code must be a string, got ${describeInput(code)}`, {
      hint: "pass a two-letter code such as 'US' or 'NA'",
      input: code,
    })
  }
  if (!/^[A-Za-z][A-Za-z0-9]$/.test(code)) {
    throw new ReferenceInputError(`country code ${describeInput(code)} is not a two-letter code`, {
      hint: "country codes are two letters such as 'US' (KCS also has Z1, the IMF); to look up a name use countries.byName",
      input: code,
    })
  }
  if (code !== code.toUpperCase()) {
    throw new ReferenceInputError(`country code ${describeInput(code)} must be upper case`, {
      hint: `the KCS API rejects lower-case codes; use '${code.toUpperCase()}'`,
      input: code,
    })
  }
  return code
}

/**
 * The country or area for a two-letter upper-case code (or `Z1`). A well-formed code that is not
 * in the KCS list (`'QQ'`, `'XK'`) returns `undefined`; malformed input (not a string, not two
 * characters, a digit first, lower case) throws ReferenceInputError.
 */
export function get(code: string): Country | undefined {
  return table().byCode.get(readCountryCode(code))
}

/** `true` if the code is in the table. Never throws. */
export function has(code: unknown): boolean {
  return typeof code === 'string' && table().byCode.has(code)
}

/**
 * Finds a country by any of its names or aliases, Korean or English, ignoring case, spaces,
 * punctuation and diacritics (`'아랍에미리트연합'`, `'united states'`, `"Cote d'Ivoire"`). Also
 * accepts alpha-2 and alpha-3 codes. `undefined` when nothing matches or the name is ambiguous.
 */
export function byName(name: string): Country | undefined {
  if (typeof name !== 'string') {
    throw new ReferenceInputError(`country name must be a string, got ${describeInput(name)}`, {
      hint: "pass a name such as '미국' or 'United States'",
      input: name,
    })
  }
  const t = table()
  const trimmed = name.trim()
  if (/^[A-Z][A-Z0-9]$/.test(trimmed)) {
    const byCode = t.byCode.get(trimmed)
    if (byCode) return byCode
  }
  if (/^[A-Z]{3}$/.test(trimmed)) {
    const byAlpha3 = t.list.find((c) => c.alpha3 === trimmed)
    if (byAlpha3) return byAlpha3
  }
  return nameIndex().get(nameKey(trimmed)) ?? undefined
}

/** The 269 codes of the KCS list, sorted by code. */
export function all(): Country[] {
  return [...table().list]
}

/** The `countries` namespace: `import { countries } from '@kcs-trade/reference'`. */
export const countries = {
  /** The entry for a two-letter upper-case code; `undefined` if unknown. Throws ReferenceInputError for malformed input. */
  get,
  /** `true` if the value is a code in the table; never throws. */
  has,
  /** The country with this name, alias or alpha-2/alpha-3 code, ignoring case, spacing and diacritics; `undefined` if none or ambiguous. */
  byName,
  /** The 269 codes of the KCS list, sorted by code. */
  all,
} as const
