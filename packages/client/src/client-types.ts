import type { EndpointDefinition, TradeRow, TradeTotals } from './endpoint.js'
import type { KcsError } from './errors.js'
import type {
  CountryTradeQuery,
  ItemTradeQuery,
  ParsedTradeQuery,
  TotalsTradeQuery,
  TradeQuery,
} from './query.js'
import type { CircuitBreaker, CircuitBreakerOptions, RetryOptions } from './resilience.js'
import type {
  CountryTradeRow,
  CountTotals,
  ItemTradeRow,
  ItemTradeTotals,
  TotalsTradeRow,
} from './siblings.js'

/** Default `baseUrl`: the data.go.kr API origin. */
export const DEFAULT_BASE_URL = 'http://apis.data.go.kr'
/** Default `timeoutMs`: 120 000 ms (2 minutes) per attempt, headers and whole body. */
export const DEFAULT_TIMEOUT_MS = 120_000
/** Default `maxBodyBytes`: 512 MiB, ~25× the largest real answer (~21 MB). */
export const DEFAULT_MAX_BODY_BYTES = 512 * 1024 * 1024

/** What the `onRequest` hook receives about one attempt, just before it is sent. */
export interface RequestInfo {
  /** Request URL with the service key replaced by `***`. */
  url: string
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number
  /** The endpoint definition's name, e.g. `nitemtrade`. */
  endpoint: string
}

/** What the `onResponse` hook receives once a response's body has been read, or its reading failed. */
export interface ResponseInfo extends RequestInfo {
  /** HTTP status of the response. */
  status: number
  /** From sending the request to the end of the body. */
  durationMs: number
  /** Body bytes read. */
  bytes: number
  /** The error the response stood for, if any (redacted). */
  error?: KcsError
}

/** What the `onRetry` hook receives before the client waits and retries a failed attempt. */
export interface RetryInfo extends RequestInfo {
  /** Why the attempt failed (redacted). */
  error: KcsError
  /** Backoff before the next attempt. */
  delayMs: number
}

/** What the `onRedirect` hook receives when a response is a redirect, followed or refused. */
export interface RedirectInfo extends RequestInfo {
  /** HTTP status of the redirect (301, 302, 303, 307 or 308). */
  status: number
  /** Where it points, service key replaced by `***`. */
  location: string
  /**
   * True when the client follows it (same origin, or http → https on the same host); false when it
   * refuses it and the attempt fails with `KcsRedirectError`.
   */
  followed: boolean
}

/** Observability hooks. Everything they receive is redacted; a hook that throws is ignored. */
export interface KcsHooks {
  /** Called before each attempt is sent (after the circuit breaker let it through). */
  onRequest?(info: RequestInfo): void
  /** Called when an attempt got a response: after its body was read, or when handling it failed. */
  onResponse?(info: ResponseInfo): void
  /** Called when a failed attempt will be retried, before the backoff delay. */
  onRetry?(info: RetryInfo): void
  /** Called for every redirect the server answers with, before it is followed or refused. */
  onRedirect?(info: RedirectInfo): void
}

/** The subset of the standard `fetch` signature the client calls. */
export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>

/** Options of {@link createKcsClient}; invalid values make it throw `KcsValidationError`. */
export interface KcsClientOptions {
  /** The data.go.kr service key, "encoding" (percent-encoded) or "decoding" (raw) form. */
  serviceKey: string
  /** Origin of the API, optionally with a path prefix for a proxy. Default `http://apis.data.go.kr`. */
  baseUrl?: string
  /** Limit for one attempt, headers and whole body. Default 120 000 ms. */
  timeoutMs?: number
  /**
   * Longest body accepted, in bytes; a longer one fails with `KcsResponseFormatError` as soon as the
   * limit is crossed. Default 512 MiB (`DEFAULT_MAX_BODY_BYTES`); the largest real answers are ~21 MB.
   */
  maxBodyBytes?: number
  /** Retries for transient failures: a count, or `{ limit, baseDelayMs, maxDelayMs }`. `0` disables. */
  retry?: number | RetryOptions
  /** Fail fast after a burst of connection failures; `false` disables. Pass an instance to share it. */
  circuitBreaker?: CircuitBreakerOptions | CircuitBreaker | false
  /** A standard fetch (default `globalThis.fetch`). */
  fetch?: FetchLike
  /** Observability hooks (default none). */
  hooks?: KcsHooks
  /** Extra request headers. A value containing `environment=` is refused (the portal firewall blocks it). */
  headers?: Record<string, string>
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call, including a backoff wait; the call then fails with the signal's reason. */
  signal?: AbortSignal
}

