export type { CliContext } from './cli/context.js'
export { COMMANDS, type CommandName } from './cli/help.js'
export {
  type Clock,
  kstDay,
  kstMonth,
  type ManualClock,
  manualClock,
  nextKstMidnight,
  systemClock,
} from './config/clock.js'
export {
  DEFAULT_BASE_URL,
  DEFAULT_DATABASE_URL,
  DEFAULT_QUEUE_PREFIX,
  DEFAULT_REDIS_URL,
  keyFingerprint,
  loadConfig,
  MAX_RATE_PER_SECOND,
  redactKey,
  requireServiceKey,
  type WorkerConfig,
} from './config/env.js'
export { ConfigError, UsageError } from './config/errors.js'
export { createLogger, type Logger, type LoggerOptions } from './config/logger.js'
export { main, runCli } from './main.js'
export { backoffDelay, classifyError } from './sync/classify.js'
export type {
  EngineDeps,
  FetchSummary,
  ReplaceResult,
  SliceFetcher,
  SliceStore,
  SliceStream,
} from './sync/deps.js'
export {
  createClientFetcher,
  createDbStore,
  freshnessSlices,
  freshnessWindow,
  ledgerEntries,
  openDatabase,
  type PlanBackfillOptions,
  planBackfill,
  referenceCountryCodes,
} from './sync/engine.js'
export { type InlineOptions, type InlineProgress, runInline, type SyncSummary } from './sync/inline.js'
export {
  MemoryQuota,
  MemoryRateLimiter,
  type QuotaDecision,
  type QuotaGate,
  type QuotaSnapshot,
  RATE_WINDOW_MS,
  type RateLimiter,
  RedisQuota,
  RedisRateLimiter,
  unlimitedRate,
} from './sync/limits.js'
export {
  type CallOutcome,
  createPrometheusRegistry,
  MemoryMetrics,
  type MetricsSink,
  RedisMetrics,
} from './sync/metrics.js'
export {
  ESTIMATED_ROWS_PER_COUNTRY_YEAR,
  estimateRows,
  type LedgerEntry,
  type Plan,
  type PlanInput,
  type PlannedSlice,
  planFromLedger,
} from './sync/plan.js'
export { processSlice, type SliceOutcome } from './sync/processor.js'
export {
  createQueue,
  createSyncWorker,
  DEFAULT_ATTEMPTS,
  type EnqueueResult,
  enqueueSlices,
  FRESHNESS_SCHEDULER_ID,
  installFreshnessScheduler,
  QUEUE_NAME,
  type SliceJobData,
  sliceJobId,
  triggerFreshness,
  type WorkerOptions,
} from './sync/queue.js'
export {
  createRedis,
  type InlineLimits,
  inlineLimits,
  type Limits,
  memoryLimits,
  pingRedis,
  redisLimits,
} from './sync/runtime.js'
export { calendarYearWindows, type Slice, sliceKey, splitSlice } from './sync/slices.js'
