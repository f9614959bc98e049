import { DelayedError, type Job, Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { type Clock, kstDay, systemClock } from '../config/clock.js'
import { redactKey } from '../config/env.js'
import { errorMessage } from '../config/errors.js'
import { governMemory } from '../config/memory.js'
import { backoffDelay } from './classify.js'
import type { EngineDeps, ReplaceResult } from './deps.js'
import { type OutageState, processSlice, SLICE_GARBAGE_BYTES, type SliceTiming } from './processor.js'
import { describeSlice, type Slice, sliceKey } from './slices.js'

/** The BullMQ queue every slice job and the freshness scheduler live on (under `KCS_QUEUE_PREFIX`). */
export const QUEUE_NAME = 'sync'
export const FRESHNESS_SCHEDULER_ID = 'freshness'
export const FRESHNESS_JOB = 'freshness'
export const SLICE_JOB = 'slice'
/** Tries per slice before a transient failure is final (then it splits or fails). */
export const DEFAULT_ATTEMPTS = 4

export interface SliceJobData {
  slice: Slice
  /** `backfill` for plans, `refresh-…` for re-fetches: part of the job id so a refresh is not deduplicated against the backfill. */
  scope: string
  /** Set by the worker while the slice waits out an outage (API or database unreachable): waits so far and since when. */
  outage?: OutageState
}

export type SliceJobResult =
  | ({ status: 'done'; slice: Slice; timing: SliceTiming } & ReplaceResult)
  | { status: 'split'; slice: Slice; parts: Slice[] }
  | { status: 'freshness'; enqueued: number; existing: number }

/** The deterministic job id of a slice: the same plan enqueued twice adds nothing the second time. */
export function sliceJobId(slice: Slice, scope = 'backfill'): string {
  return scope === 'backfill' ? sliceKey(slice) : `${scope}__${sliceKey(slice)}`
}

/** What every slice job gets, whoever enqueues it (a plan, the freshness job, or a worker splitting a slice). */
const SLICE_JOB_OPTIONS = {
  attempts: DEFAULT_ATTEMPTS,
  backoff: { type: 'kcs' },
  // Completed jobs are kept (for a month) so that re-enqueueing the same plan is a no-op.
  removeOnComplete: { age: 30 * 86_400, count: 1_000_000 },
  removeOnFail: { age: 90 * 86_400 },
}

export function createQueue(
  connection: Redis,
  prefix: string,
): Queue<SliceJobData | Record<string, unknown>, SliceJobResult> {
  return new Queue(QUEUE_NAME, { connection, prefix, defaultJobOptions: SLICE_JOB_OPTIONS })
}

export interface EnqueueResult {
  /** Jobs added now. */
  added: number
  /** Jobs that were already there (waiting, active, delayed or completed) and were left alone. */
  existing: number
  /** Failed jobs of the same slices, retried. */
  retried: number
}

type AnyQueue = Queue<SliceJobData | Record<string, unknown>, SliceJobResult>

/** Enqueue one job per slice with deterministic ids; failed jobs of the same slices are retried, others left alone. */
export async function enqueueSlices(
  queue: AnyQueue,
  slices: readonly Slice[],
  scope = 'backfill',
): Promise<EnqueueResult> {
  const result: EnqueueResult = { added: 0, existing: 0, retried: 0 }
  const batchSize = 500
  for (let i = 0; i < slices.length; i += batchSize) {
    const batch = slices.slice(i, i + batchSize)
    const ids = batch.map((s) => sliceJobId(s, scope))
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)))
    const fresh: Array<{ name: string; data: SliceJobData; opts: { jobId: string } }> = []
    for (const [j, state] of states.entries()) {
      const id = ids[j] as string
      if (state === 'unknown') {
        fresh.push({ name: SLICE_JOB, data: { slice: batch[j] as Slice, scope }, opts: { jobId: id } })
      } else if (state === 'failed') {
        const job = await queue.getJob(id)
        await job?.retry('failed')
        result.retried++
      } else result.existing++
    }
    if (fresh.length > 0) {
      await queue.addBulk(fresh)
      result.added += fresh.length
    }
  }
  return result
}

/** Install or update the freshness scheduler (cron in Korean time). */
export async function installFreshnessScheduler(queue: AnyQueue, cron: string): Promise<void> {
  await queue.upsertJobScheduler(
    FRESHNESS_SCHEDULER_ID,
    { pattern: cron, tz: 'Asia/Seoul' },
    { name: FRESHNESS_JOB, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } },
  )
}

/** Run the freshness job now (in addition to the schedule). */
export async function triggerFreshness(queue: AnyQueue): Promise<string> {
  const job = await queue.add(FRESHNESS_JOB, {}, { jobId: `freshness-now-${Date.now()}`, attempts: 3 })
  return job.id as string
}

