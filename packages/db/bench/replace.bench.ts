/**
 * `pnpm --filter @kcs-trade/db bench` — replaceSlice throughput next to a plain COPY of the same rows,
 * and read-helper timings on a large generated table, on PostgreSQL and on PGlite.
 *
 * PostgreSQL: BENCH_DATABASE_URL / TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test);
 * a throwaway database `kcs_bench_<random>` is created and dropped. Skipped (with a message) when the
 * server is unreachable. Sizes: BENCH_SLICE_ROWS (77,606: a US year), BENCH_READ_ROWS (5,000,000),
 * BENCH_PGLITE_READ_ROWS (1,000,000); 0 skips the read half. BENCH_RUNS: interleaved write rounds (3).
 */
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { PGlite } from '@electric-sql/pglite'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { CopyEncoder } from '../src/copy-binary.js'
import {
  connect,
  coverage,
  type KcsDatabase,
  migrate,
  mirroredCountries,
  monthlySeries,
  periodRange,
  rebuildRollup,
  replaceSlice,
  revisions,
  type TradeRow,
  topItems,
  topPartners,
  tradeRows,
} from '../src/index.js'

const SLICE_ROWS = Number(process.env.BENCH_SLICE_ROWS ?? 77_606)
const READ_ROWS = Number(process.env.BENCH_READ_ROWS ?? 5_000_000)
const PGLITE_READ_ROWS = Number(process.env.BENCH_PGLITE_READ_ROWS ?? 1_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const COLUMNS =
  'period, country_code, hs_code, country_name, item_name, export_kg, export_usd, import_kg, import_usd, balance_usd'

function makeRows(country: string, count: number): TradeRow[] {
  const perMonth = Math.ceil(count / 12)
  const rows: TradeRow[] = []
  for (let i = 0; i < count; i++) {
    const month = Math.floor(i / perMonth) + 1
    const k = i % perMonth
    const exportUsd = (k * 7919) % 5_000_000
    const importUsd = (k * 104_729) % 3_000_000
    rows.push({
      period: `2025-${String(month).padStart(2, '0')}`,
      countryCode: country,
      countryName: '아랍에미리트 연합',
      hsCode: String(1_000_000_000 + k * 13_007).padStart(10, '0'),
      itemName: k % 3 === 0 ? '기타' : `품목 "${k}", 'x'`,
      exportKg: (k * 31) % 900_000,
      exportUsd,
      importKg: (k * 17) % 700_000,
      importUsd,
      balanceUsd: exportUsd - importUsd,
    })
  }
  return rows
}

function csvOf(rows: TradeRow[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  let out = ''
  for (const r of rows) {
    out += `${r.period}-01,${r.countryCode},${r.hsCode},${q(r.countryName)},${q(r.itemName)},${r.exportKg},${r.exportUsd},${r.importKg},${r.importUsd},${r.balanceUsd}\n`
  }
  return out
}

/** The same rows in binary COPY format (what replaceSlice sends), without fetched_at. */
function binaryOf(rows: TradeRow[]): Buffer {
  const encoder = new CopyEncoder(null)
  const chunks: Buffer[] = []
  for (const row of rows) {
    const full = encoder.push(row)
    if (full) chunks.push(full)
  }
  chunks.push(encoder.end())
  return Buffer.concat(chunks)
}

const formatOf = (data: string | Buffer) => (typeof data === 'string' ? 'format csv' : 'format binary')

const meta = { total: null, bodySha256: 'bench', durationMs: 0, attempts: 1 }
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now()
  const v = await fn()
  return [performance.now() - t, v]
}

interface Engine {
  name: string
  db: KcsDatabase
  /** COPY a prepared payload: CSV text, or binary COPY bytes (a Buffer). */
  copy(table: string, data: string | Buffer): Promise<void>
  exec(text: string): Promise<void>
}

async function writeBench(e: Engine): Promise<void> {
  console.log(`\n## ${e.name}: writes (${fmt(SLICE_ROWS)}-row slice, ${RUNS} interleaved rounds)\n`)
  const countries = ['US', 'CN', 'JP', 'DE', 'VN', 'TW', 'SA', 'AU', 'IN'].slice(0, RUNS)
  // The rows are generated once, before any timing; the COPY baselines load a CSV serialised
  // beforehand too (what `\copy` of a file does), so only the database's work is timed for them.
  const sets = countries.map((c) => makeRows(c, SLICE_ROWS))
  const csvs = sets.map((rows) => csvOf(rows))
  const binaries = sets.map((rows) => binaryOf(rows))
  // Baselines: trade_rows' columns bare, and with its constraints and indexes (the goal's baseline).
  await e.exec(`create table bench_copy_bare (like trade_rows including defaults)`)
  await e.exec(`create table bench_copy_keyed (like trade_rows including all)`)
  const copyBare: number[] = []
  const copyBinary: number[] = []
  const copyKeyed: number[] = []
  const first: number[] = []
  const changed: number[] = []
  const unchanged: number[] = []
  // Interleaved, so every contender sees the same machine load (the bench machine is shared); each
  // round writes a fresh slice (another country) into an empty part of the growing mirror.
  for (const [i, rows] of sets.entries()) {
    const csv = csvs[i] as string
    await e.exec('truncate bench_copy_bare, bench_copy_keyed')
    copyKeyed.push((await time(() => e.copy('bench_copy_keyed', csv)))[0])
    copyBare.push((await time(() => e.copy('bench_copy_bare', csv)))[0])
    await e.exec('truncate bench_copy_keyed')
    copyBinary.push((await time(() => e.copy('bench_copy_keyed', binaries[i] as Buffer)))[0])
    const slice = { country: countries[i], from: '2025-01', to: '2025-12' }
    const [t1, s1] = await time(() => replaceSlice(e.db, slice, rows, meta))
    if (s1.added !== rows.length) throw new Error(`first write added ${s1.added}`)
    first.push(t1)
    const [t3, s3] = await time(() => replaceSlice(e.db, slice, rows, meta))
    if (s3.unchanged !== rows.length) throw new Error(`unchanged re-write saw changes: ${JSON.stringify(s3)}`)
    unchanged.push(t3)
    const revised = rows.map((r, j) =>
      j % 100 === 7 ? { ...r, exportUsd: r.exportUsd + 1, balanceUsd: r.balanceUsd + 1 } : r,
    )
    const [t2, s2] = await time(() => replaceSlice(e.db, slice, revised, meta))
    if (s2.changed !== Math.ceil((rows.length - 7) / 100))
      throw new Error(`1% re-write: ${JSON.stringify(s2)}`)
    changed.push(t2)
  }
  const rate = (ms: number) => (SLICE_ROWS / ms) * 1000
  const best = (xs: number[]) => Math.min(...xs)
  const base = rate(best(copyKeyed))
  const line = (label: string, xs: number[]) =>
    console.log(
      `| ${label.padEnd(46)} | ${xs.map((x) => fmt(x)).join(', ')} ms | ${fmt(rate(best(xs))).padStart(9)} rows/s | ${(rate(best(xs)) / base).toFixed(2)}× |`,
    )
  console.log('| operation | times (rounds) | best rate | vs COPY (keyed) |\n|---|---|---|---|')
  line('COPY into an empty keyed table (baseline)', copyKeyed)
  line('COPY into an empty bare table', copyBare)
  line('COPY (binary) into an empty keyed table', copyBinary)
  line('replaceSlice, first write (rollup included)', first)
  line('replaceSlice, unchanged re-write', unchanged)
  line('replaceSlice, re-write with 1 % changed', changed)
  console.log(`\nBest of ${RUNS} interleaved rounds:`)
  console.log(
    `first write / COPY (keyed) rate:          ${(rate(best(first)) / base).toFixed(2)} (goal ≥ 0.6)`,
  )
  console.log(
    `unchanged re-write / first write time:    ${(best(unchanged) / best(first)).toFixed(2)} (goal ≤ 1)`,
  )
  console.log(
    `1 %-changed re-write / COPY (keyed) rate: ${(rate(best(changed)) / base).toFixed(2)} (goal ≥ 0.5)`,
  )
  await e.exec('drop table bench_copy_bare, bench_copy_keyed')
}

async function readBench(e: Engine, total: number): Promise<void> {
  console.log(`\n## ${e.name}: reads on a ${fmt(total)}-row table (median of ${RUNS}, after one warm-up)\n`)
  await e.exec('truncate trade_rows, trade_monthly, revisions, sync_ledger')
  // 100 countries × 36 months × N codes spread over 97 chapters, written country by country (as slices
  // are), so a country's rows sit together on disk as they do in a real mirror.
  const perCell = Math.ceil(total / (100 * 36))
  const [fillMs] = await time(async () => {
    await e.exec('alter table trade_rows drop constraint trade_rows_pkey')
    await e.exec('drop index trade_rows_hs_period_idx')
    await e.exec('drop index trade_rows_period_idx')
    await e.exec(`insert into trade_rows (${COLUMNS}, fetched_at)
      select make_date(2023 + m / 12, m % 12 + 1, 1), chr(65 + c / 26) || chr(65 + c % 26),
        lpad((k % 97 + 1)::text, 2, '0') || lpad((k / 97 % 100)::text, 2, '0') || lpad(((k * 7919) % 1000000)::text, 6, '0'),
        '국가 ' || c, '품목 ' || k,
        (k * 31 + c) % 900000, (k * 7919 + m) % 50000000, (k * 17 + c) % 700000, (k * 104729 + m) % 30000000,
        (k * 7919 + m) % 50000000 - (k * 104729 + m) % 30000000, now()
      from generate_series(0, 99) c
        cross join lateral generate_series(0, 35) m
        cross join lateral generate_series(0, ${perCell - 1} + 0 * c * m) k`)
    await e.exec(
      `alter table trade_rows add constraint trade_rows_pkey primary key (country_code, period, hs_code)`,
    )
    await e.exec('create index trade_rows_hs_period_idx on trade_rows using btree (hs_code, period)')
    await e.exec('create index trade_rows_period_idx on trade_rows using btree (period)')
    await e.exec(`insert into sync_ledger (slice_key, country_code, period_from, period_to, status, row_count, fetched_at, attempts, duration_ms)
      select chr(65 + c / 26) || chr(65 + c % 26) || ':' || y || '-01..' || y || '-12', chr(65 + c / 26) || chr(65 + c % 26),
        make_date(y, 1, 1), make_date(y, 12, 1), 'ok', 50000, now(), 1, 1000
      from generate_series(0, 99) c, generate_series(2023, 2025) y`)
    await e.exec(`insert into revisions (kind, period, country_code, hs_code, before, after, at, slice_key)
      select 'changed', make_date(2025, 1 + g % 12, 1), 'AB', lpad(g::text, 10, '0'), '{}'::jsonb, '{}'::jsonb,
        now() - (g || ' minutes')::interval, 'AB:2025-01..2025-12'
      from generate_series(1, 20000) g`)
    await e.exec('analyze trade_rows')
    await e.exec('analyze sync_ledger')
    await e.exec('analyze revisions')
  })
  const rows = Number(
    (
      (await e.db.execute(sql`select count(*)::int as n from trade_rows`)) as unknown as {
        rows: { n: number }[]
      }
    ).rows[0]?.n,
  )
  console.log(`generated ${fmt(rows)} rows + indexes in ${fmt(fillMs)} ms`)
  // The rows were bulk-loaded past replaceSlice: build the monthly rollup the read helpers use.
  const [rollupMs, built] = await time(() => rebuildRollup(e.db))
  await e.exec('analyze trade_monthly')
  console.log(`rebuildRollup: ${fmt(built.groups)} groups in ${fmt(rollupMs)} ms\n`)
  const cases: [string, () => Promise<unknown>][] = [
    [
      'monthlySeries country, 3 years',
      () => monthlySeries(e.db, { country: 'AB', from: '2023-01', to: '2025-12' }),
    ],
    [
      'monthlySeries country + 4-digit prefix',
      () => monthlySeries(e.db, { country: 'AB', hsPrefix: '8501', from: '2023-01', to: '2025-12' }),
    ],
    [
      'monthlySeries all countries, 2-digit prefix',
      () => monthlySeries(e.db, { hsPrefix: '85', from: '2025-01', to: '2025-12' }),
    ],
    [
      'monthlySeries all countries, 6-digit prefix, 3 years',
      () => monthlySeries(e.db, { hsPrefix: '850143', from: '2023-01', to: '2025-12' }),
    ],
    ['monthlySeries everything, 1 year', () => monthlySeries(e.db, { from: '2025-01', to: '2025-12' })],
    [
      'topPartners 2-digit prefix, 1 year, 20',
      () => topPartners(e.db, { hsPrefix: '85', from: '2025-01', to: '2025-12', limit: 20 }),
    ],
    [
      'topPartners everything, 1 year, 20',
      () => topPartners(e.db, { from: '2025-01', to: '2025-12', limit: 20 }),
    ],
    [
      'topItems country, 1 year, 20',
      () => topItems(e.db, { country: 'AB', from: '2025-01', to: '2025-12', limit: 20 }),
    ],
    [
      'topItems all countries, 1 month, 20',
      () => topItems(e.db, { from: '2025-06', to: '2025-06', limit: 20 }),
    ],
    [
      'topItems country, headings (hsDigits 4), 1 year, 20',
      () => topItems(e.db, { country: 'AB', from: '2025-01', to: '2025-12', limit: 20, hsDigits: 4 }),
    ],
    [
      'topItems all countries, chapters (hsDigits 2), 1 year, 20',
      () => topItems(e.db, { from: '2025-01', to: '2025-12', limit: 20, hsDigits: 2 }),
    ],
    ['periodRange', () => periodRange(e.db)],
    ['coverage (300 ledger rows)', () => coverage(e.db)],
    [
      'revisions since 1 day (20k table)',
      () => revisions(e.db, { since: new Date(Date.now() - 86_400_000) }),
    ],
    ['mirroredCountries', () => mirroredCountries(e.db)],
    ['tradeRows country, 1 year', () => tradeRows(e.db, { country: 'AB', from: '2025-01', to: '2025-12' })],
  ]
  console.log('| helper | median | result size |\n|---|---|---|')
  for (const [label, fn] of cases) {
    const [, warm] = await time(fn)
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) times.push((await time(fn))[0])
    const size = Array.isArray(warm) ? warm.length : 1
    console.log(`| ${label.padEnd(44)} | ${fmt(median(times)).padStart(6)} ms | ${size} |`)
  }
}

