import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'csv-parse/sync'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { countries } from './countries.js'
import { ReferenceInputError } from './errors.js'

const data = join(import.meta.dirname, '..', 'data', 'countries')
const json = (file: string) => JSON.parse(readFileSync(join(data, file), 'utf8'))

/** The KCS code table (data/countries/kcs-country-names.tsv): code -> KCS Korean spelling. */
const kcsNames = new Map(
  readFileSync(join(data, 'kcs-country-names.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t').slice(0, 2) as [string, string]),
)

describe('countries table', () => {
  it('is exactly the 269 codes of the KCS code list, sorted', () => {
    expect(kcsNames.size).toBe(269)
    const codes = countries.all().map((c) => c.code)
    expect(codes).toEqual([...kcsNames.keys()].sort())
    expect(codes).toHaveLength(269)
    // Kosovo is in the ISO/MOFA sources but not in the KCS list; the ISO reserved codes CLDR names
    // (AC, CP, …) and its non-places (XA, EZ, UN, QO) neither.
    for (const code of ['XK', 'AC', 'CP', 'CQ', 'DG', 'EA', 'IC', 'TA', 'XA', 'XB', 'EZ', 'UN', 'QO']) {
      expect(countries.get(code), code).toBeUndefined()
      expect(countries.has(code)).toBe(false)
    }
  })

  it('gives every code the Korean spelling KCS returns, exactly', () => {
    for (const c of countries.all()) {
      expect(c.kcsNameKo, c.code).toBe(kcsNames.get(c.code))
      expect(c.kcsNameKoKnown).toBe(true)
    }
    expect(countries.get('AE')?.kcsNameKo).toBe('아랍에미리트 연합')
    expect(countries.get('EC')?.kcsNameKo).toBe('에쿠아도르')
    expect(countries.get('KR')?.kcsNameKo).toBe('한국')
    // `&` is kept as KCS writes it (the API's XML escapes it as &amp;).
    expect(countries.get('GS')?.kcsNameKo).toBe('남조지아 & 남샌드위치 군도')
    expect(countries.get('TC')?.kcsNameKo).toBe('투르크 & 카이코스 군도')
    expect(countries.get('WF')?.kcsNameKo).toBe('왈라스 & 퓨투나 군도')
  })

  it('has every ISO 3166-1 code of the sources but XK, and 20 KCS codes that are not ISO', () => {
    const iso = Object.keys(json('i18n-iso-countries-7.14.0-en.json').countries).filter((c) => c !== 'XK')
    expect(iso).toHaveLength(249)
    for (const code of iso) expect(countries.get(code)?.kind, code).toBe('iso')
    const nonIso = Object.fromEntries(
      countries
        .all()
        .filter((c) => c.kind !== 'iso')
        .map((c) => [c.code, c.kind]),
    )
    const kinds = (codes: string, kind: string) => Object.fromEntries(codes.split(' ').map((c) => [c, kind]))
    expect(nonIso).toEqual({
      EU: 'union',
      ZZ: 'user-assigned',
      ...kinds('AN CS CT FX JT MI NQ NT PZ TP WK YU ZR', 'former-iso'),
      ...kinds('PO RA RK YM Z1', 'kcs-only'),
    })
  })

  it('knows NA as Namibia, not as a missing value', () => {
    expect(countries.get('NA')).toMatchObject({
      code: 'NA',
      nameKo: '나미비아',
      nameEn: 'Namibia',
      alpha3: 'NAM',
      kcsNameKo: '나미비아',
    })
  })

  it('uses the foreign ministry spelling where it has one, else CLDR, else the KCS one', () => {
    const mofa = parse(readFileSync(join(data, 'mofa-country-codes-20230324.utf8.csv'), 'utf8'), {
      columns: true,
    }) as Record<string, string>[]
    const cldrKo = json('cldr-48.2.0-ko-territories.json').main.ko.localeDisplayNames.territories
    const mofaCodes = new Set(mofa.map((r) => r['ISO alpha2']))
    for (const row of mofa) {
      if (row['ISO alpha2'] === 'XK') continue
      expect(countries.get(row['ISO alpha2'] as string)).toMatchObject({
        nameKo: row.한글명,
        nameKoSource: 'mofa',
      })
    }
    for (const c of countries.all()) {
      if (mofaCodes.has(c.code)) continue
      if (cldrKo[c.code]) expect(c).toMatchObject({ nameKo: cldrKo[c.code], nameKoSource: 'cldr' })
      else expect(c).toMatchObject({ nameKo: c.kcsNameKo, nameKoSource: 'kcs' })
    }
    expect(countries.get('AU')?.nameKo).toBe('호주')
    expect(countries.get('AU')?.aliases).toContain('오스트레일리아')
    expect(countries.get('KR')).toMatchObject({ nameKo: '대한민국', alpha3: 'KOR', numeric: '410' })
    expect(countries.get('YU')).toMatchObject({ nameKo: '유고', nameKoSource: 'kcs' })
  })

  it('names the KCS codes CLDR lacks in English by hand, and uses CLDR where it has a name', () => {
    const cldrEn = json('cldr-48.2.0-en-territories.json').main.en.localeDisplayNames.territories
    for (const c of countries.all()) {
      if (cldrEn[c.code]) expect(c.nameEn, c.code).toBe(cldrEn[c.code])
      else expect(['former-iso', 'kcs-only']).toContain(c.kind)
    }
    expect(countries.get('EU')?.nameEn).toBe('European Union')
    expect(countries.get('ZZ')).toMatchObject({ nameEn: 'Unknown Region', kcsNameKo: '기타국' })
    expect(countries.get('Z1')).toMatchObject({
      nameEn: 'International Monetary Fund',
      kcsNameKo: '국제통화기금',
    })
    expect(countries.get('YU')?.nameEn).toBe('Yugoslavia')
    expect(countries.get('TP')?.nameEn).toBe('East Timor (former code)')
  })

  it('keeps the other spellings as aliases', () => {
    const ae = countries.get('AE')
    expect(ae).toMatchObject({ nameKo: '아랍에미리트', kcsNameKo: '아랍에미리트 연합', kcsNameKoKnown: true })
    expect(ae?.aliases).toEqual(expect.arrayContaining(['아랍에미리트 연합', 'UAE']))
    expect(countries.get('US')).toMatchObject({ kcsNameKo: '미국', kcsNameKoKnown: true })
    expect(countries.get('US')?.aliases).toEqual(expect.arrayContaining(['United States of America', 'USA']))
    expect(countries.get('TR')?.aliases).toEqual(expect.arrayContaining(['튀르키예', '터키', 'Turkey']))
    expect(countries.get('EC')?.aliases).toContain('에쿠아도르')
    expect(countries.get('HK')?.aliases).toContain('Hongkong') // the MOFA English spelling
    for (const c of countries.all()) {
      expect(c.aliases).not.toContain(c.nameKo)
      expect(c.aliases).not.toContain(c.nameEn)
      if (c.kcsNameKo !== c.nameKo) expect(c.aliases).toContain(c.kcsNameKo)
    }
  })

  it('gives ISO alpha-3 and numeric for ISO codes only', () => {
    expect(countries.get('SD')).toMatchObject({ alpha3: 'SDN', numeric: '729' })
    expect(countries.get('EU')).toMatchObject({
      nameKo: '유럽 연합',
      nameEn: 'European Union',
      kcsNameKo: '유럽연합',
      kind: 'union',
    })
    for (const c of countries.all()) {
      if (c.kind === 'iso') {
        expect(c.alpha3).toMatch(/^[A-Z]{3}$/)
        expect(c.numeric).toMatch(/^\d{3}$/)
      } else {
        expect(c.alpha3).toBeUndefined()
        expect(c.numeric).toBeUndefined()
      }
    }
  })
})

