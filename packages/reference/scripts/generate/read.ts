/** Reading the source files in `data/`: HS editions, HSK, the API's Korean names, UNSD correlations. */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const dataDir = join(root, 'data')
export const outDir = join(root, 'src', 'generated')

export type Row = Record<string, string>

export function readText(path: string): string {
  const text = readFileSync(join(dataDir, path), 'utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

export function readCsv(path: string): Row[] {
  return parse(readText(path), { columns: true, skip_empty_lines: true }) as Row[]
}

export function readCsvRows(path: string): string[][] {
  return parse(readText(path), {
    columns: false,
    skip_empty_lines: true,
    relax_column_count: false,
  }) as string[][]
}

export function fail(message: string): never {
  throw new Error(`generate: ${message}`)
}

/** Names in the KCS file carry stray trailing spaces and newlines; internal runs collapse to one space. */
export function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

export function assertNoSeparators(text: string, where: string): string {
  if (/[\t\n|]/.test(text)) fail(`separator character in ${where}: ${JSON.stringify(text)}`)
  return text
}

// ---------------------------------------------------------------------------------------------
// HS editions

export type Edition = '2022' | '2017' | '2012'

export interface HsRow {
  code: string
  nameEn: string
  section: string | undefined
}

export function readDatahub(path: string): Map<string, HsRow> {
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

export function readComtrade(path: string): Map<string, HsRow> {
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

export function sortedCodes(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort()
}

// ---------------------------------------------------------------------------------------------
// HSK

export interface HskRow {
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

export function readHsk(): HskRow[] {
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
export function readKcsApiNames(hs22: Map<string, HsRow>): Map<string, string> {
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

export const REL_CHAR: Record<string, string> = { '1:1': 'a', '1:n': 'b', 'n:1': 'c', 'n:n': 'd' }

export function correlation(
  file: string,
  from: string,
  to: string,
  fromCodes: Set<string>,
  toCodes: Set<string>,
) {
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