/** Facts about a successful answer: rate-limit headers, size, timing, hash and totals checks. */
export interface ResponseMeta {
  /** `X-RateLimit-Limit`, when sent (normal answers only). */
  limit: number | null
  /** `X-RateLimit-Remaining`, when sent. */
  remaining: number | null
  /** Body bytes (after HTTP content decoding). */
  bytes: number
  /** Duration of the successful attempt, request to end of body. */
  durationMs: number
  /** Duration of the whole call including failed attempts and backoff. */
  totalDurationMs: number
  /** Attempts made, the successful one included (1 when no retry was needed). */
  attempts: number
  /** HTTP status of the successful response. */
  status: number
  /** SHA-256 of the body bytes, hex. */
  bodySha256: string
  /** Data rows, the totals row excluded. */
  rowCount: number
  /** Data rows' dollar sums equal the totals row exactly; null when there is no totals row. */
  sumsMatch: boolean | null
  /** Totals-row weight minus the data rows' weight sum (rounding upstream); null without totals. */
  weightDiffKg: { exportKg: number; importKg: number } | null
  /** Data rows where balanceUsd ≠ exportUsd − importUsd. */
  inconsistentRows: number
  /** Provider result code: `00`, or `03` for a no-data answer. */
  resultCode: string
  /** Provider result message accompanying `resultCode`. */
  resultMsg: string
  /** The response's `Content-Type` header, or null when absent. */
  contentType: string | null
  /** Request URL with the service key replaced by `***`. */
  url: string
  /**
   * Same-origin redirects followed before the answer, in order (service key replaced by `***`);
   * empty when the server answered directly.
   */
  redirects: string[]
}

/** The collected answer to one request. */
export interface TradeResult<TRow = TradeRow, TTotals = TradeTotals> {
  /** Data rows in answer order, the totals row excluded. */
  rows: TRow[]
  /** The totals row, or null when the answer has none. */
  total: TTotals | null
  /** Facts about the answer. */
  meta: ResponseMeta
}

/** One window's result from `tradeByItemCountryRange` (or a sibling's Range form), with the window it answers. */
export interface TradeWindowResult<TRow = TradeRow, TTotals = TradeTotals, TQuery = ParsedTradeQuery>
  extends TradeResult<TRow, TTotals> {
  /** The window this result answers (months as `YYYY-MM`). */
  query: TQuery
}

/** What a {@link RowStream} knows once its rows have been fully consumed. */
export interface StreamSummary<TTotals = TradeTotals> {
  /** The totals row, or null when the answer has none. */
  total: TTotals | null
  /** Facts about the answer. */
  meta: ResponseMeta
}

/**
 * Rows of one answer as they are parsed, in bounded memory. Iterate it once; afterwards `summary`
 * holds the totals row and the meta (null until the rows have been fully consumed). Breaking out of
 * the loop cancels the request. Transient failures are retried only before the first row arrives.
 */
export interface RowStream<TRow = TradeRow, TTotals = TradeTotals> extends AsyncIterable<TRow> {
  readonly summary: StreamSummary<TTotals> | null
  /** The same rows in the batches they were parsed in (one per network chunk). */
  batches(): AsyncIterable<TRow[]>
}

