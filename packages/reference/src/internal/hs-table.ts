import { CHAPTER_SECTIONS, SECTIONS } from '../generated/meta.js'
import { loadData } from './data.js'

/** An HS nomenclature edition the tables hold; `'2022'` is the default everywhere. */
export type HsEdition = '2022' | '2017' | '2012'

/**
 * Where an entry's Korean name comes from:
 * - `kcs-api`: the name the KCS trade API returns for the code (heading and subheading names of
 *   real API answers) — most headings and subheadings;
 * - `hsk`: the KCS HSK code file's text, for a code the API names are missing for: a subheading
 *   whose only HSK line is `……0000`, a heading whose only subheading is `….00` with one such line;
 * - `tariff-schedule`: the chapter titles of the Korean tariff schedule (관세율표), every chapter.
 */
export type HsNameKoSource = 'kcs-api' | 'hsk' | 'tariff-schedule'

const NAME_KO_SOURCES: Record<string, HsNameKoSource> = { a: 'kcs-api', h: 'hsk', t: 'tariff-schedule' }

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
export const EDITIONS: readonly HsEdition[] = ['2022', '2017', '2012']

/** One HS code (chapter, heading or subheading) in one edition. */
export interface HsEntry {
  /** 2, 4 or 6 digits. */
  readonly code: string
  readonly level: 2 | 4 | 6
  readonly edition: HsEdition
  /** UN Comtrade's condensed English description (not the WCO legal text). */
  readonly nameEn: string
  /**
   * Korean name where the sources give one: every chapter (the tariff schedule's title), the name
   * the KCS trade API returns for most headings and subheadings (`0202`: `쇠고기(냉동한 것으로
   * 한정한다)`), else the HSK file's text where it states one. Subheading names are relative to
   * the heading, as the API returns them (`020230`: `뼈 없는 것`; often `기타`). Absent otherwise.
   */
  readonly nameKo?: string
  /** Where nameKo comes from; present exactly when nameKo is. */
  readonly nameKoSource?: HsNameKoSource
  /** The parent code; absent for chapters. */
  readonly parent?: string
  /** Section as a Roman numeral, `I`–`XXI`; absent for the non-standard chapter 99 codes. */
  readonly section?: string
  /**
   * `true` for `99`, `9999` and `999999`, UN Comtrade's "commodities not specified according to
   * kind": not part of the WCO nomenclature, but counted by the sources and used in statistics.
   */
  readonly nonStandard?: true
}

/** One of the 21 HS sections, which group the chapters. */
export interface HsSection {
  /** Roman numeral `I`–`XXI`. */
  readonly code: string
  readonly number: number
  readonly nameEn: string
  readonly nameKo: string
  /** The chapters of the section, two digits each. */
  readonly chapters: readonly string[]
}

export interface EditionTable {
  readonly edition: HsEdition
  readonly entries: ReadonlyMap<string, HsEntry>
  /** All entries sorted by code. */
  readonly list: readonly HsEntry[]
  readonly children: ReadonlyMap<string, readonly HsEntry[]>
  readonly chapters: readonly HsEntry[]
}

let sectionCache: { byCode: Map<string, HsSection>; byChapter: Map<string, string> } | undefined

export function sectionTable(): { byCode: Map<string, HsSection>; byChapter: Map<string, string> } {
  if (sectionCache) return sectionCache
  const byChapter = new Map<string, string>()
  const chaptersOf = new Map<string, string[]>()
  for (const line of CHAPTER_SECTIONS.split('\n')) {
    const [chapter = '', section = ''] = line.split('\t')
    byChapter.set(chapter, section)
    chaptersOf.set(section, [...(chaptersOf.get(section) ?? []), chapter])
  }
  const byCode = new Map<string, HsSection>()
  SECTIONS.split('\n').forEach((line, i) => {
    const [code = '', nameEn = '', nameKo = ''] = line.split('\t')
    byCode.set(
      code,
      Object.freeze({ code, number: i + 1, nameEn, nameKo, chapters: chaptersOf.get(code) ?? [] }),
    )
  })
  sectionCache = { byCode, byChapter }
  return sectionCache
}

const tables = new Map<HsEdition, EditionTable>()
export function editionTable(edition: HsEdition): EditionTable {
  const cached = tables.get(edition)
  if (cached) return cached
  const base = edition === '2022' ? undefined : editionTable('2022').entries
  const { byChapter } = sectionTable()
  const entries = new Map<string, HsEntry>()
  const list: HsEntry[] = []
  const children = new Map<string, HsEntry[]>()
  const chapters: HsEntry[] = []
  for (const line of loadData(`hs-${edition}`).split('\n')) {
    const tab = line.indexOf('\t')
    const code = tab < 0 ? line : line.slice(0, tab)
    let nameEn: string
    let nameKo: string | undefined
    let nameKoSource: HsNameKoSource | undefined
    if (tab < 0) {
      // Same text as HS2022, hence also the HS2022 Korean name.
      const same = base?.get(code)
      if (!same) throw new Error(`HS${edition}: ${code} has no text`)
      nameEn = same.nameEn
      nameKo = same.nameKo
      nameKoSource = same.nameKoSource
    } else {
      // code \t nameEn [\t nameKo \t source letter]; indexOf, not split: no array per line.
      const tab2 = line.indexOf('\t', tab + 1)
      nameEn = tab2 < 0 ? line.slice(tab + 1) : line.slice(tab + 1, tab2)
      if (tab2 >= 0) {
        const tab3 = line.indexOf('\t', tab2 + 1)
        nameKo = line.slice(tab2 + 1, tab3)
        nameKoSource = NAME_KO_SOURCES[line.slice(tab3 + 1)]
      }
    }
    const level = code.length as 2 | 4 | 6
    const chapter = code.slice(0, 2)
    const section = byChapter.get(chapter)
    // Optional fields are absent, not undefined; assigned one by one (no spread temporaries).
    const entry: Mutable<HsEntry> = { code, level, edition, nameEn }
    if (nameKo && nameKoSource) {
      entry.nameKo = nameKo
      entry.nameKoSource = nameKoSource
    }
    if (level > 2) entry.parent = code.slice(0, level - 2)
    if (section) entry.section = section
    if (chapter === '99') entry.nonStandard = true
    Object.freeze(entry)
    entries.set(code, entry)
    list.push(entry)
    if (entry.parent) {
      const siblings = children.get(entry.parent)
      if (siblings) siblings.push(entry)
      else children.set(entry.parent, [entry])
    } else {
      chapters.push(entry)
    }
  }
  const table: EditionTable = { edition, entries, list, children, chapters }
  tables.set(edition, table)
  return table
}
