/**
 * What the sync engine runs on: the fetcher (the API), the store (the database), the quota and rate gates, the
 * metrics, the clock and the logger. `engine.ts` builds the real ones; tests pass their own.
 */
import type { Clock } from '../config/clock.js'
import type { Logger } from '../config/logger.js'
import type { QuotaGate, RateLimiter } from './limits.js'
import type { MetricsSink } from './metrics.js'
import type { Slice, TotalsDataset } from './slices.js'
import type { ConnectFailure } from './unreachable.js'

/** What the API's answer for a slice carried besides rows (the client's `meta`). */
export interface FetchSummary {
  total: unknown
  bodySha256: string
  durationMs: number
  attempts: number
  sumsMatch: boolean | null | undefined
  rowCount: number
  /** `X-RateLimit-Remaining` / `-Limit` of the answer, when sent. */
  remaining?: number | null | undefined
  limit?: number | null | undefined
}

/** A streaming answer: rows as they are parsed; `summary()` is known once every row has been read. */
export interface SliceStream extends AsyncIterable<unknown> {
  summary(): FetchSummary | null
  /**
   * After a failure: true when the request provably never left this machine (connection refused, host not found), so
   * the call it reserved from the daily quota can be given back. Absent or false = it may have reached the API.
   */
  notSent?(): boolean
  /** After a failure that never left: whether the connection was refused or the host name is unknown. */
  connectFailure?(): ConnectFailure | undefined
}

/** Where rows come from (the client, in production). One `stream` = one API call. */
export interface SliceFetcher {
  stream(slice: Slice, signal?: AbortSignal): SliceStream
  /** The fetcher takes the per-second limiter itself, right before sending (then the processor does not). */
  limitsRate?: boolean
}

export interface ReplaceResult {
  added: number
  changed: number
  withdrawn: number
  unchanged: number
  firstFetch: boolean
  rowCount: number
}

export interface FailureInfo {
  error: string
  errorCode?: string | undefined
  attempts: number
  durationMs: number
}

/** Where rows go (the db package, in production). */
export interface SliceStore {
  /** Replace the slice with the streamed rows; `meta()` is complete once `rows` is exhausted. */
  replace(slice: Slice, rows: AsyncIterable<unknown>, meta: () => FetchSummary | null): Promise<ReplaceResult>
  recordFailure(slice: Slice, info: FailureInfo): Promise<void>
}

export interface EngineDeps {
  fetcher: SliceFetcher
  store: SliceStore
  /** The daily quota of the detail (nitemtrade). */
  quota: QuotaGate
  /** The daily quota of a totals dataset (each is counted apart at the portal); absent: they share `quota`. */
  quotaFor?: ((dataset: TotalsDataset) => QuotaGate) | undefined
  rate: RateLimiter
  metrics: MetricsSink
  logger: Logger
  clock?: Clock
  /** The service key, so that it can be scrubbed from anything stored. */
  serviceKey?: string | undefined
}
