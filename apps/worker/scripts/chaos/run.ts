/**
 * `pnpm chaos [--short] [--seed N] [--json]`: a backfill from the emulator into a private PostgreSQL with three worker
 * processes on a private Redis, while faults are injected on a seeded schedule; at the end the database is compared
 * with the emulator's truth row by row. Exits 1 on any missing, extra or wrong row, any call beyond the daily quota,
 * any job failed for good, or an injection that did not happen; 2 when the suite cannot set up (missing binaries).
 * See docs/RELIABILITY.md.
 */
import { cpSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { connect, type KcsDatabase, tradeRows } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { QueueEvents } from 'bullmq'
import { Redis } from 'ioredis'
import { kstDay, nextKstMidnight } from '../../src/config/clock.js'
import { keyFingerprint } from '../../src/config/env.js'
import { openDatabase, planBackfill } from '../../src/sync/engine.js'
import { RedisQuota } from '../../src/sync/limits.js'
import { createQueue, enqueueSlices, QUEUE_NAME } from '../../src/sync/queue.js'
import {
  installExitHandlers,
  makeRunDir,
  onCleanup,
  prng,
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

const KEY = 'chaos-suite-key-8f3a61d2c0b94e57'
const PREFIX = 'kcs-chaos'
const YEARS = ['2023', '2024', '2025'] as const
const TODAY = '2026-11-30'
const FAULT_RATES = { http5xx: 0.05, hang: 0.03, truncate: 0.02, reset: 0.01 }

interface Scale {
  name: 'full' | 'short'
  small: number
  medium: number
  ratePerSecond: number
  timeoutMs: number
  refuseMs: number
  maxMinutes: number
}
const FULL: Scale = {
  name: 'full',
  small: 50,
  medium: 10,
  ratePerSecond: 5,
  timeoutMs: 2_000,
  refuseMs: 6_000,
  maxMinutes: 25,
}
const SHORT: Scale = {
  name: 'short',
  small: 30,
  medium: 0,
  ratePerSecond: 4,
  timeoutMs: 2_000,
  refuseMs: 6_000,
  maxMinutes: 10,
}

type EventKind = 'kill' | 'redis-restart' | 'postgres-restart' | 'refuse' | 'rate23-burst'
interface PlannedEvent {
  kind: EventKind
  /** Fraction of the planned slices done when it fires. */
  at: number
}
interface DoneEvent {
  kind: EventKind | 'quota-reached'
  atSeconds: number
  detail: string
}

const started = performance.now()
const elapsed = () => (performance.now() - started) / 1000
let jsonMode = false
function say(text: string): void {
  process.stderr.write(`[${elapsed().toFixed(1).padStart(6)}s] ${text}\n`)
}

/** The seeded schedule: every injection kind, at seeded points between 8 % and 80 % of the slices done. */
export function schedule(seed: number): PlannedEvent[] {
  const random = prng(seed)
  const kinds: EventKind[] = [
    'kill',
    'kill',
    'kill',
    'redis-restart',
    'postgres-restart',
    'refuse',
    'refuse',
    'rate23-burst',
    'rate23-burst',
    'rate23-burst',
  ]
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!]
  }
  const lo = 0.08
  const hi = 0.8
  const step = (hi - lo) / (kinds.length - 1)
  return kinds.map((kind, i) => ({
    kind,
    at: Math.min(hi, Math.max(lo, lo + i * step + (random() - 0.5) * step * 0.8)),
  }))
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      short: { type: 'boolean' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(
      'Usage: pnpm chaos [--short] [--seed N] [--json]\n' +
        '  --short   CI size (30 countries × 3 years, every injection kind)\n' +
        '  --seed N  seed of the fault schedule and the emulator (default 1)\n' +
        '  --json    the report as JSON on stdout (progress stays on stderr)\n',
    )
    return 0
  }
  jsonMode = values.json === true
  const seed = values.seed === undefined ? 1 : Number(values.seed)
  if (!Number.isInteger(seed))
    throw new SetupError(`--seed must be an integer, got ${values.seed}`, 'e.g. --seed 7')
  const scale = values.short ? SHORT : FULL
  installExitHandlers()

  say(`chaos run (${scale.name}, seed ${seed}): starting a private Redis and PostgreSQL`)
  const runDir = makeRunDir('chaos')
  const redisServer = await startPrivateRedis(runDir)
  const pgServer = await startPrivatePostgres(runDir)
  say(`redis-server on ${redisServer.port} (appendonly, fsync always), PostgreSQL on ${pgServer.port}`)

  // The emulator's clock and the workers' clock share one offset (whole seconds, so per-second windows line up).
  let offsetMs = 0
  const clockFile = join(runDir, 'clock-offset')
  const writeOffset = () => {
    writeFileSync(`${clockFile}.tmp`, String(offsetMs))
    renameSync(`${clockFile}.tmp`, clockFile)
  }
  writeOffset()
  const now = () => Date.now() + offsetMs

  const probe = await createEmulator({ keys: [KEY], seed, today: TODAY })
  const all = probe.truth.countries()
  await probe.close()
  const countries = [
    ...all.filter((c) => c.profile === 'small').slice(0, scale.small),
    ...all.filter((c) => c.profile === 'medium').slice(0, scale.medium),
  ].map((c) => c.code)

  const setupDb = await openDatabase(pgServer.url)
  const plan = await planBackfill(
    { countries, from: `${YEARS[0]}-01`, to: `${YEARS[YEARS.length - 1]}-12` },
    { quota: 10_000, db: setupDb },
  )
  await setupDb.close()
  const slices = plan.slices.length
  // Every attempt takes a call from the workers' quota, faulted ones and 23s too (the worker cannot know which ones the
  // API counted): about 1.5 calls a slice under this fault load, so 1.2 calls a slice runs out part-way through day
  // one and leaves day two room for the rest. Should a day run out again, the watcher moves the clocks on again.
  const quota = Math.ceil(slices * 1.2)

  const emu: Emulator = await createEmulator({
    keys: [KEY],
    seed,
    today: TODAY,
    dailyQuota: quota,
    ratePerSecond: 30,
    faults: FAULT_RATES,
    now,
  })
  onExit(() => emu.close())
  say(
    `emulator on ${emu.url}: faults ${Object.entries(FAULT_RATES)
      .map(([k, v]) => `${k} ${v * 100}%`)
      .join(', ')}; daily quota ${quota} (low on purpose)`,
  )

  const env: Record<string, string> = {
    KCS_SERVICE_KEY: KEY,
    KCS_BASE_URL: emu.url,
    DATABASE_URL: pgServer.url,
    REDIS_URL: redisServer.url,
    KCS_QUEUE_PREFIX: PREFIX,
    KCS_RATE_PER_SECOND: String(scale.ratePerSecond),
    KCS_DAILY_QUOTA: String(quota),
    KCS_TIMEOUT_MS: String(scale.timeoutMs),
    KCS_JOB_LOCK_MS: '4000',
    KCS_QUOTA_RECHECK_MS: '1000',
    KCS_CIRCUIT_THRESHOLD: '3',
    KCS_CIRCUIT_COOLDOWN_MS: '2000',
    KCS_SHUTDOWN_TIMEOUT_MS: '5000',
    KCS_TEST_CLOCK_FILE: clockFile,
    LOG_LEVEL: 'info',
  }

  const redis = new Redis(redisServer.url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  })
  redis.on('error', () => {})
  onExit(async () => redis.disconnect())
  const queue = createQueue(redis, PREFIX)
  onExit(() => queue.close())
  const events = new QueueEvents(QUEUE_NAME, {
    connection: { host: '127.0.0.1', port: redisServer.port },
    prefix: PREFIX,
  })
  events.on('error', () => {})
  let stalled = 0
  events.on('stalled', () => {
    stalled++
  })
  onExit(() => events.close())
  const quotaGate = new RedisQuota(redis, PREFIX, keyFingerprint(KEY), quota, { now })

  const workers: WorkerProcess[] = []
  let nextWorkerId = 1
  const spawnWorker = () => {
    const w = startWorker(nextWorkerId++, env, 2, join(runDir, 'logs'))
    workers.push(w)
    return w
  }
  for (let i = 0; i < 3; i++) spawnWorker()
  const ready = await until(
    () => workers.every((w) => w.lines.some((l) => l.msg === 'worker started')),
    60_000,
  )
  if (!ready) {
    for (const w of workers) say(`worker ${w.id} log tail: ${JSON.stringify(w.lines.slice(-5))}`)
    throw new Error('the three workers did not start within 60 s')
  }
  const enq = await enqueueSlices(queue, plan.slices)
  say(
    `${countries.length} countries × ${YEARS.length} years = ${slices} slices enqueued (${enq.added} jobs); 3 workers × concurrency 2 at ${scale.ratePerSecond}/s`,
  )

  const planned = schedule(seed)
  say(
    `schedule (seed ${seed}): ${planned.map((e) => `${e.kind}@${Math.round(e.at * 100)}%`).join(', ')}; quota reached when the workers' counter hits ${quota}`,
  )

  const done: DoneEvent[] = []
  const record = (kind: DoneEvent['kind'], detail: string) => {
    done.push({ kind, atSeconds: Number(elapsed().toFixed(1)), detail })
    say(`inject ${kind}: ${detail}`)
  }
  const counts = async () =>
    withTimeout(
      queue.getJobCounts(
        'wait',
        'active',
        'delayed',
        'completed',
        'failed',
        'prioritized',
        'waiting-children',
      ),
      3_000,
      'job counts',
    )
  let last = { wait: 0, active: 0, delayed: 0, completed: 0, failed: 0 } as Record<string, number>
  const refresh = async () => {
    try {
      last = await counts()
    } catch {
      // Redis may be down right now
    }
    return last
  }
  const progress = () => Math.min(1, (last.completed ?? 0) / slices)

  // Quota watcher: when the workers' counter for today is spent, move both clocks past midnight in Korea.
  let quotaReached = false
  let quotaDays = 0
  let quotaDayOne = ''
  const checkQuota = async () => {
    let snap: Awaited<ReturnType<typeof quotaGate.snapshot>>
    try {
      snap = await withTimeout(quotaGate.snapshot(), 2_000, 'quota snapshot')
    } catch {
      return
    }
    if (!snap.exhausted) return
    quotaReached = true
    quotaDays++
    if (quotaDayOne === '') quotaDayOne = snap.day
    const emuUsed = emu.quota(KEY).used
    await sleep(1_500) // let the waiting jobs be seen waiting
    offsetMs = Math.ceil((nextKstMidnight(now()) + 60_000 - Date.now()) / 1000) * 1000
    writeOffset()
    record(
      'quota-reached',
      `workers' counter ${snap.used}/${quota} on ${snap.day} (KST), emulator served ${emuUsed}/${quota}; clocks advanced to ${new Date(now()).toISOString()} (${kstDay(now())} KST)`,
    )
  }

  let killCount = 0
  const inject = async (e: PlannedEvent) => {
    switch (e.kind) {
      case 'kill': {
        await until(async () => (await refresh()).active! > 0, 10_000)
        const alive = workers.filter((w) => w.alive())
        const victim = alive[Math.floor(prng(seed * 31 + killCount)() * alive.length)]!
        killCount++
        const active = last.active ?? 0
        killedByUs.add(victim)
        victim.child.kill('SIGKILL')
        await victim.exited
        const replacement = spawnWorker()
        record(
          'kill',
          `SIGKILL worker ${victim.id} (pid ${victim.pid}) with ${active} jobs active across workers; started worker ${replacement.id} (pid ${replacement.pid})`,
        )
        return
      }
      case 'redis-restart': {
        await redisServer.stop()
        record('redis-restart', 'redis-server stopped; waiting 5 s')
        await sleep(5_000)
        await redisServer.start()
        say('redis-server started again (AOF replayed)')
        return
      }
      case 'postgres-restart': {
        await pgServer.stop()
        record('postgres-restart', 'PostgreSQL stopped (immediate: connections cut); starting again')
        await sleep(1_000)
        await pgServer.start()
        say('PostgreSQL up again')
        return
      }
      case 'refuse': {
        record('refuse', `emulator refuses connections for ${scale.refuseMs / 1000} s`)
        await emu.faults.refuseFor(scale.refuseMs)
        say('emulator listening again')
        return
      }
      case 'rate23-burst': {
        emu.faults.next({ kind: 'rate23', count: 8 })
        record('rate23-burst', 'next 8 requests answered with gateway code 23')
        return
      }
    }
  }

  // A worker that exits on its own is a defect: counted, reported, and replaced so the run can finish.
  const killedByUs = new Set<WorkerProcess>()
  const crashes: string[] = []
  const checkCrashes = () => {
    for (const w of [...workers]) {
      if (w.alive() || killedByUs.has(w)) continue
      killedByUs.add(w)
      const last = w.lines
        .slice(-3)
        .map((l) => String(l.msg ?? ''))
        .join(' | ')
      crashes.push(
        `worker ${w.id} (pid ${w.pid}) exited by itself (${w.child.exitCode ?? w.child.signalCode}): ${last}`,
      )
      const replacement = spawnWorker()
      say(`worker ${w.id} CRASHED; started worker ${replacement.id}. Last lines: ${last.slice(0, 300)}`)
    }
  }
  const deadline = Date.now() + scale.maxMinutes * 60_000
  let nextEvent = 0
  let lastPrint = 0
  let quiet = 0
  let timedOut = false
  for (;;) {
    await refresh()
    checkCrashes()
    await checkQuota()
    if (nextEvent < planned.length && progress() >= planned[nextEvent]!.at) {
      await inject(planned[nextEvent]!)
      nextEvent++
      continue
    }
    if (elapsed() - lastPrint >= 5) {
      lastPrint = elapsed()
      const synced = workers.reduce((n, w) => n + w.counts.synced, 0)
      const used = await withTimeout(quotaGate.snapshot(), 1_000, 'quota')
        .then((q) => `${q.used}/${q.limit} on ${q.day}`)
        .catch(() => '?')
      say(
        `progress ${Math.round(progress() * 100)}%: completed jobs ${last.completed}/${slices}+ (slices synced ${synced}), active ${last.active}, waiting ${last.wait}, delayed ${last.delayed}, failed ${last.failed}; calls ${emu.stats.total}; workers' quota ${used}`,
      )
    }
    const open = (last.wait ?? 0) + (last.active ?? 0) + (last.delayed ?? 0) + (last.prioritized ?? 0)
    quiet = open === 0 && (last.completed ?? 0) >= slices && nextEvent >= planned.length ? quiet + 1 : 0
    if (quiet >= 3) break
    if (Date.now() > deadline) {
      timedOut = true
      say(`timed out after ${scale.maxMinutes} minutes`)
      break
    }
    await sleep(250)
  }

  const final = await refresh()
  checkCrashes()
  say('backfill finished: stopping the workers (SIGTERM)')
  for (const w of workers)
    if (w.alive()) {
      killedByUs.add(w)
      w.child.kill('SIGTERM')
    }
  await Promise.race([Promise.all(workers.map((w) => w.exited)), sleep(15_000)])
  const failedJobs = await queue.getJobs(['failed'], 0, 50)
  const failedForGood = (final.failed ?? 0) as number

  say('comparing the database with emu.truth row by row')
  const db = await connect(pgServer.url)
  const cmp = await compare(db, emu, countries)
  await db.close()

  const circuitOpened = workers.reduce((n, w) => n + w.counts.circuitOpened, 0)
  const circuitClosed = workers.reduce((n, w) => n + w.counts.circuitClosed, 0)
  const snapshot = emu.stats.snapshot()
  const beyondQuota = emu.stats.count('gateway-22')
  // Per quota day (KST, on the shared test clock): the requests that reached the emulator with the key must not
  // outnumber the calls the workers counted that day (a call sent without a reservation would show here first).
  const reachedPerDay = new Map<string, number>()
  for (const { second, count } of emu.stats.perSecond(KEY)) {
    const day = kstDay(second * 1000)
    reachedPerDay.set(day, (reachedPerDay.get(day) ?? 0) + count)
  }
  const quotaByDay: Array<{ day: string; reachedEmulator: number; workersCounted: number }> = []
  for (const [day, reached] of [...reachedPerDay].sort((a, b) => a[0].localeCompare(b[0]))) {
    const counted = await withTimeout(quotaGate.usedOn(day), 5_000, 'quota counter').catch(() => -1)
    quotaByDay.push({ day, reachedEmulator: reached, workersCounted: counted })
  }
  const uncounted = quotaByDay.filter((d) => d.reachedEmulator > d.workersCounted)
  const performed = (k: EventKind) => done.filter((d) => d.kind === k).length
  const injections = {
    kills: performed('kill'),
    redisRestarts: performed('redis-restart'),
    postgresRestarts: performed('postgres-restart'),
    refusedBursts: performed('refuse'),
    rate23Bursts: performed('rate23-burst'),
    quotaDaysExhausted: quotaDays,
  }
  const report = {
    command: `pnpm chaos${scale.name === 'short' ? ' --short' : ''} --seed ${seed}`,
    scale: scale.name,
    seed,
    countries: countries.length,
    years: [...YEARS],
    rows: {
      expected: cmp.expected,
      present: cmp.present,
      missing: cmp.missing,
      extra: cmp.extra,
      wrong: cmp.wrong,
    },
    calls: {
      made: emu.stats.total,
      slices,
      completedJobs: final.completed ?? 0,
      byOutcome: snapshot.byOutcome,
      faultsInjected: snapshot.faults,
    },
    quota: {
      dailyQuota: quota,
      reachedOnce: quotaReached,
      daysExhausted: quotaDays,
      dayOne: quotaDayOne,
      callsBeyondQuota: beyondQuota,
      byDay: quotaByDay,
    },
    jobsFailedForGood: failedForGood,
    failedJobs: failedJobs.map((j) => ({ id: j.id, reason: j.failedReason })),
    circuitBreaker: { opened: circuitOpened, closed: circuitClosed },
    stalledJobsRecovered: stalled,
    workerCrashes: crashes,
    peakPerSecond: emu.stats.peakPerSecond(KEY),
    injections,
    events: done,
    wrongExamples: cmp.examples,
    timedOut,
    seconds: Number(elapsed().toFixed(1)),
  }
  const problems: string[] = []
  if (cmp.missing > 0) problems.push(`${cmp.missing} rows missing`)
  if (cmp.extra > 0) problems.push(`${cmp.extra} extra rows`)
  if (cmp.wrong > 0) problems.push(`${cmp.wrong} wrong rows`)
  if (beyondQuota > 0) problems.push(`${beyondQuota} calls beyond the daily quota`)
  for (const d of uncounted)
    problems.push(
      `${d.reachedEmulator} requests with the key reached the emulator on ${d.day} (KST) but the workers counted ${d.workersCounted < 0 ? 'nothing readable' : d.workersCounted}`,
    )
  if (quotaByDay.length === 0) problems.push('no request with the key reached the emulator')
  if (cmp.expected === 0) problems.push('no rows were expected: the comparison checked nothing')
  if (failedForGood > 0) problems.push(`${failedForGood} jobs failed for good`)
  if (timedOut) problems.push('the backfill did not finish in time')
  if (crashes.length > 0) problems.push(`${crashes.length} worker processes crashed: ${crashes.join('; ')}`)
  if (injections.kills < 3) problems.push(`only ${injections.kills} of 3 worker kills happened`)
  if (injections.redisRestarts < 1) problems.push('the Redis restart did not happen')
  if (injections.postgresRestarts < 1) problems.push('the PostgreSQL restart did not happen')
  if (injections.refusedBursts < 1) problems.push('no refused-connection burst happened')
  if (injections.rate23Bursts < 1) problems.push('no gateway 23 burst happened')
  if (!quotaReached) problems.push('the daily quota was never reached')
  if (circuitOpened < 1 || circuitClosed < 1)
    problems.push(
      `the circuit breaker did not open and close (opened ${circuitOpened}, closed ${circuitClosed})`,
    )

  if (jsonMode)
    process.stdout.write(`${JSON.stringify({ ...report, ok: problems.length === 0, problems }, null, 2)}\n`)
  else printReport(report, problems)
  if (problems.length > 0) {
    const kept = join(tmpdir(), `kcs-chaos-logs-${Date.now()}`)
    cpSync(join(runDir, 'logs'), kept, { recursive: true })
    say(`worker logs kept in ${kept}`)
    for (const w of workers) {
      const errors = w.lines.filter((l) => Number(l.level) >= 50).slice(-3)
      for (const e of errors) say(`worker ${w.id} error: ${String(e.msg)} ${String(e.err ?? '')}`)
    }
  }
  return problems.length === 0 ? 0 : 1
}

