/**
 * One try of one slice: pass the quota and rate gates, stream the API's answer into the store, and decide what
 * happens next — done, retry, wait (quota, outage, breaker), split into smaller windows, or failed for good.
 */
import { systemClock } from '../config/clock.js'
import { redactKey } from '../config/env.js'
import { errorMessage, failureText } from '../config/errors.js'
import { raceAbort } from '../config/shutdown.js'
import { backoffDelay, classifyError, databaseUnavailable, type ErrorKind, hostNotFound } from './classify.js'
import type { EngineDeps, FetchSummary, ReplaceResult, SliceFetcher, SliceStream } from './deps.js'
import { describeSlice, type Slice, splitSlice } from './slices.js'
import { baseUrlHint } from './unreachable.js'

export interface SliceTiming {
  /** From the call until the first row (request, server time, first bytes). */
  fetchMs: number
  /** Reading and parsing the rest of the answer (time spent waiting on the row iterator after the first row). */
  parseMs: number
  /** Database time (staging, replace, ledger). */
  writeMs: number
}

export type SliceOutcome =
  | { status: 'done'; slice: Slice; result: ReplaceResult; summary: FetchSummary | null; timing: SliceTiming }
  | {
      status: 'wait'
      slice: Slice
      reason: 'quota_exceeded' | 'rate_limited' | 'circuit_open' | 'unreachable' | 'database_unavailable'
      until: number
      /** Whether an API call was made (false when the quota gate stopped it first). */
      called: boolean
      /** For outage waits (unreachable, database_unavailable, circuit_open): the outage so far, to pass back next try. */
      outage?: OutageState | undefined
    }
  | { status: 'retry'; slice: Slice; error: unknown; kind: ErrorKind; delayMs: number }
  | {
      status: 'failed'
      slice: Slice
      error: unknown
      kind: ErrorKind
      message: string
      /** What to do about it, when known. */
      hint?: string | undefined
      /** Every other slice would fail alike (a wrong KCS_BASE_URL): an inline run stops. */
      stopRun?: boolean
    }
  | { status: 'split'; slice: Slice; parts: Slice[]; error: unknown; kind: ErrorKind }
  | {
      status: 'interrupted'
      slice: Slice
      /** Whether a request may have reached the API (then its call stays counted in the quota). */
      called: boolean
    }

export interface ProcessOptions {
  /** 1-based attempt number of this try. */
  attempt: number
  /** Tries before a transient failure becomes final (then the slice splits, or fails). */
  maxAttempts: number
  backoffBaseMs?: number
  /**
   * Stops the slice (shutdown): a call in flight is aborted, nothing is written (the slice's transaction rolls back),
   * nothing is recorded in the ledger, and the outcome is `interrupted`, so the runner gives the slice back.
   */
  signal?: AbortSignal
  /** The outage this slice has been waiting out so far (from the previous try's `wait` outcome). */
  outage?: OutageState | undefined
  /**
   * How long (real ms since the first outage wait) a slice may wait out an unreachable API or database without using
   * an attempt; after that, outage errors use attempts like other transient errors and the slice fails in the end.
   * Default {@link DEFAULT_OUTAGE_BUDGET_MS}.
   */
  outageBudgetMs?: number | undefined
  /**
   * Before the API has answered once (per fetcher, i.e. per process), a refused connection fails the slice at once
   * with a hint naming KCS_BASE_URL (`stopRun`) instead of waiting out an "outage". A host DNS does not know always
   * does. For inline runs; workers wait (another process may be starting the API).
   */
  failFastUnanswered?: boolean
}

/** Outage waits of one slice: how many, and since when (real epoch ms). */
export interface OutageState {
  waits: number
  since: number
}

/** Default outage budget: one hour of waiting for the API or the database before attempts are used. */
export const DEFAULT_OUTAGE_BUDGET_MS = 3_600_000

/** Fetchers that have had an answer from the API at least once (a later "host not found" is then an outage). */
const answered = new WeakSet<SliceFetcher>()

