// Backfill benchmark: one calendar year for a set of countries from the emulator, rate limit off, with 1, 2 and 4
// BullMQ worker processes on Redis + PostgreSQL. Prints rows/s end to end, calls vs the theoretical minimum, peak memory
// per worker, and where the time goes; the baseline measured in the same run is fetch+parse alone (no database).
//
//   pnpm --filter @kcs-trade/worker bench            # a documented subset (16 countries sampled across profiles)
//   pnpm --filter @kcs-trade/worker bench -- --all   # every country of the emulator (takes much longer)
import { spawn } from 'node:child_process'
import { createKcsClient } from '@kcs-trade/client'
import { createEmulator } from '@kcs-trade/emulator'
import { openDatabase, planBackfill } from '../src/sync/engine.js'
import { createQueue, enqueueSlices } from '../src/sync/queue.js'
import { createRedis } from '../src/sync/runtime.js'
import {
  available,
  createTestDatabase,
  dropPrefix,
  REDIS_URL,
  uniquePrefix,
  waitFor,
} from '../src/test-utils/services.js'

const all = process.argv.includes('--all')
const workerCounts = [1, 2, 4]
const CONCURRENCY = 2
const KEY = 'bench-key-0123456789abcdef0123456789'

if (!available.redis || !available.postgres) {
  console.error('bench needs Redis and PostgreSQL (REDIS_URL, TEST_DATABASE_URL)')
  process.exit(1)
}

const emu = await createEmulator({
  port: 0,
  seed: 1,
  keys: [KEY],
  ratePerSecond: 100_000,
  dailyQuota: 10_000_000,
})
const year = Number(emu.truth.publication().lastDetailMonth.slice(0, 4)) - 1
const byProfile = new Map<string, string[]>()
for (const c of emu.truth.countries()) byProfile.set(c.profile, [...(byProfile.get(c.profile) ?? []), c.code])
const sample: Record<string, number> = { major: 1, medium: 4, small: 9, dormant: 2 }
const countries = all
  ? emu.truth.countries().map((c) => c.code)
  : [...byProfile].flatMap(([profile, codes]) => codes.slice(0, sample[profile] ?? 0))
const from = `${year}-01`
const to = `${year}-12`
const expectedRows = countries.reduce((n, country) => n + emu.truth.rows({ country, from, to }).length, 0)
console.log(
  `backfill bench: ${countries.length} countries × ${year} (${all ? 'all' : 'subset'}), ${expectedRows.toLocaleString('en-US')} rows, emulator rate limit off`,
)
console.log(
  `node ${process.version}, ${(await import('node:os')).cpus().length} cores; each worker process runs ${CONCURRENCY} jobs at once\n`,
)

// Baseline: fetch + parse only (the client streaming every slice, rows discarded), same concurrency as 1 worker.
async function fetchParseBaseline(): Promise<number> {
  const kcs = createKcsClient({ serviceKey: KEY, baseUrl: emu.url, retry: 0 })
  const queue = [...countries]
  const t0 = performance.now()
  let rows = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let c = queue.shift(); c; c = queue.shift())
        for await (const _ of kcs.streamTradeByItemCountry({ country: c, from, to })) rows++
    }),
  )
  const s = (performance.now() - t0) / 1000
  console.log(
    `baseline fetch+parse only: ${rows.toLocaleString('en-US')} rows in ${s.toFixed(1)} s = ${Math.round(rows / s).toLocaleString('en-US')} rows/s`,
  )
  return rows / s
}
const baselineRowsPerSecond = await fetchParseBaseline()