/** Closes a harness resource on every exit path (the services' cleanup runs it before stopping the servers). */
function onExit(task: () => Promise<unknown>): void {
  onCleanup(
    'harness connection',
    async () => {
      await task().catch(() => {})
    },
    () => {},
  )
}

const FIELDS = [
  'period',
  'countryCode',
  'countryName',
  'hsCode',
  'itemName',
  'exportKg',
  'exportUsd',
  'importKg',
  'importUsd',
  'balanceUsd',
] as const

/** Row-by-row comparison of the mirror with the truth, per country and year, on every field. */
async function compare(db: KcsDatabase, emu: Emulator, countries: readonly string[]) {
  let expected = 0
  let present = 0
  let missing = 0
  let extra = 0
  let wrong = 0
  const examples: string[] = []
  for (const country of countries) {
    for (const year of YEARS) {
      const q = { country, from: `${year}-01`, to: `${year}-12` }
      const truth = emu.truth.rows(q)
      const mirror = (await tradeRows(db, q)) as unknown as Array<Record<string, unknown>>
      expected += truth.length
      present += mirror.length
      const byKey = new Map<string, Record<string, unknown>>()
      for (const r of mirror) {
        const k = `${r.period}|${r.hsCode}`
        if (byKey.has(k)) {
          extra++ // a duplicate is an extra row
          if (examples.length < 5) examples.push(`duplicate ${country} ${k}`)
        }
        byKey.set(k, r)
      }
      for (const t of truth) {
        const k = `${t.period}|${t.hsCode}`
        const m = byKey.get(k)
        if (!m) {
          missing++
          if (examples.length < 5) examples.push(`missing ${country} ${k}`)
          continue
        }
        byKey.delete(k)
        const diff = FIELDS.filter(
          (f) => String(m[f]) !== String((t as unknown as Record<string, unknown>)[f]),
        )
        if (diff.length > 0) {
          wrong++
          if (examples.length < 5)
            examples.push(
              `wrong ${country} ${k}: ${diff.map((f) => `${f} ${String(m[f])} ≠ ${String(t[f])}`).join(', ')}`,
            )
        }
      }
      extra += byKey.size
      for (const k of byKey.keys()) if (examples.length < 5) examples.push(`extra ${country} ${k}`)
    }
  }
  return { expected, present, missing, extra, wrong, examples }
}