describe('countries lookups', () => {
  it('finds countries by Korean and English names, aliases and codes', () => {
    expect(countries.byName('아랍에미리트 연합')?.code).toBe('AE')
    expect(countries.byName('아랍에미리트연합')?.code).toBe('AE')
    expect(countries.byName('United States')?.code).toBe('US')
    expect(countries.byName('united states of america')?.code).toBe('US')
    expect(countries.byName('U.S.A.')?.code).toBe('US')
    expect(countries.byName('미국')?.code).toBe('US')
    expect(countries.byName("Cote d'Ivoire")?.code).toBe('CI')
    expect(countries.byName('Côte d’Ivoire')?.code).toBe('CI')
    expect(countries.byName('UK')?.code).toBe('GB')
    expect(countries.byName('KOR')?.code).toBe('KR')
    expect(countries.byName('NA')?.code).toBe('NA')
    expect(countries.byName('터키')?.code).toBe('TR')
    expect(countries.byName('Namibia')?.code).toBe('NA')
  })

  it('finds EC, TR and PG by the KCS spelling and by the MOFA/CLDR one', () => {
    for (const [code, names] of Object.entries({
      EC: ['에콰도르', '에쿠아도르', 'Ecuador'],
      TR: ['튀르키예', '터키', '튀르키예공화국', 'Türkiye', 'Turkey'],
      PG: ['파푸아뉴기니', '파푸아 뉴기니', 'Papua New Guinea'],
    })) {
      for (const name of names) expect(countries.byName(name)?.code, name).toBe(code)
    }
  })

  it('finds every entry by its KCS spelling, its nameKo and its nameEn', () => {
    for (const c of countries.all()) {
      for (const name of [c.kcsNameKo, c.nameKo, c.nameEn])
        expect(countries.byName(name)?.code, name).toBe(c.code)
    }
    expect(countries.byName('기타국')?.code).toBe('ZZ')
    expect(countries.byName('East Timor')?.code).toBe('TL') // TP is the former code
  })

  it('does not guess between countries sharing an alias', () => {
    expect(countries.byName('Congo')).toBeUndefined()
    expect(countries.byName('콩고')?.code).toBe('CG') // only i18n-iso-countries' CG name
    expect(countries.byName('Republic of the Congo')?.code).toBe('CG')
    expect(countries.byName('콩고민주공화국')?.code).toBe('CD')
    expect(countries.byName('Atlantis')).toBeUndefined()
  })

  it('reports unknown well-formed codes as undefined and rejects malformed ones', () => {
    expect(countries.get('QQ')).toBeUndefined()
    expect(countries.get('Z1')?.code).toBe('Z1') // the one KCS code with a digit (the IMF)
    expect(countries.byName('Z1')?.code).toBe('Z1')
    expect(() => countries.get('z1')).toThrow(/'Z1'/)
    expect(countries.has('QQ')).toBe(false)
    expect(countries.has('US')).toBe(true)
    expect(countries.has(1)).toBe(false)
    for (const bad of [undefined, null, 1, 'USA', 'U', '', '1A']) {
      expect(() => countries.get(bad as string)).toThrow(ReferenceInputError)
    }
    expect(() => countries.get('us')).toThrow(/'US'/)
    expect(() => countries.byName(3 as unknown as string)).toThrow(ReferenceInputError)
    try {
      countries.get('USA')
    } catch (error) {
      expect((error as ReferenceInputError).hint).toMatch(/byName/)
      expect((error as ReferenceInputError).name).toBe('ReferenceInputError')
    }
  })
})

