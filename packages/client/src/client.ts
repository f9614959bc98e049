import ky from 'ky'
import { assertEndpointLayout, type BodySummary, ResponseBodyParser } from './body.js'
import { type EndpointDefinition, nitemtradeEndpoint, type TradeRow, type TradeTotals } from './endpoint.js'
import {
  isKcsError,
  KcsCircuitOpenError,
  type KcsError,
  KcsNetworkError,
  KcsTimeoutError,
  KcsValidationError,
} from './errors.js'
import { describeValue, optionsObject } from './guards.js'
import {
  type CountryTradeQuery,
  type ItemTradeQuery,
  type ParsedTradeQuery,
  splitIntoWindows,
  type TotalsTradeQuery,
  type TradeQuery,
} from './query.js'
import {
  backoffDelay,
  CircuitBreaker,
  type CircuitBreakerOptions,
  isConnectionFailure,
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetry,
  sleep,
} from './resilience.js'
import { normalizeServiceKey, REDACTED, redactSecret } from './secret.js'
import {
  type CountryTradeRow,
  type CountTotals,
  type ItemTradeRow,
  type ItemTradeTotals,
  itemtradeEndpoint,
  nationtradeEndpoint,
  newtradeEndpoint,
  type TotalsTradeRow,
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

/** Observability hooks. Everything they receive is redacted; a hook that throws is ignored. */
export interface KcsHooks {
  /** Called before each attempt is sent (after the circuit breaker let it through). */
  onRequest?(info: RequestInfo): void
  /** Called when an attempt got a response: after its body was read, or when handling it failed. */
  onResponse?(info: ResponseInfo): void
  /** Called when a failed attempt will be retried, before the backoff delay. */
  onRetry?(info: RetryInfo): void
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

function resolveBaseUrl(baseUrl: string | undefined): string {
  const raw = baseUrl ?? DEFAULT_BASE_URL
  if (typeof raw !== 'string' || raw.length > 2048)
    throw new KcsValidationError(
      'baseUrl',
      `baseUrl must be a URL string of at most 2048 characters, got ${describeValue(raw)}.`,
      'Use an origin such as http://apis.data.go.kr.',
    )
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new KcsValidationError(
      'baseUrl',
      `${describeValue(raw)} is not a URL.`,
      'Use an origin such as http://apis.data.go.kr.',
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KcsValidationError(
      'baseUrl',
      `${describeValue(raw)} is not http(s).`,
      'Use an origin such as http://apis.data.go.kr.',
    )
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new KcsValidationError(
      'baseUrl',
      'the base URL must not carry a query, a fragment or credentials.',
      'Use an origin such as http://apis.data.go.kr (a path prefix for a proxy is allowed).',
    )
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

function resolveHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = { accept: 'application/xml, text/xml;q=0.9, */*;q=0.1' }
  if (headers === undefined) return out
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
    throw new KcsValidationError(
      'headers',
      `headers must be an object of name → value, got ${describeValue(headers)}.`,
      "Pass e.g. headers: { 'user-agent': 'my-app/1.0' }.",
    )
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') {
      throw new KcsValidationError(
        'headers',
        `header ${name} must be a string.`,
        'Pass header values as strings.',
      )
    }
    if (/environment=/i.test(value)) {
      throw new KcsValidationError(
        'headers',
        `header ${name} contains "environment=", which the portal firewall answers with error 10.`,
        'Remove "environment=" from the header value.',
      )
    }
    if (/^servicekey$/i.test(name)) {
      throw new KcsValidationError('headers', 'the service key is not a header.', 'Pass it as serviceKey.')
    }
    out[name.toLowerCase()] = value
  }
  return out
}

const HOOK_NAMES = ['onRequest', 'onResponse', 'onRetry'] as const

function resolveHooks(hooks: KcsHooks | undefined): KcsHooks {
  if (hooks === undefined || hooks === null) return {}
  const hint = 'Pass { onRequest?, onResponse?, onRetry? } with functions as values.'
  if (typeof hooks !== 'object' || Array.isArray(hooks))
    throw new KcsValidationError('hooks', `hooks must be an object, got ${describeValue(hooks)}.`, hint)
  for (const name of HOOK_NAMES) {
    const fn = hooks[name]
    if (fn !== undefined && typeof fn !== 'function')
      throw new KcsValidationError(
        'hooks',
        `hooks.${name} must be a function, got ${describeValue(fn)}.`,
        hint,
      )
  }
  return hooks
}

/** Per-call options: an object whose `signal`, if given, is an AbortSignal. */
function resolveCallOptions(options: CallOptions | undefined): CallOptions {
  const o = optionsObject(options, 'options', 'Pass { signal } (an AbortSignal) or nothing.')
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw new KcsValidationError(
      'signal',
      `signal must be an AbortSignal, got ${describeValue(o.signal)}.`,
      'Pass AbortSignal.timeout(ms) or an AbortController’s signal.',
    )
  return o
}

/** An endpoint definition must have the parts the client calls; otherwise a KcsValidationError. */
function assertEndpoint(endpoint: unknown): void {
  const e = endpoint as Partial<EndpointDefinition<unknown, unknown, unknown>> | null
  if (
    e === null ||
    typeof e !== 'object' ||
    typeof e.parseQuery !== 'function' ||
    typeof e.toParams !== 'function' ||
    typeof e.path !== 'string' ||
    typeof e.name !== 'string'
  )
    throw new KcsValidationError(
      'endpoint',
      `the endpoint must be an endpoint definition, got ${describeValue(endpoint)}.`,
      'Pass nitemtradeEndpoint (or a definition of the same shape).',
    )
  assertEndpointLayout(endpoint)
}

function parseHeaderInt(value: string | null): number | null {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : null
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

function safeHook<T>(fn: ((info: T) => void) | undefined, info: T): void {
  if (!fn) return
  try {
    fn(info)
  } catch {
    // Hooks observe; they must not change the outcome of a request.
  }
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: unknown }).cause
  const parts = [error.message]
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    parts.push(typeof code === 'string' ? `${code}: ${cause.message}` : cause.message)
  } else if (cause !== undefined && typeof cause !== 'object') {
    parts.push(String(cause))
  }
  return parts.filter(Boolean).join(' — ')
}

