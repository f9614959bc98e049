/**
 * Generates the compact tables in `src/generated/` from the source files in `data/`.
 *
 *   pnpm --filter @kcs-trade/reference generate
 *
 * The output is committed. `src/generated.test.ts` runs `generate()` again and fails when the
 * committed files differ, so a change to a source file or to this script must be regenerated.
 *
 * Every table is a tab/newline separated string parsed lazily at first use: a 1 MB string literal
 * costs V8 far less to load than the equivalent object literal.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { nameKey } from '../src/internal/normalize.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dataDir = join(root, 'data')
const outDir = join(root, 'src', 'generated')

type Row = Record<string, string>

function readText(path: string): string {
  const text = readFileSync(join(dataDir, path), 'utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

function readCsv(path: string): Row[] {
  return parse(readText(path), { columns: true, skip_empty_lines: true }) as Row[]
}

function readCsvRows(path: string): string[][] {
  return parse(readText(path), {
    columns: false,
    skip_empty_lines: true,
    relax_column_count: false,
  }) as string[][]
}

function fail(message: string): never {
  throw new Error(`generate: ${message}`)
}

/** Names in the KCS file carry stray trailing spaces and newlines; internal runs collapse to one space. */
function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function assertNoSeparators(text: string, where: string): string {
  if (/[\t\n|]/.test(text)) fail(`separator character in ${where}: ${JSON.stringify(text)}`)
  return text
}

// ---------------------------------------------------------------------------------------------
// HS editions

export type Edition = '2022' | '2017' | '2012'

interface HsRow {
  code: string
  nameEn: string
  section: string | undefined
}

function readDatahub(path: string): Map<string, HsRow> {
  const out = new Map<string, HsRow>()
  for (const row of readCsv(path)) {
    const code = row.hscode ?? ''
    if (code === '') continue // the HS2017 file has one empty trailing row
    if (code === 'TOTAL') continue // the aggregate "all commodities" row
    if (!/^(\d{2}|\d{4}|\d{6})$/.test(code)) fail(`${path}: unexpected code ${code}`)
    if (String(code.length) !== row.level) fail(`${path}: level ${row.level} for ${code}`)
    const expectedParent = code.length === 2 ? 'TOTAL' : code.slice(0, code.length - 2)
    if (row.parent !== expectedParent) fail(`${path}: parent ${row.parent} for ${code}`)
    const section = row.section === 'TOTAL' ? undefined : row.section
    out.set(code, { code, nameEn: assertNoSeparators(clean(row.description ?? ''), code), section })
  }
  return out
}

function readComtrade(path: string): Map<string, HsRow> {
  const json = JSON.parse(readText(path)) as { results: { id: string; text: string; parent: string }[] }
  const out = new Map<string, HsRow>()
  for (const item of json.results) {
    // ALL, TOTAL, AG2, AG4, AG6 are Comtrade aggregates, not codes.
    if (!/^\d+$/.test(item.id)) continue
    if (!/^(\d{2}|\d{4}|\d{6})$/.test(item.id)) fail(`${path}: unexpected code ${item.id}`)
    const prefix = `${item.id} - `
    if (!item.text.startsWith(prefix)) fail(`${path}: text of ${item.id} lacks its code`)
    const expectedParent = item.id.length === 2 ? 'TOTAL' : item.id.slice(0, item.id.length - 2)
    if (item.parent !== expectedParent) fail(`${path}: parent ${item.parent} for ${item.id}`)
    const nameEn = assertNoSeparators(clean(item.text.slice(prefix.length)), item.id)
    out.set(item.id, { code: item.id, nameEn, section: undefined })
  }
  return out
}

function sortedCodes(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort()
}

// ---------------------------------------------------------------------------------------------
// HSK

interface HskRow {
  code: string
  validFrom: string
  validTo: string
  nameKo: string
  nameEn: string
  quantityUnit: string
  weightUnit: string
  categoryCode: string
  categoryName: string
}

