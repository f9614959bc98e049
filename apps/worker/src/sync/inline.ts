import { sleep, systemClock } from '../config/clock.js'
import { governMemory } from '../config/memory.js'
import { DEFAULT_SHUTDOWN_GRACE_MS, graceSignal } from '../config/shutdown.js'
import type { EngineDeps, ReplaceResult } from './deps.js'
import {
  type OutageState,
  processSlice,
  SLICE_GARBAGE_BYTES,
  type SliceOutcome,
  type SliceTiming,
} from './processor.js'
import { type Slice, sliceKey } from './slices.js'

export interface InlineOptions {
  /** Slices processed at once (each still waits for the shared rate limiter). Default 2. */
  concurrency?: number
  /** Tries per slice before a transient failure is final (then the slice splits or fails). Default 4. */
  maxAttempts?: number
  backoffBaseMs?: number
  /** How long a slice may wait out an outage without using attempts (real ms since its first outage wait). Default 1 h. */
  outageBudgetMs?: number
  /** While waiting for the quota reset, look at the clock (and the quota) this often, in real ms. Default 60 s. */
  quotaRecheckMs?: number
  /**
   * Stops the run (SIGINT/SIGTERM): no new slice starts; slices in flight get `graceMs` to finish, then their calls
   * are aborted and they are given back unrecorded (nothing half-written), to be fetched by the next run.
   */
  signal?: AbortSignal
  /** How long slices in flight may still finish after `signal` aborts, in ms. Default 10 s; 0 aborts them at once. */
  graceMs?: number
  /**
   * Before the API has answered once, a refused connection stops the run with a hint naming KCS_BASE_URL instead of
   * waiting out an outage (a host DNS does not know always does). Default true.
   */
  failFastUnanswered?: boolean
  /** Called after each slice outcome (progress bars, logs). */
  onOutcome?: (outcome: SliceOutcome, progress: InlineProgress) => void
}

export interface InlineProgress {
  total: number
  done: number
  failed: number
  waiting: number
  rows: number
}

export interface SyncSummary {
  slices: number
  done: number
  failed: number
  split: number
  calls: number
  rows: { total: number; added: number; changed: number; withdrawn: number; unchanged: number }
  /** Times a slice was put back to wait for the daily quota (each look at the clock counts). */
  quotaWaits: number
  failures: Array<{ slice: Slice; kind: string; message: string }>
  timing: SliceTiming
  durationMs: number
  /** Stopped by the signal before the plan finished. */
  interrupted: boolean
  /** Stopped early because every slice would fail alike (a wrong KCS_BASE_URL): why, and what to do. */
  stopped?: { message: string; hint: string | undefined }
}

/**
 * Run slices in this process with the same processor the BullMQ worker uses: quota waits sleep until the reset (by the
 * injected clock), transient errors back off and retry, heavy slices split.
 */
