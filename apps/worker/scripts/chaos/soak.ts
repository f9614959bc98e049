/**
 * `pnpm soak [--minutes N] [--json]`: the emulator and 4 worker processes for N minutes (default 10) at the highest
 * rate the API allows (KCS_RATE_PER_SECOND=30, the emulator's per-second limit 30), on a private Redis and PostgreSQL.
 * Prints each worker's RSS every minute, the calls per second achieved, the emulator's busiest second against the
 * limit, and the jobs left over at the end. Exits 1 if the per-second limit was exceeded (or a 23 was answered), a job
 * failed, jobs were left stalled, or a worker's memory kept growing; 2 when the suite cannot set up.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createEmulator } from '@kcs-trade/emulator'
import { QueueEvents } from 'bullmq'
import { Redis } from 'ioredis'
import { MAX_RATE_PER_SECOND } from '../../src/config/env.js'
import { openDatabase } from '../../src/sync/engine.js'
import { createQueue, enqueueSlices, QUEUE_NAME } from '../../src/sync/queue.js'
import type { Slice } from '../../src/sync/slices.js'
import {
  installExitHandlers,
  makeRunDir,
  onCleanup,
  rssMb,
  runSuite,
  SetupError,
  sleep,
  startPrivatePostgres,
  startPrivateRedis,
  startWorker,
  until,
  type WorkerProcess,
  withTimeout,
} from './services.js'

const KEY = 'soak-suite-key-41c7e2b9a05f6d38'
const PREFIX = 'kcs-soak'
const WORKERS = 4
const CONCURRENCY = 2
/** The API's documented per-second ceiling, which the emulator enforces (gateway 23 above it). */
const API_LIMIT = 30

const started = performance.now()
const elapsed = () => (performance.now() - started) / 1000
const say = (text: string) => process.stderr.write(`[${elapsed().toFixed(1).padStart(6)}s] ${text}\n`)