export interface WorkerOptions {
  connection: Redis
  prefix: string
  deps: EngineDeps
  /** Slice jobs processed at once by this process. Default 2. */
  concurrency?: number
  /** Slices of the freshness job (reads the mirror's countries). */
  freshnessSlices: () => Promise<Slice[]>
  clock?: Clock
  /** While the quota is spent, a waiting job looks at the clock again after at most this long (real ms). Default 5 min. */
  quotaRecheckMs?: number
  backoffBaseMs?: number
  /** How long a job may wait out an outage without using attempts (real ms since its first outage wait). Default 1 h. */
  outageBudgetMs?: number
  /** How long a job's lock lasts without renewal: a killed worker's job is taken over after about this long. */
  lockDurationMs?: number
  stalledIntervalMs?: number
  autorun?: boolean
  /**
   * Aborts the slices in flight (at the end of the shutdown grace): their calls stop, nothing is written, and each job
   * goes back to waiting (no attempt used) for this or another worker to take.
   */
  signal?: AbortSignal
}

/**
 * A BullMQ worker running the same processor as inline mode. Quota waits and 23 back-offs move the job to delayed
 * (no attempt used, no call made); transient failures retry with exponential backoff and jitter; auth and validation
 * errors fail at once; a slice that keeps timing out or failing with 5xx enqueues its parts.
 */
export function createSyncWorker(
  options: WorkerOptions,
): Worker<SliceJobData | Record<string, unknown>, SliceJobResult> {
  const clock = options.clock ?? systemClock
  const recheck = options.quotaRecheckMs ?? 5 * 60_000
  const { deps } = options
  // The parts of a split slice get the same options as any slice job: without them BullMQ gave them no
  // retries, so a part that timed out once split again at once, and a month failed for good on its first try.
  const queue = new Queue(QUEUE_NAME, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: SLICE_JOB_OPTIONS,
  }) as AnyQueue
  const worker = new Worker<SliceJobData | Record<string, unknown>, SliceJobResult>(
    QUEUE_NAME,
    async (job: Job<SliceJobData | Record<string, unknown>, SliceJobResult>, token?: string) => {
      if (job.name === FRESHNESS_JOB) {
        const slices = await options.freshnessSlices()
        const scope = `refresh-${kstDay(clock.now())}-${job.id ?? 'x'}`.replace(/[^A-Za-z0-9_.-]/g, '-')
        const r = await enqueueSlices(queue, slices, scope)
        deps.logger.info(
          { slices: slices.length, ...r },
          'freshness: re-fetching the last 13 months of every mirrored country',
        )
        return { status: 'freshness', enqueued: r.added, existing: r.existing }
      }
      const data = job.data as SliceJobData
      const started = performance.now()
      const outcome = await processSlice(data.slice, deps, {
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts || DEFAULT_ATTEMPTS,
        outage: data.outage,
        outageBudgetMs: options.outageBudgetMs,
        ...(options.backoffBaseMs !== undefined ? { backoffBaseMs: options.backoffBaseMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      const seconds = (performance.now() - started) / 1000
      switch (outcome.status) {
        case 'done':
          deps.metrics.job('done', seconds)
          return { status: 'done', slice: data.slice, ...outcome.result, timing: outcome.timing }
        case 'wait': {
          deps.metrics.job(outcome.reason === 'quota_exceeded' ? 'waiting_quota' : 'backoff')
          const wait = Math.max(50, outcome.until - clock.now())
          const delay = outcome.reason === 'quota_exceeded' ? Math.min(wait, recheck) : wait
          // Outage waits are counted in the job, so that they grow and end (see the processor's outage budget).
          if (outcome.outage) await job.updateData({ ...data, outage: outcome.outage })
          await job.moveToDelayed(Date.now() + delay, token)
          throw new DelayedError()
        }
        case 'retry':
          deps.metrics.job('retried', seconds)
          throw new Error(redactKey(errorMessage(outcome.error), deps.serviceKey))
        case 'split': {
          deps.metrics.job('split', seconds)
          await enqueueSlices(queue, outcome.parts, data.scope)
          return { status: 'split', slice: data.slice, parts: outcome.parts }
        }
        case 'interrupted':
          // Shutdown: the job goes back to waiting at once (not failed, no attempt used) for another worker.
          await job.moveToWait(token)
          throw new WaitingError()
        case 'failed':
          deps.metrics.job('failed', seconds)
          throw new UnrecoverableError(`${describeSlice(data.slice)}: ${outcome.message}`)
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 2)),
      autorun: options.autorun ?? true,
      lockDuration: options.lockDurationMs ?? 60_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 3,
      settings: {
        backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, options.backoffBaseMs),
      },
    },
  )
  const memory = governMemory(SLICE_GARBAGE_BYTES)
  worker.on('closed', () => {
    memory.stop()
    void queue.close()
  })
  return worker
}
