// Helpers of bench/full.bench.ts: throwaway databases, the COPY-only baseline, RSS of child processes, the truth of
// the emulator per country-year, and the mirror's own figures per country-year.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { connect, type KcsDatabase, rebuildRollup } from '@kcs-trade/db'
import type { Emulator } from '@kcs-trade/emulator'
import { openDatabase } from '../src/sync/engine.js'
import { TEST_DATABASE_URL } from '../src/test-utils/services.js'

/** The measures summed per country-year (the check against the truth). */
export const MEASURES = ['exportKg', 'exportUsd', 'importKg', 'importUsd', 'balanceUsd'] as const

/** Count and sums of one country-year. */
export interface YearFigures {
  rows: number
  sums: [number, number, number, number, number]
}

/** `CC|YYYY` → figures. */
export type Figures = Map<string, YearFigures>

/** The columns of trade_rows the CSV carries, in its order. */
export const COPY_COLUMNS =
  'period, country_code, hs_code, country_name, item_name, export_kg, export_usd, import_kg, import_usd, balance_usd, fetched_at'

/** A throwaway PostgreSQL database `kcs_bench_<random>` with the schema migrated; `drop()` removes it. */
export async function benchDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `kcs_bench_${randomBytes(4).toString('hex')}`
  await adminQuery(`create database ${name}`)
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  const db = await openDatabase(url.toString())
  await db.close()
  return { url: url.toString(), name, drop: () => adminQuery(`drop database if exists ${name} with (force)`) }
}

async function adminQuery(text: string): Promise<void> {
  const admin = await connect(TEST_DATABASE_URL, { poolSize: 1 })
  try {
    await query(admin, text)
  } finally {
    await admin.close()
  }
}

/** A plain query through the database's pg pool. */
export async function query<T = Record<string, unknown>>(db: KcsDatabase, text: string): Promise<T[]> {
  const r = (await (db.$client as unknown as { query(q: string): Promise<{ rows: T[] }> }).query(text)) as {
    rows: T[]
  }
  return r.rows
}

function csvText(s: string): string {
  return `"${s.replaceAll('"', '""')}"`
}

/**
 * Walk the emulator's truth for every (country, year window): count and sums per country-year, and (when `csvPath`
 * is given) every row as CSV for the COPY baseline, with the backpressure of the file stream respected.
 */
