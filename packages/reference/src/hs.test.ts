import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { type HsEdition, hs, ReferenceInputError } from './index.js'

const data = join(import.meta.dirname, '..', 'data')

function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(join(data, path), 'utf8'), { columns: true, skip_empty_lines: true, bom: true })
}

/** Codes per level exactly as each source file lists them, aggregates (TOTAL, ALL, AG*) left out. */
function sourceCodes(edition: HsEdition): string[] {
  if (edition === '2012') {
    const json = JSON.parse(readFileSync(join(data, 'hs/comtrade-H4-HS2012.json'), 'utf8')) as {
      results: { id: string }[]
    }
    return json.results.map((r) => r.id).filter((id) => /^\d+$/.test(id))
  }
  return readCsv(`hs/datahub-hs${edition}.csv`)
    .map((r) => r.hscode ?? '')
    .filter((c) => /^\d+$/.test(c))
}

describe('counts per edition and level', () => {
  const expected: Record<HsEdition, [number, number, number]> = {
    '2022': [97, 1229, 5613],
    '2017': [97, 1223, 5388],
    '2012': [97, 1225, 5206],
  }
  for (const edition of hs.editions) {
    it(`HS${edition} has the sources' codes: ${expected[edition].join(' / ')}`, () => {
      const counts = [2, 4, 6].map((level) => hs.all({ edition, level: level as 2 | 4 | 6 }).length)
      expect(counts).toEqual(expected[edition])
      expect(hs.all({ edition }).map((e) => e.code)).toEqual(sourceCodes(edition).sort())
    })
  }

  it('counts 99/9999/999999 as the sources do, flagged nonStandard and without a section', () => {
    for (const edition of hs.editions) {
      for (const code of ['99', '9999', '999999']) {
        const entry = hs.get(code, { edition })
        expect(entry?.nonStandard).toBe(true)
        expect(entry?.section).toBeUndefined()
      }
    }
    expect(hs.all().filter((e) => e.nonStandard)).toHaveLength(3)
    expect(hs.get('0101')?.nonStandard).toBeUndefined()
  })

  it('leaves the reserved chapter 77 out of every edition', () => {
    for (const edition of hs.editions) {
      expect(hs.get('77', { edition })).toBeUndefined()
      expect(hs.chapters({ edition }).map((c) => c.code)).not.toContain('77')
      expect(hs.chapters({ edition })).toHaveLength(97)
    }
  })

  it('rejects the aggregate pseudo-codes as malformed', () => {
    for (const code of ['TOTAL', 'ALL', 'AG2', 'AG6']) expect(() => hs.get(code)).toThrow(ReferenceInputError)
  })

  it('has 21 sections with English and Korean titles covering chapters 01–97', () => {
    const sections = hs.sections()
    expect(sections).toHaveLength(21)
    expect(sections.flatMap((s) => s.chapters)).toHaveLength(96)
    expect(hs.section('XVI')).toMatchObject({ number: 16, chapters: ['84', '85'] })
    expect(hs.section(16)?.code).toBe('XVI')
    expect(hs.section('I')?.nameKo).toBe('살아 있는 동물과 동물성 생산품')
    for (const s of sections) expect(s.nameKo.length).toBeGreaterThan(1)
  })
})

