import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { hsk } from '@kcs-trade/reference'
import { describe, expect, it } from 'vitest'
import { fileSink, parquetWriter } from '../export/writers.js'

async function duck() {
  const instance = await DuckDBInstance.create(':memory:')
  return instance.connect()
}

describe('Parquet writer', () => {
  it('dictionary-encodes codes and names even when a group holds thousands of distinct codes', async () => {
    // hyparquet-writer picks a dictionary from a 1,000-value sample and gives up when most of it is
    // distinct, as a real group's 10-digit codes are: plain strings made the 5 M-row bench file 211 MB
    // and its export 40 s instead of 136 MB and 25 s.
    const dir = mkdtempSync(join(tmpdir(), 'kcs-parquet-'))
    try {
      const out = join(dir, 'distinct.parquet')
      const { sink } = await fileSink(out)
      const writer = parquetWriter(sink)
      const codes = hsk.all().slice(0, 3_000)
      for (const [i, line] of codes.entries()) {
        await writer.write({
          period: '2025-01',
          country_code: 'US',
          country_name_en: 'United States',
          country_name_ko: '미국',
          hs_code: line.code,
          hs_name_en: `item ${i}`,
          hs_name_ko: `품목 ${i}`,
          export_kg: i,
          export_usd: i * 2,
          import_kg: 0,
          import_usd: 0,
          balance_usd: i * 2,
        })
      }
      await writer.finish()
      const c = await duck()
      try {
        const chunks = (
          await c.runAndReadAll(`select path_in_schema as col, encodings from parquet_metadata('${out}')`)
        ).getRowObjects()
        const encodings = new Map(chunks.map((r) => [String(r.col), String(r.encodings)]))
        for (const col of ['hs_code', 'hs_name_en', 'hs_name_ko'])
          expect(encodings.get(col), col).toMatch(/RLE_DICTIONARY/)
        const n = (await c.runAndReadAll(`select count(distinct hs_code) as n from read_parquet('${out}')`))
          .getRowObjects()
          .map((r) => Number(r.n))
        expect(n).toEqual([codes.length])
      } finally {
        c.closeSync()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
