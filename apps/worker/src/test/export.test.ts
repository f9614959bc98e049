import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { DuckDBInstance } from '@duckdb/node-api'
import { type KcsDatabase, type TradeRow, tradeRows } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { countries, hs, hsk } from '@kcs-trade/reference'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportRequest } from '../commands/export.js'
import { createLogger } from '../config/logger.js'
import { type ExportRequest, runExport } from '../export/run.js'
import { EXPORT_COLUMNS, type ExportRow } from '../export/writers.js'
import { main } from '../main.js'
import { createClientFetcher, createDbStore, openDatabase, planBackfill } from '../sync/engine.js'
import { runInline } from '../sync/inline.js'
import { hsEditionOf, NameResolver } from '../sync/names.js'
import { memoryLimits } from '../sync/runtime.js'
import { available, createTestDatabase, smallCountries } from '../test-utils/services.js'

const KEY = 'export-test-key-0123456789abcdef'
const tmp = mkdtempSync(join(tmpdir(), 'kcs-export-'))
const silent = createLogger({ level: 'silent', serviceKey: KEY, pretty: false, destination: sink(() => {}) })

function sink(append: (s: string) => void) {
  return new Writable({
    write(chunk, _e, cb) {
      append(chunk.toString())
      cb()
    },
  })
}

function io(shutdown = new AbortController().signal) {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    ctx: {
      stdout: sink((s) => {
        out.stdout += s
      }),
      stderr: sink((s) => {
        out.stderr += s
      }) as unknown as NodeJS.WriteStream,
      shutdown,
    },
  }
}

/** Sync a few small emulator countries for one year into `db` (the real engine, over a socket). */
async function mirror(db: KcsDatabase, emu: Emulator, codes: string[]): Promise<void> {
  const plan = await planBackfill({ countries: codes, from: '2025-01', to: '2025-12' }, { quota: 10_000, db })
  const summary = await runInline(
    plan.slices,
    {
      fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url }),
      store: createDbStore(db, KEY),
      ...memoryLimits({ dailyQuota: 10_000, ratePerSecond: 30 }),
      logger: silent,
      serviceKey: KEY,
    },
    { concurrency: 2 },
  )
  expect(summary.failed).toBe(0)
}

/** What the export must contain for these mirrored rows, names from the reference resolved independently per row. */
function expected(rows: TradeRow[]): ExportRow[] {
  const names = new NameResolver({ countries, hs, hsk })
  return rows.map((r) => {
    const c = names.country(r.countryCode, r.countryName)
    const h = names.hs(r.hsCode, r.period, r.itemName)
    return {
      period: r.period,
      country_code: r.countryCode,
      country_name_en: c.en,
      country_name_ko: c.ko,
      hs_code: r.hsCode,
      hs_name_en: h.en,
      hs_name_ko: h.ko,
      export_kg: r.exportKg,
      export_usd: r.exportUsd,
      import_kg: r.importKg,
      import_usd: r.importUsd,
      balance_usd: r.balanceUsd,
    }
  })
}

async function duck() {
  const instance = await DuckDBInstance.create(':memory:')
  return instance.connect()
}

/** The file read back by DuckDB: column types, and rows with BIGINTs as numbers. */
async function readBack(sqlFrom: string) {
  const c = await duck()
  try {
    const types = (await c.runAndReadAll(`describe select * from ${sqlFrom}`))
      .getRowObjects()
      .map((r) => `${String(r.column_name)} ${String(r.column_type)}`)
    const rows = (await c.runAndReadAll(`select * from ${sqlFrom}`)).getRowObjects().map((r) => {
      const o: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(r)) o[k] = typeof v === 'bigint' ? Number(v) : v
      return o
    })
    return { types, rows }
  } finally {
    c.closeSync()
  }
}

function request(over: Partial<ExportRequest>): ExportRequest {
  return {
    out: join(tmp, 'x.csv'),
    format: 'csv',
    countries: [],
    hsPrefix: undefined,
    from: undefined,
    to: undefined,
    level: undefined,
    json: false,
    ...over,
  }
}

