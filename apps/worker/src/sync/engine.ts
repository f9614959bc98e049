import {
  type CircuitBreakerOptions,
  type CircuitStateChange,
  createKcsClient,
  isKcsError,
} from '@kcs-trade/client'
import {
  connect,
  type KcsDatabase,
  migrate,
  ledger as readLedger,
  recordSliceFailure,
  replaceSlice,
} from '@kcs-trade/db'
import { countries } from '@kcs-trade/reference'
import type { Clock } from '../config/clock.js'
import type { Logger } from '../config/logger.js'
import type { EngineDeps, FetchSummary, SliceFetcher, SliceStore, SliceStream } from './deps.js'
import type { RateLimiter } from './limits.js'
import type { LedgerEntry, Plan, PlanInput } from './plan.js'
import { planFromLedger } from './plan.js'
import { planTotalsFromLedger } from './plan-totals.js'
import type { Limits } from './runtime.js'
import type { Slice, TotalsDataset } from './slices.js'
import { createTotalsStore, replaceResult } from './store-totals.js'
import { type ConnectFailure, connectFailure } from './unreachable.js'

export type { KcsDatabase } from '@kcs-trade/db'

export interface FetcherOptions {
  serviceKey: string
  baseUrl: string
  timeoutMs?: number
  fetch?: typeof globalThis.fetch
  /**
   * The per-second limiter, taken right before each HTTP request is sent (not earlier: time spent between admission and
   * sending would let calls bunch up on the server's clock).
   */
  rate?: RateLimiter
  /** The client's circuit breaker settings (default: 5 consecutive connection failures, 30 s cool-down). */
  circuitBreaker?: CircuitBreakerOptions
  /** Told when the circuit breaker opens (again) or closes. */
  onCircuit?: (event: CircuitEvent) => void
}

/** A circuit breaker transition: `opened` (threshold reached, or the half-open probe failed) or `closed` (a request got through). */
export interface CircuitEvent {
  event: 'opened' | 'closed'
  failures: number
  cooldownMs: number
}

type ClientMeta = {
  limit?: number | null
  remaining?: number | null
  bodySha256: string
  durationMs: number
  attempts: number
  sumsMatch?: boolean | null
  rowCount: number
}

/**
 * The client as a {@link SliceFetcher}. Client-side retries are off (`retry: 0`): the engine retries at the job level,
 * where every call first passes the shared quota and rate limit.
 */
export function createClientFetcher(options: FetcherOptions): SliceFetcher {
  const baseFetch = options.fetch ?? globalThis.fetch
  const rate = options.rate
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (rate) {
      // ky hands over a Request that carries the abort signal; a plain fetch(url, init) carries it in init.
      const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
      await rate.acquire(signal ?? undefined)
    }
    return baseFetch(input, init)
  }
  const onCircuit = options.onCircuit
  const breaker = onCircuit
    ? {
        circuitBreaker: {
          ...options.circuitBreaker,
          onStateChange: ({ to, failures, cooldownMs }: CircuitStateChange) => {
            if (to === 'open') onCircuit({ event: 'opened', failures, cooldownMs })
            else if (to === 'closed') onCircuit({ event: 'closed', failures: 0, cooldownMs })
          },
        },
      }
    : options.circuitBreaker
      ? { circuitBreaker: options.circuitBreaker }
      : {}
  const kcs = createKcsClient({
    serviceKey: options.serviceKey,
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs ?? 120_000,
    retry: 0,
    fetch,
    ...breaker,
  })
  return {
    limitsRate: rate !== undefined,
    stream(slice: Slice, signal?: AbortSignal): SliceStream {
      // The signal (shutdown) aborts the call in flight.
      const stream = openStream(kcs, slice, signal)
      // What the client said about a call that failed: whether it was sent, and how the connection failed.
      const state: { notSent: boolean; failure?: ConnectFailure | undefined } = { notSent: false }
      const noted = <T>(step: Promise<T>): Promise<T> =>
        step.catch((error: unknown) => {
          if (neverSent(error)) {
            state.notSent = true
            state.failure = connectFailure(error)
          }
          throw error
        })
      return {
        [Symbol.asyncIterator]: () => {
          const it = stream[Symbol.asyncIterator]()
          return {
            next: () => noted(it.next()),
            return: (value?: unknown) =>
              noted(Promise.resolve(it.return?.(value) ?? { done: true as const, value })),
            [Symbol.asyncIterator]() {
              return this
            },
          } as AsyncIterator<unknown>
        },
        notSent: () => state.notSent,
        connectFailure: () => state.failure,
        summary(): FetchSummary | null {
          const s = stream.summary as { total: unknown; meta: ClientMeta } | null
          if (!s) return null
          return {
            total: s.total,
            bodySha256: s.meta.bodySha256,
            durationMs: s.meta.durationMs,
            attempts: s.meta.attempts,
            sumsMatch: s.meta.sumsMatch ?? null,
            rowCount: s.meta.rowCount,
            remaining: s.meta.remaining ?? null,
            limit: s.meta.limit ?? null,
          }
        },
      }
    },
  }
}