function printReport(
  r: Record<string, unknown> & { [k: string]: never | unknown },
  problems: string[],
): void {
  const rep = r as unknown as {
    command: string
    rows: Record<string, number>
    calls: {
      made: number
      slices: number
      completedJobs: number
      byOutcome: Record<string, number>
      faultsInjected: Record<string, number>
    }
    quota: {
      dailyQuota: number
      reachedOnce: boolean
      daysExhausted: number
      callsBeyondQuota: number
      byDay: Array<{ day: string; reachedEmulator: number; workersCounted: number }>
    }
    jobsFailedForGood: number
    circuitBreaker: { opened: number; closed: number }
    stalledJobsRecovered: number
    workerCrashes: string[]
    peakPerSecond: number
    injections: Record<string, number>
    seconds: number
    wrongExamples: string[]
  }
  const n = (v: number) => v.toLocaleString('en-US')
  const lines: Array<[string, string]> = [
    ['rows expected', n(rep.rows.expected!)],
    ['rows present', n(rep.rows.present!)],
    ['missing', n(rep.rows.missing!)],
    ['extra', n(rep.rows.extra!)],
    ['wrong', n(rep.rows.wrong!)],
    [
      'calls made / slices',
      `${n(rep.calls.made)} / ${n(rep.calls.slices)} (${(rep.calls.made / rep.calls.slices).toFixed(2)}×; ${n(rep.calls.completedJobs)} jobs completed incl. split parts)`,
    ],
    [
      'call outcomes',
      Object.entries(rep.calls.byOutcome)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    [
      'faults injected',
      Object.entries(rep.calls.faultsInjected)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    [
      'quota ever exceeded',
      rep.quota.callsBeyondQuota === 0
        ? 'never (0 calls beyond the daily quota)'
        : `YES: ${rep.quota.callsBeyondQuota} calls beyond it`,
    ],
    [
      'daily quota reached',
      rep.quota.reachedOnce
        ? `yes, on ${rep.quota.daysExhausted} day(s) (quota ${rep.quota.dailyQuota}; clocks moved past midnight KST each time)`
        : 'no',
    ],
    [
      'requests / counted per day',
      rep.quota.byDay.map((d) => `${d.day} ${d.reachedEmulator}/${d.workersCounted}`).join(', ') || 'none',
    ],
    ['jobs failed for good', n(rep.jobsFailedForGood)],
    ['circuit breaker', `opened ${rep.circuitBreaker.opened}, closed ${rep.circuitBreaker.closed}`],
    ['stalled jobs recovered', n(rep.stalledJobsRecovered)],
    ['worker crashes', n(rep.workerCrashes.length)],
    [
      'injections',
      Object.entries(rep.injections)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['peak calls in one second', String(rep.peakPerSecond)],
    ['time taken', `${rep.seconds.toFixed(1)} s`],
  ]
  const width = Math.max(...lines.map(([k]) => k.length))
  const out = [`\nchaos report — ${rep.command}`, ...lines.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)]
  for (const e of rep.wrongExamples) out.push(`  example: ${e}`)
  out.push(problems.length === 0 ? '\nPASS' : `\nFAIL: ${problems.join('; ')}`)
  process.stdout.write(`${out.join('\n')}\n`)
}

await runSuite('chaos', main)
