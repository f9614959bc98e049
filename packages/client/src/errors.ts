import { describeValue } from './describe.js'

/**
 * Every failure the client reports is a `KcsError`. `retryable` says whether the same request may
 * succeed later without any change (network trouble, timeouts, 5xx, gateway 01/05/23); `hint` says
 * what to do about it. Messages never contain the service key: every text that reaches an error is
 * redacted before the error is built, so `message`, `stack` and `JSON.stringify(error)` are safe to log.
 *
 * Longer than most files on purpose: the whole hierarchy (twelve classes and the gateway's reason table)
 * is one page to read for every failure the client can report.
 */

export interface KcsErrorOptions {
  retryable?: boolean
  hint?: string
  /** The request URL with the service key replaced by `***`. */
  url?: string
  /** HTTP status of the response the error came from, if any. */
  status?: number
  /** A redacted copy of the underlying error. */
  cause?: unknown
}

/**
 * The brand every {@link KcsError} carries, registered globally (`Symbol.for`) so that {@link isKcsError}
 * recognises an error made by another copy of this package (two installs, a bundle and its source).
 */
const KCS_ERROR_BRAND = Symbol.for('@kcs-trade/client/KcsError')

/**
 * Base class of every error the client throws. `retryable` and `hint` come from the options; a
 * non-empty hint is also appended to the message as ` Hint: …`.
 */
export class KcsError extends Error {
  override name = 'KcsError'
  readonly retryable: boolean
  readonly hint: string
  /** The request URL with the service key replaced by `***`, when the error comes from a request. */
  declare url?: string
  /** HTTP status, when the error comes from a response. */
  declare status?: number
  /** How many attempts were made before giving up (set by the client). */
  declare attempts?: number

  static {
    Object.defineProperty(KcsError.prototype, KCS_ERROR_BRAND, { value: true })
  }

  constructor(message: string, options: KcsErrorOptions = {}) {
    options ??= {}
    const hint = typeof options.hint === 'string' ? capText(options.hint) : ''
    message = capText(typeof message === 'string' ? message : String(message ?? ''))
    super(
      hint ? `${message} Hint: ${hint}` : message,
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.retryable = options.retryable ?? false
    this.hint = hint
    if (options.url !== undefined) this.url = options.url
    if (options.status !== undefined) this.status = options.status
  }

  /**
   * What went wrong, without the hint: `message` is `detail` followed by ` Hint: <hint>` when there is a
   * hint. Print `detail` and `hint` apart (as the CLI does) rather than cutting `message`.
   */
  get detail(): string {
    const tail = this.hint ? ` Hint: ${this.hint}` : ''
    return tail && this.message.endsWith(tail) ? this.message.slice(0, -tail.length) : this.message
  }

  /**
   * A plain object for `JSON.stringify`: `name`, `message` and every own enumerable field, with
   * `Date` values as ISO strings. `stack` and `cause` are left out.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message }
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Date) out[k] = Number.isNaN(v.getTime()) ? null : v.toISOString()
      else if (typeof v === 'bigint') out[k] = v.toString()
      else out[k] = v
    }
    return out
  }
}

/** Longest message or hint an error keeps: an oversized input must not become an oversized error. */
const MAX_TEXT = 16_384

/** Options as given when they are an object; anything else (a string, a number) counts as none. */
function plainOptions<T>(options: T): T | Record<string, never> {
  return options !== null && typeof options === 'object' ? options : {}
}

function capText(text: string): string {
  return text.length > MAX_TEXT
    ? `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)`
    : text
}

/**
 * True when `error` is a {@link KcsError} (any subclass). It checks a global brand rather than
 * `instanceof`, so it also recognises errors made by another copy of this package (duplicate installs,
 * a bundled copy); tell the subclasses apart by `name`.
 */
export function isKcsError(error: unknown): error is KcsError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [KCS_ERROR_BRAND]?: unknown })[KCS_ERROR_BRAND] === true
  )
}

/** The query field or client option a {@link KcsValidationError} names; other strings are allowed. */
export type KcsValidationField =
  | 'from'
  | 'to'
  | 'country'
  | 'hs'
  | 'query'
  | 'serviceKey'
  | 'baseUrl'
  | 'timeoutMs'
  | 'maxBodyBytes'
  | 'retry'
  | 'circuitBreaker'
  | 'headers'
  | (string & {})

/** The query or an option is invalid; nothing was sent. */
export class KcsValidationError extends KcsError {
  override name = 'KcsValidationError'
  readonly field: KcsValidationField