/**
 * Heap plus array buffers (bytes) above which a process running slices collects garbage (checked four
 * times a second, see `config/memory.ts`): a worker then peaks near its live size plus a quarter-second of
 * garbage, without a `--max-old-space-size` cap, which only a launch flag can set and which crashes a
 * process that needs more.
 */
export const SLICE_GARBAGE_BYTES = 112 * 2 ** 20

/**
 * Fetch one slice and write it: take a call from the daily quota, wait for the per-second limiter, stream the answer
 * into `replaceSlice`. Never throws: the outcome says what the runner (inline or BullMQ) does next.
 */
export async function processSlice(
  slice: Slice,
  deps: EngineDeps,
  options: ProcessOptions,
): Promise<SliceOutcome> {
  const clock = deps.clock ?? systemClock
  const log = deps.logger.child({ slice: describeSlice(slice), attempt: options.attempt })
  if (options.signal?.aborted) return { status: 'interrupted', slice, called: false }
  // Each dataset has its own daily quota at the portal; the detail's is `deps.quota`.
  const quota = slice.dataset && deps.quotaFor ? deps.quotaFor(slice.dataset) : deps.quota
  const decision = await quota.reserve()
  if (!decision.ok) {
    log.debug(
      { resetAt: new Date(decision.resetAt).toISOString() },
      'daily quota spent: slice waits for the reset',
    )
    return { status: 'wait', slice, reason: 'quota_exceeded', until: decision.resetAt, called: false }
  }
  if (!deps.fetcher.limitsRate) {
    try {
      await deps.rate.acquire(options.signal)
    } catch (error) {
      // Stopped while waiting for the per-second limiter: no request was sent, so the call goes back.
      await quota.release(decision.day)
      if (options.signal?.aborted) return { status: 'interrupted', slice, called: false }
      throw error
    }
  }
  const started = performance.now()
  const timing: SliceTiming = { fetchMs: 0, parseMs: 0, writeMs: 0 }
  let stream: SliceStream | undefined
  // Whether the writer asked for the first row: the call is only sent then (the fetcher's streams are lazy).
  const pulled = { yes: false }
  try {
    const current = deps.fetcher.stream(slice, options.signal)
    stream = current
    const timed = timeIterator(current, timing, started, pulled, options.signal)
    const result = await deps.store.replace(slice, timed, () => current.summary())
    const total = performance.now() - started
    timing.writeMs = Math.max(0, total - timing.fetchMs - timing.parseMs)
    const summary = current.summary()
    answered.add(deps.fetcher)
    deps.metrics.call('ok')
    deps.metrics.rows(result.rowCount)
    if (summary && typeof summary.remaining === 'number') {
      await quota.correct(summary.remaining, typeof summary.limit === 'number' ? summary.limit : undefined)
    }
    log.info(
      {
        rows: result.rowCount,
        added: result.added,
        changed: result.changed,
        withdrawn: result.withdrawn,
        ms: Math.round(total),
      },
      'slice synced',
    )
    return { status: 'done', slice, result, summary, timing }
  } catch (error) {
    const durationMs = Math.round(performance.now() - started)
    const c = classifyError(error)
    // Gives the reserved call back to the quota (once) when no request left this process.
    let givenBack = false
    const giveBack = async () => {
      if (givenBack) return
      givenBack = true
      await quota.release(decision.day)
    }
    if (options.signal?.aborted) {
      // Shutdown: the answer was cut off and the transaction rolled back; the slice is given back unrecorded.
      const called = pulled.yes && stream?.notSent?.() !== true
      if (!called) await giveBack()
      log.info({ called }, 'slice interrupted by shutdown: nothing written, given back')
      return { status: 'interrupted', slice, called }
    }
    deps.metrics.call(c.kind)
    // The hint of the root cause (say the client's "key not approved for this dataset"), not the wrapper's.
    const failure = failureText(error)
    let message = redactKey(failure.message, deps.serviceKey)
    let hintOverride: string | undefined
    let forceFinal = false
    let stopRun = false
    let transient = c.transient
    if (c.kind !== 'network' && c.kind !== 'circuit_open' && c.kind !== 'other') answered.add(deps.fetcher)
    const budgetMs = options.outageBudgetMs ?? DEFAULT_OUTAGE_BUDGET_MS
    /** The next outage wait, or undefined once the outage budget is spent (then the error takes the normal path). */
    const outageWait = (): { delayMs: number; outage: OutageState } | undefined => {
      const since = options.outage?.since ?? Date.now()
      const waits = (options.outage?.waits ?? 0) + 1
      if (Date.now() - since >= budgetMs) {
        message = `outage lasted longer than ${formatMinutes(budgetMs)} (${waits - 1} waits): ${message}`
        return undefined
      }
      return { delayMs: backoffDelay(waits, 2_000, 30_000), outage: { waits, since } }
    }
    if (c.kind === 'network' && stream?.notSent?.() === true) {
      // Connection refused (or no such host): the request never left, so the API did not count it either.
      await giveBack()
      const failure = stream.connectFailure?.() ?? (hostNotFound(error) ? 'not-found' : undefined)
      const unanswered = !answered.has(deps.fetcher)
      if (
        unanswered &&
        (failure === 'not-found' || (failure === 'refused' && options.failFastUnanswered === true))
      ) {
        // No answer ever came, and DNS does not know the host or nothing listens: most likely a wrong KCS_BASE_URL.
        forceFinal = true
        stopRun = true
        message =
          failure === 'not-found'
            ? `the API host was not found (no answer from it yet): ${message}`
            : `the API refused the connection and has not answered once since this run started: ${message}`
        hintOverride = baseUrlHint(
          failure,
          options.failFastUnanswered ? 'then run the sync again' : 'then enqueue the slices again',
        )
      } else {
        // An API that is down is not the slice's fault: the job waits (no attempt used) with a growing backoff, up to
        // the outage budget; the circuit breaker keeps the calls during a long outage to one probe per cool-down.
        const next = outageWait()
        if (next) {
          log.warn(
            {
              err: message,
              delayMs: next.delayMs,
              waits: next.outage.waits,
              ...(unanswered
                ? { hint: 'the API has not answered once since this process started: check KCS_BASE_URL' }
                : {}),
            },
            'API unreachable (connection refused): the slice waits, no attempt used',
          )
          return {
            status: 'wait',
            slice,
            reason: 'unreachable',
            until: clock.now() + next.delayMs,
            called: false,
            outage: next.outage,
          }
        }
      }
    }
    if (c.kind === 'other' && databaseUnavailable(error)) {
      // The database is restarting or unreachable. If the writer failed before asking for rows, no call was sent: the
      // call goes back and the slice waits without using an attempt (up to the outage budget). Once the answer was
      // being read the API has counted the call: the slice uses an attempt like any transient failure, so that a
      // lasting outage cannot spend the quota forever. On the last attempt it waits instead (still within the
      // budget): failing would throw away a slice for the database's fault, the failure could not even be recorded
      // while the database is down, and the next try sends no call until the database answers again (the writer
      // opens its transaction before it asks for the first row), so each such wait costs at most one call.
      transient = true
      const last = options.attempt >= options.maxAttempts
      if (!pulled.yes || last) {
        if (!pulled.yes) await giveBack()
        const next = outageWait()
        if (next) {
          log.warn(
            { err: message, delayMs: next.delayMs, waits: next.outage.waits },
            pulled.yes
              ? 'database unavailable during the last attempt: the slice waits for it'
              : 'database unavailable: the slice waits, no attempt used',
          )
          return {
            status: 'wait',
            slice,
            reason: 'database_unavailable',
            until: clock.now() + next.delayMs,
            called: pulled.yes,
            outage: next.outage,
          }
        }
      }
    }
    if (c.kind === 'quota_exceeded') {
      await quota.exhaust()
      // The error's reset time is on the system clock; `until` is on the engine's clock (they differ under test clocks).
      const until =
        c.retryAt !== undefined
          ? clock.now() + Math.max(0, c.retryAt - Date.now())
          : (await quota.snapshot()).resetAt
      log.warn(
        { resetAt: new Date(until).toISOString() },
        'API answered 22 (daily quota exceeded): no more calls until the reset',
      )
      return { status: 'wait', slice, reason: 'quota_exceeded', until, called: true }
    }
    if (c.kind === 'rate_limited') {
      const delayMs = backoffDelay(options.attempt, 1_000, 30_000)
      log.warn({ delayMs }, 'API answered 23 (per-second limit): backing off')
      return { status: 'wait', slice, reason: 'rate_limited', until: clock.now() + delayMs, called: true }
    }
    if (c.kind === 'circuit_open') {
      // The breaker refused before any request was sent: give the reserved call back.
      await giveBack()
      // An open breaker is part of an outage: it counts against the same budget.
      const next = outageWait()
      if (next) {
        // The breaker's retryAt is on the system clock; `until` is on the engine's clock (they differ under test clocks).
        const waitMs = c.retryAt !== undefined ? Math.max(0, c.retryAt - Date.now()) : 30_000
        return {
          status: 'wait',
          slice,
          reason: 'circuit_open',
          until: clock.now() + waitMs,
          called: false,
          outage: next.outage,
        }
      }
    }
    const final = forceFinal || !transient || options.attempt >= options.maxAttempts
    // A writer that refused the slice before asking for its first row (say a MixedGranularityError): the lazy
    // stream never sent the call, so the API did not count it either, whether the job retries or fails.
    if (!pulled.yes && c.kind === 'other') await giveBack()
    if (!final) {
      const delayMs = backoffDelay(options.attempt, options.backoffBaseMs)
      log.warn({ err: message, kind: c.kind, delayMs }, 'slice failed, will retry')
      return { status: 'retry', slice, error, kind: c.kind, delayMs }
    }
    if (!forceFinal && transient && c.splittable) {
      const parts = splitSlice(slice)
      if (parts.length > 0) {
        log.warn(
          { err: message, kind: c.kind, parts: parts.length },
          'slice keeps failing: splitting it into smaller windows',
        )
        await deps.store.recordFailure(slice, {
          error: `${message} — split into ${parts.length} parts`,
          errorCode: c.code ?? c.kind,
          attempts: options.attempt,
          durationMs,
        })
        return { status: 'split', slice, parts, error, kind: c.kind }
      }
    }
    const hint = hintOverride ?? failure.hint
    log.error({ err: message, kind: c.kind, hint }, `slice failed: ${message}`)
    await deps.store
      .recordFailure(slice, {
        error: message,
        errorCode: c.code ?? c.kind,
        attempts: options.attempt,
        durationMs,
      })
      .catch((e) =>
        log.error(
          { err: redactKey(errorMessage(e), deps.serviceKey) },
          'could not record the failure in the ledger',
        ),
      )
    return {
      status: 'failed',
      slice,
      error,
      kind: c.kind,
      message,
      ...(typeof hint === 'string' ? { hint } : {}),
      ...(stopRun ? { stopRun } : {}),
    }
  }
}

function formatMinutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`
}

/** Measure time spent waiting on the answer (first row = fetch, the rest = parse); the remainder is the writer's. */
async function* timeIterator(
  source: AsyncIterable<unknown>,
  timing: SliceTiming,
  started: number,
  pulled: { yes: boolean },
  signal: AbortSignal | undefined,
): AsyncGenerator<unknown> {
  pulled.yes = true
  const it = source[Symbol.asyncIterator]()
  let first = true
  for (;;) {
    const t0 = performance.now()
    let next: IteratorResult<unknown>
    try {
      // Also raced against the shutdown signal: a read the HTTP layer no longer aborts cannot hold the shutdown.
      next = await raceAbort(it.next(), signal)
    } catch (error) {
      if (signal?.aborted) void Promise.resolve(it.return?.()).catch(() => {})
      throw error
    }
    const t1 = performance.now()
    if (first) {
      timing.fetchMs = t1 - started
      first = false
    } else timing.parseMs += t1 - t0
    if (next.done) return
    yield next.value
  }
}
