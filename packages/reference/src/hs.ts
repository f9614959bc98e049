/**
 * HS nomenclature, editions 2022, 2017 and 2012, at 2, 4 and 6 digits.
 *
 *   import { hs } from '@kcs-trade/reference/hs'
 *   hs.get('0202')?.nameKo              // '쇠고기(냉동한 것으로 한정한다)' — the KCS API's own name
 *   hs.search('소고기', { lang: 'ko' })  // 021020, 0202, 0201 (the API spells beef 쇠고기), …
 */
import { describeInput, ReferenceInputError } from './errors.js'
import { type CodeLevel, levelOf, readCode } from './internal/codes.js'
import { type ConversionTarget, correlationMap } from './internal/correlation.js'
import { loadData } from './internal/data.js'
import {
  EDITIONS,
  type EditionTable,
  editionTable,
  type HsEdition,
  type HsEntry,
  type HsNameKoSource,
  type HsSection,
  sectionTable,
} from './internal/hs-table.js'
import { type Hit, type MatchKind, type SearchDoc, SearchIndex, type SearchLang } from './internal/search.js'

export { ReferenceInputError } from './errors.js'
export type { ConversionTarget, Relationship } from './internal/correlation.js'
export type { CodeLevel, HsEdition, HsEntry, HsNameKoSource, HsSection, MatchKind, SearchLang }

/** Selects the HS edition a lookup reads; every `hs` function that takes options accepts it. */
export interface EditionOption {
  /** HS edition; default `'2022'` (the basis of the KCS 2025 HSK). */
  edition?: HsEdition | undefined
}

/** Options of `hs.search`: edition, language, levels and result limit. Invalid values throw ReferenceInputError. */
export interface HsSearchOptions extends EditionOption {
  /** `'ko'` or `'en'`; default: Korean when the query contains Hangul. Digits always search codes. */
  lang?: SearchLang | undefined
  /** Only this level (2, 4 or 6), or these levels. */
  level?: 2 | 4 | 6 | readonly (2 | 4 | 6)[] | undefined
  /** Maximum number of results, default 20. */
  limit?: number | undefined
}

/** One `hs.search` hit: the matching HS entry plus its rank score and how it matched. */
export type HsSearchResult = HsEntry & {
  /** Higher is better; comparable within one search only. */
  readonly score: number
  readonly match: MatchKind
}

/** Source and target editions of `hs.convert`; both are required and must be `'2022'`, `'2017'` or `'2012'`. */
export interface ConvertOptions {
  /** Edition the input code belongs to. */
  from: HsEdition
  /** Edition to convert into. */
  to: HsEdition
}

function readEdition(value: unknown, what = 'edition'): HsEdition {
  if (value === undefined) return '2022'
  if (typeof value === 'string' && (EDITIONS as readonly string[]).includes(value)) return value as HsEdition
  throw new ReferenceInputError(`unknown HS ${what} ${describeInput(value)}`, {
    hint: "editions are the strings '2022', '2017' and '2012'",
    input: value,
  })
}

/** Options must be an object (or absent): `hs.get('0202', 2017)` is a mistake, not the default edition. */
function readOptions<T extends object>(options: T | undefined): Partial<T> {
  if (options === undefined) return {}
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ReferenceInputError(`options must be an object, got ${describeInput(options)}`, {
      hint: "pass e.g. { edition: '2017' }, or leave the options out",
      input: options,
    })
  }
  return options
}

function table(options?: EditionOption): EditionTable {
  return editionTable(readEdition(readOptions(options).edition))
}

/** The HS code itself at 2/4/6 digits; `undefined` when it does not exist in the edition. */
export function get(code: string, options?: EditionOption): HsEntry | undefined {
  const c = readCode(code)
  return table(options).entries.get(c)
}

/** `true` when `code` is a 2-, 4- or 6-digit code of the edition. Never throws; 10-digit HSK codes are `false` (see `hsk.isValid`). */
export function isValid(code: unknown, options?: EditionOption): boolean {
  if (typeof code !== 'string' || !/^(\d{2}|\d{4}|\d{6})$/.test(code)) return false
  if (options !== undefined && (options === null || typeof options !== 'object')) return false
  const edition = options?.edition ?? '2022'
  if (!(EDITIONS as readonly string[]).includes(edition)) return false
  return editionTable(edition).entries.has(code)
}

/** Number of digits: 2, 4, 6, 10 (or 7–9 for HSK groupings). Throws ReferenceInputError if malformed. */
export function level(code: string): CodeLevel {
  return levelOf(readCode(code))
}

/** Direct children (chapter → headings, heading → subheadings); `[]` for subheadings and unknown codes. */
export function children(code: string, options?: EditionOption): HsEntry[] {
  const c = readCode(code)
  return [...(table(options).children.get(c) ?? [])]
}

/**
 * The HS parent: heading of a subheading, chapter of a heading, subheading of a 7–10-digit HSK code.
 * `undefined` for chapters and when the parent does not exist in the edition.
 */