/** Small slices (one country, one month, one HS chapter): many calls, modest rows, so the calls are the load. */
function* sliceSource(countries: readonly string[]): Generator<Slice> {
  const chapters = Array.from({ length: 97 }, (_, i) => String(i + 1).padStart(2, '0')).filter(
    (c) => c !== '77',
  )
  for (let round = 0; ; round++) {
    for (const hs of chapters)
      for (let m = 1; m <= 12; m++)
        for (const country of countries) {
          const month = `${2015 + (round % 11)}-${String(m).padStart(2, '0')}`
          yield { country, from: month, to: month, hs }
        }
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(
      'Usage: pnpm soak [--minutes N] [--json]\n' +
        '  --minutes N  how long the load lasts (default 10)\n' +
        '  --json       the report as JSON on stdout (progress stays on stderr)\n',
    )
    return 0
  }
  const minutes = values.minutes === undefined ? 10 : Number(values.minutes)
  if (!(minutes > 0 && minutes <= 240))
    throw new SetupError(`--minutes must be a number in (0, 240], got ${values.minutes}`, 'e.g. --minutes 10')
  installExitHandlers()

  const runDir = makeRunDir('soak')
  const redisServer = await startPrivateRedis(runDir, { persistent: false })
  const pgServer = await startPrivatePostgres(runDir)
  const setupDb = await openDatabase(pgServer.url)
  await setupDb.close()
  const emu = await createEmulator({
    keys: [KEY],
    seed: 11,
    today: '2026-11-30',
    ratePerSecond: API_LIMIT,
    dailyQuota: 100_000_000,
  })
  onCleanup(
    'emulator',
    () => emu.close(),
    () => {},
  )
  const countries = emu.truth
    .countries()
    .filter((c) => c.profile === 'small' || c.profile === 'medium')
    .slice(0, 40)
    .map((c) => c.code)
  say(
    `soak: ${WORKERS} workers × concurrency ${CONCURRENCY} at KCS_RATE_PER_SECOND=${MAX_RATE_PER_SECOND} against the emulator's limit of ${API_LIMIT}/s, for ${minutes} min (private Redis ${redisServer.port}, PostgreSQL ${pgServer.port})`,
  )

  const env: Record<string, string> = {
    KCS_SERVICE_KEY: KEY,
    KCS_BASE_URL: emu.url,
    DATABASE_URL: pgServer.url,
    REDIS_URL: redisServer.url,
    KCS_QUEUE_PREFIX: PREFIX,
    KCS_RATE_PER_SECOND: String(MAX_RATE_PER_SECOND),
    KCS_DAILY_QUOTA: '100000000',
    KCS_TIMEOUT_MS: '30000',
    KCS_JOB_LOCK_MS: '30000',
    KCS_SHUTDOWN_TIMEOUT_MS: '10000',
    LOG_LEVEL: 'warn',
  }
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null })
  redis.on('error', () => {})
  onCleanup(
    'harness redis',
    async () => redis.disconnect(),
    () => {},
  )
  const queue = createQueue(redis, PREFIX)
  onCleanup(
    'queue',
    () => queue.close(),
    () => {},
  )
  const events = new QueueEvents(QUEUE_NAME, {
    connection: { host: '127.0.0.1', port: redisServer.port },
    prefix: PREFIX,
  })
  events.on('error', () => {})
  let stalledEvents = 0
  events.on('stalled', () => {
    stalledEvents++
  })
  onCleanup(
    'queue events',
    () => events.close(),
    () => {},
  )

  const workers: WorkerProcess[] = []
  for (let i = 1; i <= WORKERS; i++) workers.push(startWorker(i, env, CONCURRENCY, join(runDir, 'logs')))
  // LOG_LEVEL=warn: readiness is the worker's Redis connection, seen as a BullMQ worker on the queue.
  const ready = await until(async () => (await queue.getWorkers()).length >= WORKERS, 60_000)
  if (!ready) throw new Error(`the ${WORKERS} workers did not start within 60 s`)

  const source = sliceSource(countries)
  let enqueued = 0
  const feed = async () => {
    const c = await withTimeout(queue.getJobCounts('wait'), 5_000, 'counts')
    if ((c.wait ?? 0) >= 150) return
    const batch: Slice[] = []
    for (let i = 0; i < 200; i++) batch.push(source.next().value as Slice)
    const r = await enqueueSlices(queue, batch, 'soak')
    enqueued += r.added
  }
  await feed()

  const samples: number[][] = workers.map(() => [])
  const perMinute: Array<{
    minute: number
    rssMb: number[]
    calls: number
    callsPerSecond: number
    peak: number
  }> = []
  const endAt = Date.now() + minutes * 60_000
  let minuteStart = Date.now()
  let callsAtMinute = emu.stats.total
  let minute = 0
  const loadStart = Date.now()
  const callsAtStart = emu.stats.total
  while (Date.now() < endAt) {
    await feed().catch(() => {})
    await sleep(500)
    if (Date.now() - minuteStart >= 60_000 || Date.now() >= endAt) {
      minute++
      const rss = workers.map((w) => Number(rssMb(w.pid).toFixed(1)))
      for (const [i, v] of rss.entries()) samples[i]!.push(v)
      const calls = emu.stats.total - callsAtMinute
      const seconds = (Date.now() - minuteStart) / 1000
      const row = {
        minute,
        rssMb: rss,
        calls,
        callsPerSecond: Number((calls / seconds).toFixed(1)),
        peak: emu.stats.peakPerSecond(KEY),
      }
      perMinute.push(row)
      say(
        `minute ${minute}: RSS MB ${rss.map((v, i) => `w${i + 1} ${v}`).join(', ')}; ${calls} calls (${row.callsPerSecond}/s); busiest second so far ${row.peak} (limit ${API_LIMIT}); 23s ${emu.stats.count('gateway-23')}`,
      )
      minuteStart = Date.now()
      callsAtMinute = emu.stats.total
    }
  }
  const loadSeconds = (Date.now() - loadStart) / 1000
  const loadCalls = emu.stats.total - callsAtStart
  say(`load over after ${loadSeconds.toFixed(0)} s; letting the queue drain (no new jobs)`)
  const drained = await until(
    async () => {
      const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized')
      return (c.wait ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0
    },
    120_000,
    500,
  )
  const left = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed')
  const leftOver = (left.wait ?? 0) + (left.active ?? 0) + (left.delayed ?? 0) + (left.prioritized ?? 0)
  // Nothing stops a soak worker before this point: one that is gone already exited unexpectedly, however short the run.
  const exitedEarly = workers
    .filter((w) => !w.alive())
    .map((w) => `worker ${w.id} (pid ${w.pid}) exited by itself (${w.child.exitCode ?? w.child.signalCode})`)
  for (const w of workers) if (w.alive()) w.child.kill('SIGTERM')
  const exits = await Promise.race([
    Promise.all(workers.map((w) => w.exited)),
    sleep(20_000).then(() => null),
  ])

  // Flat memory: after the first minute (warm-up), the highest RSS of the second half of the run is at most 25 % (or
  // 50 MB) above the highest of the first half. Judged from 3 samples on (3 minutes).
  const judged = samples.every((s) => s.length >= 3)
  const growth = samples.map((s) => {
    const body = s.slice(1)
    const half = Math.max(1, Math.floor(body.length / 2))
    const early = Math.max(...body.slice(0, half))
    const late = Math.max(...body.slice(half))
    return { early, late, growthMb: Number((late - early).toFixed(1)) }
  })
  const memoryFlat = judged ? growth.every((g) => g.growthMb <= Math.max(50, g.early * 0.25)) : null
  const peak = emu.stats.peakPerSecond(KEY)
  const rate23 = emu.stats.count('gateway-23')
  const report = {
    command: `pnpm soak --minutes ${minutes}`,
    workers: WORKERS,
    concurrency: CONCURRENCY,
    minutes,
    calls: emu.stats.total,
    callsPerSecond: Number((loadCalls / loadSeconds).toFixed(2)),
    peakPerSecond: peak,
    limitPerSecond: API_LIMIT,
    gateway23: rate23,
    jobsEnqueued: enqueued,
    jobsCompleted: left.completed ?? 0,
    jobsFailed: left.failed ?? 0,
    stalledEvents,
    stalledJobsLeft: leftOver,
    drained,
    perMinute,
    memory: growth,
    memoryFlat,
    workerExitCodes: exits ? exits.map((e) => e.code) : null,
    workersExitedEarly: exitedEarly,
    rowsServed: emu.stats.rows,
    seconds: Number(elapsed().toFixed(1)),
  }
  const problems: string[] = []
  if (peak > API_LIMIT) problems.push(`the per-second limit was exceeded (${peak} > ${API_LIMIT})`)
  if (rate23 > 0) problems.push(`${rate23} calls were answered 23 (per-second limit)`)
  if ((left.failed ?? 0) > 0) problems.push(`${left.failed} jobs failed`)
  if (leftOver > 0) problems.push(`${leftOver} jobs left stalled or unfinished`)
  if (exitedEarly.length > 0) problems.push(`worker processes exited unexpectedly: ${exitedEarly.join('; ')}`)
  if (memoryFlat === false) problems.push(`worker memory kept growing: ${JSON.stringify(growth)}`)
  if (values.json)
    process.stdout.write(`${JSON.stringify({ ...report, ok: problems.length === 0, problems }, null, 2)}\n`)
  else {
    const lines = [
      `\nsoak report — ${report.command}`,
      `  workers                ${WORKERS} × concurrency ${CONCURRENCY}, KCS_RATE_PER_SECOND=${MAX_RATE_PER_SECOND}`,
      `  calls                  ${report.calls.toLocaleString('en-US')} incl. the drain (${report.callsPerSecond}/s during the ${minutes} min of load)`,
      `  busiest second         ${peak} calls (limit ${API_LIMIT}); answered 23: ${rate23}`,
      `  jobs                   ${report.jobsCompleted.toLocaleString('en-US')} completed, ${report.jobsFailed} failed, ${stalledEvents} stalled events, ${leftOver} left at the end`,
      `  RSS per minute (MB)    ${perMinute.map((m) => `m${m.minute}: ${m.rssMb.join('/')}`).join('  ')}`,
      judged
        ? `  memory growth (MB)     ${growth.map((g, i) => `w${i + 1} ${g.early}→${g.late} (${g.growthMb >= 0 ? '+' : ''}${g.growthMb})`).join(', ')} — ${memoryFlat ? 'flat' : 'GROWING'}`
        : '  memory growth          not judged (needs --minutes 3 or more)',
      `  rows served            ${report.rowsServed.toLocaleString('en-US')}`,
      `  time taken             ${report.seconds.toFixed(1)} s`,
      problems.length === 0 ? '\nPASS' : `\nFAIL: ${problems.join('; ')}`,
    ]
    process.stdout.write(`${lines.join('\n')}\n`)
  }
  return problems.length === 0 ? 0 : 1
}

await runSuite('soak', main)
