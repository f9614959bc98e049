import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { HOUSEHOLD_GOODS_CODE, hs, hsk, ReferenceInputError } from './index.js'

const sourceRows = parse(
  readFileSync(join(import.meta.dirname, '..', 'data/hsk/kcs-hs-codes-20250101.csv'), 'utf8'),
  {
    columns: true,
    bom: true,
  },
) as Record<string, string>[]

/** Codes whose 6-digit prefix is no HS2022 subheading, on purpose. */
const KNOWN_EXCEPTIONS = [HOUSEHOLD_GOODS_CODE]

describe('hsk table', () => {
  it('has every 10-digit line of the KCS file, and only those in all()', () => {
    const lines = sourceRows.filter((r) => r.HS부호?.length === 10)
    expect(lines).toHaveLength(11327)
    const all = hsk.all()
    expect(all).toHaveLength(11327)
    expect(all.map((e) => e.code)).toEqual(lines.map((r) => r.HS부호).sort())
    expect(all.every((e) => e.leaf && /^\d{10}$/.test(e.code))).toBe(true)
  })

  it('keeps the source names (trimmed) so nameKo is what KCS returns as statKor', () => {
    const byCode = new Map(hsk.all().map((e) => [e.code, e]))
    let others = 0
    for (const row of sourceRows) {
      const entry = byCode.get(row.HS부호 ?? '')
      if (!entry) continue
      // Trimmed, and the few embedded line breaks collapsed to one space.
      expect(entry.nameKo).toBe(row.한글품목명?.replace(/\s+/g, ' ').trim())
      expect(entry.nameEn).toBe(row.영문품목명?.replace(/\s+/g, ' ').trim())
      expect(entry.validFrom).toBe(row.적용시작일자)
      expect(entry.validTo).toBe(row.적용종료일자)
      expect(entry.unit).toBe(row.수량단위코드 || undefined)
      if (entry.nameKo === '기타') others++
    }
    expect(others).toBeGreaterThan(2000)
    expect(hsk.get('0301999097')?.nameKo).toBe('점성어') // the source has a trailing newline
  })

  it("resolves every line's 6-digit prefix in HS2022, except the listed pseudo-codes", () => {
    const unresolved = hsk
      .all()
      .filter((e) => !hs.isValid(e.hs6))
      .map((e) => e.code)
    expect(unresolved).toEqual(KNOWN_EXCEPTIONS)
    expect(hsk.get(HOUSEHOLD_GOODS_CODE)).toMatchObject({
      nameKo: '이사화물',
      pseudo: true,
      pathKo: '이사화물',
    })
    expect(hsk.all().filter((e) => e.pseudo)).toHaveLength(1)
  })

  it('gets 8518309000 with names, paths, units and validity', () => {
    const entry = hsk.get('8518309000')
    expect(entry).toMatchObject({
      code: '8518309000',
      nameKo: '기타',
      nameEn: 'Other',
      unit: 'U',
      weightUnit: 'KG',
      validFrom: '2003-01-01',
      validTo: '2025-12-31',
      hs6: '851830',
      category: { code: '33010101', nameKo: '유선통신기기' },
    })
    expect(entry?.pathEn).toBe(`${hs.get('8518')?.nameEn} > ${hs.get('851830')?.nameEn} > Other`)
    // Every level has a Korean name now (the API's for 8518 and 851830); 851830's is the line's own.
    expect(entry?.pathKo).toBe(
      [hs.get('85')?.nameKo, hs.get('8518')?.nameKo, hs.get('851830')?.nameKo, '기타'].join(' > '),
    )
    expect(hs.get('851830')?.nameKo).toMatch(/^헤드폰과 이어폰/)
    expect(entry?.path.map((s) => s.code)).toEqual(['85', '8518', '851830', '8518309000'])
  })

  it('builds paths through the 7–9-digit groupings', () => {
    const entry = hsk.get('0301999059')
    expect(entry?.parent).toBe('030199905')
    expect(entry?.pathKo.split(' > ').slice(1)).toEqual(['활어', '기타', '농어', '기타'])
    expect(entry?.pathEn).toBe('Fish; live > Fish; live, n.e.c. in heading 0301 > Other > Sea bass > Other')
    expect(hsk.ancestors('0301999059').map((e) => e.code)).toEqual(['03019990', '030199905'])
    expect(hsk.get('03019940')).toMatchObject({ leaf: false, nameKo: '돔', nameEn: 'Sea-bream' })
    expect(hsk.get('03019940')?.weightUnit).toBeUndefined()
  })

  it('says a single-line subheading once in the Korean path', () => {
    const entry = hsk.get('0202300000')
    expect(entry?.pathKo).toBe('육과 식용 설육(屑肉) > 쇠고기(냉동한 것으로 한정한다) > 뼈 없는 것')
    expect(entry?.category?.nameKo).toBe('소고기')
  })

  it('lists children and validates codes', () => {
    expect(hsk.children('0202').map((e) => e.code)).toEqual([
      '0202100000',
      '0202201000',
      '0202209000',
      '0202300000',
    ])
    expect(hsk.children('030199').map((e) => e.code)).toContain('03019940')
    expect(hsk.children('03019940').map((e) => e.code)).toEqual(['0301994010', '030199409'])
    expect(hsk.isValid('8518309000')).toBe(true)
    expect(hsk.isValid('8518309001')).toBe(false)
    expect(hsk.isValid('03019940')).toBe(false)
    expect(hsk.isValid(8518309000)).toBe(false)
    expect(hsk.get('8518309001')).toBeUndefined()
    expect(() => hsk.get('8518')).toThrow(/hs.get/)
    expect(() => hsk.get(8518309000 as unknown as string)).toThrow(ReferenceInputError)
  })
})

describe('hsk search', () => {
  it('finds a leaf by its Korean name, with or without spaces', () => {
    expect(hsk.search('갈비').map((r) => r.code)).toEqual(['0201201000', '0202201000'])
    expect(hsk.search('유선전화 핸드세트')[0]?.code).toBe('8518304000')
    expect(hsk.search('유선전화핸드세트')[0]?.code).toBe('8518304000')
  })

  it('finds lines through the classification name and the path', () => {
    const beef = hsk.search('소고기', { limit: 50 }).map((r) => r.code)
    for (const c of ['0201100000', '0202300000']) expect(beef).toContain(c)
    expect(hsk.search('frozen beef boneless')[0]?.code).toBe('0202300000')
  })

  it('ranks the exact English name first and searches code prefixes', () => {
    const ribs = hsk.search('short ribs')
    expect(ribs.slice(0, 2).map((r) => r.match)).toEqual(['exact', 'exact'])
    expect(ribs.slice(0, 2).map((r) => r.code)).toEqual(['0201201000', '0202201000'])
    const byCode = hsk.search('851830')
    expect(byCode.map((r) => r.code)).toEqual(['8518304000', '8518309000'])
  })
})
