/**
 * Export rate on a large PostgreSQL mirror: builds a throwaway database of synthetic rows (real HSK
 * codes, 30 countries, 2020-01..2025-12) with one INSERT … SELECT over generate_series, then times
 * the real `kcs-trade export` process to csv, parquet and json (and csv at --level 4), sampling its
 * RSS from /proc every 250 ms, against the same-run baseline of psql streaming the same rows out of
 * PostgreSQL (`\copy (select …) to file`, i.e. COPY … TO STDOUT). Rounds are interleaved (baseline,
 * then each format, `--rounds` times, default 3) and each run's best time counts: other work on the
 * machine slows single runs, not the best of three. The load average is printed before and after.
 *
 *   pnpm --filter @kcs-trade/worker bench:export                 # 5,000,000 rows
 *   pnpm --filter @kcs-trade/worker bench:export --rows 1000000 --formats csv,parquet --rounds 1
 *   pnpm --filter @kcs-trade/worker bench:export -- --heap 128     # exports under a 128 MB V8 heap cap
 *   pnpm --filter @kcs-trade/worker bench:export -- --runtime tsx  # the sources through tsx, not dist/
 *
 * By default the export runs the built CLI (`dist/cli.js` with plain node, as the installed `kcs-trade`
 * binary runs): the bench runs the turbo build first. `--runtime tsx` runs the sources through tsx, which
 * adds tsx's own start-up and about 75 MB of RSS to every run.
 *
 * Needs PostgreSQL at KCS_BENCH_DATABASE_URL or TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test) and psql on the PATH; drops its database at the end.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { connect, type KcsDatabase } from '@kcs-trade/db'
import { hsk } from '@kcs-trade/reference'
import { openDatabase } from '../src/sync/engine.js'
import { run } from './full-helpers.js'

const { values } = parseArgs({
  // `pnpm bench:export -- --rows …` passes the `--` on
  args: process.argv.slice(2).filter((a, i) => i > 0 || a !== '--'),
  options: {
    rounds: { type: 'string', default: '3' },
    rows: { type: 'string', default: '5000000' },
    formats: { type: 'string', default: 'csv,parquet,json,csv@4' },
    keep: { type: 'boolean' },
    /** Cap the export processes' V8 old space (MB): an export that completes under it holds less. */
    heap: { type: 'string' },
    /** Reuse a mirror built by an earlier run with --keep instead of building one. */
    use: { type: 'string' },
    /** `dist` (default: the built CLI, as users run it) or `tsx` (the sources). */
    runtime: { type: 'string', default: 'dist' },
  },
})
if (values.runtime !== 'dist' && values.runtime !== 'tsx') throw new Error('--runtime is dist or tsx')
const ROWS = Number(values.rows)
const SERVER =
  process.env.KCS_BENCH_DATABASE_URL ||
  process.env.TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/test'
const CLI =
  values.runtime === 'dist'
    ? fileURLToPath(new URL('../dist/cli.js', import.meta.url))
    : fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const COUNTRIES = [
  'AE',
  'AU',
  'BR',
  'CA',
  'CH',
  'CL',
  'CN',
  'DE',
  'ES',
  'FR',
  'GB',
  'HK',
  'ID',
  'IN',
  'IT',
  'JP',
  'MX',
  'MY',
  'NL',
  'PH',
  'PL',
  'RU',
  'SA',
  'SG',
  'TH',
  'TR',
  'TW',
  'US',
  'VN',
  'ZA',
]
const MONTHS = 72

/** A raw query on the pool under a KcsDatabase (PostgreSQL here). */
async function query<T = Record<string, unknown>>(
  db: KcsDatabase,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const r = await (db.$client as unknown as { query(t: string, p: unknown[]): Promise<{ rows: T[] }> }).query(
    text,
    params,
  )
  return r.rows
}

interface Sampled {
  seconds: number
  code: number | null
  peakMb: number
  /** RSS at 10 %, 25 %, 50 %, 75 % and 90 % of the run. */
  curve: number[]
}

/** Run a command, sampling its RSS (VmRSS of the pid) until it exits. */
function runSampled(cmd: string, args: string[], env: Record<string, string>): Promise<Sampled> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const samples: Array<{ t: number; mb: number }> = []
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
        if (kb > 0) samples.push({ t: performance.now() - t0, mb: kb / 1024 })
      } catch {
        // exited between two samples
      }
    }
    const timer = setInterval(sample, 250)
    child.on('error', reject)
    child.on('close', (code) => {
      clearInterval(timer)
      const seconds = (performance.now() - t0) / 1000
      if (code !== 0)
        return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`))
      const at = (f: number) => {
        const t = seconds * 1000 * f
        let best = samples[0]
        for (const s of samples) if (Math.abs(s.t - t) < Math.abs((best?.t ?? 0) - t)) best = s
        return Math.round(best?.mb ?? 0)
      }
      resolve({
        seconds,
        code,
        peakMb: Math.round(Math.max(0, ...samples.map((s) => s.mb))),
        curve: [0.1, 0.25, 0.5, 0.75, 0.9].map(at),
      })
    })
  })
}

async function build(url: string): Promise<number> {
  const db = await openDatabase(url)
  try {
    const perCode = COUNTRIES.length * MONTHS
    const codes = hsk
      .all()
      .map((e) => e.code)
      .slice(0, Math.ceil(ROWS / perCode))
    const t0 = performance.now()
    await query(
      db,
      `insert into trade_rows (period, country_code, hs_code, country_name, item_name,
        export_kg, export_usd, import_kg, import_usd, balance_usd)
      select p::date, c, h, '나라 ' || c, '품목 ' || h, ek, eu, ik, iu, eu - iu
      from unnest($1::text[]) as c
      cross join generate_series('2020-01-01'::date, '2025-12-01'::date, interval '1 month') as p
      cross join unnest($2::text[]) as h
      cross join lateral (select abs(hashtext(c || h || p::text))::bigint as x) r
      cross join lateral (select r.x % 9000000 as ek, (r.x / 7) % 5000000 as eu,
        (r.x / 11) % 9000000 as ik, (r.x / 13) % 5000000 as iu) m
      limit $3`,
      [COUNTRIES, codes, ROWS],
    )
    await query(db, 'analyze trade_rows')
    const n = Number((await query<{ n: number }>(db, 'select count(*)::int as n from trade_rows'))[0]?.n)
    console.log(
      `built ${n.toLocaleString('en-US')} rows (${COUNTRIES.length} countries × ${MONTHS} months × ${codes.length} HSK codes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    )
    return n
  } finally {
    await db.close()
  }
}