export function parent(code: string, options?: EditionOption): HsEntry | undefined {
  const c = readCode(code)
  if (c.length === 2) return undefined
  const parentCode = c.length > 6 ? c.slice(0, 6) : c.slice(0, c.length - 2)
  return table(options).entries.get(parentCode)
}

/**
 * HS ancestors from the chapter down, excluding the code itself: `ancestors('0202300000')` is
 * `[02, 0202, 020230]`. Ancestors missing from the edition are left out. For the HSK 7–9-digit
 * groupings between a subheading and a line use `hsk.ancestors`.
 */
export function ancestors(code: string, options?: EditionOption): HsEntry[] {
  const c = readCode(code)
  const t = table(options)
  const out: HsEntry[] = []
  for (const len of [2, 4, 6]) {
    if (len >= c.length) break
    const entry = t.entries.get(c.slice(0, len))
    if (entry) out.push(entry)
  }
  return out
}

/** Every entry of the edition, sorted by code; optionally only one level. */
export function all(options?: EditionOption & { level?: 2 | 4 | 6 | undefined }): HsEntry[] {
  const list = table(options).list
  const lvl = options?.level
  if (lvl !== undefined && lvl !== 2 && lvl !== 4 && lvl !== 6) {
    throw new ReferenceInputError(`level must be 2, 4 or 6, got ${describeInput(lvl)}`, {
      hint: 'for 10-digit lines use hsk.all',
      input: lvl,
    })
  }
  return lvl === undefined ? [...list] : list.filter((e) => e.level === lvl)
}

/** The chapters of the edition (97 in each: 01–97 without the reserved 77, plus 99). */
export function chapters(options?: EditionOption): HsEntry[] {
  return [...table(options).chapters]
}

/** The 21 sections, I–XXI, with English and Korean titles. */
export function sections(): HsSection[] {
  return [...sectionTable().byCode.values()]
}

/**
 * A section by Roman numeral (`'XVI'`) or number (`16`); `undefined` for a well-formed one that does
 * not exist (`22`, `'XXX'`). Anything else (not a positive integer, not a Roman numeral) throws
 * ReferenceInputError.
 */
export function section(id: string | number): HsSection | undefined {
  const { byCode } = sectionTable()
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 1) return [...byCode.values()][id - 1]
  if (typeof id === 'string' && /^[IVXLC]{1,8}$/i.test(id)) return byCode.get(id.toUpperCase())
  if (typeof id === 'number' || typeof id === 'string')
    throw new ReferenceInputError(
      `section ${describeInput(id)} is neither a Roman numeral nor a positive integer`,
      {
        hint: "use e.g. section('XVI') or section(16)",
        input: id,
      },
    )
  throw new ReferenceInputError(`section must be a Roman numeral or a number, got ${describeInput(id)}`, {
    hint: "use e.g. section('XVI') or section(16)",
    input: id,
  })
}

// --- search ------------------------------------------------------------------------------------

let categoryNames: string[] | undefined
let hs6Categories: Map<string, string[]> | undefined

/** KCS integrated classification names (성질통합분류명) of the HSK lines under each HS2022 subheading. */
function categoriesByHs6(): Map<string, string[]> {
  if (hs6Categories) return hs6Categories
  categoryNames = loadData('categories')
    .split('\n')
    .map((line) => line.slice(line.indexOf('\t') + 1))
  const names = categoryNames
  hs6Categories = new Map()
  for (const line of loadData('hs6-categories').split('\n')) {
    const [six = '', ids = ''] = line.split('\t')
    if (ids)
      hs6Categories.set(
        six,
        ids.split(',').map((id) => names[Number.parseInt(id, 36)] ?? ''),
      )
  }
  return hs6Categories
}

const indexes = new Map<HsEdition, SearchIndex>()

function searchIndex(edition: HsEdition): SearchIndex {
  const cached = indexes.get(edition)
  if (cached) return cached
  const t = editionTable(edition)
  const byHs6 = categoriesByHs6()
  // Keywords of a subheading: the classification names of its HSK lines. Another edition borrows
  // them from the HS2022 subheadings its code correlates with.
  const keywordsOf = (code: string): string[] => {
    if (edition === '2022') return byHs6.get(code) ?? []
    return convert(code, { from: edition, to: '2022' }).flatMap((target) => byHs6.get(target.code) ?? [])
  }
  const headingKeywords = new Map<string, string[]>()
  const docs: SearchDoc[] = t.list.map((entry) => {
    let keywords: string[] = []
    if (entry.level === 6) {
      keywords = keywordsOf(entry.code)
      const heading = entry.code.slice(0, 4)
      headingKeywords.set(heading, [...(headingKeywords.get(heading) ?? []), ...keywords])
    }
    return {
      code: entry.code,
      en: entry.nameEn,
      enContext: [],
      ko: entry.nameKo ?? '',
      koContext: keywords,
    }
  })
  // Headings get the union of their subheadings' keywords (chapters keep their title only: the
  // union over a whole chapter would make every chapter match every query in it).
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i] as SearchDoc
    const words = doc.code.length === 4 ? headingKeywords.get(doc.code) : undefined
    if (words?.length) docs[i] = { ...doc, koContext: words }
  }
  const index = new SearchIndex(docs)
  indexes.set(edition, index)
  return index
}