export async function runInline(
  slices: readonly Slice[],
  deps: EngineDeps,
  options: InlineOptions = {},
): Promise<SyncSummary> {
  const clock = deps.clock ?? systemClock
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2))
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4)
  const recheck = options.quotaRecheckMs ?? 60_000
  const started = performance.now()
  type Item = { slice: Slice; attempt: number; notBefore: number; outage?: OutageState | undefined }
  const queue: Item[] = slices.map((slice) => ({ slice, attempt: 1, notBefore: 0 }))
  const seen = new Set(slices.map(sliceKey))
  const summary: SyncSummary = {
    slices: slices.length,
    done: 0,
    failed: 0,
    split: 0,
    calls: 0,
    rows: { total: 0, added: 0, changed: 0, withdrawn: 0, unchanged: 0 },
    quotaWaits: 0,
    failures: [],
    timing: { fetchMs: 0, parseMs: 0, writeMs: 0 },
    durationMs: 0,
    interrupted: false,
  }
  const progress = (): InlineProgress => ({
    total: summary.slices,
    done: summary.done,
    failed: summary.failed,
    waiting: queue.filter((i) => i.notBefore > Date.now()).length,
    rows: summary.rows.total,
  })
  let active = 0
  const inFlight = graceSignal(options.signal, options.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS)
  // Wakes sleeping lanes: the signal (shutdown), or a run stopped early (see `stopped`).
  const halt = new AbortController()
  const onSignal = () => halt.abort()
  if (options.signal?.aborted) halt.abort()
  else options.signal?.addEventListener('abort', onSignal, { once: true })

  const add = (result: ReplaceResult) => {
    summary.rows.total += result.rowCount
    summary.rows.added += result.added
    summary.rows.changed += result.changed
    summary.rows.withdrawn += result.withdrawn
    summary.rows.unchanged += result.unchanged
  }

  async function lane(): Promise<void> {
    for (;;) {
      if (halt.signal.aborted) return
      // Deadlines are in real time; only the quota reset is judged by the (injectable) calendar clock.
      const now = Date.now()
      const index = queue.findIndex((i) => i.notBefore <= now)
      if (index < 0) {
        if (queue.length === 0 && active === 0) return
        if (queue.length === 0) {
          await sleep(20, halt.signal)
          continue
        }
        const soonest = Math.min(...queue.map((i) => i.notBefore))
        await sleep(Math.min(Math.max(1, soonest - now), recheck), halt.signal)
        continue
      }
      const item = queue.splice(index, 1)[0] as Item
      active++
      try {
        const outcome = await processSlice(item.slice, deps, {
          attempt: item.attempt,
          maxAttempts,
          outage: item.outage,
          outageBudgetMs: options.outageBudgetMs,
          failFastUnanswered: options.failFastUnanswered ?? true,
          ...(options.backoffBaseMs !== undefined ? { backoffBaseMs: options.backoffBaseMs } : {}),
          signal: inFlight.signal,
        })
        switch (outcome.status) {
          case 'done':
            summary.calls++
            summary.done++
            add(outcome.result)
            summary.timing.fetchMs += outcome.timing.fetchMs
            summary.timing.parseMs += outcome.timing.parseMs
            summary.timing.writeMs += outcome.timing.writeMs
            break
          case 'wait':
            if (outcome.reason === 'quota_exceeded') summary.quotaWaits++
            if (outcome.called) summary.calls++
            {
              const delay = Math.max(0, outcome.until - clock.now())
              // A quota wait looks at the clock again now and then: the processor re-checks the quota, calling nothing.
              const wait = outcome.reason === 'quota_exceeded' ? Math.min(delay, recheck) : delay
              queue.push({ ...item, notBefore: Date.now() + wait, outage: outcome.outage ?? item.outage })
            }
            break
          case 'retry':
            summary.calls++
            queue.push({ ...item, attempt: item.attempt + 1, notBefore: Date.now() + outcome.delayMs })
            break
          case 'split':
            summary.calls++
            summary.split++
            summary.slices--
            for (const part of outcome.parts) {
              if (seen.has(sliceKey(part))) continue
              seen.add(sliceKey(part))
              summary.slices++
              queue.push({ slice: part, attempt: 1, notBefore: 0 })
            }
            break
          case 'interrupted':
            // Given back: the next run fetches it (the plan skips only slices fetched OK).
            if (outcome.called) summary.calls++
            queue.push(item)
            break
          case 'failed':
            summary.calls++
            summary.failed++
            summary.failures.push({ slice: item.slice, kind: outcome.kind, message: outcome.message })
            if (outcome.stopRun) {
              summary.stopped ??= { message: outcome.message, hint: outcome.hint }
              halt.abort()
            }
            break
        }
        options.onOutcome?.(outcome, progress())
      } finally {
        active--
      }
    }
  }

  const memory = governMemory(SLICE_GARBAGE_BYTES)
  try {
    await Promise.all(Array.from({ length: concurrency }, () => lane()))
  } finally {
    memory.stop()
    inFlight.dispose()
    options.signal?.removeEventListener('abort', onSignal)
  }
  summary.interrupted = options.signal?.aborted === true && queue.length > 0
  summary.durationMs = Math.round(performance.now() - started)
  return summary
}
