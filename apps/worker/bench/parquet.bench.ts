/**
 * Which library writes the export's Parquet: the same synthetic rows of the export's shape (12
 * columns: 7 strings with real HSK codes and Korean/English names, 5 integers) written by each
 * candidate in a process of its own, against the same-run baseline of writing them as CSV.
 *
 *   pnpm --filter @kcs-trade/worker bench:parquet             # 1,000,000 rows
 *   pnpm --filter @kcs-trade/worker bench:parquet -- --rows 200000
 *
 * Prints rows/s, peak RSS (the child's maxRSS), file size, and a check that DuckDB reads the file
 * back with the right row count and column types.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { ExportRow } from '../src/export/writers.js'

const CANDIDATES = [
  'csv-baseline',
  'hyparquet-writer',
  'parquet-wasm',
  '@dsnp/parquetjs',
  '@duckdb/node-api',
] as const
type Candidate = (typeof CANDIDATES)[number]
const BATCH = 100_000

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    candidate: { type: 'string' },
    out: { type: 'string' },
  },
})
const ROWS = Number(values.rows)

/** Deterministic rows: 30 countries × months × real HSK lines, measures from an LCG. */
async function* syntheticRows(n: number): AsyncGenerator<ExportRow> {
  const { countries, hsk } = await import('@kcs-trade/reference')
  const lines = hsk.all().slice(0, 5_000)
  const ctry = countries.all().slice(0, 30)
  let seed = 42
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed
  }
  for (let i = 0; i < n; i++) {
    const line = lines[i % lines.length] as (typeof lines)[number]
    const c = ctry[Math.floor(i / lines.length) % ctry.length] as (typeof ctry)[number]
    const month = Math.floor(i / (lines.length * ctry.length)) % 72
    const ex = next() % 5_000_000
    const im = next() % 5_000_000
    yield {
      period: `${2020 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`,
      country_code: c.code,
      country_name_en: c.nameEn,
      country_name_ko: c.nameKo,
      hs_code: line.code,
      hs_name_en: line.nameEn,
      hs_name_ko: i % 7 === 0 ? null : line.nameKo,
      export_kg: next() % 10_000_000,
      export_usd: ex,
      import_kg: next() % 10_000_000,
      import_usd: im,
      balance_usd: ex - im,
    }
  }
}

async function writeWith(candidate: Candidate, out: string, n: number): Promise<void> {
  if (candidate === 'csv-baseline' || candidate === 'hyparquet-writer') {
    const { createRowWriter, fileSink } = await import('../src/export/writers.js')
    const { sink } = await fileSink(out)
    const w = createRowWriter(candidate === 'csv-baseline' ? 'csv' : 'parquet', sink)
    for await (const r of syntheticRows(n)) {
      const p = w.write(r)
      if (p) await p
    }
    await w.finish()
    return
  }
  if (candidate === 'parquet-wasm') {
    const arrow = await import('apache-arrow')
    const pw = await import('parquet-wasm')
    const { createWriteStream } = await import('node:fs')
    const { Writable } = await import('node:stream')
    const batches = async function* () {
      let cols = fresh()
      for await (const r of syntheticRows(n)) {
        push(cols, r)
        if (cols.period.length === BATCH) {
          yield cols
          cols = fresh()
        }
      }
      if (cols.period.length > 0) yield cols
    }
    const iterator = batches()
    const source = new ReadableStream({
      async pull(controller) {
        const next = await iterator.next()
        if (next.done) return controller.close()
        const c = next.value
        const table = arrow.tableFromArrays({
          period: c.period,
          country_code: c.country_code,
          country_name_en: c.country_name_en,
          country_name_ko: c.country_name_ko,
          hs_code: c.hs_code,
          hs_name_en: c.hs_name_en,
          hs_name_ko: arrow.vectorFromArray(c.hs_name_ko, new arrow.Utf8()),
          export_kg: BigInt64Array.from(c.export_kg, BigInt),
          export_usd: BigInt64Array.from(c.export_usd, BigInt),
          import_kg: BigInt64Array.from(c.import_kg, BigInt),
          import_usd: BigInt64Array.from(c.import_usd, BigInt),
          balance_usd: BigInt64Array.from(c.balance_usd, BigInt),
        } as never) as unknown as import('apache-arrow').Table
        const wasm = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'))
        for (const b of wasm.recordBatches()) controller.enqueue(b)
      },
    })
    const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).build()
    const bytes = await pw.transformParquetStream(source, props)
    await bytes.pipeTo(Writable.toWeb(createWriteStream(out)))
    return
  }
  if (candidate === '@dsnp/parquetjs') {
    const parquet = (await import('@dsnp/parquetjs')).default as typeof import('@dsnp/parquetjs')
    const str = { type: 'UTF8' as const }
    const opt = { type: 'UTF8' as const, optional: true }
    const int = { type: 'INT64' as const }
    const schema = new parquet.ParquetSchema({
      period: str,
      country_code: str,
      country_name_en: opt,
      country_name_ko: opt,
      hs_code: str,
      hs_name_en: opt,
      hs_name_ko: opt,
      export_kg: int,
      export_usd: int,
      import_kg: int,
      import_usd: int,
      balance_usd: int,
    })
    const w = await parquet.ParquetWriter.openFile(schema, out, { rowGroupSize: BATCH, useDataPageV2: false })
    for await (const r of syntheticRows(n)) {
      const row: Record<string, unknown> = { ...r }
      for (const k of ['country_name_en', 'country_name_ko', 'hs_name_en', 'hs_name_ko'])
        if (row[k] === null) delete row[k]
      await w.appendRow(row)
    }
    await w.close()
    return
  }
  // DuckDB: append into a table, then COPY it to Parquet (DuckDB holds the table until the copy).
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const instance = await DuckDBInstance.create(':memory:')
  const c = await instance.connect()
  await c.run(`create table t (period varchar, country_code varchar, country_name_en varchar, country_name_ko varchar,
    hs_code varchar, hs_name_en varchar, hs_name_ko varchar, export_kg bigint, export_usd bigint, import_kg bigint,
    import_usd bigint, balance_usd bigint)`)
  const a = await c.createAppender('t')
  for await (const r of syntheticRows(n)) {
    for (const v of [
      r.period,
      r.country_code,
      r.country_name_en,
      r.country_name_ko,
      r.hs_code,
      r.hs_name_en,
      r.hs_name_ko,
    ])
      v === null ? a.appendNull() : a.appendVarchar(v)
    for (const v of [r.export_kg, r.export_usd, r.import_kg, r.import_usd, r.balance_usd])
      a.appendBigInt(BigInt(v))
    a.endRow()
  }
  a.closeSync()
  await c.run(`copy t to '${out.replace(/'/g, "''")}' (format parquet, compression snappy)`)
  c.closeSync()
}