/**
 * Last line of defence: every text an error carries (message, stack, string fields) goes through the
 * redactor, whatever part of the body or the platform it was copied from.
 */
function scrubError(error: KcsError, redact: (text: string) => string): KcsError {
  const target = error as unknown as Record<string, unknown>
  for (const [k, v] of Object.entries(error)) if (typeof v === 'string') target[k] = redact(v)
  const message = redact(error.message)
  if (message !== error.message) error.message = message
  if (typeof error.stack === 'string') {
    const stack = redact(error.stack)
    if (stack !== error.stack) error.stack = stack
  }
  return error
}

interface RunResult<TTotals> {
  summary: BodySummary<TTotals>
  meta: ResponseMeta
}

class Client implements KcsClient {
  readonly baseUrl: string
  readonly circuitBreaker: CircuitBreaker | null
  readonly #key: string
  readonly #timeoutMs: number
  readonly #maxBodyBytes: number
  readonly #retry: ResolvedRetryOptions
  readonly #fetch: FetchLike
  readonly #hooks: KcsHooks
  readonly #headers: Record<string, string>
  readonly #redact: (text: string) => string

  constructor(options: KcsClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new KcsValidationError(
        'serviceKey',
        'options are missing.',
        'Call createKcsClient({ serviceKey }).',
      )
    }
    this.#key = normalizeServiceKey(options.serviceKey)
    const original = options.serviceKey
    this.#redact = (text) => redactSecret(redactSecret(text, this.#key), original)
    this.baseUrl = resolveBaseUrl(options.baseUrl)
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
      throw new KcsValidationError(
        'timeoutMs',
        `timeoutMs must be a positive number, got ${String(timeout)}.`,
        'Use e.g. timeoutMs: 120000; large answers take seconds.',
      )
    }
    this.#timeoutMs = timeout
    const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    if (typeof maxBody !== 'number' || !Number.isSafeInteger(maxBody) || maxBody < 1) {
      throw new KcsValidationError(
        'maxBodyBytes',
        `maxBodyBytes must be a positive whole number of bytes, got ${String(maxBody)}.`,
        'Leave it out for the 512 MiB default; the largest real answers are ~21 MB.',
      )
    }
    this.#maxBodyBytes = maxBody
    this.#retry = resolveRetry(options.retry)
    if (
      options.circuitBreaker !== undefined &&
      options.circuitBreaker !== false &&
      (options.circuitBreaker === null || typeof options.circuitBreaker !== 'object')
    )
      throw new KcsValidationError(
        'circuitBreaker',
        `circuitBreaker must be options, a CircuitBreaker or false, got ${describeValue(options.circuitBreaker)}.`,
        'Pass { failureThreshold: 5, cooldownMs: 30000 }, a shared CircuitBreaker, or false to disable it.',
      )
    this.circuitBreaker =
      options.circuitBreaker === false
        ? null
        : options.circuitBreaker instanceof CircuitBreaker
          ? options.circuitBreaker
          : new CircuitBreaker(options.circuitBreaker ?? {})
    const f = options.fetch ?? (globalThis.fetch as FetchLike | undefined)
    if (typeof f !== 'function') {
      throw new KcsValidationError('fetch', 'no fetch implementation is available.', 'Pass options.fetch.')
    }
    this.#fetch = f
    this.#hooks = resolveHooks(options.hooks)
    this.#headers = resolveHeaders(options.headers)
  }

  #urls(endpoint: EndpointDefinition<unknown, unknown, unknown>, params: Record<string, string>) {
    const base = `${this.baseUrl}${endpoint.path}`
    // URLSearchParams encodes the raw key exactly once (+ → %2B, / → %2F, = → %3D).
    const wire = new URLSearchParams({ serviceKey: this.#key, ...params }).toString()
    const shown = new URLSearchParams({ serviceKey: REDACTED, ...params }).toString()
    return { url: `${base}?${wire}`, redactedUrl: `${base}?${shown}` }
  }

  async *#run<TRow, TTotals>(
    endpoint: EndpointDefinition<unknown, TRow, TTotals>,
    query: unknown,
    signal: AbortSignal | undefined,
    /** Collect rows here instead of yielding them: a failed attempt is then discarded and retried. */
    sink?: TRow[],
  ): AsyncGenerator<TRow[], RunResult<TTotals>> {
    const params = endpoint.toParams(query)
    const { url, redactedUrl } = this.#urls(endpoint as EndpointDefinition<unknown, unknown, unknown>, params)
    const callStart = performance.now()
    const breaker = this.circuitBreaker
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw signal.reason
      const info: RequestInfo = { url: redactedUrl, attempt, endpoint: endpoint.name }
      let yielded = false
      if (sink) sink.length = 0
      let response: Response | undefined
      let retryAfterMs: number | undefined
      let parser: ResponseBodyParser<TRow, TTotals> | undefined
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
      let bodyDone = false
      let settled = false
      // The timeout bounds the time spent waiting on the server, not the time the consumer spends
      // between batches: the clock stops while a batch is out.
      let timedOut = false
      let budget = this.#timeoutMs
      let timer: ReturnType<typeof setTimeout> | undefined
      let clockStart = 0
      const controller = new AbortController()
      const startClock = () => {
        clockStart = performance.now()
        timer = setTimeout(() => {
          timedOut = true
          controller.abort()
        }, budget)
      }
      const stopClock = () => {
        clearTimeout(timer)
        budget = Math.max(1, budget - (performance.now() - clockStart))
      }
      const onAbort = () => controller.abort(signal?.reason)
      signal?.addEventListener('abort', onAbort, { once: true })
      const started = performance.now()
      let admitted = false
      try {
        breaker?.beforeRequest()
        admitted = true
        safeHook(this.#hooks.onRequest, info)
        startClock()
        response = await ky.get(url, {
          fetch: this.#fetch as typeof fetch,
          retry: 0,
          timeout: false,
          throwHttpErrors: false,
          signal: controller.signal,
          headers: this.#headers,
        })
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
        parser = new ResponseBodyParser(endpoint, {
          status: response.status,
          redact: this.#redact,
          url: redactedUrl,
          maxBytes: this.#maxBodyBytes,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        })
        if (response.body) {
          reader = response.body.getReader()
          for (;;) {
            const { done, value } = await reader.read()
            if (done) break
            const rows = parser.write(value)
            // A huge error page: its first MiB decides; the rest is not worth waiting for.
            if (parser.saturated) {
              await reader.cancel().catch(() => {})
              break
            }
            if (sink) {
              for (const row of rows) sink.push(row)
            } else if (rows.length > 0) {
              yielded = true
              stopClock()
              yield rows
              startClock()
            }
          }
        }
        bodyDone = true
        stopClock()
        const last = parser.end()
        const durationMs = performance.now() - started
        settled = true
        breaker?.recordSuccess()
        safeHook(this.#hooks.onResponse, {
          ...info,
          status: response.status,
          durationMs,
          bytes: last.summary.bytes,
        })
        const s = last.summary
        const meta: ResponseMeta = {
          limit: parseHeaderInt(response.headers.get('x-ratelimit-limit')),
          remaining: parseHeaderInt(response.headers.get('x-ratelimit-remaining')),
          bytes: s.bytes,
          durationMs,
          totalDurationMs: performance.now() - callStart,
          attempts: attempt,
          status: response.status,
          bodySha256: s.bodySha256,
          rowCount: s.rowCount,
          sumsMatch: s.sumsMatch,
          weightDiffKg: s.weightDiffKg as ResponseMeta['weightDiffKg'],
          inconsistentRows: s.inconsistentRows,
          resultCode: s.resultCode,
          resultMsg: s.resultMsg,
          contentType: response.headers.get('content-type'),
          url: redactedUrl,
        }
        if (sink) for (const row of last.rows) sink.push(row)
        else if (last.rows.length > 0) yield last.rows
        return { summary: s, meta }
      } catch (raw) {
        stopClock()
        if (signal?.aborted && !timedOut && !isKcsError(raw)) throw signal.reason
        const error = this.#toKcsError(raw, timedOut, redactedUrl, response?.status)
        if (error instanceof KcsCircuitOpenError) {
          error.attempts = attempt - 1
          throw error
        }
        error.attempts = attempt
        settled = true
        if (isConnectionFailure(error)) breaker?.recordFailure()
        else breaker?.recordSuccess()
        if (response !== undefined) {
          safeHook(this.#hooks.onResponse, {
            ...info,
            status: response.status,
            durationMs: performance.now() - started,
            bytes: parser?.bytes ?? 0,
            error,
          })
        }
        if (!error.retryable || yielded || attempt > this.#retry.limit) throw error
        const delayMs = backoffDelay(
          attempt,
          this.#retry,
          (error as { retryAfterMs?: number }).retryAfterMs ?? retryAfterMs,
        )
        safeHook(this.#hooks.onRetry, { ...info, error, delayMs })
        await sleep(delayMs, signal)
      } finally {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        // Stopped early (consumer broke out, error, abort): free the connection.
        if (!bodyDone) {
          controller.abort()
          if (reader) reader.cancel().catch(() => {})
          else response?.body?.cancel().catch(() => {})
        }
        // An attempt that ended without verdict (caller abort, early exit) must not hold the probe slot.
        if (admitted && !settled) breaker?.release()
      }
    }
  }

  #toKcsError(raw: unknown, timedOut: boolean, url: string, status: number | undefined): KcsError {
    if (isKcsError(raw)) {
      if (raw.url === undefined) raw.url = url
      if (raw.status === undefined && status !== undefined) raw.status = status
      return scrubError(raw, this.#redact)
    }
    if (timedOut)
      return new KcsTimeoutError(this.#timeoutMs, { url, ...(status === undefined ? {} : { status }) })
    const message = this.#redact(describeFailure(raw))
    const cause = new Error(message)
    cause.name = raw instanceof Error ? raw.name : 'Error'
    return new KcsNetworkError(status === undefined ? message : `the body broke off (${message})`, {
      url,
      cause,
      ...(status === undefined ? {} : { status }),
    })
  }

  request<TQuery, TRow, TTotals>(
    endpoint: EndpointDefinition<TQuery, TRow, TTotals>,
    query: unknown,
    options: CallOptions = {},
  ): Promise<TradeResult<TRow, TTotals>> {
    return (async () => {
      assertEndpoint(endpoint)
      options = resolveCallOptions(options)
      const parsed = endpoint.parseQuery(query)
      const rows: TRow[] = []
      const gen = this.#run(
        endpoint as EndpointDefinition<unknown, TRow, TTotals>,
        parsed,
        options.signal,
        rows,
      )
      for (;;) {
        const r = await gen.next()
        if (r.done) return { rows, total: r.value.summary.total, meta: r.value.meta }
      }
    })()
  }

  stream<TQuery, TRow, TTotals>(
    endpoint: EndpointDefinition<TQuery, TRow, TTotals>,
    query: unknown,
    options: CallOptions = {},
  ): RowStream<TRow, TTotals> {
    assertEndpoint(endpoint)
    options = resolveCallOptions(options)
    const parsed = endpoint.parseQuery(query)
    return new RowStreamImpl(() =>
      this.#run(endpoint as EndpointDefinition<unknown, TRow, TTotals>, parsed, options.signal),
    )
  }

  tradeByItemCountry(query: TradeQuery, options?: CallOptions): Promise<TradeResult> {
    return this.request(nitemtradeEndpoint, query, options)
  }

  streamTradeByItemCountry(query: TradeQuery, options?: CallOptions): TradeRowStream {
    return this.stream(nitemtradeEndpoint, query, options)
  }

  tradeByItemCountryRange(query: TradeQuery, options: CallOptions = {}): AsyncIterable<TradeWindowResult> {
    return this.#range(nitemtradeEndpoint, query, options)
  }

  tradeByItem(query: ItemTradeQuery, options?: CallOptions) {
    return this.request(itemtradeEndpoint, query, options)
  }

  streamTradeByItem(query: ItemTradeQuery, options?: CallOptions) {
    return this.stream(itemtradeEndpoint, query, options)
  }

  tradeByItemRange(query: ItemTradeQuery, options: CallOptions = {}) {
    return this.#range(itemtradeEndpoint, query, options)
  }

  tradeByCountry(query: CountryTradeQuery, options?: CallOptions) {
    return this.request(nationtradeEndpoint, query, options)
  }

  streamTradeByCountry(query: CountryTradeQuery, options?: CallOptions) {
    return this.stream(nationtradeEndpoint, query, options)
  }

  tradeByCountryRange(query: CountryTradeQuery, options: CallOptions = {}) {
    return this.#range(nationtradeEndpoint, query, options)
  }

  tradeTotals(query: TotalsTradeQuery, options?: CallOptions) {
    return this.request(newtradeEndpoint, query, options)
  }

  streamTradeTotals(query: TotalsTradeQuery, options?: CallOptions) {
    return this.stream(newtradeEndpoint, query, options)
  }

  tradeTotalsRange(query: TotalsTradeQuery, options: CallOptions = {}) {
    return this.#range(newtradeEndpoint, query, options)
  }

  /**
   * Any range as one request per window (≤ 12 months, never crossing a calendar year). The whole
   * range is validated before the first request; each window keeps the query's filters.
   */
  #range<TQuery extends { from: string; to: string }, TRow, TTotals>(
    endpoint: EndpointDefinition<TQuery, TRow, TTotals>,
    query: unknown,
    options: CallOptions,
  ): AsyncIterable<TradeWindowResult<TRow, TTotals, TQuery>> {
    options = resolveCallOptions(options)
    const parsed = endpoint.parseQuery(query, { range: true })
    const windows = splitIntoWindows(parsed.from, parsed.to)
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        for (const w of windows) {
          const windowQuery = { ...parsed, from: w.from, to: w.to }
          const result = await self.request(endpoint, windowQuery, options)
          yield { query: windowQuery, ...result }
        }
      },
    }
  }
}

class RowStreamImpl<TRow, TTotals> implements RowStream<TRow, TTotals> {
  summary: StreamSummary<TTotals> | null = null
  #used = false
  readonly #source: () => AsyncGenerator<TRow[], RunResult<TTotals>>

  constructor(source: () => AsyncGenerator<TRow[], RunResult<TTotals>>) {
    this.#source = source
  }

  #take(): AsyncGenerator<TRow[], RunResult<TTotals>> {
    if (this.#used)
      throw new TypeError('A row stream can be iterated only once; call the client again for a new one.')
    this.#used = true
    return this.#source()
  }

  async *batches(): AsyncGenerator<TRow[], void> {
    const gen = this.#take()
    let done = false
    try {
      for (;;) {
        const r = await gen.next()
        if (r.done) {
          done = true
          this.summary = { total: r.value.summary.total, meta: r.value.meta }
          return
        }
        yield r.value
      }
    } finally {
      if (!done) await gen.return(undefined as never)
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TRow, void> {
    for await (const batch of this.batches()) {
      for (const row of batch) yield row
    }
  }
}

/** Creates a client for the KCS trade statistics API. Validates the options; sends nothing. */
export function createKcsClient(options: KcsClientOptions): KcsClient {
  return new Client(options)
}