/** The client's stream for a slice: the detail (nitemtrade), or a totals dataset's rows; `signal` aborts the call. */
function openStream(
  kcs: ReturnType<typeof createKcsClient>,
  slice: Slice,
  signal: AbortSignal | undefined,
): { summary: unknown } & AsyncIterable<unknown> {
  const window = { from: slice.from, to: slice.to }
  const options = signal ? { signal } : undefined
  if (slice.dataset === 'newtrade') return kcs.streamTradeTotals(window, options)
  if (slice.dataset === 'nationtrade')
    return kcs.streamTradeByCountry(
      slice.country === '*' ? window : { ...window, country: slice.country },
      options,
    )
  return kcs.streamTradeByItemCountry(
    { ...window, country: slice.country, ...(slice.hs ? { hs: slice.hs } : {}) },
    options,
  )
}

/** Errors of the connect phase: nothing was written to a socket, so the request cannot have reached the API. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

/**
 * Did the request fail before anything was sent? The client says so (`requestSent` on its network error); an error
 * from elsewhere (a plain fetch) is read by its socket code (undici reports the socket error as the `cause`).
 */
export function neverSent(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (isKcsError(e)) return (e as { requestSent?: unknown }).requestSent === false
    e = (e as { cause?: unknown }).cause
  }
  let e: unknown = error
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true
    // AggregateError (happy eyeballs: every address refused) carries the per-address errors.
    const errors = (e as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors.length > 0 && errors.every((x) => neverSent(x))) return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}

/**
 * Load and initialise the HTTP stack (Node's fetch is set up lazily on first use) without any network traffic, so the
 * first real call is not delayed after it was admitted by the rate limiter.
 */
export async function warmUpHttp(): Promise<void> {
  await fetch('data:text/plain,warm-up')
    .then((r) => r.text())
    .catch(() => {})
}

/** The db package as a {@link SliceStore}. */
export function createDbStore(db: KcsDatabase, serviceKey?: string): SliceStore {
  const redact = serviceKey ? [serviceKey] : []
  const totals = createTotalsStore(db, redact)
  return {
    async replace(slice, rows, meta) {
      if (slice.dataset) return totals.replace(slice, rows, meta)
      // The hash, totals and row count of a streamed answer are known once its last row is read:
      // replaceSlice calls this then, before it writes the ledger.
      const result = await replaceSlice(
        db,
        toDbSlice(slice),
        rows as AsyncIterable<never>,
        () => {
          const m = meta()
          if (!m) throw new Error('the answer ended without its summary (hash, totals, row count)')
          return {
            total: m.total as never,
            bodySha256: m.bodySha256,
            durationMs: m.durationMs,
            attempts: m.attempts,
            sumsMatch: m.sumsMatch ?? null,
            rowCount: m.rowCount,
          }
        },
        // A second layer behind the client's: a key echoed in a name is never stored.
        serviceKey ? { redact: [serviceKey] } : {},
      )
      return replaceResult(result)
    },
    async recordFailure(slice, info) {
      if (slice.dataset) return totals.recordFailure(slice, info)
      await recordSliceFailure(db, toDbSlice(slice), { ...info, redact })
    },
  }
}