type Cols = { [K in keyof ExportRow]: Array<ExportRow[K]> }
function fresh(): Cols {
  return {
    period: [],
    country_code: [],
    country_name_en: [],
    country_name_ko: [],
    hs_code: [],
    hs_name_en: [],
    hs_name_ko: [],
    export_kg: [],
    export_usd: [],
    import_kg: [],
    import_usd: [],
    balance_usd: [],
  }
}
function push(c: Cols, r: ExportRow) {
  for (const k of Object.keys(c) as Array<keyof ExportRow>) (c[k] as unknown[]).push(r[k])
}

/** Child: write, print {seconds, maxRssMb}. */
async function child(candidate: Candidate, out: string): Promise<void> {
  const t0 = performance.now()
  await writeWith(candidate, out, ROWS)
  const seconds = (performance.now() - t0) / 1000
  process.stdout.write(`${JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`)
}

async function check(path: string, csv: boolean): Promise<string> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const c = await (await DuckDBInstance.create(':memory:')).connect()
  try {
    const from = csv ? `read_csv('${path}', header = true)` : `read_parquet('${path}')`
    const n = Number((await c.runAndReadAll(`select count(*) from ${from}`)).getRows()[0]?.[0])
    const types = (await c.runAndReadAll(`describe select hs_code, export_usd from ${from}`))
      .getRowObjects()
      .map((r) => String(r.column_type))
      .join('/')
    return `${n === ROWS ? 'ok' : `ROWS ${n}`} ${types}`
  } finally {
    c.closeSync()
  }
}

function runChild(candidate: Candidate, out: string): Promise<{ seconds: number; maxRssMb: number }> {
  const script = fileURLToPath(import.meta.url)
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '--conditions=@kcs-trade/source',
        '--import',
        'tsx',
        script,
        '--candidate',
        candidate,
        '--out',
        out,
        '--rows',
        String(ROWS),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let text = ''
    p.stdout.on('data', (d) => {
      text += d
    })
    p.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(text.trim().split('\n').at(-1) ?? '{}'))
        : reject(new Error(`${candidate} exited ${code}`)),
    )
  })
}

if (values.candidate) {
  await child(values.candidate as Candidate, values.out as string)
} else {
  const dir = mkdtempSync(join(tmpdir(), 'kcs-parquet-bench-'))
  const versions: Record<string, string> = {}
  for (const name of [
    'hyparquet-writer',
    'parquet-wasm',
    'apache-arrow',
    '@dsnp/parquetjs',
    '@duckdb/node-api',
  ]) {
    try {
      const { readFileSync } = await import('node:fs')
      const pkg = fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url))
      versions[name] = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version
    } catch {
      versions[name] = '?'
    }
  }
  console.log(
    `Writing ${ROWS.toLocaleString('en-US')} export rows (12 columns) per candidate, each in its own process; node ${process.version}`,
  )
  console.log(
    Object.entries(versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
  )
  const results: Array<{ name: string; seconds: number; rss: number; size: number; check: string }> = []
  try {
    for (const candidate of CANDIDATES) {
      const out = join(
        dir,
        `${candidate.replace(/[@/]/g, '_')}.${candidate === 'csv-baseline' ? 'csv' : 'parquet'}`,
      )
      try {
        const r = await runChild(candidate, out)
        results.push({
          name: candidate,
          seconds: r.seconds,
          rss: r.maxRssMb,
          size: statSync(out).size,
          check: await check(out, candidate === 'csv-baseline'),
        })
      } catch (error) {
        results.push({ name: candidate, seconds: Number.NaN, rss: Number.NaN, size: 0, check: String(error) })
      }
      rmSync(out, { force: true })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const base = results[0] as (typeof results)[number]
  console.log('\n| writer | rows/s | vs CSV | seconds | peak RSS MB | file MB | DuckDB reads back |')
  console.log('|---|---:|---:|---:|---:|---:|---|')
  for (const r of results)
    console.log(
      `| ${r.name} | ${Math.round(ROWS / r.seconds).toLocaleString('en-US')} | ${(base.seconds / r.seconds).toFixed(2)}× | ${r.seconds.toFixed(1)} | ${Math.round(r.rss)} | ${(r.size / 1e6).toFixed(1)} | ${r.check} |`,
    )
}
