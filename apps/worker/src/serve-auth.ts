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

/**
 * A check for the serve token: `Authorization: Bearer <token>` or `?token=<token>`, compared in
 * constant time. Without a token every request passes.
 */
export function tokenCheck(token: string | undefined): (req: IncomingMessage, url: URL) => boolean {
  if (token === undefined) return () => true
  const expected = digest(token)
  return (req, url) => {
    const header = req.headers.authorization
    const bearer = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined
    const given = bearer ?? url.searchParams.get('token') ?? undefined
    return given !== undefined && timingSafeEqual(digest(given), expected)
  }
}
