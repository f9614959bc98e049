import ky from 'ky'
import { ResponseBodyParser } from './body.js'
import {
  assertEndpoint,
  parseHeaderInt,
  parseRetryAfter,
  resolveBaseUrl,
  resolveCallOptions,
  resolveCircuitBreaker,
  resolveFetch,
  resolveHeaders,
  resolveHooks,
  resolveMaxBodyBytes,
  resolveTimeout,
  safeHook,
  toKcsError,
} from './client-options.js'
import type {
  CallOptions,
  FetchLike,
  KcsClient,
  KcsClientOptions,
  KcsHooks,
  RequestInfo,
  ResponseMeta,
  RowStream,
  TradeResult,
  TradeRowStream,
  TradeWindowResult,
} from './client-types.js'
import { Deadline } from './deadline.js'
import { type EndpointDefinition, nitemtradeEndpoint } from './endpoint.js'
import { isKcsError, KcsCircuitOpenError, KcsValidationError } from './errors.js'
import {
  type CountryTradeQuery,
  type ItemTradeQuery,
  splitIntoWindows,
  type TotalsTradeQuery,
  type TradeQuery,
} from './query.js'
import { followRedirects } from './redirect.js'
import {
  backoffDelay,
  type CircuitBreaker,
  isConnectionFailure,
  type ResolvedRetryOptions,
  resolveRetry,
  sleep,
} from './resilience.js'
import { RowStreamImpl, type RunResult } from './row-stream.js'
import { createRedactor, normalizeServiceKey, REDACTED } from './secret.js'
import { itemtradeEndpoint, nationtradeEndpoint, newtradeEndpoint } from './siblings.js'

export {
  type CallOptions,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type FetchLike,
  type KcsClient,
  type KcsClientOptions,
  type KcsHooks,
  type RedirectInfo,
  type RequestInfo,
  type ResponseInfo,
  type ResponseMeta,
  type RetryInfo,
  type RowStream,
  type StreamSummary,
  type TradeResult,
  type TradeRowStream,
  type TradeWindowResult,
} from './client-types.js'

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
    this.#redact = createRedactor([this.#key, options.serviceKey])
    this.baseUrl = resolveBaseUrl(options.baseUrl)
    this.#timeoutMs = resolveTimeout(options.timeoutMs)
    this.#maxBodyBytes = resolveMaxBodyBytes(options.maxBodyBytes)
    this.#retry = resolveRetry(options.retry)
    this.circuitBreaker = resolveCircuitBreaker(options.circuitBreaker)
    this.#fetch = resolveFetch(options.fetch)
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
      let redirects: string[] = []
      const controller = new AbortController()
      // The timeout bounds the time spent waiting on the server, not the time the consumer spends
      // between batches: the clock stops while a batch is out. The deadline does not rely on fetch
      // honouring the abort signal (see Deadline): it rejects the waits and cancels the body itself.
      const deadline = new Deadline(this.#timeoutMs, () => {
        controller.abort()
        if (reader) reader.cancel().catch(() => {})
        else response?.body?.cancel().catch(() => {})
      })
      const onAbort = () => {
        controller.abort(signal?.reason)
        deadline.cancel(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const started = performance.now()
      let admitted = false
      try {
        breaker?.beforeRequest()
        admitted = true
        safeHook(this.#hooks.onRequest, info)
        deadline.start()
        const sent = await followRedirects({
          url,
          send: (target) => this.#send(target, controller.signal, deadline),
          redact: this.#redact,
          onRedirect: (hop) => safeHook(this.#hooks.onRedirect, { ...info, ...hop }),
        })
        response = sent.response
        redirects = sent.redirects
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
            const { done, value } = await deadline.race(reader.read())
            if (done) break
            // A body arriving (or inflating) faster than timers fire is cut here, not at maxBodyBytes.
            deadline.check()
            const rows = parser.write(value)
            deadline.check()
            // A huge error page: its first MiB decides; the rest is not worth waiting for.
            if (parser.saturated) {
              reader.cancel().catch(() => {})
              break
            }
            if (sink) {
              for (const row of rows) sink.push(row)
            } else if (rows.length > 0) {
              yielded = true
              deadline.pause()
              yield rows
              deadline.start()
            }
          }
        }
        bodyDone = true
        deadline.clear()
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
          redirects,
        }
        if (sink) for (const row of last.rows) sink.push(row)
        else if (last.rows.length > 0) yield last.rows
        return { summary: s, meta }
      } catch (raw) {
        deadline.clear()
        if (signal?.aborted && !deadline.expired && !isKcsError(raw)) throw signal.reason
        const error = toKcsError(raw, {
          timedOut: deadline.expired,
          timeoutMs: this.#timeoutMs,
          url: redactedUrl,
          status: response?.status,
          redact: this.#redact,
        })
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
        deadline.clear()
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

  /** One GET without following redirects; its wait ends at the deadline whatever fetch does. */
  #send(url: string, signal: AbortSignal, deadline: Deadline): Promise<Response> {
    const pending = ky.get(url, {
      fetch: this.#fetch as typeof fetch,
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      redirect: 'manual',
      signal,
      headers: this.#headers,
    })
    // Headers that arrive after the deadline: free the connection.
    const late = pending.then((r) => {
      if (deadline.over) r.body?.cancel().catch(() => {})
      return r
    })
    return deadline.race(late)
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

/** Creates a client for the KCS trade statistics API. Validates the options; sends nothing. */
export function createKcsClient(options: KcsClientOptions): KcsClient {
  return new Client(options)
}
