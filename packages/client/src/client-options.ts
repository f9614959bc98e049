import { assertEndpointLayout } from './body.js'
import {
  type CallOptions,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type FetchLike,
  type KcsClientOptions,
  type KcsHooks,
} from './client-types.js'
import type { EndpointDefinition } from './endpoint.js'
import { isKcsError, type KcsError, KcsNetworkError, KcsTimeoutError, KcsValidationError } from './errors.js'
import { describeValue, optionsObject } from './guards.js'
import { CircuitBreaker } from './resilience.js'

/** The validated base URL (origin and optional path prefix, no trailing slash); otherwise a KcsValidationError. */
export function resolveBaseUrl(baseUrl: string | undefined): string {
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

/** The request headers: the default `accept` plus the caller's, validated; otherwise a KcsValidationError. */
export function resolveHeaders(headers: Record<string, string> | undefined): Record<string, string> {
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

const HOOK_NAMES = ['onRequest', 'onResponse', 'onRetry', 'onRedirect'] as const

/** The caller's hooks, checked to be functions; otherwise a KcsValidationError. */
export function resolveHooks(hooks: KcsHooks | undefined): KcsHooks {
  if (hooks === undefined || hooks === null) return {}
  const hint = 'Pass { onRequest?, onResponse?, onRetry?, onRedirect? } with functions as values.'
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
export function resolveCallOptions(options: CallOptions | undefined): CallOptions {
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
export function assertEndpoint(endpoint: unknown): void {
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

/** A header holding a whole number (e.g. `X-RateLimit-Remaining`), or null when absent or not one. */
export function parseHeaderInt(value: string | null): number | null {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : null
}

/** A `Retry-After` header (seconds or an HTTP date) in ms, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/** Calls an observability hook; a hook that throws is ignored. */
export function safeHook<T>(fn: ((info: T) => void) | undefined, info: T): void {
  if (!fn) return
  try {
    fn(info)
  } catch {
    // Hooks observe; they must not change the outcome of a request.
  }
}

/** One line describing a platform error and its cause (e.g. `fetch failed — ECONNREFUSED: …`). */
export function describeFailure(error: unknown): string {
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
export function scrubError(error: KcsError, redact: (text: string) => string): KcsError {
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

/** The validated `timeoutMs` (default 120 000); otherwise a KcsValidationError. */
export function resolveTimeout(value: number | undefined): number {
  const timeout = value ?? DEFAULT_TIMEOUT_MS
  if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
    throw new KcsValidationError(
      'timeoutMs',
      `timeoutMs must be a positive number, got ${String(timeout)}.`,
      'Use e.g. timeoutMs: 120000; large answers take seconds.',
    )
  }
  return timeout
}

/** The validated `maxBodyBytes` (default 512 MiB); otherwise a KcsValidationError. */
export function resolveMaxBodyBytes(value: number | undefined): number {
  const maxBody = value ?? DEFAULT_MAX_BODY_BYTES
  if (typeof maxBody !== 'number' || !Number.isSafeInteger(maxBody) || maxBody < 1) {
    throw new KcsValidationError(
      'maxBodyBytes',
      `maxBodyBytes must be a positive whole number of bytes, got ${String(maxBody)}.`,
      'Leave it out for the 512 MiB default; the largest real answers are ~21 MB.',
    )
  }
  return maxBody
}

/** The circuit breaker to use (null when disabled); a wrong value is a KcsValidationError. */
export function resolveCircuitBreaker(value: KcsClientOptions['circuitBreaker']): CircuitBreaker | null {
  if (value !== undefined && value !== false && (value === null || typeof value !== 'object'))
    throw new KcsValidationError(
      'circuitBreaker',
      `circuitBreaker must be options, a CircuitBreaker or false, got ${describeValue(value)}.`,
      'Pass { failureThreshold: 5, cooldownMs: 30000 }, a shared CircuitBreaker, or false to disable it.',
    )
  if (value === false) return null
  return value instanceof CircuitBreaker ? value : new CircuitBreaker(value ?? {})
}

/** The fetch to use (default `globalThis.fetch`); none available is a KcsValidationError. */
export function resolveFetch(value: FetchLike | undefined): FetchLike {
  const f = value ?? (globalThis.fetch as FetchLike | undefined)
  if (typeof f !== 'function') {
    throw new KcsValidationError('fetch', 'no fetch implementation is available.', 'Pass options.fetch.')
  }
  return f
}

/** What {@link toKcsError} needs to know about the failed attempt. */
export interface FailureContext {
  /** The attempt's deadline passed. */
  timedOut: boolean
  /** The client's `timeoutMs`, for the timeout error. */
  timeoutMs: number
  /** The redacted request URL. */
  url: string
  /** HTTP status of the response, when one arrived. */
  status: number | undefined
  /** Removes the service key from text. */
  redact: (text: string) => string
}

/** Any failure of an attempt as a redacted `KcsError`: a timeout, a network error, or the KcsError it already is. */
export function toKcsError(raw: unknown, c: FailureContext): KcsError {
  const { url, status } = c
  if (isKcsError(raw)) {
    if (raw.url === undefined) raw.url = url
    if (raw.status === undefined && status !== undefined) raw.status = status
    return scrubError(raw, c.redact)
  }
  if (c.timedOut)
    return new KcsTimeoutError(c.timeoutMs, { url, ...(status === undefined ? {} : { status }) })
  const message = c.redact(describeFailure(raw))
  const cause = new Error(message)
  cause.name = raw instanceof Error ? raw.name : 'Error'
  const socketCode = socketCodeOf(raw)
  if (socketCode !== undefined) (cause as { code?: string }).code = socketCode
  return new KcsNetworkError(status === undefined ? message : `the body broke off (${message})`, {
    url,
    cause,
    // Before any response, a failed lookup or a refused connection means nothing was sent.
    requestSent: status !== undefined || !NOT_SENT_CODES.has(socketCode ?? ''),
    ...(socketCode === undefined ? {} : { socketCode }),
    ...(status === undefined ? {} : { status }),
  })
}

/** Socket codes of a connection that never opened: the request did not leave this machine. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

/**
 * The socket error code of a failed fetch (undici puts the socket error in `cause`; when every address
 * of a host refused, an AggregateError's `errors` carry one each, and their common code is the answer).
 */
export function socketCodeOf(error: unknown): string | undefined {
  let e: unknown = error
  for (let depth = 0; depth < 6 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code
    const errors = (e as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors.length > 0) {
      const codes = new Set(errors.map((x) => socketCodeOf(x)))
      const [only] = codes
      if (codes.size === 1 && only !== undefined) return only
    }
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}