let emu: Emulator
let codes: string[]
beforeAll(async () => {
  emu = await createEmulator({ port: 0, seed: 11, keys: [KEY], ratePerSecond: 30 })
  codes = smallCountries(emu, 2)
})
afterAll(async () => {
  await emu?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('export names', () => {
  it('picks the HS edition of the month and gives relative HSK names their parent', () => {
    expect([
      hsEditionOf('2012-01'),
      hsEditionOf('2016-12'),
      hsEditionOf('2017-01'),
      hsEditionOf('2022-01'),
    ]).toEqual(['2012', '2012', '2017', '2022'])
    const names = new NameResolver({ countries, hs, hsk })
    expect(names.country('US', '미국')).toEqual({
      en: countries.get('US')?.nameEn,
      ko: countries.get('US')?.nameKo,
    })
    // a code the table lacks keeps the mirror's Korean name
    expect(names.country('QQ', '어딘가')).toEqual({ en: null, ko: '어딘가' })
    expect(names.hs('02', '2025-01', '')).toEqual({ en: hs.get('02')?.nameEn, ko: hs.get('02')?.nameKo })
    // a code whose text changed between editions: each month gets its own edition's text
    const changed = hs
      .all({ level: 6 })
      .find(
        (e) =>
          hs.get(e.code, { edition: '2012' }) && hs.get(e.code, { edition: '2012' })?.nameEn !== e.nameEn,
      )
    expect(changed).toBeDefined()
    if (changed) {
      expect(names.hs(changed.code, '2015-06', '').en).toBe(hs.get(changed.code, { edition: '2012' })?.nameEn)
      expect(names.hs(changed.code, '2025-06', '').en).toBe(changed.nameEn)
    }
    const other = hsk.all().find((e) => e.nameEn === 'Other' && e.nameKo === '기타')
    expect(other).toBeDefined()
    if (other) {
      const n = names.hs(other.code, '2025-01', '기타')
      expect(n.en).toMatch(/: Other$/)
      expect(n.en).not.toBe('Other')
      expect(n.ko).toMatch(/: 기타$/)
    }
    // a 10-digit line HSK 2025 lacks: its subheading's English name, KCS's Korean name from the mirror
    expect(names.hs('0202309999', '2013-01', '옛 품목')).toEqual({
      en: hs.get('020230', { edition: '2012' })?.nameEn,
      ko: '옛 품목',
    })
    // ... and the cache keeps such a line's later months apart: their edition and their Korean name
    if (changed) {
      const line = `${changed.code}9999`
      expect(hsk.get(line)).toBeUndefined()
      expect(names.hs(line, '2015-06', '옛 이름')).toEqual({
        en: hs.get(changed.code, { edition: '2012' })?.nameEn,
        ko: '옛 이름',
      })
      expect(names.hs(line, '2025-06', '새 이름')).toEqual({ en: changed.nameEn, ko: '새 이름' })
    }
  })
})

describe('export flags: a UsageError with a hint, exit 2, nothing written', () => {
  const dir = join(tmp, 'bad')
  mkdirSync(dir, { recursive: true })
  const pgliteDir = join(tmp, 'no-such-db')
  const cases: Array<{ args: string[]; message: RegExp }> = [
    { args: ['--out', join(dir, 'a.csv'), '--format', 'xlsx'], message: /unknown --format "xlsx"/ },
    { args: ['--out', join(dir, 'a.txt')], message: /cannot tell the format/ },
    { args: ['--out', join(dir, 'a.csv'), '--from', '2025-13'], message: /--from "2025-13" is not a month/ },
    { args: ['--out', join(dir, 'a.csv'), '--to', '25-01'], message: /--to "25-01" is not a month/ },
    { args: ['--out', join(dir, 'a.csv'), '--from', '2025-06', '--to', '2025-01'], message: /before --from/ },
    { args: ['--out', join(dir, 'a.csv'), '--country', 'QQ'], message: /unknown country code QQ/ },
    { args: ['--out', join(dir, 'a.csv'), '--country', 'usa'], message: /not a 2-letter KCS country code/ },
    { args: ['--out', join(dir, 'a.csv'), '--hs', '85a'], message: /--hs "85a" is not an HS code prefix/ },
    { args: ['--out', join(dir, 'a.csv'), '--level', '3'], message: /--level must be 2, 4, 6 or 10/ },
    {
      args: ['--out', join(dir, 'a.csv'), '--hs', '8542', '--level', '2'],
      message: /--level 2 is shorter than --hs 8542/,
    },
    { args: ['--out', join(dir, 'missing', 'a.csv')], message: /directory .* does not exist/ },
    { args: ['--out', dir, '--format', 'csv'], message: /is a directory/ },
    { args: ['--format', 'csv'], message: /--out is required/ },
    { args: ['--out', '-', '--format', 'parquet'], message: /Parquet is not written to stdout/ },
    { args: ['--out', '-', '--format', 'csv', '--json'], message: /--json prints the summary on stdout/ },
    { args: ['--out', join(dir, 'a.csv'), '--bogus'], message: /Unknown option '--bogus'/ },
    { args: ['--out', join(dir, 'a.csv')], message: /nothing mirrored: no database at/ },
  ]
  it.each(cases)('$args', async ({ args, message }) => {
    const { ctx, out } = io()
    const code = await main(['export', ...args], { ...ctx, env: { DATABASE_URL: pgliteDir } })
    expect(code, out.stderr).toBe(2)
    expect(out.stderr).toMatch(message)
    expect(out.stderr).toMatch(/\nhint: \S/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('help lists the flags and formats', async () => {
    const { ctx, out } = io()
    expect(await main(['export', '--help'], { ...ctx, env: {} })).toBe(0)
    for (const flag of [
      '--country',
      '--hs',
      '--from',
      '--to',
      '--level',
      '--format',
      '--out',
      '--json',
      'jsonl',
    ])
      expect(out.stdout).toContain(flag)
    expect(await main(['--help'], { ...ctx, env: {} })).toBe(0)
    expect(out.stdout).toMatch(/export {6}mirrored rows/)
  })

  it('normalises a valid request', async () => {
    expect(
      await exportRequest([
        '--out',
        join(dir, 'a.JSONL'),
        '--country',
        'US,CN,US',
        '--hs',
        '85',
        '--level',
        '4',
      ]),
    ).toEqual({
      out: join(dir, 'a.JSONL'),
      format: 'json',
      countries: ['CN', 'US'],
      hsPrefix: '85',
      from: undefined,
      to: undefined,
      level: 4,
      json: false,
    })
    expect((await exportRequest(['--out', '-', '--format', 'jsonl'])) as ExportRequest).toMatchObject({
      out: '-',
      format: 'json',
    })
  })
})

const backends = [
  { name: 'pglite', skip: false },
  { name: 'postgres', skip: !available.postgres },
] as const

describe.each(backends)('export from a mirror synced from the emulator ($name)', ({ name, skip }) => {
  let db: KcsDatabase
  let url: string
  let drop: (() => Promise<void>) | undefined
  let rows: TradeRow[]
  const dir = join(tmp, name)
  beforeAll(async () => {
    if (skip) return
    mkdirSync(dir, { recursive: true })
    if (name === 'postgres') {
      const created = await createTestDatabase('export')
      url = created.url
      drop = created.drop
    } else url = join(dir, 'pglite')
    db = await openDatabase(url)
    await mirror(db, emu, codes)
    rows = []
    for (const c of [...codes].sort())
      rows.push(...(await tradeRows(db, { country: c, from: '2025-01', to: '2025-12' })))
    expect(rows.length).toBeGreaterThan(1_000)
  })
  afterAll(async () => {
    await db?.close()
    await drop?.()
  })
  /** `kcs-trade` in this process on the mirror: a PGlite directory has one owner, so the test's connection steps aside. */
  async function cliOnMirror(args: string[], ctx: Omit<Parameters<typeof main>[1], 'env'>): Promise<number> {
    if (name === 'pglite') await db.close()
    try {
      return await main(args, { ...ctx, env: { DATABASE_URL: url } })
    } finally {
      if (name === 'pglite') db = await openDatabase(url)
    }
  }

  it.skipIf(skip)(
    'Parquet: DuckDB reads strings as VARCHAR, measures as BIGINT, values equal the mirror',
    async () => {
      const out = join(dir, 'all.parquet')
      const { ctx, out: text } = io()
      const summary = await runExport(db, request({ out, format: 'parquet' }), ctx, { progressEveryMs: 0 })
      expect(summary).toMatchObject({
        rows: rows.length,
        rowsRead: rows.length,
        from: '2025-01',
        to: '2025-12',
      })
      expect(summary.bytes).toBe(readFileSync(out).byteLength)
      // plain progress lines (stderr is no TTY here): rows done / total, rate, ETA, then 100%
      expect(text.stderr).toMatch(/^export parquet: [\d,]+\/[\d,]+ rows \(\d+\.\d%\), [\d,]+ rows\/s eta /m)
      expect(text.stderr.trimEnd().split('\n').at(-1)).toMatch(
        new RegExp(
          `export parquet: ${rows.length.toLocaleString('en-US')}/${rows.length.toLocaleString('en-US')} rows \\(100\\.0%\\)`,
        ),
      )
      const back = await readBack(`read_parquet('${out}')`)
      expect(back.types).toEqual([
        'period VARCHAR',
        'country_code VARCHAR',
        'country_name_en VARCHAR',
        'country_name_ko VARCHAR',
        'hs_code VARCHAR',
        'hs_name_en VARCHAR',
        'hs_name_ko VARCHAR',
        'export_kg BIGINT',
        'export_usd BIGINT',
        'import_kg BIGINT',
        'import_usd BIGINT',
        'balance_usd BIGINT',
      ])
      expect(back.rows).toEqual(expected(rows))
      expect(back.rows.some((r) => String(r.hs_code).startsWith('0'))).toBe(true)
      expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([])
      // Every text column dictionary-encoded (codes and names repeat: a file of 5 M rows is 136 MB, not 211);
      // min/max statistics on all columns but the item names.
      const c = await duck()
      try {
        const chunks = (
          await c.runAndReadAll(
            `select path_in_schema as col, encodings, stats_min_value is not null as stats from parquet_metadata('${out}')`,
          )
        ).getRowObjects()
        const byColumn = new Map(chunks.map((r) => [String(r.col), r]))
        for (const col of [
          'period',
          'country_code',
          'country_name_ko',
          'hs_code',
          'hs_name_en',
          'hs_name_ko',
        ])
          expect(String(byColumn.get(col)?.encodings), col).toMatch(/RLE_DICTIONARY/)
        for (const col of ['period', 'country_code', 'country_name_en', 'hs_code', 'export_usd'])
          expect(byColumn.get(col)?.stats, col).toBe(true)
        for (const col of ['hs_name_en', 'hs_name_ko']) expect(byColumn.get(col)?.stats, col).toBe(false)
      } finally {
        c.closeSync()
      }
    },
  )

  it.skipIf(skip)('CSV and JSON Lines round-trip the same rows', async () => {
    const csv = join(dir, 'all.csv')
    const jsonl = join(dir, 'all.jsonl')
    await runExport(db, request({ out: csv, format: 'csv' }), io().ctx)
    await runExport(db, request({ out: jsonl, format: 'json' }), io().ctx)
    const want = expected(rows)
    const asText = want.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])),
    )
    const back = await readBack(`read_csv('${csv}', header = true, all_varchar = true)`)
    expect(back.types.map((t) => t.split(' ')[0])).toEqual([...EXPORT_COLUMNS])
    expect(back.rows).toEqual(asText)
    const lines = readFileSync(jsonl, 'utf8').trimEnd().split('\n')
    expect(lines.map((l) => JSON.parse(l))).toEqual(want)
    expect(Object.keys(JSON.parse(lines[0] ?? '{}'))).toEqual([...EXPORT_COLUMNS])
  })

  it.skipIf(skip)('--level 4 sums by month, country and heading; --hs and --country filter', async () => {
    const country = [...codes].sort()[0] as string
    const out = join(dir, 'l4.jsonl')
    const summary = await runExport(
      db,
      request({ out, format: 'json', level: 4, countries: [country], from: '2025-03', to: '2025-08' }),
      io().ctx,
    )
    const sums = new Map<string, number[]>()
    for (const r of rows) {
      if (r.countryCode !== country || r.period < '2025-03' || r.period > '2025-08') continue
      const key = `${r.countryCode}|${r.period}|${r.hsCode.slice(0, 4)}`
      const s = sums.get(key) ?? [0, 0, 0, 0, 0]
      s[0] = (s[0] ?? 0) + r.exportKg
      s[1] = (s[1] ?? 0) + r.exportUsd
      s[2] = (s[2] ?? 0) + r.importKg
      s[3] = (s[3] ?? 0) + r.importUsd
      s[4] = (s[4] ?? 0) + r.balanceUsd
      sums.set(key, s)
    }
    const got = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as ExportRow)
    expect(got.length).toBe(sums.size)
    expect(summary.rows).toBe(sums.size)
    for (const g of got) {
      expect(g.hs_code).toMatch(/^\d{4}$/)
      expect([g.export_kg, g.export_usd, g.import_kg, g.import_usd, g.balance_usd]).toEqual(
        sums.get(`${g.country_code}|${g.period}|${g.hs_code}`),
      )
      expect(g.hs_name_en).toBe(hs.get(g.hs_code)?.nameEn)
    }
    const chapter = got[0]?.hs_code.slice(0, 2) as string
    const filtered = await runExport(
      db,
      request({
        out: join(dir, 'hs.csv'),
        hsPrefix: chapter,
        countries: [country],
        from: '2025-01',
        to: '2025-12',
      }),
      io().ctx,
    )
    expect(filtered.rows).toBe(
      rows.filter((r) => r.countryCode === country && r.hsCode.startsWith(chapter)).length,
    )
  })

  it.skipIf(skip)('stdout, the summary, and nothing mirrored for a country', async () => {
    const { ctx, out } = io()
    const code = await cliOnMirror(
      [
        'export',
        '--out',
        '-',
        '--format',
        'csv',
        '--country',
        codes.join(','),
        '--from',
        '2025-02',
        '--to',
        '2025-02',
      ],
      ctx,
    )
    expect(code, out.stderr).toBe(0)
    const lines = out.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(EXPORT_COLUMNS.join(','))
    expect(lines.length - 1).toBe(rows.filter((r) => r.period === '2025-02').length)
    expect(out.stderr).toMatch(/exported [\d,]+ rows 2025-02\.\.2025-02 to stdout/)

    const json = io()
    const file = join(dir, 'summary.parquet')
    expect(await cliOnMirror(['export', '--out', file, '--json'], json.ctx)).toBe(0)
    expect(JSON.parse(json.out.stdout)).toMatchObject({
      out: file,
      format: 'parquet',
      rows: rows.length,
      bytes: readFileSync(file).byteLength,
    })

    const none = io()
    const missing = join(dir, 'none.csv')
    const notMirrored = countries.all().find((c) => !codes.includes(c.code))?.code as string
    expect(await cliOnMirror(['export', '--out', missing, '--country', notMirrored], none.ctx)).toBe(2)
    expect(none.out.stderr).toMatch(new RegExp(`nothing mirrored for country ${notMirrored}`))
    expect(none.out.stderr).toMatch(/hint: mirrored countries: /)
    expect(readdirSync(dir)).not.toContain('none.csv')
  })

  it.skipIf(skip)('an interrupted or failing export leaves no file and no temporary file', async () => {
    const stop = new AbortController()
    stop.abort()
    const out = join(dir, 'stopped.parquet')
    await expect(runExport(db, request({ out, format: 'parquet' }), io(stop.signal).ctx)).rejects.toThrow(
      /interrupted/,
    )
    // stopped mid-stream, after rows and Parquet row groups reached the temporary file
    let checks = 0
    const seen = new Set<string>()
    const later = {
      get aborted() {
        // look at the directory at each check: the temporary file is there while rows stream
        for (const f of readdirSync(dir)) if (f.endsWith('.part')) seen.add(f)
        return ++checks > 1
      },
    } as AbortSignal
    const partial = join(dir, 'partial.parquet')
    await expect(runExport(db, request({ out: partial, format: 'parquet' }), io(later).ctx)).rejects.toThrow(
      /interrupted/,
    )
    expect(checks).toBe(2)
    expect([...seen]).toEqual([expect.stringMatching(/^\.partial\.parquet\.\d+-[0-9a-f]{8}\.part$/)])
    // the command: exit 130, said on stderr
    const cli = io(stop.signal)
    expect(await cliOnMirror(['export', '--out', join(dir, 'cli.csv')], cli.ctx)).toBe(130)
    expect(cli.out.stderr).toMatch(/export: interrupted, nothing written/)
    const left = readdirSync(dir)
    expect(left).not.toContain('stopped.parquet')
    expect(left).not.toContain('partial.parquet')
    expect(left).not.toContain('cli.csv')
    expect(left.filter((f) => f.endsWith('.part'))).toEqual([])
    // the file system refuses the output (even root cannot create files in /sys): a UsageError naming --out
    const denied = io()
    expect(await cliOnMirror(['export', '--out', '/sys/kcs-export-test.csv'], denied.ctx)).toBe(2)
    expect(denied.out.stderr).toMatch(/export: cannot write \/sys\/kcs-export-test\.csv: EACCES/)
    expect(denied.out.stderr).toMatch(/hint: check the permissions of \/sys/)
    expect(denied.out.stderr).not.toMatch(/\.part/)
    // no exit hook is left behind by any of these runs
    expect(process.listeners('exit').filter((l) => l.name === 'removeOnExit')).toEqual([])
  })
})
