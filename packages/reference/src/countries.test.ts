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

describe('countries table', () => {
  it('covers every ISO 3166-1 alpha-2 code of the sources plus EU, XK and the CLDR exceptional codes', () => {
    const iso = Object.keys(json('i18n-iso-countries-7.14.0-en.json').countries)
    const codes = countries.all().map((c) => c.code)
    expect(codes).toEqual([...codes].sort())
    for (const code of iso) expect(codes).toContain(code)
    for (const code of ['EU', 'XK', 'AC', 'CP', 'CQ', 'DG', 'EA', 'IC', 'TA']) expect(codes).toContain(code)
    // Not places: pseudo-locales, unknown region, euro area, UN, Outlying Oceania.
    for (const code of ['XA', 'XB', 'ZZ', 'EZ', 'UN', 'QO']) expect(countries.get(code)).toBeUndefined()
    expect(codes).toHaveLength(iso.length + 8)
    expect(countries.all().filter((c) => c.kind === 'iso')).toHaveLength(iso.length - 1)
  })

  it('knows NA as Namibia, not as a missing value', () => {
    expect(countries.get('NA')).toMatchObject({
      code: 'NA',
      nameKo: '나미비아',
      nameEn: 'Namibia',
      alpha3: 'NAM',
    })
  })

  it('uses the foreign ministry spelling where it has one, else CLDR', () => {
    const mofa = parse(readFileSync(join(data, 'mofa-country-codes-20230324.utf8.csv'), 'utf8'), {
      columns: true,
    }) as Record<string, string>[]
    const cldrKo = json('cldr-48.2.0-ko-territories.json').main.ko.localeDisplayNames.territories
    const mofaCodes = new Set(mofa.map((r) => r['ISO alpha2']))
    for (const row of mofa) {
      expect(countries.get(row['ISO alpha2'] as string)).toMatchObject({
        nameKo: row.한글명,
        nameKoSource: 'mofa',
      })
    }
    for (const c of countries.all()) {
      if (!mofaCodes.has(c.code)) expect(c).toMatchObject({ nameKo: cldrKo[c.code], nameKoSource: 'cldr' })
    }
    expect(countries.get('AU')?.nameKo).toBe('호주')
    expect(countries.get('AU')?.aliases).toContain('오스트레일리아')
    expect(countries.get('KR')).toMatchObject({ nameKo: '대한민국', alpha3: 'KOR', numeric: '410' })
  })

  it('carries the spelling KCS returns for AE and aliases from every source', () => {
    const ae = countries.get('AE')
    expect(ae).toMatchObject({ nameKo: '아랍에미리트', kcsNameKo: '아랍에미리트 연합', kcsNameKoKnown: true })
    expect(ae?.aliases).toEqual(expect.arrayContaining(['아랍에미리트 연합', 'UAE']))
    expect(countries.get('US')).toMatchObject({ kcsNameKo: '미국', kcsNameKoKnown: false })
    expect(countries.get('US')?.aliases).toEqual(expect.arrayContaining(['United States of America', 'USA']))
    expect(countries.get('TR')?.aliases).toEqual(expect.arrayContaining(['튀르키예', '터키', 'Turkey']))
    expect(countries.get('HK')?.aliases).toContain('Hongkong') // the MOFA English spelling
    for (const c of countries.all()) {
      expect(c.aliases).not.toContain(c.nameKo)
      expect(c.aliases).not.toContain(c.nameEn)
    }
  })

  it('gives ISO alpha-3 and numeric for ISO codes only', () => {
    expect(countries.get('SD')).toMatchObject({ alpha3: 'SDN', numeric: '729' })
    expect(countries.get('EU')).toMatchObject({
      nameKo: '유럽 연합',
      nameEn: 'European Union',
      kind: 'union',
    })
    expect(countries.get('EU')?.alpha3).toBeUndefined()
    expect(countries.get('XK')).toMatchObject({ nameKo: '코소보', kind: 'user-assigned' })
    expect(countries.get('XK')?.numeric).toBeUndefined()
    for (const c of countries.all()) {
      if (c.kind === 'iso') expect(c.alpha3).toMatch(/^[A-Z]{3}$/)
      if (c.kind === 'iso') expect(c.numeric).toMatch(/^\d{3}$/)
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

  it('does not guess between countries sharing an alias', () => {
    expect(countries.byName('Congo')).toBeUndefined()
    expect(countries.byName('콩고')?.code).toBe('CG') // only i18n-iso-countries' CG name
    expect(countries.byName('Republic of the Congo')?.code).toBe('CG')
    expect(countries.byName('콩고민주공화국')?.code).toBe('CD')
    expect(countries.byName('Atlantis')).toBeUndefined()
  })

  it('reports unknown well-formed codes as undefined and rejects malformed ones', () => {
    expect(countries.get('QQ')).toBeUndefined()
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
