/** The country table: the KCS code list joined with ISO 3166-1, CLDR and MOFA names. */
import { nameKey } from '../../src/internal/normalize.js'
import { assertNoSeparators, clean, fail, type Row, readCsv, readText } from './read.js'

interface CountryOut {
  code: string
  nameKo: string
  nameEn: string
  alpha3: string
  numeric: string
  kcsNameKo: string
  nameKoSource: 'mofa' | 'cldr' | 'kcs'
  kind: 'iso' | 'union' | 'user-assigned' | 'former-iso' | 'kcs-only'
  aliases: string[]
}

/**
 * The KCS codes that are not current ISO 3166-1 assignments (20 of the 269), classified by hand.
 * `nameEn` is written here only where CLDR has no name for the code (CLDR names EU and ZZ).
 * - `former-iso`: codes ISO 3166-1 once assigned and has withdrawn (ISO 3166-3 lists them as
 *   ANHH, CSXX, CTKI, FXFR, JTUM, MIUM, NQAQ, NTHH, PZPA, TPTL, WKUM, YUCS, ZRCD); English names
 *   as ISO gave them. KCS keeps the codes in its list; none had rows in 2025-01.
 * - `kcs-only`: codes in no ISO list. The English names translate KCS's Korean ones; KCS gives no
 *   definition of RA 교포 and RK 해외교포.
 * Where KCS marks a code as superseded (`(구)`, "old"), the English name says `(former code)`,
 * so that the current code keeps the plain name (TL East Timor, MK, PS).
 */
const NON_ISO: Record<string, { kind: CountryOut['kind']; nameEn?: string; aliases?: string[] }> = {
  EU: { kind: 'union' }, // CLDR: European Union
  ZZ: { kind: 'user-assigned', aliases: ['Other countries'] }, // CLDR: Unknown Region; KCS: 기타국
  AN: { kind: 'former-iso', nameEn: 'Netherlands Antilles' },
  CS: { kind: 'former-iso', nameEn: 'Serbia and Montenegro' },
  CT: { kind: 'former-iso', nameEn: 'Canton and Enderbury Islands' },
  FX: { kind: 'former-iso', nameEn: 'Metropolitan France' },
  JT: { kind: 'former-iso', nameEn: 'Johnston Island' },
  MI: { kind: 'former-iso', nameEn: 'Midway Islands' },
  NQ: { kind: 'former-iso', nameEn: 'Dronning Maud Land' },
  NT: { kind: 'former-iso', nameEn: 'Neutral Zone' },
  PZ: { kind: 'former-iso', nameEn: 'Panama Canal Zone' },
  TP: { kind: 'former-iso', nameEn: 'East Timor (former code)' },
  WK: { kind: 'former-iso', nameEn: 'Wake Island' },
  YU: { kind: 'former-iso', nameEn: 'Yugoslavia' },
  ZR: { kind: 'former-iso', nameEn: 'Zaire' },
  PO: { kind: 'kcs-only', nameEn: 'Palestine Liberation Organization (former code)' },
  RA: { kind: 'kcs-only', nameEn: 'Korean nationals abroad' },
  RK: { kind: 'kcs-only', nameEn: 'Overseas Koreans' },
  YM: { kind: 'kcs-only', nameEn: 'Macedonia (former code)' },
  Z1: { kind: 'kcs-only', nameEn: 'International Monetary Fund' },
}

/** The KCS country code list: code -> the Korean spelling KCS returns in `statCdCntnKor1`. */
function readKcsCountries(): Map<string, string> {
  const path = 'countries/kcs-country-names.tsv'
  const [header, ...lines] = readText(path).replace(/\n$/, '').split('\n')
  if (!header?.startsWith('code\tname\t')) fail(`${path}: unexpected header`)
  const out = new Map<string, string>()
  for (const line of lines) {
    const [code = '', name = ''] = line.split('\t')
    if (!/^[A-Z][A-Z0-9]$/.test(code)) fail(`${path}: code ${JSON.stringify(code)}`)
    if (out.has(code)) fail(`${path}: duplicate ${code}`)
    // Kept exactly: `&` stays `&` (the API escapes it as `&amp;` in XML), spaces stay.
    if (name === '' || name !== name.trim()) fail(`${path}: name of ${code}`)
    out.set(code, assertNoSeparators(name, code))
  }
  if (out.size !== 269) fail(`${path}: ${out.size} codes, expected the 269 of the KCS list`)
  return out
}

