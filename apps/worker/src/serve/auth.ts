import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
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

/** How long a dashboard session lasts (12 h), in the cookie (`Max-Age`) and on the server. */
export const SESSION_TTL_MS = 12 * 3_600_000

/**
 * The dashboard's sessions: random ids (32 bytes from `crypto.randomBytes`), known only to this process, each
 * valid for {@link SESSION_TTL_MS}. Not derived from the token, so not computable from it; a restart (the only way
 * to change the token) forgets them all. Only digests of the ids are kept; the oldest go beyond `max`.
 */
export class SessionStore {
  private readonly expiries = new Map<string, number>()
  constructor(
    private readonly now: () => number = Date.now,
    readonly ttlMs = SESSION_TTL_MS,
    private readonly max = 1_000,
  ) {}

  /** A new session: its id and the `Set-Cookie` value (HttpOnly, SameSite=Strict, Path=/, Max-Age). */
  create(): { id: string; cookie: string } {
    const id = randomBytes(32).toString('hex')
    const now = this.now()
    for (const [key, expires] of this.expiries) if (expires <= now) this.expiries.delete(key)
    while (this.expiries.size >= this.max) this.expiries.delete(this.expiries.keys().next().value as string)
    this.expiries.set(digest(id).toString('hex'), now + this.ttlMs)
    const maxAge = Math.floor(this.ttlMs / 1000)
    return { id, cookie: `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}` }
  }

  /** Is `id` a session of this process that has not expired? (Looked up by its digest.) */
  valid(id: string): boolean {
    if (!/^[0-9a-f]{64}$/.test(id)) return false
    const key = digest(id).toString('hex')
    const expires = this.expiries.get(key)
    if (expires === undefined) return false
    if (expires > this.now()) return true
    this.expiries.delete(key)
    return false
  }

  /** Sessions held now (expired ones may still count until the next `create`). */
  get size(): number {
    return this.expiries.size
  }
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
 * A check for the serve token: `Authorization: Bearer <token>`, `?token=<token>` (compared in constant time), or a
 * session cookie of `sessions` (set after a `?token=` visit). Without a token every request passes.
 */
export function tokenCheck(
  token: string | undefined,
  sessions?: SessionStore,
): (req: IncomingMessage, url: URL) => boolean {
  if (token === undefined) return () => true
  const expected = digest(token)
  return (req, url) => {
    const header = req.headers.authorization
    const bearer = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined
    const given = bearer ?? url.searchParams.get('token') ?? undefined
    if (given !== undefined) return timingSafeEqual(digest(given), expected)
    const session = cookie(req, SESSION_COOKIE)
    return session !== undefined && sessions?.valid(session) === true
  }
}

/** Whether a Host header (`name[:port]`) names a loopback address; a request without one passes. */
export function loopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined || host === '') return true
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(host.trim())
  return m !== null && isLoopbackHost(m[1] ?? '')
}
