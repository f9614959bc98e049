/**
 * HSK, the Korean 10-digit tariff codes (KCS edition 2025-01-01, based on HS2022).
 *
 *   import { hsk } from '@kcs-trade/reference/hsk'
 *   hsk.get('8518309000')  // { nameKo: '기타', pathKo: '전기기기와 … > 마이크로폰과 … > 헤드폰과 … > 기타', unit: 'U', … }
 */
import { describeInput, ReferenceInputError } from './errors.js'
import { HSK_VALID_TO_DEFAULT } from './generated/meta.js'
import { readCode } from './internal/codes.js'
import { loadData } from './internal/data.js'
import { editionTable, type HsEntry } from './internal/hs-table.js'
import { type MatchKind, type SearchDoc, SearchIndex, type SearchLang } from './internal/search.js'

export { ReferenceInputError } from './errors.js'
export type { MatchKind, SearchLang }

/** The KCS file's edition (관세청_HS부호, 2025-01-01). */
export const HSK_EDITION = '2025-01-01'

/** The KCS-only pseudo-code for household goods (이사화물); its `242400` is no HS subheading. */
export const HOUSEHOLD_GOODS_CODE = '2424000000'

/** One level of an HSK entry's `path`: an HS chapter, heading or subheading, an HSK grouping, or the line itself. */
export interface HskPathSegment {
  readonly code: string
  readonly nameEn: string
  /** Absent where the sources give no Korean name (17 headings and 34 subheadings of HS2022; see `hs.get`). */
  readonly nameKo?: string
}

/** One HSK code: a 10-digit line, or (from `get`/`children` only) a 7–9-digit grouping. */
export interface HskEntry {
  /** 10 digits for a line; 7, 8 or 9 for a grouping. */
  readonly code: string
  /** `true` for 10-digit lines, the codes KCS reports trade under. */
  readonly leaf: boolean
  /**
   * The Korean name exactly as KCS states it, relative to the parent — often just `기타`
   * ("other"). This is the text the trade API returns as `statKor`. Whitespace is trimmed.
   */
  readonly nameKo: string
  /** The English name, relative to the parent like nameKo (`Other`). */
  readonly nameEn: string
  /**
   * Full Korean path: chapter > heading > subheading > groupings > this name, joined with ' > ',
   * skipping the few levels without a Korean name and saying a name once where a subheading's
   * name is its only line's (`0202300000`: `육과 식용 설육(屑肉) > 쇠고기(냉동한 것으로 한정한다) > 뼈 없는 것`).
   */
  readonly pathKo: string
  /** Full English path: heading > subheading > groupings > this name, joined with ' > '. */
  readonly pathEn: string
  /** The path as segments, chapter first, this code last. */
  readonly path: readonly HskPathSegment[]
  /** The 2-, 4- and 6-digit prefixes. */
  readonly chapter: string
  readonly heading: string
  readonly hs6: string
  /** HSK parent: the nearest 7–9-digit grouping, else the HS2022 subheading. */
  readonly parent: string
  /** Quantity unit code (수량단위코드: `U`, `M2`, `L`, …); absent where KCS sets none. */
  readonly unit?: string
  /** Weight unit code (중량단위코드): `KG` on every line; absent on groupings. */
  readonly weightUnit?: string
  /** First and last day of validity, `YYYY-MM-DD`. */
  readonly validFrom: string
  readonly validTo: string
  /** KCS integrated classification (성질통합분류), e.g. `{ code: '11020201', nameKo: '소고기' }`. */
  readonly category?: { readonly code: string; readonly nameKo: string }
  /** `true` on KCS-only pseudo-codes with no HS subheading: `2424000000` 이사화물 (household goods). */
  readonly pseudo?: true
}

/** Options of `hsk.search`. */
export interface HskSearchOptions {
  /** `'ko'` or `'en'`; default: Korean when the query contains Hangul. Digits always search codes. */
  lang?: SearchLang | undefined
  /** Maximum number of results, default 20. */
  limit?: number | undefined
}

/** One `hsk.search` hit: the matching 10-digit line plus its rank score (comparable within one search only) and how it matched. */
export type HskSearchResult = HskEntry & { readonly score: number; readonly match: MatchKind }

interface Raw {
  code: string
  validFrom: string
  validTo: string
  unit: string
  category: number
  nameKo: string
  nameEn: string
}

interface Table {
  /** code -> its raw line, parsed into a Raw on first access. */
  readonly lines: ReadonlyMap<string, string>
  /** 10-digit codes, sorted. */
  readonly leaves: readonly string[]
}

let tableCache: Table | undefined
let childrenCache: Map<string, string[]> | undefined
let categoriesCache: { code: string; nameKo: string }[] | undefined
const rawCache = new Map<string, Raw>()