function readHsk(): HskRow[] {
  const rows = readCsvRows('hsk/kcs-hs-codes-20250101.csv')
  const header = rows[0] ?? fail('HSK file is empty')
  const col = (name: string): number => {
    const index = header.indexOf(name)
    if (index < 0) fail(`HSK column ${name} missing`)
    return index
  }
  const c = {
    code: col('HS부호'),
    from: col('적용시작일자'),
    to: col('적용종료일자'),
    ko: col('한글품목명'),
    en: col('영문품목명'),
    qty: col('수량단위코드'),
    wgt: col('중량단위코드'),
    cat: col('성질통합분류코드'),
    catName: col('성질통합분류코드명'),
  }
  const seen = new Set<string>()
  return rows.slice(1).map((r) => {
    const get = (i: number): string => clean(r[i] ?? '')
    const code = get(c.code)
    if (!/^\d{7,10}$/.test(code)) fail(`HSK code ${code}`)
    if (seen.has(code)) fail(`HSK duplicate ${code}`)
    seen.add(code)
    const date = (s: string): string => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) fail(`HSK date ${s} for ${code}`)
      return s.replaceAll('-', '')
    }
    const categoryName = get(c.catName)
    return {
      code,
      validFrom: date(get(c.from)),
      validTo: date(get(c.to)),
      nameKo: assertNoSeparators(get(c.ko), code),
      nameEn: assertNoSeparators(get(c.en), code),
      quantityUnit: get(c.qty),
      weightUnit: get(c.wgt),
      categoryCode: get(c.cat),
      // "(소고기)" -> "소고기": the parentheses wrap every name in the source.
      categoryName: categoryName.replace(/^\((.*)\)$/, '$1'),
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Korean names the KCS trade API returns for 4- and 6-digit codes

/**
 * `hs/kcs-api-hs-names.csv` (extracted by scripts/extract-kcs-api-names.mjs): code -> the API's
 * name, exactly as returned (13 names keep their no-break spaces). Empty names — the API
 * returns none for 11 subheadings `….00` — are left out, so the HSK text can fill them.
 */
function readKcsApiNames(hs22: Map<string, HsRow>): Map<string, string> {
  const path = 'hs/kcs-api-hs-names.csv'
  const out = new Map<string, string>()
  for (const row of readCsv(path)) {
    const code = row.code ?? ''
    const name = row.name_ko ?? ''
    if (!/^(\d{4}|\d{6})$/.test(code)) fail(`${path}: code ${code}`)
    // 2424/242400 이사화물 (household goods) is the KCS-only pseudo-code, no HS code (see hsk).
    if (!hs22.has(code)) {
      if (code === '2424' || code === '242400') continue
      fail(`${path}: ${code} is not an HS2022 code`)
    }
    if (name === '') continue
    if (name !== name.trim()) fail(`${path}: name of ${code} has outer spaces`)
    out.set(code, assertNoSeparators(name, code))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Correlation tables

const REL_CHAR: Record<string, string> = { '1:1': 'a', '1:n': 'b', 'n:1': 'c', 'n:n': 'd' }

function correlation(file: string, from: string, to: string, fromCodes: Set<string>, toCodes: Set<string>) {
  const conversion = new Map<string, string>()
  for (const row of readCsv(`hs/unsd-correspondence/${file}-conversion.csv`)) {
    const src = row[from] ?? ''
    const tgt = row[to] ?? ''
    if (!fromCodes.has(src)) fail(`${file} conversion: unknown source ${src}`)
    if (!toCodes.has(tgt)) fail(`${file} conversion: unknown target ${tgt}`)
    if (conversion.has(src)) fail(`${file} conversion: duplicate ${src}`)
    conversion.set(src, tgt)
  }
  const edges = new Map<string, [tgt: string, rel: string, flags: string][]>()
  const seenPrimary = new Set<string>()
  for (const row of readCsv(`hs/unsd-correspondence/${file}-correlation.csv`)) {
    const src = row[from] ?? ''
    const tgt = row[to] ?? ''
    if (!fromCodes.has(src)) fail(`${file} correlation: unknown source ${src}`)
    if (!toCodes.has(tgt)) fail(`${file} correlation: unknown target ${tgt}`)
    const rel = REL_CHAR[row.relationship ?? ''] ?? fail(`${file}: relationship ${row.relationship}`)
    const primary = conversion.get(src) === tgt
    if (primary) seenPrimary.add(src)
    const ex = row.ex_flag === 'ex' ? '!' : row.ex_flag ? fail(`${file}: ex_flag ${row.ex_flag}`) : ''
    const list = edges.get(src) ?? []
    list.push([tgt, rel, `${primary ? '*' : ''}${ex}`])
    edges.set(src, list)
  }
  for (const src of conversion.keys()) {
    if (!seenPrimary.has(src)) fail(`${file}: conversion target of ${src} is not among its correlation rows`)
  }
  return [...edges.keys()]
    .sort()
    .map((src) => {
      let previousRel = ''
      const targets = (edges.get(src) ?? [])
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([tgt, rel, flags]) => {
          // The relationship letter is written only when it changes along the line; `=` is "same code".
          const relChar = rel === previousRel ? '' : rel
          previousRel = rel
          return `${tgt === src ? '=' : tgt}${relChar}${flags}`
        })
      return `${src}\t${targets.join(',')}`
    })
    .join('\n')
}

// ---------------------------------------------------------------------------------------------
// Countries

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

function countries(): string {
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

// ---------------------------------------------------------------------------------------------

function banner(sources: string[]): string {
  return [
    '// Generated by scripts/generate.ts from the files in data/ — do not edit by hand.',
    '// Run `pnpm --filter @kcs-trade/reference generate` after changing a source file or the script.',
    `// Sources: ${sources.join(', ')}. Attribution and licences: NOTICE.`,
    '',
  ].join('\n')
}

function constant(name: string, value: string, doc: string): string {
  return `/** ${doc} */\nexport const ${name}: string = ${JSON.stringify(value)}\n`
}

/** Returns every generated file: relative path under src/generated -> content. */
export function generate(): Record<string, string> {
  const hs22 = readDatahub('hs/datahub-hs2022.csv')
  const hs17 = readDatahub('hs/datahub-hs2017.csv')
  const hs12 = readComtrade('hs/comtrade-H4-HS2012.json')

  // Sections: English from datahub, Korean transcribed from the tariff schedule.
  const sectionsEn = readCsv('hs/datahub-sections.csv')
  const sectionsKo = new Map(readCsv('hs/kcs-hs-sections-ko.csv').map((r) => [r.section, r.name_ko]))
  if (sectionsEn.length !== 21 || sectionsKo.size !== 21) fail('expected 21 sections')
  const sectionLines = sectionsEn.map((r) => {
    const ko = sectionsKo.get(r.section) ?? fail(`Korean title of section ${r.section}`)
    return [r.section, assertNoSeparators(clean(r.name ?? ''), 's'), assertNoSeparators(clean(ko), 's')].join(
      '\t',
    )
  })

  // Chapter -> section (one mapping for every edition; checked against each source that carries it).
  const chapterSection = new Map<string, string>()
  for (const row of hs22.values()) {
    if (row.code.length === 2 && row.section) chapterSection.set(row.code, row.section)
  }
  for (const [code, row] of [...hs22, ...hs17]) {
    if (row.section && chapterSection.get(code.slice(0, 2)) !== row.section) fail(`section of ${code}`)
  }
  const chaptersKo = new Map<string, string>()
  for (const row of readCsv('hs/kcs-hs-chapters-ko.csv')) {
    const chapter = row.chapter ?? ''
    if (row.note === 'reserved') continue // chapter 77: "(유보)", no code in any edition
    if (chapterSection.get(chapter) !== row.section) fail(`Korean chapter ${chapter} section mismatch`)
    chaptersKo.set(chapter, assertNoSeparators(clean(row.name_ko ?? ''), chapter))
  }
  const chapterLines = [...chapterSection.keys()].sort().map((ch) => `${ch}\t${chapterSection.get(ch)}`)

  // Korean names of HS2022 codes, one source per name (the letter is stored with it):
  //   t  chapters: the transcribed tariff schedule (관세율표) titles;
  //   a  headings and subheadings: the name the KCS trade API returns for the code;
  //   h  where the API name is missing or empty: the HSK file's text, where it states it — a
  //      subheading whose only HSK line is `……0000` carries the subheading's own text, and a
  //      heading whose only subheading is `….00` with a single `….000000` line the heading's.
  const hsk = readHsk()
  const hskBySix = new Map<string, HskRow[]>()
  for (const row of hsk) {
    const list = hskBySix.get(row.code.slice(0, 6)) ?? []
    list.push(row)
    hskBySix.set(row.code.slice(0, 6), list)
  }
  const fromHsk = new Map<string, string>()
  for (const code of hs22.keys()) {
    if (code.length !== 6) continue
    const lines = hskBySix.get(code) ?? []
    if (lines.length === 1 && lines[0]?.code === `${code}0000`) fromHsk.set(code, lines[0].nameKo)
  }
  for (const code of hs22.keys()) {
    if (code.length !== 4) continue
    const subs = [...hs22.keys()].filter((c) => c.length === 6 && c.startsWith(code))
    const only = fromHsk.get(`${code}00`)
    if (subs.length === 1 && subs[0] === `${code}00` && only) fromHsk.set(code, only)
  }
  const fromApi = readKcsApiNames(hs22)
  const ko22 = new Map<string, { name: string; source: 'a' | 'h' | 't' }>()
  for (const [code, name] of chaptersKo) ko22.set(code, { name, source: 't' })
  for (const code of hs22.keys()) {
    if (code.length === 2) continue
    const api = fromApi.get(code)
    const text = fromHsk.get(code)
    if (api) ko22.set(code, { name: api, source: 'a' })
    else if (text) ko22.set(code, { name: text, source: 'h' })
  }

  const editionFile = (edition: Edition, table: Map<string, HsRow>): string => {
    const lines = sortedCodes(table).map((code) => {
      const row = table.get(code) as HsRow
      if (code.length === 2 && code !== '99' && !chapterSection.has(code))
        fail(`chapter ${code} lacks a section`)
      if (edition !== '2022') {
        // A bare code means "same English text as HS2022"; the reader then also takes the HS2022
        // Korean name, so Korean names reach another edition only where the text is unchanged.
        return hs22.get(code)?.nameEn === row.nameEn ? code : `${code}\t${row.nameEn}`
      }
      const ko = ko22.get(code)
      return ko ? `${code}\t${row.nameEn}\t${ko.name}\t${ko.source}` : `${code}\t${row.nameEn}`
    })
    return lines.join('\n')
  }

  // Korean search keywords: the KCS integrated classification (성질통합분류) of the HSK lines.
  const categories = new Map<string, string>()
  for (const row of hsk) {
    if (!row.categoryCode) continue
    const known = categories.get(row.categoryCode)
    if (known !== undefined && known !== row.categoryName) fail(`category ${row.categoryCode} has two names`)
    categories.set(row.categoryCode, assertNoSeparators(row.categoryName, row.categoryCode))
  }
  const categoryCodes = [...categories.keys()].sort()
  const categoryIndex = new Map(categoryCodes.map((c, i) => [c, i]))
  const hsKeywords = [...hskBySix.keys()]
    .sort()
    .map((six) => {
      const ids = [
        ...new Set((hskBySix.get(six) ?? []).filter((r) => r.categoryCode).map((r) => r.categoryCode)),
      ]
        .map((c) => (categoryIndex.get(c) as number).toString(36))
        .join(',')
      return `${six}\t${ids}`
    })
    .join('\n')

  const DEFAULT_VALID_TO = '20251231'
  const hskLines = [...hsk]
    .sort((a, b) => (a.code < b.code ? -1 : 1))
    .map((r) => {
      if (r.code.length === 10 && r.weightUnit !== 'KG') fail(`weight unit ${r.weightUnit} of ${r.code}`)
      if (r.code.length < 10 && (r.categoryCode || r.weightUnit)) fail(`intermediate ${r.code} has line data`)
      return [
        r.code,
        r.validFrom,
        r.validTo === DEFAULT_VALID_TO ? '' : r.validTo,
        r.quantityUnit,
        r.categoryCode ? (categoryIndex.get(r.categoryCode) as number).toString(36) : '',
        r.nameKo,
        r.nameEn === r.nameKo ? '' : r.nameEn,
      ].join('\t')
    })
    .join('\n')

  const set = (m: Map<string, unknown>, len: number) => new Set([...m.keys()].filter((c) => c.length === len))
  const corr = {
    c2022to2017: correlation('HS2022toHS2017', 'HS2022', 'HS2017', set(hs22, 6), set(hs17, 6)),
    c2022to2012: correlation('HS2022toHS2012', 'HS2022', 'HS2012', set(hs22, 6), set(hs12, 6)),
    c2017to2012: correlation('HS2017toHS2012', 'HS2017', 'HS2012', set(hs17, 6), set(hs12, 6)),
  }

  return {
    'meta.ts':
      banner([
        'datahub-sections.csv',
        'kcs-hs-sections-ko.csv',
        'kcs-hs-chapters-ko.csv',
        'datahub-hs2022.csv',
      ]) +
      constant('SECTIONS', sectionLines.join('\n'), 'Lines `roman\\tnameEn\\tnameKo`, sections I–XXI.') +
      constant('CHAPTER_SECTIONS', chapterLines.join('\n'), 'Lines `chapter\\tsection`.') +
      constant(
        'HSK_VALID_TO_DEFAULT',
        DEFAULT_VALID_TO,
        'validTo of every hsk.txt line whose validTo field is empty.',
      ),
    'countries.ts':
      banner([
        'kcs-country-names.tsv',
        'mofa-country-codes-20230324.utf8.csv',
        'cldr-48.2.0-*-territories.json',
        'i18n-iso-countries-7.14.0-*.json',
      ]) +
      constant(
        'COUNTRIES',
        countries(),
        'Lines `code\\tnameKo\\tnameEn\\talpha3\\tnumeric\\tkcsNameKo(empty = nameKo)\\tnameKoSource(m|c|k)\\tkind(i|n|u|f|k)\\taliases|…`.',
      ),
    // The large tables are plain text read on first use (src/internal/data.ts), so importing a
    // subpath costs no parsing of megabytes of string literals.
    'hs-2022.txt': textFile(
      'hs/datahub-hs2022.csv; Korean names from hs/kcs-api-hs-names.csv, hsk/kcs-hs-codes-20250101.csv, hs/kcs-hs-chapters-ko.csv. Lines code<TAB>nameEn[<TAB>nameKo<TAB>source], sorted by code; source a = KCS API, h = HSK file, t = tariff schedule chapter title.',
      editionFile('2022', hs22),
    ),
    'hs-2017.txt': textFile(
      'hs/datahub-hs2017.csv. Lines code[<TAB>nameEn]; a bare code has the HS2022 text and Korean name (with its source).',
      editionFile('2017', hs17),
    ),
    'hs-2012.txt': textFile(
      'hs/comtrade-H4-HS2012.json. Lines code[<TAB>nameEn]; a bare code has the HS2022 text and Korean name (with its source).',
      editionFile('2012', hs12),
    ),
    'correlation-2022-2017.txt': textFile(correlationHeader('HS2022toHS2017'), corr.c2022to2017),
    'correlation-2022-2012.txt': textFile(correlationHeader('HS2022toHS2012'), corr.c2022to2012),
    'correlation-2017-2012.txt': textFile(correlationHeader('HS2017toHS2012'), corr.c2017to2012),
    'categories.txt': textFile(
      'hsk/kcs-hs-codes-20250101.csv, KCS integrated classification (성질통합분류). Lines code<TAB>nameKo, referenced by position in base 36.',
      categoryCodes.map((c) => `${c}\t${categories.get(c)}`).join('\n'),
    ),
    'hs6-categories.txt': textFile(
      'hsk/kcs-hs-codes-20250101.csv. Lines hs6<TAB>categoryIndex,… (base 36) of the HSK lines under each subheading.',
      hsKeywords,
    ),
    'hsk.txt': textFile(
      'hsk/kcs-hs-codes-20250101.csv. Lines code<TAB>validFrom<TAB>validTo<TAB>quantityUnit<TAB>categoryIndex<TAB>nameKo<TAB>nameEn; dates YYYYMMDD, empty validTo = HSK_VALID_TO_DEFAULT, empty nameEn = nameKo.',
      hskLines,
    ),
  }
}

function correlationHeader(file: string): string {
  return `hs/unsd-correspondence/${file}-{correlation,conversion}.csv. Lines source<TAB>target,… where a target is 6 digits or "=" (same code), then the relationship letter (a 1:1, b 1:n, c n:1, d n:n; omitted when equal to the previous one), "*" for the conversion-table target, "!" for a UNSD "ex" row.`
}

/** A data file: one `#` line naming its source and format, then the table. */
function textFile(header: string, body: string): string {
  return `# Generated by scripts/generate.ts from data/${header} Do not edit.\n${body}\n`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [name, content] of Object.entries(generate())) {
    writeFileSync(join(outDir, name), content)
    console.log(`src/generated/${name}: ${(Buffer.byteLength(content) / 1024).toFixed(1)} KiB`)
  }
}