  constructor(field: KcsValidationField, message: string, hint: string) {
    super(`Invalid ${field}: ${message}`, { retryable: false, hint })
    this.field = field
  }
}

/** What a provider `resultMsg` means, classified from its (Korean) text; `unknown` when unrecognised. */
export type KcsServiceErrorReason =
  | 'period-too-long'
  | 'end-before-start'
  | 'bad-period-format'
  | 'missing-parameter'
  | 'unknown-country'
  | 'bad-hs-length'
  | 'filter-required'
  | 'unknown'

const REASON_HINTS: Record<KcsServiceErrorReason, string> = {
  'period-too-long':
    'Ask for at most 12 months per request; splitIntoWindows() cuts a range into calendar years.',
  'end-before-start': 'The end month must be the same as or after the start month.',
  'bad-period-format': 'Months are sent as YYYYMM (e.g. 202501).',
  'missing-parameter': 'A required request parameter was missing; check strtYymm, endYymm and serviceKey.',
  'unknown-country': 'Use an upper-case 2-letter KCS country code such as US, CN or NA.',
  'bad-hs-length': 'The HS prefix must have 2, 4, 6 or 10 digits.',
  'filter-required': 'Give at least one of country and hs.',
  unknown: 'The provider rejected the request; see resultMsg.',
}

/** Classifies a provider `resultMsg` (KCS answers every validation error with code 99). */
export function serviceReasonFromMessage(resultMsg: string, resultCode?: string): KcsServiceErrorReason {
  const msg = resultMsg.replace(/\s+/g, '')
  if (msg.includes('1년이내')) return 'period-too-long'
  if (msg.includes('종료년월이시작년월보다')) return 'end-before-start'
  if (msg.includes('형식이맞지않습니다')) return 'bad-period-format'
  if (msg.includes('필수요청변수가누락')) return 'missing-parameter'
  if (msg.includes('존재하지않는국가코드')) return 'unknown-country'
  if (msg.includes('품목코드는2,4,6,10')) return 'bad-hs-length'
  if (msg.includes('품목코드혹은국가코드')) return 'filter-required'
  if (resultCode !== undefined && Number(resultCode) === 11) return 'missing-parameter'
  return 'unknown'
}

/** The provider (KCS) rejected the request: `response/header/resultCode` other than `00`. */
export class KcsServiceError extends KcsError {
  override name = 'KcsServiceError'
  readonly resultCode: string
  readonly resultMsg: string
  readonly reason: KcsServiceErrorReason

  constructor(
    resultCode: string,
    resultMsg: string,
    options: KcsErrorOptions & { reason?: KcsServiceErrorReason } = {},
  ) {
    resultCode = String(resultCode ?? '')
    resultMsg = typeof resultMsg === 'string' ? resultMsg : ''
    const reason = options.reason ?? serviceReasonFromMessage(resultMsg, resultCode)
    super(`KCS service error ${resultCode}: ${resultMsg || '(no message)'} [${reason}].`, {
      ...plainOptions(options),
      hint: options.hint ?? REASON_HINTS[reason],
    })
    this.resultCode = resultCode
    this.resultMsg = resultMsg
    this.reason = reason
  }
}

/** One entry of {@link GATEWAY_REASONS}: what a gateway reason code stands for. */
export interface GatewayReason {
  /** The code's token as the gateway sends it, e.g. `SERVICE_KEY_IS_NOT_REGISTERED_ERROR`. */
  token: string
  /** A short English description of the code. */
  meaning: string
  /** What to do about it; becomes the error's `hint`. */
  hint: string
}