async function postgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  try {
    await admin.connect()
  } catch (error) {
    console.warn(
      `PostgreSQL unreachable at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}: skipping (${String(error)})`,
    )
    return
  }
  const name = `kcs_bench_${randomBytes(4).toString('hex')}`
  await admin.query(`create database ${name}`)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  const db = await connect(url.toString(), { poolSize: 2 })
  try {
    await migrate(db)
    const pool = db.$client as pg.Pool
    const version = (await pool.query('show server_version')).rows[0]?.server_version
    const engine: Engine = {
      name: `PostgreSQL ${version}`,
      db,
      exec: async (text) => {
        await pool.query(text)
      },
      copy: async (table, data) => {
        const client = await pool.connect()
        try {
          await pipeline(
            Readable.from([data]),
            client.query(copyFrom(`copy ${table} (${COLUMNS}) from stdin (${formatOf(data)})`)),
          )
        } finally {
          client.release()
        }
      },
    }
    await writeBench(engine)
    if (READ_ROWS > 0) await readBench(engine, READ_ROWS)
  } finally {
    await db.close()
    await admin.query(`drop database if exists ${name} with (force)`)
    await admin.end()
  }
}

async function pglite(): Promise<void> {
  const db = await connect('memory://')
  try {
    await migrate(db)
    const client = db.$client as PGlite
    const engine: Engine = {
      name: 'PGlite (memory://)',
      db,
      exec: async (text) => {
        await client.exec(text)
      },
      copy: async (table, data) => {
        await client.query(`copy ${table} (${COLUMNS}) from '/dev/blob' (${formatOf(data)})`, [], {
          blob: new Blob([data]),
        })
      },
    }
    await writeBench(engine)
    if (PGLITE_READ_ROWS > 0) await readBench(engine, PGLITE_READ_ROWS)
  } finally {
    await db.close()
  }
}

const only = process.argv[2]
console.log(`# @kcs-trade/db bench — Node ${process.version}, ${new Date().toISOString()}`)
if (only !== 'pglite') await postgres()
if (only !== 'postgres') await pglite()
