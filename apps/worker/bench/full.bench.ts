// The whole history, end to end: every KCS country code × 2012..the emulator's last published month, one call per
// country-year (the plan's minimum), from the calibrated emulator (rate limit off) through Redis/BullMQ and 1, 2 and 4
// real worker processes (bench/worker-process.mjs) into a fresh PostgreSQL database each. Per worker count: wall time,
// rows/s, calls against the plan's minimum, peak RSS per worker (VmHWM), and the ratio to a COPY-only load of the same
// rows measured in the same run (see copyBaseline in full-helpers.ts for what it includes). Afterwards the mirror must
// equal the emulator's truth (row count and the five sums per country-year, and the rollup's row counts); any
// difference fails the run. Then the same ratio for `kcs-trade sync --inline --concurrency 2` of the 8 largest
// partners × 2025, as a process of its own.
//
//   pnpm --filter @kcs-trade/worker bench:full                     # everything (~22 M rows: long on 2 cores)
//   BENCH_FULL_YEARS=2024-2025 BENCH_FULL_COUNTRIES=40 BENCH_FULL_WORKERS=1,2 pnpm --filter @kcs-trade/worker bench:full
//
// Knobs (environment):
//   BENCH_FULL_YEARS        first-last year (`2012-2026`), or one year; default 2012..the last published month's year
//   BENCH_FULL_COUNTRIES    `all` (default), a number N (every k-th code of the sorted list, so each profile is in), or
//                           a comma list of codes
//   BENCH_FULL_WORKERS      worker process counts, default `1,2,4`
//   BENCH_FULL_CONCURRENCY  jobs at once per worker process (BullMQ concurrency), default 2
//   BENCH_FULL_NODE_OPTIONS extra node flags for the worker processes and the inline sync, e.g. `--max-old-space-size=160`
//   BENCH_FULL_RUNTIME      `dist` (default): workers and the inline sync run the built code with plain node, as in
//                           production (the bench runs the turbo build first); `tsx`: the sources through tsx, as
//                           `pnpm bench` does (adds ~80 MB RSS a process: tsx's loader thread and caches)
//   BENCH_FULL_INLINE       `0` skips the inline-sync part
//   BENCH_FULL_KEEP_CSV     keep the baseline's CSV file (its path is printed)
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createEmulator } from '@kcs-trade/emulator'
import { openDatabase, planBackfill } from '../src/sync/engine.js'
import { createQueue, enqueueSlices } from '../src/sync/queue.js'
import { createRedis } from '../src/sync/runtime.js'
import { available, dropPrefix, REDIS_URL, waitFor } from '../src/test-utils/services.js'
import {
  backendCpuSeconds,
  benchDatabase,
  compareFigures,
  copyBaseline,
  cpuSeconds,
  type Figures,
  load,
  mirrorFigures,
  n,
  procStatusMb,
  run,
  truthFigures,
  vmHwmMb,
} from './full-helpers.js'

const KEY = 'bench-key-0123456789abcdef0123456789'
const env = process.env
const workerCounts = (env.BENCH_FULL_WORKERS ?? '1,2,4').split(',').map(Number)
const CONCURRENCY = Number(env.BENCH_FULL_CONCURRENCY ?? 2)
const nodeFlags = (env.BENCH_FULL_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)
const inline = env.BENCH_FULL_INLINE !== '0'
const runtime = env.BENCH_FULL_RUNTIME ?? 'dist'
if (runtime !== 'dist' && runtime !== 'tsx') throw new Error('BENCH_FULL_RUNTIME: dist or tsx')
const tsxNode = runtime === 'tsx' ? ['--conditions=@kcs-trade/source', '--import', 'tsx'] : []

if (!available.redis || !available.postgres) {
  console.error('bench:full needs Redis and PostgreSQL (REDIS_URL, TEST_DATABASE_URL)')
  process.exit(1)
}
if (workerCounts.some((w) => !Number.isInteger(w) || w < 1)) throw new Error('BENCH_FULL_WORKERS: e.g. 1,2,4')

const emu = await createEmulator({
  port: 0,
  seed: 1,
  keys: [KEY],
  ratePerSecond: 100_000,
  dailyQuota: 10_000_000,
})
const lastMonth = emu.truth.publication().lastDetailMonth
const lastYear = Number(lastMonth.slice(0, 4))
const [firstY, lastY] = (env.BENCH_FULL_YEARS ?? `2012-${lastYear}`).split('-').map(Number) as [
  number,
  number | undefined,
]
const years = { first: firstY, last: Math.min(lastY ?? firstY, lastYear) }
const allCodes = emu.truth
  .countries()
  .map((c) => c.code)
  .sort()
