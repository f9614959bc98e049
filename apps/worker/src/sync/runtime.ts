import { Redis } from 'ioredis'
import type { Clock } from '../config/clock.js'
import { systemClock } from '../config/clock.js'
import { keyFingerprint, type WorkerConfig } from '../config/env.js'
import { UsageError } from '../config/errors.js'
import type { Logger } from '../config/logger.js'
import type { QuotaGate, RateLimiter } from './limits.js'
import { MemoryQuota, MemoryRateLimiter, RedisQuota, RedisRateLimiter, unlimitedRate } from './limits.js'
import { MemoryMetrics, type MetricsSink, RedisMetrics } from './metrics.js'
import type { TotalsDataset } from './slices.js'

/**
 * An ioredis connection suitable for BullMQ (no per-command retry limit), reconnecting by itself.
 * `failFast` is for readers that answer people (serve): while Redis is away a command fails at once
 * instead of waiting in the offline queue, and one that gets no answer fails after `commandTimeoutMs`.
 */
export function createRedis(
  url: string,
  options: { lazy?: boolean; failFast?: boolean; commandTimeoutMs?: number } = {},
): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.failFast ? 0 : null,
    enableReadyCheck: true,
    lazyConnect: options.lazy ?? false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...(options.failFast
      ? { enableOfflineQueue: false, commandTimeout: options.commandTimeoutMs ?? 2_000 }
      : {}),
  })
  // Connection errors are reported where they matter (ping, commands); ioredis would otherwise print them unhandled.
  redis.on('error', () => {})
  return redis
}

/** Is Redis reachable within `timeoutMs`? */
export async function pingRedis(url: string, timeoutMs = 3_000): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  })
  redis.on('error', () => {})
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs)),
    ])
    return true
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/** The daily quota, the per-second rate limit and the metrics a slice runner uses. */
export interface Limits {
  /** The detail's (nitemtrade) daily quota. */
  quota: QuotaGate
  /** A totals dataset's daily quota: counted apart, at the same limit (KCS_DAILY_QUOTA). */
  quotaFor: (dataset: TotalsDataset) => QuotaGate
  rate: RateLimiter
  metrics: MetricsSink
}

/** Shared limits in Redis (several worker processes): quota per key hash and KST day, one per-second window, metrics. */
export function redisLimits(
  redis: Redis,
  config: WorkerConfig,
  serviceKey: string,
  clock: Clock = systemClock,
): Limits {
  const fingerprint = keyFingerprint(serviceKey)
  return {
    quota: new RedisQuota(redis, config.queuePrefix, fingerprint, config.dailyQuota, clock),
    quotaFor: perDataset(
      (dataset) =>
        new RedisQuota(redis, config.queuePrefix, `${fingerprint}:${dataset}`, config.dailyQuota, clock),
    ),
    rate: new RedisRateLimiter(redis, config.queuePrefix, config.ratePerSecond),
    metrics: new RedisMetrics(redis, config.queuePrefix, clock),
  }
}

/** One quota gate per totals dataset, made on first use. */
function perDataset(make: (dataset: TotalsDataset) => QuotaGate): (dataset: TotalsDataset) => QuotaGate {
  const gates = new Map<TotalsDataset, QuotaGate>()
  return (dataset) => {
    let gate = gates.get(dataset)
    if (!gate) {
      gate = make(dataset)
      gates.set(dataset, gate)
    }
    return gate
  }
}

/** In-memory equivalents for inline mode (one process, no Redis). `rate: 'off'` only for benchmarks against the emulator. */
export function memoryLimits(
  config: Pick<WorkerConfig, 'dailyQuota' | 'ratePerSecond'>,
  clock: Clock = systemClock,
  rate?: 'off',
): Limits {
  return {
    quota: new MemoryQuota(config.dailyQuota, clock),
    quotaFor: perDataset(() => new MemoryQuota(config.dailyQuota, clock)),
    rate: rate === 'off' ? unlimitedRate : new MemoryRateLimiter(config.ratePerSecond),
    metrics: new MemoryMetrics(clock),
  }
}

/** Limits of an inline run, and how to let go of them (flush the metrics, close the Redis connection). */
export interface InlineLimits extends Limits {
  /** `redis` when the run counts in the shared Redis quota and rate limit, `memory` when only in this process. */
  shared: 'redis' | 'memory'
  close(): Promise<void>
}

/**
 * The limits of `sync --inline`: when Redis is reachable, the key's shared quota and rate limit in Redis, as the
 * workers use them (a key's daily quota is the portal's, whatever process spends it; `status` shows the calls).
 * Without Redis, in-memory limits, and a warning saying so.
 */
export async function inlineLimits(
  config: WorkerConfig,
  serviceKey: string,
  clock: Clock = systemClock,
  log?: Logger,
): Promise<InlineLimits> {
  if (!(await pingRedis(config.redisUrl))) {
    log?.warn(
      { redis: redactRedisUrl(config.redisUrl) },
      'Redis is unreachable: this run counts its quota and rate limit in this process only (status and workers on the same key do not see its calls)',
    )
    return { ...memoryLimits(config, clock), shared: 'memory', close: async () => {} }
  }
  const redis = createRedis(config.redisUrl)
  const limits = redisLimits(redis, config, serviceKey, clock)
  return {
    ...limits,
    shared: 'redis',
    close: async () => {
      await limits.metrics.flush().catch(() => {})
      redis.disconnect()
    },
  }
}

/** A Redis URL fit to print: no user name or password. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}

/** Fail with a clear message when Redis cannot be reached. */
export async function requireRedis(url: string, log?: Logger): Promise<void> {
  if (await pingRedis(url)) return
  log?.debug({ redis: redactRedisUrl(url) }, 'redis unreachable')
  throw new UsageError(
    `Redis is not reachable at ${redactRedisUrl(url)}`,
    "start it (redis-server --daemonize yes --port 6379), set REDIS_URL, or run 'kcs-trade sync --inline' to sync in this process without Redis",
  )
}