export async function truthFigures(
  emu: Emulator,
  slices: ReadonlyArray<{ country: string; from: string; to: string }>,
  csvPath?: string,
): Promise<{ figures: Figures; rows: number; bytes: number }> {
  const figures: Figures = new Map()
  const out = csvPath ? createWriteStream(csvPath) : undefined
  let rows = 0
  const fetchedAt = '2026-12-03 00:00:00+00'
  for (const s of slices) {
    const f: YearFigures = { rows: 0, sums: [0, 0, 0, 0, 0] }
    const got = emu.truth.rows({ country: s.country, from: s.from, to: s.to })
    let chunk = ''
    for (const r of got) {
      f.rows++
      f.sums[0] += r.exportKg
      f.sums[1] += r.exportUsd
      f.sums[2] += r.importKg
      f.sums[3] += r.importUsd
      f.sums[4] += r.balanceUsd
      if (out) {
        chunk += `${r.period}-01,${r.countryCode},${r.hsCode},${csvText(r.countryName)},${csvText(r.itemName)},${r.exportKg},${r.exportUsd},${r.importKg},${r.importUsd},${r.balanceUsd},${fetchedAt}\n`
        if (chunk.length > 1 << 20) {
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
          chunk = ''
        }
      }
    }
    if (out && chunk && !out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
    rows += f.rows
    figures.set(`${s.country}|${s.from.slice(0, 4)}`, f)
  }
  let bytes = 0
  if (out) {
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
    bytes = out.bytesWritten
  }
  return { figures, rows, bytes }
}

/** The mirror's count and sums per country-year (trade_rows), and the rollup's row counts per country-year. */
export async function mirrorFigures(
  db: KcsDatabase,
): Promise<{ rows: Figures; rollup: Map<string, number> }> {
  const rows: Figures = new Map()
  for (const r of await query<{
    c: string
    y: number
    n: string
    a: string
    b: string
    d: string
    e: string
    f: string
  }>(
    db,
    `select country_code as c, extract(year from period)::int as y, count(*) as n, sum(export_kg) as a,
       sum(export_usd) as b, sum(import_kg) as d, sum(import_usd) as e, sum(balance_usd) as f
     from trade_rows group by 1, 2`,
  )) {
    rows.set(`${r.c}|${r.y}`, {
      rows: Number(r.n),
      sums: [Number(r.a), Number(r.b), Number(r.d), Number(r.e), Number(r.f)],
    })
  }
  const rollup = new Map<string, number>()
  for (const r of await query<{ c: string; y: number; n: string }>(
    db,
    `select country_code as c, extract(year from period)::int as y, sum(row_count) as n
     from trade_monthly where digits = 2 group by 1, 2`,
  ))
    rollup.set(`${r.c}|${r.y}`, Number(r.n))
  return { rows, rollup }
}

/** Differences between the truth and the mirror (empty = equal); empty country-years may be absent from the mirror. */
export function compareFigures(
  truth: Figures,
  mirror: { rows: Figures; rollup: Map<string, number> },
): string[] {
  const problems: string[] = []
  for (const [key, t] of truth) {
    const m = mirror.rows.get(key) ?? { rows: 0, sums: [0, 0, 0, 0, 0] }
    if (m.rows !== t.rows) problems.push(`${key}: ${m.rows} rows in the mirror, ${t.rows} in the truth`)
    for (const [i, name] of MEASURES.entries())
      if (m.sums[i] !== t.sums[i])
        problems.push(`${key}: sum(${name}) ${m.sums[i]} in the mirror, ${t.sums[i]} in the truth`)
    const r = mirror.rollup.get(key) ?? 0
    if (r !== t.rows) problems.push(`${key}: trade_monthly counts ${r} rows, the truth ${t.rows}`)
  }
  for (const key of mirror.rows.keys())
    if (!truth.has(key)) problems.push(`${key}: in the mirror, not in the plan`)
  return problems
}

/**
 * The COPY-only baseline: into a fresh database with the same schema (trade_rows with its primary key and both
 * secondary indexes, trade_monthly with its keys), `psql \copy trade_rows from <csv>` (one COPY of every row, the
 * indexes maintained during the load), then `rebuildRollup` (trade_monthly from trade_rows in one statement per
 * level). Returns the seconds of each part.
 */
export async function copyBaseline(
  csvPath: string,
  rows: number,
): Promise<{ copyS: number; rollupS: number; totalS: number; rowsPerSecond: number }> {
  const target = await benchDatabase()
  try {
    const t0 = performance.now()
    await run('psql', [
      target.url,
      '-v',
      'ON_ERROR_STOP=1',
      '-q',
      '-c',
      `\\copy trade_rows (${COPY_COLUMNS}) from '${csvPath}' with (format csv)`,
    ])
    const t1 = performance.now()
    const db = await openDatabase(target.url)
    try {
      await rebuildRollup(db)
      const t2 = performance.now()
      const n = Number((await query<{ n: string }>(db, 'select count(*) as n from trade_rows'))[0]?.n)
      if (n !== rows) throw new Error(`COPY baseline loaded ${n} rows, expected ${rows}`)
      const totalS = (t2 - t0) / 1000
      return { copyS: (t1 - t0) / 1000, rollupS: (t2 - t1) / 1000, totalS, rowsPerSecond: rows / totalS }
    } finally {
      await db.close()
    }
  } finally {
    await target.drop()
  }
}

/** Run a command to its end; rejects with its stderr on a non-zero exit. */
export function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => {
      err += d
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${err.trim()}`)),
    )
  })
}

/** VmHWM (peak resident set) of a live process, in MB, from /proc/<pid>/status; 0 when unreadable. */
export function vmHwmMb(pid: number | undefined): Promise<number> {
  return procStatusMb(pid, 'VmHWM')
}

/** A `Vm…` line of /proc/<pid>/status (VmRSS: resident now, VmHWM: peak), in MB; 0 when unreadable. */
export async function procStatusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  if (pid === undefined) return 0
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? 0)
    return Math.round(kb / 1024)
  } catch {
    return 0
  }
}

/** The 1-minute load average, for the record. */
export function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
}

/** `1,234,567` */
export function n(x: number): string {
  return Math.round(x).toLocaleString('en-US')
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 when unreadable. */
export async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[11]) + Number(rest[12])) / 100
  } catch {
    return 0
  }
}

/** CPU seconds used by the PostgreSQL backends connected to one database right now (they live as long as the pools). */
export async function backendCpuSeconds(dbName: string): Promise<number> {
  const admin = await connect(TEST_DATABASE_URL, { poolSize: 1 })
  try {
    const pids = await query<{ pid: number }>(
      admin,
      `select pid from pg_stat_activity where datname = '${dbName}' and pid <> pg_backend_pid()`,
    )
    const each = await Promise.all(pids.map((p) => cpuSeconds(p.pid)))
    return each.reduce((a, b) => a + b, 0)
  } finally {
    await admin.close()
  }
}