/** A {@link RowStream} of the nitemtrade endpoint's rows and totals. */
export type TradeRowStream = RowStream<TradeRow, TradeTotals>

/** A client for the KCS trade statistics API, made by {@link createKcsClient}. */
export interface KcsClient {
  /** One request (≤ 12 months): all rows, the totals row and meta. */
  tradeByItemCountry(query: TradeQuery, options?: CallOptions): Promise<TradeResult>
  /** One request (≤ 12 months), rows streamed in bounded memory. */
  streamTradeByItemCountry(query: TradeQuery, options?: CallOptions): TradeRowStream
  /** Any range, one request per window (≤ 12 months, never crossing a calendar year). */
  tradeByItemCountryRange(query: TradeQuery, options?: CallOptions): AsyncIterable<TradeWindowResult>
  /** `Itemtrade`: item totals over all partners, 10-digit rows (≤ 12 months), collected. */
  tradeByItem(
    query: ItemTradeQuery,
    options?: CallOptions,
  ): Promise<TradeResult<ItemTradeRow, ItemTradeTotals>>
  /** `Itemtrade`, rows streamed in bounded memory. */
  streamTradeByItem(query: ItemTradeQuery, options?: CallOptions): RowStream<ItemTradeRow, ItemTradeTotals>
  /** `Itemtrade` over any range, one request per window (≤ 12 months, never crossing a calendar year). */
  tradeByItemRange(
    query: ItemTradeQuery,
    options?: CallOptions,
  ): AsyncIterable<TradeWindowResult<ItemTradeRow, ItemTradeTotals, ItemTradeQuery>>
  /** `nationtrade`: country totals over all items with declaration counts (≤ 12 months), collected. */
  tradeByCountry(
    query: CountryTradeQuery,
    options?: CallOptions,
  ): Promise<TradeResult<CountryTradeRow, CountTotals>>
  /** `nationtrade`, rows streamed. */
  streamTradeByCountry(
    query: CountryTradeQuery,
    options?: CallOptions,
  ): RowStream<CountryTradeRow, CountTotals>
  /** `nationtrade` over any range, one request per calendar-year window. */
  tradeByCountryRange(
    query: CountryTradeQuery,
    options?: CallOptions,
  ): AsyncIterable<TradeWindowResult<CountryTradeRow, CountTotals, CountryTradeQuery>>
  /** `Newtrade` (수출입총괄): Korea's totals per month with declaration counts (≤ 12 months), collected. */
  tradeTotals(
    query: TotalsTradeQuery,
    options?: CallOptions,
  ): Promise<TradeResult<TotalsTradeRow, CountTotals>>
  /** `Newtrade`, rows streamed. */
  streamTradeTotals(query: TotalsTradeQuery, options?: CallOptions): RowStream<TotalsTradeRow, CountTotals>
  /** `Newtrade` over any range, one request per calendar-year window. */
  tradeTotalsRange(
    query: TotalsTradeQuery,
    options?: CallOptions,
  ): AsyncIterable<TradeWindowResult<TotalsTradeRow, CountTotals, TotalsTradeQuery>>
  /** Any endpoint definition, collected. */
  request<TQuery, TRow, TTotals>(
    endpoint: EndpointDefinition<TQuery, TRow, TTotals>,
    query: unknown,
    options?: CallOptions,
  ): Promise<TradeResult<TRow, TTotals>>
  /** Any endpoint definition, streamed. */
  stream<TQuery, TRow, TTotals>(
    endpoint: EndpointDefinition<TQuery, TRow, TTotals>,
    query: unknown,
    options?: CallOptions,
  ): RowStream<TRow, TTotals>
  /** The circuit breaker in use, or null when disabled. */
  readonly circuitBreaker: CircuitBreaker | null
  /** The base URL requests go to. */
  readonly baseUrl: string
}
