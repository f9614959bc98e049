import { KcsError, type KcsErrorOptions } from './errors.js'

/** Why the client refused a redirect: see {@link KcsRedirectError}. */
export type KcsRedirectReason = 'cross-origin' | 'loop' | 'too-many' | 'bad-location'

/** Most redirects one attempt follows. */
export const MAX_REDIRECTS = 5

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

const HINTS: Record<KcsRedirectReason, string> = {
  'cross-origin':
    'The client follows redirects only within the same origin (or from http to https on the same host), so the service key never reaches another server. If the API has moved, set baseUrl to its new address.',
  loop: 'The server redirects in a circle: it is misconfigured, or baseUrl points at the wrong place.',
  'too-many': `More than ${MAX_REDIRECTS} redirects: check baseUrl (the API answers without redirects).`,
  'bad-location': 'The server sent a redirect without a usable http(s) Location; check baseUrl.',
}

const MESSAGES: Record<KcsRedirectReason, string> = {
  'cross-origin': 'the server redirected to another origin; nothing was sent there',
  loop: 'the redirects go in a loop',
  'too-many': `more than ${MAX_REDIRECTS} redirects`,
  'bad-location': 'a redirect without a usable Location',
}

const REASONS = new Set<string>(Object.keys(MESSAGES))

/**
 * The server answered with a redirect the client will not follow: to another origin (which would
 * receive the service key and the caller's headers), in a loop, more than {@link MAX_REDIRECTS}
 * times, or without a usable `Location`. Not retryable.
 */
export class KcsRedirectError extends KcsError {
  override name = 'KcsRedirectError'
  /** Why the redirect was refused. */
  readonly reason: KcsRedirectReason
  /** Where the refused redirect pointed (service key redacted), or null when it had no usable target. */
  readonly location: string | null
  /** The redirects followed before this one (service key redacted). */
  readonly redirects: string[]

  constructor(
    reason: KcsRedirectReason,
    location: string | null,
    options: KcsErrorOptions & { redirects?: readonly string[] } = {},
  ) {
    const o = options !== null && typeof options === 'object' ? options : {}
    const r: KcsRedirectReason = REASONS.has(reason) ? reason : 'bad-location'
    const where = typeof location === 'string' ? location : null
    super(`Redirect refused: ${MESSAGES[r]}${where ? ` (${where})` : ''}.`, {
      ...o,
      retryable: false,
      hint: o.hint ?? HINTS[r],
    })
    this.reason = r
    this.location = where
    this.redirects = Array.isArray(o.redirects) ? o.redirects.filter((u) => typeof u === 'string') : []
  }
}

/**
 * May the key follow a redirect from `start` (the base URL's origin) to `target`? Only to the same
 * origin, or as an http → https upgrade of the same host (same port, or the default ports 80 → 443).
 */
export function sameServer(start: URL, target: URL): boolean {
  if (target.origin === start.origin) return true
  return (
    start.protocol === 'http:' &&
    target.protocol === 'https:' &&
    target.hostname === start.hostname &&
    (target.port === start.port || (start.port === '' && target.port === ''))
  )
}

/** One hop a {@link followRedirects} call reports: the status, where it points (redacted), and whether it is followed. */
export interface RedirectHop {
  /** HTTP status of the redirect (301, 302, 303, 307, 308). */
  status: number
  /** The target, service key redacted. */
  location: string
  /** False when the redirect was refused (a {@link KcsRedirectError} follows). */
  followed: boolean
}

/** What {@link followRedirects} needs from the client. */
export interface FollowOptions {
  /** The first URL (with the key, as sent). */
  url: string
  /** Sends one GET without following redirects. */
  send: (url: string) => Promise<Response>
  /** Removes the key from a URL for reports. */
  redact: (text: string) => string
  /** Told about every redirect, followed or refused. */
  onRedirect: (hop: RedirectHop) => void
}

/**
 * Sends the request and follows same-origin redirects (see {@link sameServer}), at most
 * {@link MAX_REDIRECTS}; a redirect elsewhere, a loop, too many or a bad `Location` is a
 * {@link KcsRedirectError} — before anything is sent to the new target. Returns the final response
 * and the (redacted) URLs followed.
 */
export async function followRedirects(
  o: FollowOptions,
): Promise<{ response: Response; redirects: string[] }> {
  const start = new URL(o.url)
  const visited = new Set([start.href])
  const redirects: string[] = []
  let current = start
  for (;;) {
    const response = await o.send(current.href)
    // A fetch that follows redirects by itself (a custom one) must not hand over another server's answer.
    if (response.redirected && response.url) {
      const landed = safeUrl(response.url)
      if (!landed || !sameServer(start, landed)) {
        response.body?.cancel().catch(() => {})
        throw refuse('cross-origin', landed ? o.redact(landed.href) : null, response.status, redirects)
      }
    }
    const location = response.headers.get('location')
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return { response, redirects }
    response.body?.cancel().catch(() => {})
    const target = safeUrl(location, current)
    const shown = target ? o.redact(target.href) : null
    let reason: KcsRedirectReason | null = null
    if (!target || (target.protocol !== 'http:' && target.protocol !== 'https:')) reason = 'bad-location'
    else if (!sameServer(start, target)) reason = 'cross-origin'
    else if (visited.has(target.href)) reason = 'loop'
    else if (redirects.length >= MAX_REDIRECTS) reason = 'too-many'
    o.onRedirect({
      status: response.status,
      location: shown ?? o.redact(location),
      followed: reason === null,
    })
    if (reason !== null) throw refuse(reason, shown, response.status, redirects)
    visited.add(target!.href)
    redirects.push(shown!)
    current = target!
  }
}

function refuse(
  reason: KcsRedirectReason,
  location: string | null,
  status: number,
  redirects: readonly string[],
): KcsRedirectError {
  return new KcsRedirectError(reason, location, { status, redirects: [...redirects] })
}

function safeUrl(text: string, base?: URL): URL | null {
  try {
    return new URL(text, base)
  } catch {
    return null
  }
}