interface Result {
  workers: number
  seconds: number
  rows: number
  calls: number
  minimum: number
  peakRssMb: number[]
  fetchS: number
  parseS: number
  writeS: number
}
const results: Result[] = []
for (const workers of workerCounts) {
  const pg = await createTestDatabase(`bench${workers}`)
  const prefix = uniquePrefix(`bench${workers}`)
  const db = await openDatabase(pg.url)
  const plan = await planBackfill(
    { countries, from, to },
    { quota: 10_000_000, db, countryCodes: () => countries },
  )
  const env = {
    ...process.env,
    KCS_SERVICE_KEY: KEY,
    KCS_BASE_URL: emu.url,
    DATABASE_URL: pg.url,
    REDIS_URL,
    KCS_QUEUE_PREFIX: prefix,
    BENCH_CONCURRENCY: String(CONCURRENCY),
  }
  const children = Array.from({ length: workers }, () => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@kcs-trade/source',
        '--import',
        'tsx',
        new URL('./worker-process.mjs', import.meta.url).pathname,
      ],
      { env: { ...env, BENCH_WORKER_CODE: 'src' }, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    return { child, out: () => out }
  })
  await waitFor(() => children.every((c) => c.out().includes('ready')), 60_000, 'workers ready')
  const redis = createRedis(REDIS_URL)
  const queue = createQueue(redis, prefix)
  const callsBefore = emu.stats.total
  const t0 = performance.now()
  await enqueueSlices(queue, plan.slices)
  await waitFor(
    async () => ((await queue.getJobCounts('completed')).completed ?? 0) >= plan.calls,
    30 * 60_000,
    'all slices',
  )
  const seconds = (performance.now() - t0) / 1000
  const jobs = await queue.getJobs(['completed'], 0, plan.calls + 10)
  const done = jobs.map(
    (j) =>
      j.returnvalue as { rowCount: number; timing: { fetchMs: number; parseMs: number; writeMs: number } },
  )
  for (const c of children) c.child.kill('SIGTERM')
  await Promise.all(children.map((c) => new Promise((r) => c.child.once('exit', r))))
  const peakRssMb = children.map(
    (c) => (JSON.parse(c.out().trim().split('\n').at(-1) ?? '{}') as { peakRssMb?: number }).peakRssMb ?? 0,
  )
  results.push({
    workers,
    seconds,
    rows: done.reduce((n, d) => n + d.rowCount, 0),
    calls: emu.stats.total - callsBefore,
    minimum: plan.calls,
    peakRssMb,
    fetchS: done.reduce((n, d) => n + d.timing.fetchMs, 0) / 1000,
    parseS: done.reduce((n, d) => n + d.timing.parseMs, 0) / 1000,
    writeS: done.reduce((n, d) => n + d.timing.writeMs, 0) / 1000,
  })
  await queue.close()
  redis.disconnect()
  await db.close()
  await pg.drop()
  await dropPrefix(prefix)
  const r = results.at(-1) as Result
  console.log(`${workers} worker(s): ${r.rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s`)
}
await emu.close()

const one = results[0] as Result
console.log(
  '\n| workers | wall s | rows/s end to end | vs 1 worker | vs fetch+parse baseline | calls / minimum | peak RSS per worker (MB) | fetch / parse / write (s, summed over jobs) |',
)
console.log('|---|---|---|---|---|---|---|---|')
for (const r of results) {
  const rps = r.rows / r.seconds
  const total = r.fetchS + r.parseS + r.writeS
  const pct = (x: number) => `${Math.round((100 * x) / total)}%`
  console.log(
    `| ${r.workers} | ${r.seconds.toFixed(1)} | ${Math.round(rps).toLocaleString('en-US')} | ${(rps / (one.rows / one.seconds)).toFixed(2)}× | ${(rps / baselineRowsPerSecond).toFixed(2)}× | ${r.calls} / ${r.minimum} | ${r.peakRssMb.join(', ')} | ${r.fetchS.toFixed(1)} / ${r.parseS.toFixed(1)} / ${r.writeS.toFixed(1)} (${pct(r.fetchS)} / ${pct(r.parseS)} / ${pct(r.writeS)}) |`,
  )
}
process.exit(0)