/** Gateway (data.go.kr portal) reason codes, also used by portal providers as `resultCode`. */
export const GATEWAY_REASONS: Readonly<Record<number, GatewayReason>> = {
  1: { token: 'APPLICATION_ERROR', meaning: 'gateway internal error', hint: 'Transient; retry later.' },
  2: { token: 'DB_ERROR', meaning: 'provider database error', hint: 'Transient; retry later.' },
  3: { token: 'NODATA_ERROR', meaning: 'no data', hint: 'The query matched nothing.' },
  4: {
    token: 'HTTP_ERROR',
    meaning: 'disallowed request',
    hint: 'The gateway refused the request form (e.g. _type=json); this API only answers XML.',
  },
  5: { token: 'SERVICETIMEOUT_ERROR', meaning: 'upstream timed out', hint: 'Transient; retry later.' },
  10: {
    token: 'INVALID_REQUEST_PARAMETER_ERROR',
    meaning: 'invalid request parameter',
    hint: 'A parameter is malformed, or a request header value contains "environment=" (the firewall rejects it).',
  },
  11: {
    token: 'NO_MANDATORY_REQUEST_PARAMETERS_ERROR',
    meaning: 'required parameter missing',
    hint: 'A required request parameter is missing.',
  },
  12: {
    token: 'NO_OPENAPI_SERVICE_ERROR',
    meaning: 'unknown service or operation',
    hint: "Check baseUrl: the client appends the operation path (/1220000/nitemtrade/getNitemtradeList, or a sibling's such as /1220000/Itemtrade/getItemtradeList) to the origin.",
  },
  20: {
    token: 'SERVICE_ACCESS_DENIED_ERROR',
    meaning: 'access denied or no service key',
    hint: 'Send a service key, and check that it is approved for dataset 15100475 (or the sibling called: Itemtrade 15101609, nationtrade 15101612, Newtrade 15102108) on data.go.kr.',
  },
  21: {
    token: 'TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR',
    meaning: 'service key temporarily disabled',
    hint: 'The portal disabled the key for now; check your data.go.kr account.',
  },
  22: {
    token: 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR',
    meaning: 'daily quota exceeded',
    hint: 'The daily quota for this key and dataset is used up; it resets at midnight KST (15:00 UTC).',
  },
  23: {
    token: 'LIMITED_NUMBER_OF_SERVICE_REQUESTS_PER_SECOND_EXCEEDS_ERROR',
    meaning: 'per-second limit exceeded',
    hint: 'Too many requests per second; slow down (public clients use about 3 requests a second).',
  },
  29: {
    token: 'BLACKLIST_IP_ACCESS_ERROR',
    meaning: 'blocked IP',
    hint: 'The portal blocks this IP address; contact data.go.kr.',
  },
  30: {
    token: 'SERVICE_KEY_IS_NOT_REGISTERED_ERROR',
    meaning: 'service key not registered',
    hint:
      'The key is unknown or not approved for dataset 15100475 (nitemtrade) or for the sibling called ' +
      '(Itemtrade 15101609, nationtrade 15101612, Newtrade 15102108): each dataset needs its own approval on data.go.kr. ' +
      'If the key is approved, it may have been percent-encoded twice.',
  },
  31: {
    token: 'DEADLINE_HAS_EXPIRED_ERROR',
    meaning: 'service key expired',
    hint: 'The key has expired; extend its use period on data.go.kr.',
  },
  32: {
    token: 'UNREGISTERED_IP_ERROR',
    meaning: 'unregistered IP',
    hint: 'Register the calling IP address for this key on data.go.kr.',
  },
  33: { token: 'UNSIGNED_CALL_ERROR', meaning: 'unsigned call', hint: 'The call must be signed.' },
  99: { token: 'UNKNOWN_ERROR', meaning: 'unknown error', hint: 'The gateway reported an unknown error.' },
}

const TOKEN_ALIASES: Readonly<Record<string, number>> = { SERVICE_KEY_IS_NULL: 20 }

/** Finds the reason code for a gateway token such as `SERVICE_KEY_IS_NOT_REGISTERED_ERROR`. */
export function gatewayCodeForToken(token: string): number | undefined {
  if (typeof token !== 'string')
    throw new KcsValidationError(
      'token',
      `a gateway token must be a string, got ${describeValue(token)}.`,
      'Pass the text of <returnReasonCode> or <errMsg>, e.g. "SERVICE_KEY_IS_NOT_REGISTERED_ERROR".',
    )
  const t = token.trim().toUpperCase()
  if (Object.hasOwn(TOKEN_ALIASES, t)) return TOKEN_ALIASES[t]
  for (const [code, r] of Object.entries(GATEWAY_REASONS)) if (r.token === t) return Number(code)
  return undefined
}

/** Gateway reason codes that are transient, so their errors are retryable: 01, 02, 05 and 23. */
export const RETRYABLE_GATEWAY_CODES: ReadonlySet<number> = new Set([1, 2, 5, 23])
/** Gateway reason codes about the key or the calling IP (20, 21, 30–33); they become a non-retryable {@link KcsAuthError}. */
export const AUTH_GATEWAY_CODES: ReadonlySet<number> = new Set([20, 21, 30, 31, 32, 33])