const countriesKnob = env.BENCH_FULL_COUNTRIES ?? 'all'
const countries =
  countriesKnob === 'all'
    ? allCodes
    : /^\d+$/.test(countriesKnob)
      ? allCodes.filter((_, i) => i % Math.ceil(allCodes.length / Number(countriesKnob)) === 0)
      : countriesKnob.split(',').map((c) => c.trim().toUpperCase())
const from = `${years.first}-01`
const to = years.last === lastYear ? lastMonth : `${years.last}-12`
const plan = await planBackfill({ countries, from, to }, { quota: 10_000_000, countryCodes: () => allCodes })
const subset = countriesKnob !== 'all' || env.BENCH_FULL_YEARS !== undefined
console.log(
  `bench:full — ${countries.length} countries × ${from}..${to} (${subset ? 'a SUBSET' : 'the whole history'}), ${plan.calls} calls planned (one per country-year)`,
)
console.log(
  `node ${process.version}, ${cpus().length} cores, load ${load()}; each worker process runs ${CONCURRENCY} jobs at once, ${runtime === 'dist' ? 'built code (dist/, plain node)' : 'sources through tsx'}${nodeFlags.length ? `, worker flags ${nodeFlags.join(' ')}` : ''}`,
)

let t = 0
if (runtime === 'dist') {
  t = performance.now()
  await run('pnpm', ['turbo', 'run', 'build', '--filter=@kcs-trade/worker...', '--output-logs=errors-only'])
  console.log(`built dist/ for the worker processes in ${((performance.now() - t) / 1000).toFixed(1)} s`)
}

