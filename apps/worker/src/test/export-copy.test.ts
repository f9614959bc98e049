/**
 * On PostgreSQL the export reads with COPY and splices names into text lines (export/copy-rows.ts); on
 * PGlite it reads pages of rows and formats each (export/run.ts). The same mirror must give the same
 * bytes both ways, with names that need quoting or escaping, countries and HS lines the reference
 * lacks, every HS edition, and measures at the ends of the safe range.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { type KcsDatabase, schema } from '@kcs-trade/db'
import { hsk } from '@kcs-trade/reference'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ExportRequest, runExport } from '../export/run.js'
import type { ExportFormat } from '../export/writers.js'
import { openDatabase } from '../sync/engine.js'
import { available, createTestDatabase } from '../test-utils/services.js'

const tmp = mkdtempSync(join(tmpdir(), 'kcs-export-copy-'))

const MAX = Number.MAX_SAFE_INTEGER
const ITEM_NAMES = ['', '쇠고기, "냉동"', '줄\n바꿈\r끝', 'back\\slash\ttab', '\\N', '기타', ' 앞뒤 공백 ']
const known = hsk.all()[0]?.code ?? '0101211000'

/** Rows over three HS editions, known and unknown countries and codes, and awkward names. */
function mirrorRows() {
  const rows: Array<typeof schema.tradeRows.$inferInsert> = []
  const codes = [known, '9999999999', '99999999', '010121', '0101', '01', '851830', '85183090', '12345']
  const countries: Array<[string, string]> = [
    ['US', '미국'],
    ['QQ', '가상, "국가"'],
    ['KR', '한국'],
  ]
  let i = 0
  for (const period of ['2016-03-01', '2019-07-01', '2023-01-01', '2025-12-01'])
    for (const [country, countryName] of countries)
      for (const hsCode of codes) {
        i++
        rows.push({
          period,
          countryCode: country,
          // the row path keeps the first row's name of a country the reference lacks
          countryName: i % 5 === 0 ? `${countryName} (다른 이름)` : countryName,
          hsCode,
          itemName: ITEM_NAMES[i % ITEM_NAMES.length] ?? '',
          exportKg: i % 7 === 0 ? MAX : i * 1000,
          exportUsd: i * 37,
          importKg: i % 11 === 0 ? 0 : i * 3,
          importUsd: i % 3 === 0 ? MAX : i,
          balanceUsd: i % 3 === 0 ? i * 37 - MAX : i * 36,
        })
      }
  return rows
}

function io() {
  const quiet = new Writable({ write: (_c, _e, cb) => cb() })
  return {
    stdout: quiet,
    stderr: quiet as unknown as NodeJS.WriteStream,
    shutdown: new AbortController().signal,
  }
}

function request(out: string, format: ExportFormat, over: Partial<ExportRequest> = {}): ExportRequest {
  return {
    out,
    format,
    countries: [],
    hsPrefix: undefined,
    from: undefined,
    to: undefined,
    level: undefined,
    json: false,
    ...over,
  }
}

describe.skipIf(!available.postgres)(
  'export: COPY on PostgreSQL gives the bytes of the row path (PGlite)',
  () => {
    let pg: KcsDatabase
    let lite: KcsDatabase
    let drop: (() => Promise<void>) | undefined
    beforeAll(async () => {
      const created = await createTestDatabase('export_copy')
      drop = created.drop
      pg = await openDatabase(created.url)
      lite = await openDatabase('memory://')
      const rows = mirrorRows()
      for (const db of [pg, lite]) await db.insert(schema.tradeRows).values(rows)
    })
    afterAll(async () => {
      await pg?.close()
      await lite?.close()
      await drop?.()
      rmSync(tmp, { recursive: true, force: true })
    })

    const selections: Array<[string, Partial<ExportRequest>]> = [
      ['everything', {}],
      ['two countries, a window', { countries: ['QQ', 'US'], from: '2019-01', to: '2023-12' }],
      ['an HS prefix', { hsPrefix: '0101' }],
      ['one country the reference lacks', { countries: ['QQ'] }],
    ]
    for (const format of ['csv', 'json', 'parquet'] as const)
      it.each(selections)(`${format}: %s`, async (_name, over) => {
        const a = join(tmp, `pg.${format}`)
        const b = join(tmp, `lite.${format}`)
        const onPg = await runExport(pg, request(a, format, over), io(), { quiet: true })
        const onLite = await runExport(lite, request(b, format, over), io(), { quiet: true })
        expect(onPg.rows).toBeGreaterThan(0)
        expect({ ...onPg, out: '', seconds: 0, rowsPerSecond: 0 }).toEqual({
          ...onLite,
          out: '',
          seconds: 0,
          rowsPerSecond: 0,
        })
        expect(readFileSync(a).equals(readFileSync(b))).toBe(true)
      })
  },
)