describe('module graph', () => {
  const srcDir = import.meta.dirname

  async function bundleInputs(entry: string): Promise<string[]> {
    const result = await build({
      stdin: { contents: entry, resolveDir: srcDir, loader: 'ts' },
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
    })
    const output = Object.values(result.metafile.outputs)[0]
    return Object.keys(output?.inputs ?? {})
  }

  it('importing countries loads no HS or HSK table', async () => {
    const inputs = await bundleInputs("export { countries } from './countries.ts'")
    expect(inputs.some((i) => i.endsWith('generated/countries.ts'))).toBe(true)
    // The HS and HSK tables are read through internal/data.ts only, by hs.ts and hsk.ts only.
    expect(inputs.filter((i) => /internal\/(data|hs-table)\.ts$|\/(hs|hsk)\.ts$/.test(i))).toEqual([])
  })

  it('importing hsk reads HS2022 but not the older editions or the correlation tables', async () => {
    const result = await build({
      entryPoints: [join(srcDir, 'hsk.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
    })
    const code = result.outputFiles[0]?.text ?? ''
    expect(code).toContain('loadData("hsk")')
    expect(code).not.toMatch(/correlation-20|hs-2017|hs-2012/)
  })

  it('importing only countries from the root index drops the HS and HSK modules', async () => {
    const inputs = await bundleInputs(
      "import { countries } from './index.ts'; console.log(countries.get('US'))",
    )
    expect(inputs.filter((i) => /internal\/(data|hs-table)\.ts$|\/(hs|hsk)\.ts$/.test(i))).toEqual([])
  })

  it('a fresh process importing /countries reads no table file', () => {
    // Node reports every file it opens through fs; count opens of generated/*.txt.
    const script = `
      import fs from 'node:fs'
      import { syncBuiltinESMExports } from 'node:module'
      const opened = []
      const original = fs.readFileSync
      fs.readFileSync = (path, ...rest) => { opened.push(String(path)); return original(path, ...rest) }
      syncBuiltinESMExports()
      const { countries } = await import(${JSON.stringify(pathToFileURL(join(srcDir, 'countries.ts')).href)})
      countries.all(); countries.byName('미국')
      const { hs } = await import(${JSON.stringify(pathToFileURL(join(srcDir, 'hs.ts')).href)})
      const beforeHs = opened.filter((p) => p.endsWith('.txt')).length
      hs.get('0202')
      const afterHs = opened.filter((p) => p.endsWith('.txt')).map((p) => p.split('/').pop())
      process.stdout.write(JSON.stringify({ beforeHs, afterHs }))
    `
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: join(srcDir, '..'),
    })
    expect(JSON.parse(out)).toEqual({ beforeHs: 0, afterHs: ['hs-2022.txt'] })
  }, 30_000)
})