function date(yyyymmdd: string): string {
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`
}

/** Splits the table into lines only; a line's fields are read when its entry is first needed. */
function hskTable(): Table {
  if (tableCache) return tableCache
  const lines = new Map<string, string>()
  const leaves: string[] = []
  for (const line of loadData('hsk').split('\n')) {
    const code = line.slice(0, line.indexOf('\t'))
    lines.set(code, line)
    if (code.length === 10) leaves.push(code)
  }
  tableCache = { lines, leaves }
  return tableCache
}

function rawOf(code: string): Raw | undefined {
  const cached = rawCache.get(code)
  if (cached) return cached
  const line = hskTable().lines.get(code)
  if (line === undefined) return undefined
  const [, from = '', to = '', unit = '', category = '', nameKo = '', nameEn = ''] = line.split('\t')
  const raw: Raw = {
    code,
    validFrom: date(from),
    validTo: date(to || HSK_VALID_TO_DEFAULT),
    unit,
    category: category ? Number.parseInt(category, 36) : -1,
    nameKo,
    nameEn: nameEn || nameKo,
  }
  rawCache.set(code, raw)
  return raw
}

function childrenMap(): Map<string, string[]> {
  if (childrenCache) return childrenCache
  const t = hskTable()
  childrenCache = new Map()
  for (const code of t.lines.keys()) {
    const p = parentCode(code, t.lines)
    const list = childrenCache.get(p)
    if (list) list.push(code)
    else childrenCache.set(p, [code])
  }
  return childrenCache
}

function categories(): { code: string; nameKo: string }[] {
  categoriesCache ??= loadData('categories')
    .split('\n')
    .map((line) => {
      const tab = line.indexOf('\t')
      return { code: line.slice(0, tab), nameKo: line.slice(tab + 1) }
    })
  return categoriesCache
}

/** The nearest existing 9/8/7-digit grouping, else the 6-digit subheading. */
function parentCode(code: string, raw: ReadonlyMap<string, unknown>): string {
  for (let len = code.length - 1; len >= 7; len--) {
    const prefix = code.slice(0, len)
    if (raw.has(prefix)) return prefix
  }
  return code.slice(0, 6)
}

const entries = new Map<string, HskEntry>()

function entryOf(code: string): HskEntry | undefined {
  const cached = entries.get(code)
  if (cached) return cached
  const t = hskTable()
  const row = rawOf(code)
  if (!row) return undefined
  const hs22 = editionTable('2022').entries
  const pseudo = code === HOUSEHOLD_GOODS_CODE
  // HS levels, then the HSK groupings between the subheading and this code.
  const segments: HskPathSegment[] = []
  const hsLevels: (HsEntry | undefined)[] = pseudo ? [] : [2, 4, 6].map((len) => hs22.get(code.slice(0, len)))
  for (const e of hsLevels) {
    if (e) segments.push({ code: e.code, nameEn: e.nameEn, ...(e.nameKo ? { nameKo: e.nameKo } : {}) })
  }
  const groupings: Raw[] = []
  for (let p = parentCode(code, t.lines); p.length > 6; p = parentCode(p, t.lines)) {
    const g = rawOf(p)
    if (g) groupings.unshift(g)
  }
  for (const g of [...groupings, row]) segments.push({ code: g.code, nameEn: g.nameEn, nameKo: g.nameKo })
  const pathKo: string[] = []
  for (const s of segments) {
    // A subheading whose only line is this one carries the same Korean text: say it once.
    if (s.nameKo && pathKo[pathKo.length - 1] !== s.nameKo) pathKo.push(s.nameKo)
  }
  const pathEn = segments.filter((s) => s.code.length > 2 || pseudo).map((s) => s.nameEn)
  const category = row.category >= 0 ? categories()[row.category] : undefined
  const entry: HskEntry = Object.freeze({
    code,
    leaf: code.length === 10,
    nameKo: row.nameKo,
    nameEn: row.nameEn,
    pathKo: pathKo.join(' > '),
    pathEn: pathEn.join(' > '),
    path: Object.freeze(segments.map((s) => Object.freeze(s))),
    chapter: code.slice(0, 2),
    heading: code.slice(0, 4),
    hs6: code.slice(0, 6),
    parent: parentCode(code, t.lines),
    ...(row.unit ? { unit: row.unit } : {}),
    ...(code.length === 10 ? { weightUnit: 'KG' } : {}),
    validFrom: row.validFrom,
    validTo: row.validTo,
    ...(category ? { category: Object.freeze({ ...category }) } : {}),
    ...(pseudo ? { pseudo: true as const } : {}),
  })
  entries.set(code, entry)
  return entry
}

/**
 * An HSK line by its 10-digit code (or a 7–9-digit grouping); `undefined` if KCS has no such code.
 * Throws ReferenceInputError for malformed input.
 */
export function get(code: string): HskEntry | undefined {
  const c = readCode(code, 'HSK code')
  if (c.length < 7) {
    throw new ReferenceInputError(`HSK codes have 10 digits, got ${describeInput(code)}`, {
      hint: 'use hs.get for 2-, 4- and 6-digit codes, or hsk.children to list the lines under them',
      input: code,
    })
  }
  return entryOf(c)
}

/** `true` for an existing 10-digit HSK line. Never throws. */
export function isValid(code: unknown): boolean {
  return typeof code === 'string' && /^\d{10}$/.test(code) && hskTable().lines.has(code)
}

/** Every 10-digit HSK line (11,327, including the pseudo-code 2424000000), sorted by code. */
export function all(): HskEntry[] {
  return hskTable().leaves.map((code) => entryOf(code) as HskEntry)
}

/**
 * Direct HSK children of a code: the groupings and lines right under an HS subheading or a
 * grouping. For a chapter or heading, every line under it.
 */
export function children(code: string): HskEntry[] {
  const c = readCode(code, 'HS or HSK code')
  const t = hskTable()
  if (c.length < 6) {
    const lo = t.leaves.findIndex((l) => l.startsWith(c))
    if (lo < 0) return []
    const out: HskEntry[] = []
    for (let i = lo; i < t.leaves.length && (t.leaves[i] as string).startsWith(c); i++) {
      out.push(entryOf(t.leaves[i] as string) as HskEntry)
    }
    return out
  }
  return (childrenMap().get(c) ?? []).map((k) => entryOf(k) as HskEntry)
}

/** The HSK groupings above a code, outermost first (the HS levels are in `entry.path` / `hs.ancestors`). */
export function ancestors(code: string): HskEntry[] {
  const c = readCode(code, 'HSK code')
  const t = hskTable()
  const out: HskEntry[] = []
  for (let p = parentCode(c, t.lines); p.length > 6; p = parentCode(p, t.lines))
    out.unshift(entryOf(p) as HskEntry)
  return out
}

let index: SearchIndex | undefined

function searchIndex(): SearchIndex {
  if (index) return index
  const t = hskTable()
  const hs22 = editionTable('2022').entries
  const cats = categories()
  const docs: SearchDoc[] = t.leaves.map((code) => {
    const row = rawOf(code) as Raw
    const en: string[] = []
    const ko: string[] = []
    if (code !== HOUSEHOLD_GOODS_CODE) {
      for (const len of [2, 4, 6]) {
        const e = hs22.get(code.slice(0, len))
        if (!e) continue
        en.push(e.nameEn)
        if (e.nameKo) ko.push(e.nameKo)
      }
    }
    for (let p = parentCode(code, t.lines); p.length > 6; p = parentCode(p, t.lines)) {
      const g = rawOf(p)
      if (!g) continue
      en.push(g.nameEn)
      ko.push(g.nameKo)
    }
    const category = row.category >= 0 ? cats[row.category] : undefined
    if (category) ko.push(category.nameKo)
    return { code, en: row.nameEn, enContext: en, ko: row.nameKo, koContext: ko }
  })
  index = new SearchIndex(docs)
  return index
}

/**
 * Ranked search over the 10-digit lines: code prefixes, Korean (with or without spaces) and
 * English words in the line's own name first, then in its path and KCS classification name.
 */
export function search(text: string, options: HskSearchOptions = {}): HskSearchResult[] {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ReferenceInputError(`options must be an object, got ${describeInput(options)}`, {
      hint: "pass e.g. { limit: 20, lang: 'en' }, or leave the options out",
      input: options,
    })
  }
  const t = hskTable()
  return searchIndex()
    .search(text, options)
    .map((h) => ({ ...(entryOf(t.leaves[h.index] as string) as HskEntry), score: h.score, match: h.match }))
}

/** The `hsk` namespace: `import { hsk } from '@kcs-trade/reference'`. */
export const hsk = {
  /** A 10-digit line or 7–9-digit grouping; `undefined` if KCS has no such code. Throws ReferenceInputError for shorter or malformed codes. */
  get,
  /** `true` for an existing 10-digit HSK line; never throws. */
  isValid,
  /** Every 10-digit HSK line, sorted by code. */
  all,
  /** The groupings and lines directly under a subheading or grouping; every line under a chapter or heading. */
  children,
  /** The HSK 7–9-digit groupings above a code, outermost first. */
  ancestors,
  /** Ranked search over the 10-digit lines by code prefix, Korean or English text; at most 20 results by default. */
  search,
  edition: HSK_EDITION,
  householdGoodsCode: HOUSEHOLD_GOODS_CODE,
} as const
