/**
 * A wrong `KCS_BASE_URL` (a closed port, a host DNS does not know) looks like an outage to the HTTP
 * layer. Before the API has answered once, it is far more likely a mistake: say so, naming the setting.
 */

/** How a connection failed before anything was sent: refused (nothing listens) or the host name is unknown. */
export type ConnectFailure = 'refused' | 'not-found'

const CODES: Record<string, ConnectFailure> = { ECONNREFUSED: 'refused', ENOTFOUND: 'not-found' }

/** The connect-phase failure in an error's cause chain (undici puts the socket error in `cause`), if any. */
export function connectFailure(error: unknown): ConnectFailure | undefined {
  let e: unknown = error
  for (let depth = 0; depth < 6 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && CODES[code]) return CODES[code]
    // AggregateError (happy eyeballs: every address refused) carries the per-address errors.
    const errors = (e as { errors?: unknown }).errors
    if (Array.isArray(errors))
      for (const x of errors) {
        const found = connectFailure(x)
        if (found) return found
      }
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** Is the URL's host this machine (a local port that nobody listens on is a setting to fix, not an outage)? */
export function isLocalUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase()
    return host === 'localhost' || host === '[::1]' || host === '0.0.0.0' || /^127\./.test(host)
  } catch {
    return false
  }
}

/** What to do about a connect failure: names `KCS_BASE_URL`; `then` says how to resume (run again, enqueue again). */
export function baseUrlHint(failure: ConnectFailure, then = 'then run the command again'): string {
  return failure === 'not-found'
    ? `check the host name in KCS_BASE_URL (unset it to use the official API, http://apis.data.go.kr); fix it, ${then}`
    : `nothing listens at KCS_BASE_URL: check its host and port (unset it to use the official API; for the emulator, start 'kcs-trade emulator --port 8080' first and set KCS_BASE_URL=http://127.0.0.1:8080), ${then}`
}

/** The API could not be reached and has not answered once since the process started: most likely `KCS_BASE_URL`. */
export class ApiUnreachableError extends Error {
  override name = 'ApiUnreachableError'
  /** What to do, naming `KCS_BASE_URL`. */
  readonly hint: string
  /** Refused, or the host name is unknown. */
  readonly failure: ConnectFailure
  constructor(message: string, failure: ConnectFailure, hint: string, options?: { cause?: unknown }) {
    super(message, options)
    this.failure = failure
    this.hint = hint
  }
}

/** A `fetch` that remembers whether the API ever answered and how the last connection failed. */
export interface TrackedFetch {
  fetch: typeof globalThis.fetch
  /** A response (any status) came back at least once. */
  answered(): boolean
  /** The connect failure of the last call that failed before sending, if it did. */
  lastFailure(): ConnectFailure | undefined
}

/** Wrap `base` to see connect failures before the client turns them into its own errors (their `code` is lost there). */
export function trackConnections(base: typeof globalThis.fetch = globalThis.fetch): TrackedFetch {
  let answered = false
  let last: ConnectFailure | undefined
  const fetch: typeof globalThis.fetch = async (input, init) => {
    try {
      const response = await base(input, init)
      answered = true
      last = undefined
      return response
    } catch (error) {
      last = connectFailure(error)
      throw error
    }
  }
  return { fetch, answered: () => answered, lastFailure: () => last }
}

/**
 * For `fetch`: when nothing has answered yet and the connection was refused on a local port or the host is
 * unknown, the error to show instead of the client's "retry later"; otherwise undefined (keep the original).
 */
export function unreachableBaseUrl(
  error: unknown,
  tracked: TrackedFetch,
  baseUrl: string,
): ApiUnreachableError | undefined {
  if ((error as { name?: unknown } | null)?.name !== 'KcsNetworkError' || tracked.answered()) return undefined
  const failure = tracked.lastFailure()
  if (failure === undefined || (failure === 'refused' && !isLocalUrl(baseUrl))) return undefined
  const what = failure === 'refused' ? 'refused the connection' : 'has a host name DNS does not know'
  return new ApiUnreachableError(
    `the API at KCS_BASE_URL (${origin(baseUrl)}) ${what}`,
    failure,
    baseUrlHint(failure, 'then run the command again'),
    { cause: error },
  )
}

/** A URL's origin, without user name or password (fit for a message). */
function origin(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return '(not a URL)'
  }
}

/** Rows of `stream`; a connection failure it ends with becomes {@link unreachableBaseUrl}'s error when that applies. */
export async function* explainUnreachable<T>(
  stream: AsyncIterable<T>,
  tracked: TrackedFetch,
  baseUrl: string,
): AsyncGenerator<T> {
  try {
    yield* stream
  } catch (error) {
    throw unreachableBaseUrl(error, tracked, baseUrl) ?? error
  }
}
