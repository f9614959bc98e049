/**
 * How the sync engine tells failures apart: a client error's kind (quota, rate, auth, timeout, network…), whether the
 * database is down rather than the data wrong, and the backoff between attempts. Pure functions of the error.
 */
import { isKcsError } from '@kcs-trade/client'
import { causes } from '../config/errors.js'

/** How an error is handled. */
export type ErrorKind =
  | 'quota_exceeded'
  | 'rate_limited'
  | 'circuit_open'
  | 'auth'
  | 'validation'
  | 'timeout'
  | 'server_error'
  | 'network'
  | 'other'

export interface ClassifiedError {
  kind: ErrorKind
  /** Retrying the same call later may succeed. */
  transient: boolean
  /** A timeout or 5xx: the slice is too heavy or the server struggles, so smaller windows may pass. */
  splittable: boolean
  /** For quota and circuit errors: when to come back (epoch ms). */
  retryAt?: number | undefined
  code?: string | undefined
}

type ErrorLike = {
  name?: string
  retryable?: boolean
  reasonCode?: number
  status?: number
  resetsAt?: Date
  retryAt?: Date
  code?: string
}

/**
 * Classify a client or database error by its fields. The db wraps a failing row source (the client's stream) in its own
 * error: the client's error in the `cause` chain decides (recognised by the client's brand, which survives a second
 * copy of the package; its subclasses by `name`).
 */
export function classifyError(error: unknown): ClassifiedError {
  for (const e of causes(error)) if (isKcsError(e)) return classifyOne(e)
  return classifyOne(error)
}

function classifyOne(error: unknown): ClassifiedError {
  const e = (error ?? {}) as ErrorLike
  const name = e.name ?? ''
  if (name === 'KcsQuotaExceededError' || e.reasonCode === 22) {
    return {
      kind: 'quota_exceeded',
      transient: true,
      splittable: false,
      retryAt: e.resetsAt?.getTime(),
      code: '22',
    }
  }
  if (name === 'KcsRateLimitError' || e.reasonCode === 23)
    return { kind: 'rate_limited', transient: true, splittable: false, code: '23' }
  if (name === 'KcsCircuitOpenError') {
    return { kind: 'circuit_open', transient: true, splittable: false, retryAt: e.retryAt?.getTime() }
  }
  if (name === 'KcsAuthError')
    return { kind: 'auth', transient: false, splittable: false, code: String(e.reasonCode ?? 'auth') }
  if (name === 'KcsValidationError' || name === 'KcsServiceError') {
    return {
      kind: 'validation',
      transient: false,
      splittable: false,
      code: e.reasonCode !== undefined ? String(e.reasonCode) : '99',
    }
  }
  if (name === 'KcsTimeoutError' || (name === 'KcsGatewayError' && e.reasonCode === 5)) {
    return { kind: 'timeout', transient: true, splittable: true, code: 'timeout' }
  }
  if (
    (name === 'KcsHttpError' && (e.status ?? 0) >= 500) ||
    (name === 'KcsGatewayError' && e.reasonCode === 1)
  ) {
    return { kind: 'server_error', transient: true, splittable: true, code: String(e.status ?? e.reasonCode) }
  }
  // An answer that broke off mid-document (the client marks a truncated body retryable; a malformed one is not): the
  // server or the connection gave up, as with a 5xx or a hang, so retry it and let a year that keeps failing split.
  if (name === 'KcsResponseFormatError' && e.retryable === true) {
    return { kind: 'server_error', transient: true, splittable: true, code: 'truncated' }
  }
  if (name === 'KcsNetworkError')
    return { kind: 'network', transient: true, splittable: false, code: 'network' }
  if (name === 'KcsGatewayError') {
    return {
      kind: e.retryable ? 'other' : 'auth',
      transient: e.retryable === true,
      splittable: false,
      code: String(e.reasonCode),
    }
  }
  // Anything else (database trouble, a malformed answer): trust the error's own verdict, default to retrying.
  return {
    kind: 'other',
    transient: e.retryable !== false,
    splittable: false,
    code: typeof e.code === 'string' ? e.code : undefined,
  }
}

/** Exponential backoff with full jitter: attempt 1 → up to base, 2 → up to 2×base, … capped. */
export function backoffDelay(
  attempt: number,
  baseMs = 2_000,
  capMs = 5 * 60_000,
  random = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/** SQLSTATE codes that say "the server is not available right now", not "this write is wrong". */
const DB_UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300'])
const DB_UNAVAILABLE_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/**
 * Is this database error an outage (server restarting, shutting down, unreachable, connection lost) rather than a
 * problem with the data? Looks through the cause chain for socket error codes and SQLSTATE codes only (class 08 is a
 * connection exception, except 08P01, a protocol violation); message text is never trusted.
 */
export function databaseUnavailable(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code
    if (typeof code !== 'string') continue
    if (DB_UNAVAILABLE_STATES.has(code) || DB_UNAVAILABLE_SOCKET.has(code)) return true
    if (/^08[0-9A-Z]{3}$/.test(code) && code !== '08P01') return true
  }
  return false
}

/** DNS said the host does not exist (ENOTFOUND) somewhere in the cause chain. */
export function hostNotFound(error: unknown): boolean {
  for (const e of causes(error)) {
    if ((e as { code?: unknown }).code === 'ENOTFOUND') return true
    const errors = (e as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors.some((x) => (x as { code?: unknown })?.code === 'ENOTFOUND'))
      return true
  }
  return false
}
