/** One API call over HTTP: redirects, the deadline, the circuit breaker, retries and the hooks around each attempt. */
import ky from 'ky'
import { ResponseBodyParser } from './body.js'
import { parseHeaderInt, parseRetryAfter, safeHook, toKcsError } from './client-options.js'
import type { FetchLike, KcsHooks, RequestInfo, ResponseMeta } from './client-types.js'
import { Deadline } from './deadline.js'
import type { EndpointDefinition } from './endpoint.js'
import { isKcsError, KcsCircuitOpenError } from './errors.js'
import { followRedirects } from './redirect.js'
import {
  backoffDelay,
  type CircuitBreaker,
  isConnectionFailure,
  type ResolvedRetryOptions,
  sleep,
} from './resilience.js'
import type { RunResult } from './row-stream.js'
import { REDACTED } from './secret.js'

/** The client's resolved settings a call runs with. */
export interface TransportSettings {
  readonly baseUrl: string
  readonly key: string
  readonly timeoutMs: number
  readonly maxBodyBytes: number
  readonly retry: ResolvedRetryOptions
  readonly circuitBreaker: CircuitBreaker | null
  readonly fetch: FetchLike
  readonly hooks: KcsHooks
  readonly headers: Record<string, string>
  readonly redact: (text: string) => string
}

/** Runs calls with one client's settings. */
export class Transport {
  readonly #settings: TransportSettings

  constructor(settings: TransportSettings) {
    this.#settings = settings
  }

  #urls(endpoint: EndpointDefinition<unknown, unknown, unknown>, params: Record<string, string>) {
    const base = `${this.#settings.baseUrl}${endpoint.path}`
    // URLSearchParams encodes the raw key exactly once (+ → %2B, / → %2F, = → %3D).
    const wire = new URLSearchParams({ serviceKey: this.#settings.key, ...params }).toString()
    const shown = new URLSearchParams({ serviceKey: REDACTED, ...params }).toString()
    return { url: `${base}?${wire}`, redactedUrl: `${base}?${shown}` }
  }

  /**
   * One call: attempts until one succeeds or fails for good, yielding row batches as they parse
   * (a retry is possible only until the first batch is out).
   */
  async *run<TRow, TTotals>(
    endpoint: EndpointDefinition<unknown, TRow, TTotals>,
    query: unknown,
    signal: AbortSignal | undefined,
    /** Collect rows here instead of yielding them: a failed attempt is then discarded and retried. */
    sink?: TRow[],
  ): AsyncGenerator<TRow[], RunResult<TTotals>> {
    const params = endpoint.toParams(query)
    const { url, redactedUrl } = this.#urls(endpoint as EndpointDefinition<unknown, unknown, unknown>, params)
    const callStart = performance.now()
    const breaker = this.#settings.circuitBreaker
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
      const deadline = new Deadline(this.#settings.timeoutMs, () => {
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
        safeHook(this.#settings.hooks.onRequest, info)
        deadline.start()
        const sent = await followRedirects({
          url,
          send: (target) => this.#send(target, controller.signal, deadline),
          redact: this.#settings.redact,
          onRedirect: (hop) => safeHook(this.#settings.hooks.onRedirect, { ...info, ...hop }),
        })
        response = sent.response
        redirects = sent.redirects
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
        parser = new ResponseBodyParser(endpoint, {
          status: response.status,
          redact: this.#settings.redact,
          url: redactedUrl,
          maxBytes: this.#settings.maxBodyBytes,
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
        safeHook(this.#settings.hooks.onResponse, {
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
          timeoutMs: this.#settings.timeoutMs,
          url: redactedUrl,
          status: response?.status,
          redact: this.#settings.redact,
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
          safeHook(this.#settings.hooks.onResponse, {
            ...info,
            status: response.status,
            durationMs: performance.now() - started,
            bytes: parser?.bytes ?? 0,
            error,
          })
        }
        if (!error.retryable || yielded || attempt > this.#settings.retry.limit) throw error
        const delayMs = backoffDelay(
          attempt,
          this.#settings.retry,
          (error as { retryAfterMs?: number }).retryAfterMs ?? retryAfterMs,
        )
        safeHook(this.#settings.hooks.onRetry, { ...info, error, delayMs })
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
      fetch: this.#settings.fetch as typeof fetch,
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      redirect: 'manual',
      signal,
      headers: this.#settings.headers,
    })
    // Headers that arrive after the deadline: free the connection.
    const late = pending.then((r) => {
      if (deadline.over) r.body?.cancel().catch(() => {})
      return r
    })
    return deadline.race(late)
  }
}