function toDbSlice(slice: Slice): { country: string; from: string; to: string; hs?: string } {
  return slice.hs ? { country: slice.country, from: slice.from, to: slice.to, hs: slice.hs } : { ...slice }
}

/** Open the database (PGlite directory, memory:// or postgres://) and bring its schema up to date. */
export async function openDatabase(url: string): Promise<KcsDatabase> {
  const db = await connect(url)
  try {
    await migrate(db)
  } catch (error) {
    await db.close().catch(() => {})
    throw error
  }
  return db
}

/** Every country code of the reference table. */
export function referenceCountryCodes(): string[] {
  return countries.all().map((c: { code: string }) => c.code)
}

/**
 * The ledger in the planner's shape. The detail: country slices only (the worker never plans all-country slices). A
 * totals dataset: its slices, `*` for an every-country one.
 */
export async function ledgerEntries(db: KcsDatabase, dataset?: TotalsDataset): Promise<LedgerEntry[]> {
  const rows = await readLedger(db, dataset ? { dataset } : {})
  return rows
    .filter((r) => dataset !== undefined || r.slice.country !== undefined)
    .map((r) => ({
      country: r.slice.country ?? '*',
      from: r.slice.from,
      to: r.slice.to,
      hs: r.slice.hs,
      status: r.status,
      rowCount: r.rowCount,
    }))
}

export interface PlanBackfillOptions {
  /** Daily quota the plan is measured against. */
  quota: number
  /** Database whose ledger says what is done and how many rows to expect. */
  db?: KcsDatabase
  /** Ledger entries (instead of reading them from `db`). */
  ledger?: readonly LedgerEntry[]
  /** Country table for `'all'` and validation (default: the reference table). */
  countryCodes?: () => readonly string[]
}

/**
 * Plan a backfill: slices of (country, window ≤ 12 months inside one calendar year, HS prefix or none), with the calls,
 * quota-days and expected rows; slices the ledger has as fetched OK are skipped unless `refresh`.
 */
export async function planBackfill(input: PlanInput, options: PlanBackfillOptions): Promise<Plan> {
  const ledger = options.ledger ?? (options.db ? await ledgerEntries(options.db, input.dataset) : [])
  const countryCodes = (options.countryCodes ?? referenceCountryCodes)()
  if (input.dataset)
    return planTotalsFromLedger(
      { ...input, dataset: input.dataset },
      { quota: options.quota, ledger, countryCodes },
    )
  return planFromLedger(input, { quota: options.quota, ledger, countryCodes })
}

/** Everything a slice job needs, wired from the client (through the shared rate limit) and the database. */
export function createEngineDeps(options: {
  serviceKey: string
  baseUrl: string
  timeoutMs: number
  db: KcsDatabase
  limits: Limits
  logger: Logger
  clock: Clock
  circuitBreaker?: CircuitBreakerOptions
}): EngineDeps {
  const { serviceKey, limits } = options
  return {
    fetcher: createClientFetcher({
      serviceKey,
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      rate: limits.rate,
      ...(options.circuitBreaker ? { circuitBreaker: options.circuitBreaker } : {}),
      onCircuit: (e) => {
        if (e.event === 'opened')
          options.logger.warn(
            { circuit: 'opened', failures: e.failures, cooldownMs: e.cooldownMs },
            'circuit breaker opened: the API is unreachable, no calls until the cool-down ends',
          )
        else options.logger.info({ circuit: 'closed' }, 'circuit breaker closed: the API answers again')
      },
    }),
    store: createDbStore(options.db, serviceKey),
    ...limits,
    logger: options.logger,
    clock: options.clock,
    serviceKey,
  }
}