// The truth, and the same rows as CSV for the COPY baseline (generated once, before anything is timed).
const csvPath = join(tmpdir(), `kcs-bench-full-${randomBytes(4).toString('hex')}.csv`)
t = performance.now()
const truth = await truthFigures(emu, plan.slices, csvPath)
console.log(
  `truth: ${n(truth.rows)} rows in ${plan.calls} country-years; CSV for COPY ${n(truth.bytes / 1048576)} MB, written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
)

t = performance.now()
const baseline = await copyBaseline(csvPath, truth.rows)
console.log(
  `baseline COPY-only: \\copy ${baseline.copyS.toFixed(1)} s + rollup ${baseline.rollupS.toFixed(1)} s = ${baseline.totalS.toFixed(1)} s = ${n(baseline.rowsPerSecond)} rows/s (load ${load()})`,
)

interface Result {
  workers: number
  seconds: number
  rows: number
  calls: number
  minimum: number
  peakRssMb: number[]
  vmHwmMb: number[]
  idleRssMb: number[]
  /** CPU seconds during the run: the worker processes, PostgreSQL's backends of the bench database, this process. */
  cpu: { workers: number; postgres: number; bench: number }
  fetchS: number
  parseS: number
  writeS: number
  load: string
  problems: string[]
}
const results: Result[] = []
const workerScript = fileURLToPath(new URL('./worker-process.mjs', import.meta.url))
for (const workers of workerCounts) {
  const pg = await benchDatabase()
  const prefix = `kcs-bench-full-${workers}-${randomBytes(4).toString('hex')}`
  const childEnv = {
    ...process.env,
    BENCH_WORKER_CODE: runtime,
    KCS_SERVICE_KEY: KEY,
    KCS_BASE_URL: emu.url,
    DATABASE_URL: pg.url,
    REDIS_URL,
    KCS_QUEUE_PREFIX: prefix,
    BENCH_CONCURRENCY: String(CONCURRENCY),
  }
  const children = Array.from({ length: workers }, () => {
    const child = spawn(process.execPath, [...nodeFlags, ...tsxNode, workerScript], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    return { child, out: () => out }
  })
  const redis = createRedis(REDIS_URL)
  const queue = createQueue(redis, prefix)
  try {
    await waitFor(() => children.every((c) => c.out().includes('ready')), 60_000, 'workers ready')
    const idle = await Promise.all(children.map((c) => procStatusMb(c.child.pid, 'VmRSS')))
    const callsBefore = emu.stats.total
    const workerCpu0 = await Promise.all(children.map((c) => cpuSeconds(c.child.pid)))
    const benchCpu0 = process.cpuUsage()
    const t0 = performance.now()
    await enqueueSlices(queue, plan.slices)
    let failed = 0
    await waitFor(
      async () => {
        const c = await queue.getJobCounts('completed', 'failed')
        failed = c.failed ?? 0
        return failed > 0 || (c.completed ?? 0) >= plan.calls
      },
      3 * 3600_000,
      'all slices',
    )
    const seconds = (performance.now() - t0) / 1000
    const loadAfter = load()
    if (failed > 0) {
      const jobs = await queue.getJobs(['failed'], 0, 5)
      throw new Error(`${failed} job(s) failed, e.g. ${jobs.map((j) => j.failedReason).join('; ')}`)
    }
    const hwm = await Promise.all(children.map((c) => vmHwmMb(c.child.pid)))
    const workerCpu = (await Promise.all(children.map((c) => cpuSeconds(c.child.pid)))).reduce(
      (a, b, i) => a + b - (workerCpu0[i] ?? 0),
      0,
    )
    const bench = process.cpuUsage(benchCpu0)
    const pgCpu = await backendCpuSeconds(pg.name)
    const done = (await queue.getJobs(['completed'], 0, plan.calls + 10)).map(
      (j) =>
        j.returnvalue as {
          rowCount: number
          timing: { fetchMs: number; parseMs: number; writeMs: number }
        },
    )
    for (const c of children) c.child.kill('SIGTERM')
    await Promise.all(children.map((c) => new Promise((r) => c.child.once('exit', r))))
    const peakRssMb = children.map(
      (c) => (JSON.parse(c.out().trim().split('\n').at(-1) ?? '{}') as { peakRssMb?: number }).peakRssMb ?? 0,
    )
    const db = await openDatabase(pg.url)
    const problems = compareFigures(truth.figures, await mirrorFigures(db))
    await db.close()
    const r: Result = {
      workers,
      seconds,
      rows: done.reduce((s, d) => s + d.rowCount, 0),
      calls: emu.stats.total - callsBefore,
      minimum: plan.calls,
      peakRssMb,
      vmHwmMb: hwm,
      idleRssMb: idle,
      cpu: { workers: workerCpu, postgres: pgCpu, bench: (bench.user + bench.system) / 1e6 },
      fetchS: done.reduce((s, d) => s + d.timing.fetchMs, 0) / 1000,
      parseS: done.reduce((s, d) => s + d.timing.parseMs, 0) / 1000,
      writeS: done.reduce((s, d) => s + d.timing.writeMs, 0) / 1000,
      load: loadAfter,
      problems,
    }
    results.push(r)
    console.log(
      `${workers} worker(s): ${n(r.rows)} rows in ${seconds.toFixed(1)} s = ${n(r.rows / seconds)} rows/s = ${(r.rows / seconds / baseline.rowsPerSecond).toFixed(2)}× COPY; calls ${r.calls}/${r.minimum}; VmHWM ${hwm.join(', ')} MB (idle after start ${idle.join(', ')}); mirror ${problems.length === 0 ? 'equals the truth' : `DIFFERS (${problems.length})`}; load ${loadAfter}`,
    )
  } finally {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL')
    await queue.close()
    redis.disconnect()
    await dropPrefix(prefix)
    await pg.drop()
  }
}
if (env.BENCH_FULL_KEEP_CSV) console.log(`CSV kept: ${csvPath}`)
else await rm(csvPath, { force: true })

console.log(
  `\nCOPY-only baseline (same run): ${n(truth.rows)} rows, \\copy into trade_rows (primary key + 2 indexes maintained) ${baseline.copyS.toFixed(1)} s + trade_monthly rebuilt ${baseline.rollupS.toFixed(1)} s = ${n(baseline.rowsPerSecond)} rows/s`,
)
console.log(
  '\n| workers | wall s | rows/s | vs COPY-only | calls / minimum | peak RSS per worker, VmHWM (MB) | RSS idle after start (MB) | fetch / parse / write (s, summed over jobs) | CPU s: workers / PostgreSQL / emulator+bench (of cores × wall) | load after | mirror = truth |',
)
console.log('|---|---|---|---|---|---|---|---|---|---|---|')
for (const r of results) {
  const rps = r.rows / r.seconds
  const total = r.fetchS + r.parseS + r.writeS
  const pct = (x: number) => `${Math.round((100 * x) / total)}%`
  console.log(
    `| ${r.workers} | ${r.seconds.toFixed(1)} | ${n(rps)} | ${(rps / baseline.rowsPerSecond).toFixed(2)}× | ${r.calls} / ${r.minimum} | ${r.vmHwmMb.join(', ')} | ${r.idleRssMb.join(', ')} | ${r.fetchS.toFixed(1)} / ${r.parseS.toFixed(1)} / ${r.writeS.toFixed(1)} (${pct(r.fetchS)} / ${pct(r.parseS)} / ${pct(r.writeS)}) | ${r.cpu.workers.toFixed(0)} / ${r.cpu.postgres.toFixed(0)} / ${r.cpu.bench.toFixed(0)} (of ${(cpus().length * r.seconds).toFixed(0)}) | ${r.load} | ${r.problems.length === 0 ? 'yes' : 'NO'} |`,
  )
}

let failures = 0
for (const r of results) {
  if (r.calls !== r.minimum) {
    console.error(`FAIL ${r.workers} worker(s): ${r.calls} calls, the plan's minimum is ${r.minimum}`)
    failures++
  }
  if (r.rows !== truth.rows) {
    console.error(`FAIL ${r.workers} worker(s): jobs report ${r.rows} rows, the truth has ${truth.rows}`)
    failures++
  }
  if (r.problems.length > 0) {
    console.error(
      `FAIL ${r.workers} worker(s): the mirror differs from the truth in ${r.problems.length} figure(s):`,
    )
    for (const p of r.problems.slice(0, 20)) console.error(`  ${p}`)
    failures++
  }
}

