import type { Redis } from 'ioredis'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { type Clock, systemClock } from '../config/clock.js'
import type { QuotaGate } from './limits.js'

/** Outcome of one API call, as counted in `kcs_calls_total{outcome}`. */
export type CallOutcome =
  | 'ok'
  | 'quota_exceeded'
  | 'rate_limited'
  | 'auth'
  | 'validation'
  | 'timeout'
  | 'server_error'
  | 'network'
  | 'circuit_open'
  | 'other'

export type JobResult = 'done' | 'failed' | 'retried' | 'waiting_quota' | 'backoff' | 'split'

/** Job latency buckets (seconds). */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

/** Counters the engine updates; kept in Redis when workers run as several processes, so `serve` sees them all. */
export interface MetricsSink {
  call(outcome: CallOutcome): void
  rows(written: number): void
  job(result: JobResult, seconds?: number): void
  /** Wait until pending updates are stored. */
  flush(): Promise<void>
  read(): Promise<MetricsValues>
  /**
   * Requests sent to the API in each of the last `minutes` whole minutes (the current one last),
   * every outcome but `circuit_open` (no request is sent then).
   */
  callsPerMinute(minutes?: number): Promise<MinuteCount[]>
}

/** Calls in one minute: `minute` is its start (ISO 8601, UTC). */
export interface MinuteCount {
  minute: string
  calls: number
}

/** How long per-minute call counts are kept (the dashboard shows the last hour). */
export const CALLS_PER_MINUTE_TTL_SECONDS = 2 * 3600

const MINUTE_MS = 60_000

function minuteSeries(clock: Clock, minutes: number, count: (minute: number) => number): MinuteCount[] {
  const n = Math.max(1, Math.min(120, Math.floor(minutes)))
  const current = Math.floor(clock.now() / MINUTE_MS)
  const out: MinuteCount[] = []
  for (let m = current - n + 1; m <= current; m++)
    out.push({ minute: new Date(m * MINUTE_MS).toISOString(), calls: count(m) })
  return out
}

export interface MetricsValues {
  calls: Record<string, number>
  rows: number
  jobs: Record<string, number>
  latency: { buckets: number[]; sum: number; count: number }
}

function emptyValues(): MetricsValues {
  return {
    calls: {},
    rows: 0,
    jobs: {},
    latency: { buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 },
  }
}

export class MemoryMetrics implements MetricsSink {
  private readonly values = emptyValues()
  private readonly minutes = new Map<number, number>()
  constructor(private readonly clock: Clock = systemClock) {}
  call(outcome: CallOutcome): void {
    this.values.calls[outcome] = (this.values.calls[outcome] ?? 0) + 1
    if (outcome === 'circuit_open') return
    const minute = Math.floor(this.clock.now() / MINUTE_MS)
    this.minutes.set(minute, (this.minutes.get(minute) ?? 0) + 1)
    for (const m of this.minutes.keys())
      if (m < minute - CALLS_PER_MINUTE_TTL_SECONDS / 60) this.minutes.delete(m)
  }
  async callsPerMinute(minutes = 60): Promise<MinuteCount[]> {
    return minuteSeries(this.clock, minutes, (m) => this.minutes.get(m) ?? 0)
  }
  rows(written: number): void {
    this.values.rows += written
  }
  job(result: JobResult, seconds?: number): void {
    this.values.jobs[result] = (this.values.jobs[result] ?? 0) + 1
    if (seconds !== undefined) {
      const l = this.values.latency
      l.sum += seconds
      l.count++
      LATENCY_BUCKETS.forEach((b, i) => {
        if (seconds <= b) l.buckets[i] = (l.buckets[i] ?? 0) + 1
      })
    }
  }
  async flush(): Promise<void> {}
  async read(): Promise<MetricsValues> {
    return structuredClone(this.values)
  }
}

/** Metrics in one Redis hash per queue prefix (HINCRBY, so any number of worker processes add up). */
export class RedisMetrics implements MetricsSink {
  readonly key: string
  private pending: Promise<unknown>[] = []
  /** Per-minute call counters are `<minuteKey><epoch minute>` strings with a TTL. */
  readonly minuteKey: string
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.key = `${prefix}:metrics`
    this.minuteKey = `${prefix}:metrics:calls-minute:`
  }
  private incr(field: string, by: number): void {
    const p = this.redis.hincrbyfloat(this.key, field, by).catch(() => {})
    this.pending.push(p)
    if (this.pending.length > 100) this.pending = this.pending.slice(-100)
  }
  call(outcome: CallOutcome): void {
    this.incr(`calls:${outcome}`, 1)
    if (outcome === 'circuit_open') return
    const key = `${this.minuteKey}${Math.floor(this.clock.now() / MINUTE_MS)}`
    const p = this.redis
      .multi()
      .incr(key)
      .expire(key, CALLS_PER_MINUTE_TTL_SECONDS)
      .exec()
      .catch(() => {})
    this.pending.push(p)
  }
  async callsPerMinute(minutes = 60): Promise<MinuteCount[]> {
    const keys = minuteSeries(this.clock, minutes, () => 0).map(
      (m) => `${this.minuteKey}${Date.parse(m.minute) / MINUTE_MS}`,
    )
    const values = await this.redis.mget(...keys)
    const byKey = new Map(keys.map((k, i) => [k, Number(values[i] ?? 0)]))
    return minuteSeries(this.clock, minutes, (m) => byKey.get(`${this.minuteKey}${m}`) ?? 0)
  }
  rows(written: number): void {
    if (written > 0) this.incr('rows', written)
  }
  job(result: JobResult, seconds?: number): void {
    this.incr(`jobs:${result}`, 1)
    if (seconds !== undefined) {
      this.incr('latency:sum', seconds)
      this.incr('latency:count', 1)
      LATENCY_BUCKETS.forEach((b) => {
        if (seconds <= b) this.incr(`latency:le:${b}`, 1)
      })
    }
  }
  async flush(): Promise<void> {
    const pending = this.pending
    this.pending = []
    await Promise.all(pending)
  }
  async read(): Promise<MetricsValues> {
    const fields = await this.redis.hgetall(this.key)
    const values = emptyValues()
    for (const [field, raw] of Object.entries(fields)) {
      const v = Number(raw)
      if (field.startsWith('calls:')) values.calls[field.slice(6)] = v
      else if (field.startsWith('jobs:')) values.jobs[field.slice(5)] = v
      else if (field === 'rows') values.rows = v
      else if (field === 'latency:sum') values.latency.sum = v
      else if (field === 'latency:count') values.latency.count = v
      else if (field.startsWith('latency:le:')) {
        const i = LATENCY_BUCKETS.indexOf(Number(field.slice(11)))
        if (i >= 0) values.latency.buckets[i] = v
      }
    }
    return values
  }
}

