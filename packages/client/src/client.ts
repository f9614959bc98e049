/** `createKcsClient`: resolving the options and the methods per endpoint; one call over HTTP is in `transport.ts`. */
import {
  assertEndpoint,
  resolveBaseUrl,
  resolveCallOptions,
  resolveCircuitBreaker,
  resolveFetch,
  resolveHeaders,
  resolveHooks,
  resolveMaxBodyBytes,
  resolveTimeout,
} from './client-options.js'
import type {
  CallOptions,
  KcsClient,
  KcsClientOptions,
  RowStream,
  TradeResult,
  TradeRowStream,
  TradeWindowResult,
} from './client-types.js'
import { type EndpointDefinition, nitemtradeEndpoint } from './endpoint.js'
import { KcsValidationError } from './errors.js'
import {
  type CountryTradeQuery,
  type ItemTradeQuery,
  splitIntoWindows,
  type TotalsTradeQuery,
  type TradeQuery,
} from './query.js'
import { type CircuitBreaker, resolveRetry } from './resilience.js'
import { RowStreamImpl } from './row-stream.js'
import { createRedactor, normalizeServiceKey } from './secret.js'
import { itemtradeEndpoint, nationtradeEndpoint, newtradeEndpoint } from './siblings.js'
import { Transport } from './transport.js'

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
  readonly #transport: Transport

  constructor(options: KcsClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new KcsValidationError(
        'serviceKey',
        'options are missing.',
        'Call createKcsClient({ serviceKey }).',
      )
    }
    // Resolved in this order, so the first invalid option is the one reported.
    const key = normalizeServiceKey(options.serviceKey)
    const redact = createRedactor([key, options.serviceKey])
    this.baseUrl = resolveBaseUrl(options.baseUrl)
    const timeoutMs = resolveTimeout(options.timeoutMs)
    const maxBodyBytes = resolveMaxBodyBytes(options.maxBodyBytes)
    const retry = resolveRetry(options.retry)
    this.circuitBreaker = resolveCircuitBreaker(options.circuitBreaker)
    const fetch = resolveFetch(options.fetch)
    const hooks = resolveHooks(options.hooks)
    const headers = resolveHeaders(options.headers)
    this.#transport = new Transport({
      baseUrl: this.baseUrl,
      key,
      redact,
      timeoutMs,
      maxBodyBytes,
      retry,
      circuitBreaker: this.circuitBreaker,
      fetch,
      hooks,
      headers,
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
      const gen = this.#transport.run(
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
      this.#transport.run(endpoint as EndpointDefinition<unknown, TRow, TTotals>, parsed, options.signal),
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