export interface KcsGatewayErrorOptions extends KcsErrorOptions {
  /** Which layer reported the code: the portal gateway (default) or the provider's `resultCode`. */
  layer?: 'gateway' | 'provider'
  /** The human-readable text the gateway sent with the code (e.g. Korean `returnAuthMsg`). */
  description?: string
}

/** The data.go.kr gateway rejected the call (`OpenAPI_ServiceResponse/cmmMsgHeader`). */
export class KcsGatewayError extends KcsError {
  override name = 'KcsGatewayError'
  readonly reasonCode: number
  readonly token: string
  readonly description: string
  readonly layer: 'gateway' | 'provider'

  constructor(reasonCode: number, token: string, options: KcsGatewayErrorOptions = {}) {
    const known = GATEWAY_REASONS[reasonCode]
    const code = String(reasonCode).padStart(2, '0')
    const tok = token || known?.token || 'UNKNOWN'
    const description = options.description ?? ''
    const meaning = known ? ` (${known.meaning})` : ''
    const status = options.status === undefined ? '' : ` HTTP ${options.status}`
    super(
      `KCS ${options.layer === 'provider' ? 'provider' : 'gateway'} error ${code} ${tok}${meaning}${status}${description ? `: ${description}` : ''}.`,
      {
        ...plainOptions(options),
        retryable: options.retryable ?? RETRYABLE_GATEWAY_CODES.has(reasonCode),
        hint: options.hint ?? known?.hint ?? 'See the gateway reason code.',
      },
    )
    this.reasonCode = reasonCode
    this.token = tok
    this.description = description
    this.layer = options.layer ?? 'gateway'
  }
}

/** The key is missing, unknown, not approved for this dataset, disabled, expired, or the IP is not registered (20, 21, 30–33). */
export class KcsAuthError extends KcsGatewayError {
  override name = 'KcsAuthError'
}

/** The next midnight in Korea (KST, UTC+9, no daylight saving): 15:00 UTC. `now` must be a valid Date. */
export function nextKstMidnight(now: Date = new Date()): Date {
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new KcsValidationError(
      'now',
      `now must be a valid Date, got ${describeValue(now)}.`,
      'Pass a Date (e.g. new Date()) or nothing for the current time.',
    )
  const t = now.getTime()
  const d = new Date(t)
  let reset = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 15, 0, 0, 0)
  if (reset <= t) reset += 86_400_000
  return new Date(reset)
}

/** Daily quota exhausted (22). Retrying before `resetsAt` is pointless. */
export class KcsQuotaExceededError extends KcsGatewayError {
  override name = 'KcsQuotaExceededError'
  /** The next midnight in Korea, when the daily quota is said to reset. */
  readonly resetsAt: Date

  constructor(reasonCode: number, token: string, options: KcsGatewayErrorOptions & { now?: Date } = {}) {
    super(reasonCode, token, { ...plainOptions(options), retryable: false })
    const now = options?.now
    this.resetsAt = nextKstMidnight(now instanceof Date && !Number.isNaN(now.getTime()) ? now : new Date())
  }
}

/** The per-second limit was hit (23). Retryable after a short pause. */
export class KcsRateLimitError extends KcsGatewayError {
  override name = 'KcsRateLimitError'
  /** Server-suggested pause, from `Retry-After`, if any. */
  declare retryAfterMs?: number
  constructor(
    reasonCode: number,
    token: string,
    options: KcsGatewayErrorOptions & { retryAfterMs?: number } = {},
  ) {
    super(reasonCode, token, { ...plainOptions(options), retryable: true })
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
  }
}

/** Builds the right gateway error subclass for a reason code. */
export function createGatewayError(
  reasonCode: number,
  token: string,
  options: KcsGatewayErrorOptions & { retryAfterMs?: number } = {},
): KcsGatewayError {
  const hint = 'Pass a reason code 0–9999 (e.g. 30), its token as a string (or ""), and an options object.'
  if (!Number.isInteger(reasonCode) || reasonCode < 0 || reasonCode > 9999)
    throw new KcsValidationError(
      'reasonCode',
      `reasonCode must be an integer 0–9999, got ${describeValue(reasonCode)}.`,
      hint,
    )
  if (typeof token !== 'string')
    throw new KcsValidationError('token', `token must be a string, got ${describeValue(token)}.`, hint)
  if (options === null || typeof options !== 'object')
    throw new KcsValidationError('options', `options must be an object, got ${describeValue(options)}.`, hint)
  if (reasonCode === 22) return new KcsQuotaExceededError(reasonCode, token, options)
  if (reasonCode === 23) return new KcsRateLimitError(reasonCode, token, options)
  if (AUTH_GATEWAY_CODES.has(reasonCode))
    return new KcsAuthError(reasonCode, token, { ...plainOptions(options), retryable: false })
  return new KcsGatewayError(reasonCode, token, options)
}

