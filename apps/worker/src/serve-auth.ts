import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

/**
 * Whether `host` only accepts connections from this machine: `localhost`, 127.0.0.0/8, `::1` and
 * IPv4-mapped loopback. Anything else (`0.0.0.0`, `::`, a LAN address, a host name) is public.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) {
    if (h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h)) return true
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)
    return mapped !== null && mapped[1]!.startsWith('127.')
  }
  return false
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Name of the cookie the dashboard page gets after opening `/?token=…` once. */
export const SESSION_COOKIE = 'kcs_session'

/**
 * The cookie value for a token: a hash of it, so the token itself is not stored in the browser.
 * (It grants the same access as the token; it changes when the token does.)
 */
export function sessionValue(token: string): string {
  return createHash('sha256').update(`kcs-trade-session\0${token}`).digest('hex')
}

/** `Set-Cookie` for a browser that proved it has the token: HttpOnly, SameSite=Strict, the whole site. */
export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/`
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie
  if (typeof header !== 'string') return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}

/**
 * A check for the serve token: `Authorization: Bearer <token>`, `?token=<token>`, or the session
 * cookie set after a `?token=` visit, compared in constant time. Without a token every request passes.
 */
export function tokenCheck(token: string | undefined): (req: IncomingMessage, url: URL) => boolean {
  if (token === undefined) return () => true
  const expected = digest(token)
  const expectedSession = digest(sessionValue(token))
  return (req, url) => {
    const header = req.headers.authorization
    const bearer = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined
    const given = bearer ?? url.searchParams.get('token') ?? undefined
    if (given !== undefined) return timingSafeEqual(digest(given), expected)
    const session = cookie(req, SESSION_COOKIE)
    return session !== undefined && timingSafeEqual(digest(session), expectedSession)
  }
}

/** Whether a Host header (`name[:port]`) names a loopback address; a request without one passes. */
export function loopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined || host === '') return true
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(host.trim())
  return m !== null && isLoopbackHost(m[1] ?? '')
}