if (inline) await inlineSync()
await emu.close()
if (failures > 0) {
  console.error(`\nbench:full FAILED (${failures} check(s))`)
  process.exit(1)
}
process.exit(0)

/** `kcs-trade sync --inline --concurrency 2` of the 8 largest partners × the year before the last, against COPY. */
async function inlineSync(): Promise<void> {
  const year = lastYear - 1
  const top = [...emu.truth.countries()]
    .sort((a, b) => b.rowsPerMonth - a.rowsPerMonth)
    .slice(0, 8)
    .map((c) => c.code)
    .sort()
  const slices = top.map((country) => ({ country, from: `${year}-01`, to: `${year}-12` }))
  const csv = join(tmpdir(), `kcs-bench-full-inline-${randomBytes(4).toString('hex')}.csv`)
  const inlineTruth = await truthFigures(emu, slices, csv)
  console.log(`\ninline sync: ${top.join(',')} × ${year}, ${n(inlineTruth.rows)} rows (load ${load()})`)
  const base = await copyBaseline(csv, inlineTruth.rows)
  await rm(csv, { force: true })
  const pg = await benchDatabase()
  const prefix = `kcs-bench-full-inline-${randomBytes(4).toString('hex')}`
  try {
    const cli = fileURLToPath(
      new URL(runtime === 'dist' ? '../dist/cli.js' : '../src/cli.ts', import.meta.url),
    )
    const callsBefore = emu.stats.total
    const t0 = performance.now()
    const child = spawn(
      process.execPath,
      [
        ...nodeFlags,
        ...tsxNode,
        cli,
        'sync',
        '--inline',
        '--concurrency',
        '2',
        '--country',
        top.join(','),
        '--from',
        `${year}-01`,
        '--to',
        `${year}-12`,
        '--json',
      ],
      {
        env: {
          ...process.env,
          KCS_SERVICE_KEY: KEY,
          KCS_BASE_URL: emu.url,
          DATABASE_URL: pg.url,
          REDIS_URL,
          KCS_QUEUE_PREFIX: prefix,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      err += d
    })
    let hwm = 0
    const sampler = setInterval(async () => {
      hwm = Math.max(hwm, await vmHwmMb(child.pid))
    }, 100)
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    clearInterval(sampler)
    const seconds = (performance.now() - t0) / 1000
    if (code !== 0) {
      console.error(`FAIL inline sync exited ${code}: ${err.slice(-2000)}${out.slice(-2000)}`)
      failures++
      return
    }
    const db = await openDatabase(pg.url)
    const problems = compareFigures(inlineTruth.figures as Figures, await mirrorFigures(db))
    await db.close()
    const rps = inlineTruth.rows / seconds
    console.log(
      `| inline sync --concurrency 2 | ${seconds.toFixed(1)} s (process start to exit) | ${n(rps)} rows/s | ${(rps / base.rowsPerSecond).toFixed(2)}× COPY-only (${n(base.rowsPerSecond)} rows/s: \\copy ${base.copyS.toFixed(1)} s + rollup ${base.rollupS.toFixed(1)} s) | calls ${emu.stats.total - callsBefore} / ${slices.length} | peak VmHWM ≥ ${hwm} MB (sampled) | mirror ${problems.length === 0 ? 'equals the truth' : 'DIFFERS'} | load ${load()} |`,
    )
    if (problems.length > 0) {
      for (const p of problems.slice(0, 20)) console.error(`  ${p}`)
      failures++
    }
  } finally {
    await dropPrefix(prefix)
    await pg.drop()
  }
}