const name = values.use ? '' : `kcs_bench_export_${randomBytes(4).toString('hex')}`
const url = new URL(values.use ?? SERVER)
if (!values.use) {
  const admin = await connect(SERVER, { poolSize: 1 })
  await query(admin, `create database ${name}`)
  await admin.close()
  url.pathname = `/${name}`
}
if (values.runtime === 'dist') {
  const t = performance.now()
  await run('pnpm', ['turbo', 'run', 'build', '--filter=@kcs-trade/worker...', '--output-logs=errors-only'])
  console.log(`built dist/ for the export runs in ${((performance.now() - t) / 1000).toFixed(1)} s`)
}
const dir = mkdtempSync(join(tmpdir(), 'kcs-export-bench-'))
try {
  let n: number
  if (values.use) {
    const db = await connect(url.toString(), { poolSize: 1 })
    n = Number((await query<{ n: number }>(db, 'select count(*)::int as n from trade_rows'))[0]?.n)
    await db.close()
    console.log(`reusing ${n.toLocaleString('en-US')} rows`)
  } else n = await build(url.toString())
  const load = () =>
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`
  console.log(`${load()} before the runs`)
  const copySql = `select to_char(period, 'YYYY-MM') as period, country_code, hs_code, export_kg, export_usd, import_kg, import_usd, balance_usd from trade_rows order by country_code, period, hs_code`
  const runs: Array<{ what: string; run: () => Promise<{ s: Sampled; bytes: number }> }> = [
    {
      what: 'baseline: psql \\copy (COPY … TO STDOUT), csv, no names',
      run: async () => {
        const out = join(dir, 'copy.csv')
        const args = [url.toString(), '-v', 'ON_ERROR_STOP=1', '-c']
        args.push(`\\copy (${copySql}) to '${out}' with (format csv, header)`)
        const s = await runSampled('psql', args, {})
        const bytes = statSync(out).size
        rmSync(out)
        return { s, bytes }
      },
    },
  ]
  for (const f of (values.formats ?? '').split(',').filter(Boolean)) {
    const [format, level] = f.split('@') as [string, string | undefined]
    runs.push({
      what: `kcs-trade export --format ${format}${level ? ` --level ${level}` : ''}${values.heap ? ` (V8 heap cap ${values.heap} MB)` : ''}`,
      run: async () => {
        const out = join(dir, `export.${format === 'json' ? 'jsonl' : format}`)
        const args = [
          ...(values.runtime === 'tsx' ? ['--conditions=@kcs-trade/source', '--import', 'tsx'] : []),
          CLI,
          'export',
          '--out',
          out,
          '--json',
        ]
        if (values.heap) args.unshift(`--max-old-space-size=${Number(values.heap)}`)
        if (level) args.push('--level', level)
        const s = await runSampled(process.execPath, args, { DATABASE_URL: url.toString() })
        const bytes = statSync(out).size
        rmSync(out)
        return { s, bytes }
      },
    })
  }
  const best = runs.map(() => ({ seconds: [] as number[], peakMb: 0, curve: [] as number[], bytes: 0 }))
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [i, r] of runs.entries()) {
      const { s, bytes } = await r.run()
      const b = best[i] as (typeof best)[number]
      if (b.seconds.every((t) => s.seconds < t)) b.curve = s.curve
      b.seconds.push(s.seconds)
      b.peakMb = Math.max(b.peakMb, s.peakMb)
      b.bytes = bytes
      console.log(`round ${round}: ${r.what}: ${s.seconds.toFixed(1)} s, peak RSS ${s.peakMb} MB (${load()})`)
    }
  }
  console.log(`${load()} after the runs`)
  const baseSeconds = Math.min(...(best[0]?.seconds ?? [1]))
  console.log(
    `\n| run | best s (all runs) | mirror rows/s | vs COPY | peak RSS MB | RSS at 10/25/50/75/90 % of the best run (MB) | file MB |`,
  )
  console.log('|---|---:|---:|---:|---:|---|---:|')
  for (const [i, r] of runs.entries()) {
    const b = best[i] as (typeof best)[number]
    const seconds = Math.min(...b.seconds)
    console.log(
      `| ${r.what} | ${seconds.toFixed(1)} (${b.seconds.map((t) => t.toFixed(1)).join(', ')}) | ${Math.round(n / seconds).toLocaleString('en-US')} | ${(baseSeconds / seconds).toFixed(2)}× | ${b.peakMb} | ${b.curve.join(' / ')} | ${(b.bytes / 1e6).toFixed(0)} |`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
  if (!values.keep && !values.use) {
    const a = await connect(SERVER, { poolSize: 1 })
    await query(a, `drop database if exists ${name} with (force)`)
    await a.close()
  } else if (values.keep) console.log(`kept database ${url}`)
}