describe('lookups', () => {
  it('gets a heading with its parent and section', () => {
    expect(hs.get('0202')).toEqual({
      code: '0202',
      level: 4,
      edition: '2022',
      nameEn: 'Meat of bovine animals; frozen',
      nameKo: '쇠고기(냉동한 것으로 한정한다)',
      nameKoSource: 'kcs-api',
      parent: '02',
      section: 'I',
    })
  })

  it("names headings and subheadings with the KCS API's own text", () => {
    expect(hs.get('0202')?.nameKo).toBe('쇠고기(냉동한 것으로 한정한다)')
    expect(hs.get('0201')?.nameKo).toBe('쇠고기(신선한 것이나 냉장한 것으로 한정한다)')
    expect(hs.get('8542')).toMatchObject({ nameKo: '전자집적회로', nameKoSource: 'kcs-api' })
    // 6-digit names are relative to the heading, as the API returns them.
    expect(hs.get('854232')).toMatchObject({ nameKo: '메모리', nameKoSource: 'kcs-api' })
    expect(hs.get('020230')).toMatchObject({ nameKo: '뼈 없는 것', nameKoSource: 'kcs-api' })
    // Every non-empty name of the extract is the entry's name, exactly (no-break spaces included).
    let checked = 0
    for (const { code = '', name_ko: name = '' } of readCsv('hs/kcs-api-hs-names.csv')) {
      if (name === '' || code.startsWith('2424')) continue // 2424: the KCS pseudo-code, no HS code
      expect(hs.get(code), code).toMatchObject({ nameKo: name, nameKoSource: 'kcs-api' })
      checked++
    }
    expect(checked).toBe(1204 + 5425)
    expect(hs.get('520542')?.nameKo).toContain('14수 초과\u00a0\u00a0 43수 이하')
  })

  it('gives a sample of subheadings the names real API output carries (trade_data_v2@f94df2d)', () => {
    // Transcribed from ranking_6d of the JSON (see data/SOURCES.md), independently of the extract.
    const sample: Record<string, string> = {
      '010121': '번식용',
      '010129': '기타',
      '854231':
        '프로세서와 컨트롤러[메모리ㆍ변환기ㆍ논리회로ㆍ증폭기ㆍ클록(clock)ㆍ타이밍(timing) 회로나 그 밖의 회로를 갖춘 것인지는 상관없다]',
      '854232': '메모리',
      '271019': '기타',
      '847330': '제8471호에 해당하는 기계의 부분품과 부속품',
    }
    for (const [code, name] of Object.entries(sample)) expect(hs.get(code)?.nameKo, code).toBe(name)
  })

  it('falls back to the HSK text where the API gives no name, and says where each name comes from', () => {
    // 010130: no API name; its only HSK line 0101300000 states the subheading's text.
    expect(hs.get('010130')).toMatchObject({ nameKo: '당나귀', nameKoSource: 'hsk' })
    // 860800: the API returns an empty name and the HSK file states none: no name, none invented.
    expect(hs.get('860800')?.nameKo).toBeUndefined()
    expect(hs.get('02')).toMatchObject({ nameKo: '육과 식용 설육(屑肉)', nameKoSource: 'tariff-schedule' })
    const counts: Record<string, number> = {}
    for (const e of hs.all()) {
      expect(e.nameKoSource === undefined, e.code).toBe(e.nameKo === undefined)
      const key = `${e.level}:${e.nameKoSource ?? '-'}`
      counts[key] = (counts[key] ?? 0) + 1
    }
    expect(counts).toEqual({
      '2:tariff-schedule': 96,
      '2:-': 1, // 99, UN Comtrade's, not in the tariff schedule
      '4:kcs-api': 1204,
      '4:hsk': 8,
      '4:-': 17,
      '6:kcs-api': 5425,
      '6:hsk': 154,
      '6:-': 34,
    })
    for (const c of hs.chapters()) if (c.code !== '99') expect(c.nameKo).toBeTruthy()
  })

  it('keeps Korean names in older editions only where the English text is unchanged', () => {
    expect(hs.get('020230', { edition: '2017' })).toMatchObject({
      nameKo: '뼈 없는 것',
      nameKoSource: 'kcs-api',
    })
    for (const edition of ['2017', '2012'] as const) {
      for (const e of hs.all({ edition })) {
        if (!e.nameKo) continue
        const now = hs.get(e.code)
        expect(now?.nameEn).toBe(e.nameEn)
        expect([now?.nameKo, now?.nameKoSource]).toEqual([e.nameKo, e.nameKoSource])
      }
    }
  })

  it('reads edition-specific texts', () => {
    expect(hs.get('020230', { edition: '2017' })?.edition).toBe('2017')
    expect(hs.get('851713')?.nameEn).toMatch(/smartphones/)
    expect(hs.get('851713', { edition: '2017' })).toBeUndefined()
    expect(hs.get('851712', { edition: '2017' })?.nameEn).toMatch(/cellular/)
  })

  it('navigates children, parent and ancestors, including 10-digit HSK codes', () => {
    expect(hs.children('0202').map((e) => e.code)).toEqual(['020210', '020220', '020230'])
    expect(hs.children('020230')).toEqual([])
    expect(hs.children('02').every((e) => e.level === 4 && e.parent === '02')).toBe(true)
    expect(hs.parent('020230')?.code).toBe('0202')
    expect(hs.parent('0202')?.code).toBe('02')
    expect(hs.parent('02')).toBeUndefined()
    expect(hs.parent('0202300000')?.code).toBe('020230')
    expect(hs.ancestors('0202300000').map((e) => e.code)).toEqual(['02', '0202', '020230'])
    expect(hs.ancestors('020230').map((e) => e.code)).toEqual(['02', '0202'])
    expect(hs.ancestors('02')).toEqual([])
  })

  it('accepts the usual separators in codes', () => {
    expect(hs.get('0202.30')?.code).toBe('020230')
    expect(hs.ancestors('8518.30-9000').map((e) => e.code)).toEqual(['85', '8518', '851830'])
  })

  it('validates codes per edition without throwing', () => {
    expect(hs.isValid('0202')).toBe(true)
    expect(hs.isValid('851713')).toBe(true)
    expect(hs.isValid('851713', { edition: '2017' })).toBe(false)
    expect(hs.isValid('77')).toBe(false)
    expect(hs.isValid('0202300000')).toBe(false)
    expect(hs.isValid(202)).toBe(false)
    expect(hs.isValid('0202', { edition: '1996' as HsEdition })).toBe(false)
  })

  it('reports levels and rejects malformed codes with a typed error and a hint', () => {
    expect(hs.level('0202300000')).toBe(10)
    expect(hs.level('0202')).toBe(4)
    expect(hs.level('03019940')).toBe(8)
    for (const bad of ['', '1', '020', '02023', '02023000001', 'beef', '02a2']) {
      expect(() => hs.level(bad)).toThrow(ReferenceInputError)
    }
    const error = (() => {
      try {
        hs.get(202 as unknown as string)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ReferenceInputError)
    expect((error as ReferenceInputError).hint).toMatch(/string/)
    expect(() => hs.get('0202', { edition: '2007' as HsEdition })).toThrow(/edition/)
  })
})

describe('search', () => {
  it('finds the 0201/0202 beef headings for 소고기 at the top, with their Korean names', () => {
    // The API spells beef 쇠고기; 소고기 finds it through the synonym pair. 021020 (salted, dried or
    // smoked) is named exactly 쇠고기, so it ranks first.
    const results = hs.search('소고기', { lang: 'ko' })
    expect(results.slice(0, 3).map((r) => r.code)).toEqual(['021020', '0202', '0201'])
    expect(results[1]).toMatchObject({ nameKo: '쇠고기(냉동한 것으로 한정한다)', match: 'prefix' })
    expect(results[2]?.nameKo).toBe('쇠고기(신선한 것이나 냉장한 것으로 한정한다)')
    const codes = results.map((r) => r.code)
    for (const c of ['020110', '020120', '020130', '020210', '020220', '020230']) expect(codes).toContain(c)
  })

  it('ranks beef meat above live cattle and bovine semen in English', () => {
    const codes = hs.search('beef', { limit: 50 }).map((r) => r.code)
    expect(codes.slice(0, 2)).toEqual(['0202', '0201'])
    for (const other of ['0102', '051110']) {
      expect(codes.indexOf(other)).toBeGreaterThan(codes.indexOf('0201'))
    }
    expect(hs.search('pork')[0]?.code).toBe('0203')
    expect(hs.search('mutton')[0]?.code).toBe('0204')
    // The plain word still finds everything bovine, live animals first.
    expect(hs.search('bovine')[0]?.code).toBe('0102')
  })

  it('treats 쇠고기 as 소고기 and Korean with or without spaces alike', () => {
    expect(hs.search('쇠고기').map((r) => r.code)).toContain('0202')
    // Words that never occur together: each must occur, synonyms included.
    const boneless = hs.search('뼈 없는 쇠고기', { level: 6 }).map((r) => r.code)
    expect(boneless.slice(0, 2).sort()).toEqual(['020130', '020230'])
    const spaced = hs.search('뼈 없는 것').map((r) => r.code)
    expect(hs.search('뼈없는것').map((r) => r.code)).toEqual(spaced)
    expect(spaced).toContain('020230')
    expect(hs.search('뼈없는것')[0]?.match).toBe('exact')
  })

  it('finds frozen beef at 6 digits in 0202', () => {
    const results = hs.search('frozen beef', { lang: 'en', level: 6, limit: 10 })
    expect(results.length).toBeGreaterThan(0)
    expect(results.every((r) => r.level === 6)).toBe(true)
    expect(results.slice(0, 3).every((r) => r.code.startsWith('0202') || r.code.startsWith('0206'))).toBe(
      true,
    )
    for (const c of ['020210', '020220', '020230']) expect(results.map((r) => r.code)).toContain(c)
  })

  it('is case-insensitive in English and ranks the exact name first', () => {
    expect(hs.search('MATE').map((r) => r.code)).toEqual(hs.search('mate').map((r) => r.code))
    const [first] = hs.search('Mate')
    expect(first).toMatchObject({ code: '0903', match: 'exact' })
    expect(hs.search('copra')[0]).toMatchObject({ code: '1203', match: 'exact' })
    expect(hs.search('smartphones', { level: 6 })[0]?.code).toBe('851713')
  })

  it('matches word prefixes and requires every word', () => {
    expect(hs.search('smartph', { level: 6 }).map((r) => r.code)).toContain('851713')
    expect(hs.search('frozen zzzyx')).toEqual([])
  })

  it('searches code prefixes: 8518 finds itself first, then its subheadings', () => {
    const results = hs.search('8518', { limit: 50 })
    expect(results[0]).toMatchObject({ code: '8518', match: 'code' })
    expect(results.slice(1).map((r) => r.code)).toEqual(hs.children('8518').map((e) => e.code))
    expect(hs.search('8518', { level: 6 }).every((r) => r.code.startsWith('8518') && r.level === 6)).toBe(
      true,
    )
    expect(hs.search('85').length).toBe(20)
  })

  it('searches older editions, borrowing Korean keywords through the correlation', () => {
    expect(hs.search('소고기', { edition: '2012' }).map((r) => r.code)).toContain('020230')
    expect(hs.search('telephones cellular', { edition: '2017', level: 6 })[0]?.code).toBe('851712')
  })

  it('honours limit and rejects bad options', () => {
    expect(hs.search('other', { limit: 3 })).toHaveLength(3)
    expect(hs.search('   ')).toEqual([])
    expect(() => hs.search('beef', { limit: 0 })).toThrow(ReferenceInputError)
    expect(() => hs.search('beef', { lang: 'jp' as 'en' })).toThrow(ReferenceInputError)
    expect(() => hs.search('beef', { level: 10 as 6 })).toThrow(/hsk.search/)
    expect(() => hs.search(42 as unknown as string)).toThrow(ReferenceInputError)
  })
})

describe('conversion', () => {
  const pairs: [HsEdition, HsEdition][] = [
    ['2022', '2017'],
    ['2022', '2012'],
    ['2017', '2012'],
  ]

  it('converts 020230 between editions', () => {
    expect(hs.convert('020230', { from: '2017', to: '2022' })).toEqual([
      { code: '020230', relationship: '1:1' },
    ])
    expect(hs.convert('020230', { from: '2022', to: '2017' })).toEqual([
      { code: '020230', relationship: '1:1', primary: true },
    ])
    expect(hs.convert('020230', { from: '2022', to: '2022' })).toEqual([
      { code: '020230', relationship: '1:1', primary: true },
    ])
  })

  it('splits HS2017 851712 into the HS2022 smartphone subheadings', () => {
    const targets = hs.convert('851712', { from: '2017', to: '2022' }).map((t) => t.code)
    expect(targets).toEqual(expect.arrayContaining(['851713', '851714']))
    expect(hs.convert('851713', { from: '2022', to: '2017' })).toEqual([
      { code: '851712', relationship: 'n:1', primary: true },
    ])
  })

  for (const [newer, older] of pairs) {
    it(`round-trips HS${newer} ↔ HS${older} for every correlated code`, () => {
      let checked = 0
      for (const entry of hs.all({ edition: newer, level: 6 })) {
        const targets = hs.convert(entry.code, { from: newer, to: older })
        // UNSD also correlates the non-standard 999999 with itself.
        if (entry.nonStandard)
          expect(targets).toEqual([{ code: '999999', relationship: '1:1', primary: true }])
        // Every real subheading has exactly one conversion-table target among its correlations.
        expect(targets.filter((t) => t.primary)).toHaveLength(1)
        for (const target of targets) {
          expect(hs.isValid(target.code, { edition: older })).toBe(true)
          const back = hs.convert(target.code, { from: older, to: newer })
          const pair = back.find((b) => b.code === entry.code)
          expect(pair).toBeDefined()
          const flipped = { '1:1': '1:1', '1:n': 'n:1', 'n:1': '1:n', 'n:n': 'n:n' }[target.relationship]
          expect(pair?.relationship).toBe(flipped)
          if (target.relationship === '1:1') expect(back).toHaveLength(1)
        }
        checked++
      }
      expect(checked).toBe(hs.all({ edition: newer, level: 6 }).length)
    })
  }

  it('carries the UNSD "ex" flag of HS2017→HS2012 as partial', () => {
    const partial = hs
      .all({ edition: '2017', level: 6 })
      .flatMap((e) => hs.convert(e.code, { from: '2017', to: '2012' }))
      .filter((t) => t.partial)
    expect(partial).toHaveLength(1353)
  })

  it('converts the subheading of a 10-digit code and rejects headings with a hint', () => {
    expect(hs.convert('0202300000', { from: '2022', to: '2012' })[0]?.code).toBe('020230')
    expect(() => hs.convert('0202', { from: '2022', to: '2017' })).toThrow(/hs.children/)
    expect(() => hs.convert('020230', { from: '2022', to: '2028' as HsEdition })).toThrow(ReferenceInputError)
    expect(hs.convert('010110', { from: '2022', to: '2017' })).toEqual([])
  })
})