/** An HTTP status with a body that carries no recognisable KCS error. 5xx, 408 and 429 are retryable. */
export class KcsHttpError extends KcsError {
  override name = 'KcsHttpError'
  declare readonly status: number
  constructor(status: number, message: string, options: KcsErrorOptions = {}) {
    const retryable = options.retryable ?? (status >= 500 || status === 408 || status === 429)
    super(`HTTP ${status}: ${message}`, {
      ...plainOptions(options),
      status,
      retryable,
      hint:
        options.hint ??
        (retryable ? 'Transient server trouble; retry later.' : 'Check baseUrl and the request.'),
    })
  }
}

/**
 * No complete answer within `timeoutMs` (headers and the whole body). `requestSent` is always true: the
 * request may have reached the portal, which then counts it against the daily quota.
 */
export class KcsTimeoutError extends KcsError {
  override name = 'KcsTimeoutError'
  readonly timeoutMs: number
  /** Whether the request may have reached the portal (and counted against the quota): always true for a timeout. */
  readonly requestSent = true
  constructor(timeoutMs: number, options: KcsErrorOptions = {}) {
    super(`No complete response within ${timeoutMs} ms.`, {
      ...plainOptions(options),
      retryable: true,
      hint:
        options.hint ??
        'Large answers (a country-year is ~21 MB) take seconds to serve; raise timeoutMs (public clients use 60–180 s).',
    })
    this.timeoutMs = timeoutMs
  }
}

/** Options of a {@link KcsNetworkError}: those of every error, and what is known about the connection. */
export interface KcsNetworkErrorOptions extends KcsErrorOptions {
  /** False when the request never left this machine (DNS failed, connection refused, no route). Default true. */
  requestSent?: boolean
  /** The socket error's code, e.g. `ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`. */
  socketCode?: string
}

/**
 * The connection failed or broke off (DNS, refused, reset, body cut short). `requestSent` is false only
 * when the request certainly never reached the portal (so the portal did not count it against the quota).
 */
export class KcsNetworkError extends KcsError {
  override name = 'KcsNetworkError'
  /** Whether the request may have reached the portal; false for a failed DNS lookup, a refused connection, no route. */
  readonly requestSent: boolean
  /** The socket error's code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, …), when there was one. */
  declare socketCode?: string
  constructor(message: string, options: KcsNetworkErrorOptions = {}) {
    super(`Network error: ${message}`, {
      ...plainOptions(options),
      retryable: options.retryable ?? true,
      hint: options.hint ?? 'Connection failures to the portal come in bursts; retry later.',
    })
    this.requestSent = plainOptions(options).requestSent !== false
    const code = plainOptions(options).socketCode
    if (typeof code === 'string' && code !== '') this.socketCode = code
  }
}

/** The body is not a well-formed answer: malformed or truncated XML, an impossible value, an unexpected layout. */
export class KcsResponseFormatError extends KcsError {
  override name = 'KcsResponseFormatError'
  constructor(message: string, options: KcsErrorOptions = {}) {
    super(`Malformed response: ${message}`, {
      ...plainOptions(options),
      retryable: options.retryable ?? false,
      hint:
        options.hint ?? 'The answer does not match the documented layout; keep the body for a bug report.',
    })
  }
}

/** The circuit breaker is open after a burst of connection failures; no request was sent. */
export class KcsCircuitOpenError extends KcsError {
  override name = 'KcsCircuitOpenError'
  /** When the breaker will let a probe request through. */
  readonly retryAt: Date
  constructor(retryAt: Date, options: KcsErrorOptions = {}) {
    // An error must not fail to construct: a missing or invalid retryAt means "now".
    if (!(retryAt instanceof Date) || Number.isNaN(retryAt.getTime())) retryAt = new Date()
    super(
      `Circuit breaker open after repeated connection failures; not sending until ${retryAt.toISOString()}.`,
      {
        ...plainOptions(options),
        retryable: true,
        hint: options.hint ?? 'The portal looks unreachable; wait for the cool-down before retrying.',
      },
    )
    this.retryAt = retryAt
  }
}
