import { readFileSync } from 'node:fs'
import { parse, parsePositiveInt } from '../cli/args.js'
import { type CliContext, config, logger } from '../cli/context.js'
import { help } from '../cli/help.js'
import { type Clock, offsetFileClock, systemClock } from '../config/clock.js'
import {
  isLoopbackUrl,
  keyFingerprint,
  redactKey,
  requireServiceKey,
  type WorkerConfig,
} from '../config/env.js'
import { UsageError } from '../config/errors.js'
import type { Logger } from '../config/logger.js'
import { graceSignal, untilAborted } from '../config/shutdown.js'
import { lazy } from './lazy.js'

/** The system clock, or — only when the test-only `KCS_TEST_CLOCK_FILE` is set — a clock offset by that file's value. */
function workerClock(cfg: WorkerConfig, log: Logger): Clock {
  if (!cfg.testClockFile) return systemClock
  if (!isLoopbackUrl(cfg.baseUrl)) {
    throw new UsageError(
      'KCS_TEST_CLOCK_FILE is set but KCS_BASE_URL is not a loopback address (127.0.0.0/8, ::1, localhost): a test clock is refused against a real API',
      'KCS_TEST_CLOCK_FILE is for fault suites against a local emulator only: unset it to use the system clock',
    )
  }
  let clock: Clock
  try {
    clock = offsetFileClock(cfg.testClockFile, (p) => readFileSync(p, 'utf8'))
  } catch (error) {
    throw new UsageError(
      (error as Error).message,
      'KCS_TEST_CLOCK_FILE is for fault suites only: unset it to use the system clock',
    )
  }
  log.warn(
    { testClockFile: cfg.testClockFile },
    'KCS_TEST_CLOCK_FILE is set: the calendar clock (quota day) follows a test offset — never use this in production',
  )
  return clock
}

/** `kcs-trade worker`: process queued slices until shutdown. */
export async function workerCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('worker', argv, { concurrency: { type: 'string' } })
  if (values.help) return help(ctx, 'worker')
  const { createEngineDeps, openDatabase, warmUpHttp } = await lazy.engine()
  const { freshnessSlices } = await lazy.freshness()
  const { createSyncWorker } = await lazy.queue()
  const { createRedis, redisLimits, requireRedis } = await lazy.runtime()
  const concurrency = parsePositiveInt(values.concurrency, 'concurrency', 'worker', 2, 64)
  const cfg = config(ctx)
  const serviceKey = requireServiceKey(cfg)
  const log = logger(ctx, cfg)
  // The test clock is checked (and refused outside a loopback API) before anything touches Redis.
  const clock = ctx.clock ?? workerClock(cfg, log)
  await requireRedis(cfg.redisUrl, log)
  const db = await openDatabase(cfg.databaseUrl)
  const redis = createRedis(cfg.redisUrl)
  const limits = redisLimits(redis, cfg, serviceKey, clock)
  const deps = createEngineDeps({
    serviceKey,
    baseUrl: cfg.baseUrl,
    timeoutMs: cfg.timeoutMs,
    db,
    limits,
    logger: log,
    clock,
    circuitBreaker: { failureThreshold: cfg.circuitThreshold, cooldownMs: cfg.circuitCooldownMs },
  })
  await warmUpHttp()
  // In-flight jobs get KCS_SHUTDOWN_TIMEOUT_MS after the first signal; then they are aborted and go back to waiting.
  const inFlight = graceSignal(ctx.shutdown, cfg.shutdownTimeoutMs)
  const worker = createSyncWorker({
    signal: inFlight.signal,
    connection: redis,
    prefix: cfg.queuePrefix,
    deps,
    concurrency,
    clock,
    quotaRecheckMs: cfg.quotaRecheckMs,
    outageBudgetMs: cfg.outageBudgetMs,
    lockDurationMs: cfg.jobLockMs,
    stalledIntervalMs: Math.max(500, Math.min(30_000, Math.floor(cfg.jobLockMs / 2))),
    freshnessSlices: () => freshnessSlices(db, clock, cfg.dailyQuota),
  })
  worker.on('failed', (job, error) => {
    if (job && error.name === 'UnrecoverableError')
      log.error({ job: job.id }, `job failed for good: ${redactKey(error.message, serviceKey)}`)
  })
  worker.on('error', (error) => log.error({ err: redactKey(error.message, serviceKey) }, 'worker error'))
  await worker.waitUntilReady()
  log.info(
    {
      concurrency,
      prefix: cfg.queuePrefix,
      rate: cfg.ratePerSecond,
      quota: cfg.dailyQuota,
      key: keyFingerprint(serviceKey),
    },
    'worker started',
  )
  await untilAborted(ctx.shutdown)
  log.info(
    { timeoutMs: cfg.shutdownTimeoutMs },
    'shutting down: no new jobs; in-flight jobs may finish, then they go back to the queue',
  )
  const closing = worker.close()
  // Aborted jobs move back to waiting at once; a few seconds more cover that (and a Redis that does not answer).
  const timedOut = await Promise.race([
    closing.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), cfg.shutdownTimeoutMs + 5_000).unref()),
  ])
  inFlight.dispose()
  if (timedOut) {
    // Jobs still running are released: their locks lapse and another worker retries them.
    log.warn('in-flight jobs did not stop in time: releasing them to other workers')
    await Promise.race([worker.close(true), new Promise((r) => setTimeout(r, 2_000).unref())])
  }
  await limits.metrics.flush()
  redis.disconnect()
  await db.close()
  log.info('worker stopped')
  return 0
}