export interface PrometheusSources {
  /** The call, row and job counters; absent (not exported) when serve runs without Redis. */
  metrics?: MetricsSink
  quota?: QuotaGate
  queueCounts?: () => Promise<Record<string, number>>
  /** Adds the gauge `kcs_redis_up` (1 or 0). */
  redisUp?: () => Promise<boolean>
  defaultMetrics?: boolean
}

type CustomMetric = {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  get: () => Promise<{
    name: string
    help: string
    type: string
    aggregator: 'sum'
    values: Array<{ value: number; labels?: Record<string, string | number>; metricName?: string }>
  }>
}

/** A prom-client registry whose metrics are read from the shared sink at scrape time. */
export function createPrometheusRegistry(sources: PrometheusSources): Registry {
  const registry = new Registry()
  if (sources.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'kcs_serve_' })
  const add = (
    metric: Omit<CustomMetric, 'get'>,
    values: () => Promise<
      CustomMetric['get'] extends () => Promise<infer R> ? (R extends { values: infer V } ? V : never) : never
    >,
  ) => {
    const full: CustomMetric = {
      ...metric,
      // A source that cannot answer (Redis went away) leaves its series out of this scrape instead of
      // failing the whole scrape: the process metrics and kcs_redis_up still tell what is going on.
      get: async () => ({
        name: metric.name,
        help: metric.help,
        type: metric.type,
        aggregator: 'sum',
        values: await values().catch(() => []),
      }),
    }
    registry.registerMetric(full as unknown as Parameters<Registry['registerMetric']>[0])
  }
  const sink = sources.metrics
  if (sink) {
    add({ name: 'kcs_calls_total', help: 'API calls by outcome', type: 'counter' }, async () => {
      const v = await sink.read()
      return Object.entries(v.calls).map(([outcome, value]) => ({ labels: { outcome }, value }))
    })
    add(
      {
        name: 'kcs_rows_written_total',
        help: 'Rows written to the mirror (slice rows replaced)',
        type: 'counter',
      },
      async () => [{ value: (await sink.read()).rows }],
    )
    add({ name: 'kcs_jobs_total', help: 'Slice jobs by result', type: 'counter' }, async () => {
      const v = await sink.read()
      return Object.entries(v.jobs).map(([result, value]) => ({ labels: { result }, value }))
    })
    add(
      {
        name: 'kcs_job_duration_seconds',
        help: 'Slice job latency (call, parse and write)',
        type: 'histogram',
      },
      async () => {
        const { latency } = await sink.read()
        const name = 'kcs_job_duration_seconds'
        return [
          ...LATENCY_BUCKETS.map((le, i) => ({
            metricName: `${name}_bucket`,
            labels: { le },
            value: latency.buckets[i] ?? 0,
          })),
          { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: latency.count },
          { metricName: `${name}_sum`, value: latency.sum },
          { metricName: `${name}_count`, value: latency.count },
        ]
      },
    )
  }
  const quota = sources.quota
  if (quota) {
    add(
      { name: 'kcs_quota_remaining', help: 'Calls left in the daily quota (KST day)', type: 'gauge' },
      async () => [{ value: (await quota.snapshot()).remaining }],
    )
    add({ name: 'kcs_quota_used', help: 'Calls used today (KST day)', type: 'gauge' }, async () => [
      { value: (await quota.snapshot()).used },
    ])
  }
  const counts = sources.queueCounts
  if (counts) {
    add({ name: 'kcs_queue_jobs', help: 'Jobs in the sync queue by state', type: 'gauge' }, async () =>
      Object.entries(await counts()).map(([state, value]) => ({ labels: { state }, value })),
    )
  }
  const redisUp = sources.redisUp
  if (redisUp) {
    add(
      { name: 'kcs_redis_up', help: 'Whether Redis answered this scrape (1) or not (0)', type: 'gauge' },
      async () => [{ value: (await redisUp().catch(() => false)) ? 1 : 0 }],
    )
  }
  return registry
}