function readLevels(value: HsSearchOptions['level']): ReadonlySet<number> | undefined {
  if (value === undefined) return undefined
  const list = Array.isArray(value) ? value : [value]
  for (const l of list) {
    if (l !== 2 && l !== 4 && l !== 6) {
      throw new ReferenceInputError(`search level must be 2, 4 or 6, got ${describeInput(l)}`, {
        hint: 'for 10-digit lines use hsk.search',
        input: value,
      })
    }
  }
  return new Set(list)
}

/**
 * Ranked search over one edition. Digits search code prefixes (`'8518'` → 8518 and its
 * subheadings); English matches whole words and word prefixes case-insensitively; Korean matches
 * with or without spaces, in the Korean titles and in the KCS classification names of the HSK
 * lines below; 쇠고기/소고기 and 휴대전화/휴대폰 count as one word (so `'소고기'` finds the API's
 * `쇠고기…` names of 0201/0202). Exact and prefix matches rank first.
 */
export function search(text: string, options: HsSearchOptions = {}): HsSearchResult[] {
  options = readOptions(options)
  const edition = readEdition(options.edition)
  const levels = readLevels(options.level)
  const t = editionTable(edition)
  const hits: Hit[] = searchIndex(edition).search(text, {
    lang: options.lang,
    limit: options.limit,
    accept: levels ? (i) => levels.has((t.list[i] as HsEntry).level) : undefined,
  })
  return hits.map((h) => ({ ...(t.list[h.index] as HsEntry), score: h.score, match: h.match }))
}

/**
 * Converts a 6-digit subheading (or the subheading of a 10-digit HSK code) between editions with
 * the UNSD correlation tables: every target with its relationship; the conversion-table target
 * is flagged `primary`. `[]` when the code does not exist in `from` or has no correspondence.
 */
export function convert(code: string, options: ConvertOptions): ConversionTarget[] {
  const c = readCode(code)
  if (c.length < 6) {
    throw new ReferenceInputError(`convert works on 6-digit subheadings, got ${describeInput(code)}`, {
      hint: 'UNSD correlates subheadings only: convert each subheading of the heading (hs.children) instead',
      input: code,
    })
  }
  if (typeof options !== 'object' || options === null) {
    throw new ReferenceInputError('convert needs { from, to }', {
      hint: "e.g. convert('020230', { from: '2017', to: '2022' })",
      input: options,
    })
  }
  if (options.from === undefined || options.to === undefined) {
    throw new ReferenceInputError('convert needs both { from, to }', {
      hint: "e.g. convert('020230', { from: '2017', to: '2022' })",
      input: options,
    })
  }
  const from = readEdition(options.from, 'source edition')
  const to = readEdition(options.to, 'target edition')
  const six = c.slice(0, 6)
  if (from === to)
    return isValid(six, { edition: from }) ? [{ code: six, relationship: '1:1', primary: true }] : []
  return [...(correlationMap(from, to).get(six) ?? [])]
}

/** The `hs` namespace: `import { hs } from '@kcs-trade/reference'`. */
export const hs = {
  /** The 2-, 4- or 6-digit entry of the edition (default 2022); `undefined` when the edition lacks it. Throws ReferenceInputError for a malformed code. */
  get,
  /** `true` when the value is a 2-, 4- or 6-digit code of the edition; never throws. */
  isValid,
  /** The number of digits of a code: 2, 4, 6, 7–9 (HSK groupings) or 10. Throws ReferenceInputError if malformed. */
  level,
  /** Direct children of a chapter or heading in the edition; `[]` for subheadings and unknown codes. */
  children,
  /** The HS parent of a code (a 7–10-digit HSK code gets its subheading); `undefined` for chapters and missing parents. */
  parent,
  /** The HS chapter, heading and subheading above a code, chapter first, leaving out those missing from the edition. */
  ancestors,
  /** Every entry of the edition sorted by code, optionally only one level. */
  all,
  /** The chapters of the edition, sorted by code. */
  chapters,
  /** The 21 HS sections, I–XXI. */
  sections,
  /** A section by Roman numeral (`'XVI'`, case-insensitive) or number (`16`); `undefined` when none. */
  section,
  /** Ranked search of one edition by code prefix, English words or Korean text; at most 20 results by default. */
  search,
  /** The subheadings a 6-digit code corresponds to in another edition, per the UNSD correlation tables; `[]` when none. */
  convert,
  editions: EDITIONS,
} as const