export function countries(): string {
  const cldr = (lang: string) =>
    (
      JSON.parse(readText(`countries/cldr-48.2.0-${lang}-territories.json`)) as {
        main: Record<string, { localeDisplayNames: { territories: Record<string, string> } }>
      }
    ).main[lang]?.localeDisplayNames.territories ?? fail(`CLDR ${lang}`)
  const cldrKo = cldr('ko')
  const cldrEn = cldr('en')
  const i18n = (lang: string) =>
    (
      JSON.parse(readText(`countries/i18n-iso-countries-7.14.0-${lang}.json`)) as {
        countries: Record<string, string | string[]>
      }
    ).countries
  const i18nKo = i18n('ko')
  const i18nEn = i18n('en')
  // ISO alpha-3 and numeric: i18n-iso-countries' codes.json, the ISO table (MOFA's copy is older:
  // it still gives Sudan the pre-2011 numeric code 736).
  const isoCodes = new Map<string, [string, string]>()
  for (const [a2, a3, num] of JSON.parse(
    readText('countries/i18n-iso-countries-7.14.0-codes.json'),
  ) as string[][]) {
    if (!a2 || !a3 || !num || !/^\d{3}$/.test(num)) fail(`codes.json row ${a2}`)
    isoCodes.set(a2, [a3, num])
  }
  const mofa = new Map<string, Row>()
  for (const row of readCsv('countries/mofa-country-codes-20230324.utf8.csv')) {
    mofa.set(row['ISO alpha2'] ?? fail('MOFA code'), row)
  }
  const kcs = readKcsCountries()
  // The table is exactly the KCS list. XK (Kosovo) is the only code of the other sources that
  // KCS does not use (checked here, so a new source version cannot drop a code silently).
  const unused = [...new Set([...Object.keys(i18nEn), ...mofa.keys()])].filter((c) => !kcs.has(c))
  if (unused.join() !== 'XK') fail(`codes of the sources missing from the KCS list: ${unused.join()}`)
  for (const code of Object.keys(NON_ISO)) if (!kcs.has(code)) fail(`NON_ISO ${code} is not a KCS code`)

  const list = (v: string | string[] | undefined): string[] =>
    v === undefined ? [] : Array.isArray(v) ? v : [v]
  const alternatives = (names: Record<string, string>, code: string): string[] =>
    Object.entries(names)
      .filter(([k]) => k.startsWith(`${code}-alt-`))
      .map(([, v]) => v)
  const out: CountryOut[] = []
  for (const [code, kcsNameKo] of [...kcs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const extra = NON_ISO[code]
    if (code in i18nEn === (extra !== undefined))
      fail(`${code}: either an ISO code of the sources or in NON_ISO`)
    const iso = isoCodes.get(code)
    const m = mofa.get(code)
    const mofaKo = m?.한글명 ? clean(m.한글명) : undefined
    const nameKo = mofaKo ?? cldrKo[code] ?? kcsNameKo
    const nameEn = cldrEn[code] ?? extra?.nameEn ?? fail(`no English name for ${code}`)
    if (cldrEn[code] && extra?.nameEn) fail(`${code}: CLDR names it, drop the hand-written name`)
    // The MOFA English name sometimes packs an abbreviation: "United Arab Emirates : UAE".
    const mofaEn = m?.영문명 ? clean(m.영문명).split(/\s+:\s+/) : []
    const candidates = [
      kcsNameKo,
      cldrKo[code],
      ...alternatives(cldrKo, code),
      ...list(i18nKo[code]),
      cldrEn[code],
      ...alternatives(cldrEn, code),
      ...list(i18nEn[code]),
      ...mofaEn,
      ...(extra?.aliases ?? []),
    ]
    const aliases: string[] = []
    for (const candidate of candidates) {
      if (!candidate) continue
      const value = clean(candidate)
      if (value === nameKo || value === nameEn || aliases.includes(value)) continue
      aliases.push(value)
    }
    const kind = extra?.kind ?? 'iso'
    const entry: CountryOut = {
      code,
      nameKo,
      nameEn,
      alpha3: kind === 'iso' ? (iso?.[0] ?? fail(`alpha-3 of ${code}`)) : '',
      numeric: kind === 'iso' ? (iso?.[1] ?? fail(`numeric of ${code}`)) : '',
      kcsNameKo,
      nameKoSource: mofaKo ? 'mofa' : cldrKo[code] ? 'cldr' : 'kcs',
      kind,
      aliases,
    }
    for (const v of [entry.nameKo, entry.nameEn, ...entry.aliases]) assertNoSeparators(v, code)
    out.push(entry)
  }
  // Every own name (nameKo, nameEn, kcsNameKo) must name one code only, so that byName finds each
  // entry by the spelling KCS returns; aliases may be shared (`Congo`), byName then answers none.
  const owner = new Map<string, string>()
  for (const c of out) {
    for (const name of [c.nameKo, c.nameEn, c.kcsNameKo]) {
      const key = nameKey(name)
      const other = owner.get(key)
      if (other && other !== c.code) fail(`${c.code} and ${other} share the name ${name}`)
      owner.set(key, c.code)
    }
  }
  return out
    .map((c) =>
      [
        c.code,
        c.nameKo,
        c.nameEn,
        c.alpha3,
        c.numeric,
        c.kcsNameKo === c.nameKo ? '' : c.kcsNameKo,
        { mofa: 'm', cldr: 'c', kcs: 'k' }[c.nameKoSource],
        { iso: 'i', union: 'n', 'user-assigned': 'u', 'former-iso': 'f', 'kcs-only': 'k' }[c.kind],
        c.aliases.join('|'),
      ].join('\t'),
    )
    .join('\n')
}
