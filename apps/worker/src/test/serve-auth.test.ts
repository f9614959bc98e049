import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import {
  isLoopbackHost,
  loopbackHostHeader,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  SessionStore,
  tokenCheck,
} from '../serve/auth.js'

describe('isLoopbackHost', () => {
  it('accepts only loopback addresses', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      '0:0:0:0:0:0:0:1',
    ])
      expect(isLoopbackHost(h), h).toBe(true)
    for (const h of [
      '0.0.0.0',
      '::',
      '[::]',
      '192.168.1.5',
      '10.0.0.1',
      'example.com',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      'localhost.evil.com',
      '127.0.0.1.nip.io',
    ])
      expect(isLoopbackHost(h), h).toBe(false)
  })
})

describe('tokenCheck', () => {
  const req = (authorization?: string) =>
    ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage
  const url = (q = '') => new URL(`http://x/${q}`)

  it('without a token everything passes', () => {
    expect(tokenCheck(undefined)(req(), url())).toBe(true)
  })

  it('with a token: Bearer header or ?token=, nothing else', () => {
    const ok = tokenCheck('s3cret-token')
    expect(ok(req('Bearer s3cret-token'), url())).toBe(true)
    expect(ok(req('bearer s3cret-token'), url())).toBe(true)
    expect(ok(req(), url('?token=s3cret-token'))).toBe(true)
    expect(ok(req(), url())).toBe(false)
    expect(ok(req('Bearer wrong'), url())).toBe(false)
    expect(ok(req('Basic czNjcmV0LXRva2Vu'), url())).toBe(false)
    expect(ok(req('Bearer s3cret-token-longer'), url())).toBe(false)
    expect(ok(req(), url('?token=s3cret'))).toBe(false)
    expect(ok(req(), url('?token='))).toBe(false)
  })

  it('a session cookie works alone, is random and not derived from the token, expires, and a wrong one fails', () => {
    let now = 1_000_000
    const sessions = new SessionStore(() => now)
    const ok = tokenCheck('s3cret-token', sessions)
    const cookieReq = (cookie: string) => ({ headers: { cookie } }) as unknown as IncomingMessage
    const first = sessions.create()
    const second = sessions.create()
    expect(first.cookie).toBe(
      `${SESSION_COOKIE}=${first.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`,
    )
    expect(SESSION_TTL_MS).toBe(12 * 3_600_000)
    expect(first.id).toMatch(/^[0-9a-f]{64}$/)
    expect(second.id).not.toBe(first.id)
    // The old cookie was sha256('kcs-trade-session\0' + token): computable offline, valid forever. Not any more.
    const computable = createHash('sha256').update('kcs-trade-session\0s3cret-token').digest('hex')
    expect(ok(cookieReq(`${SESSION_COOKIE}=${computable}`), url())).toBe(false)
    expect(first.cookie).not.toContain('s3cret-token')
    expect(ok(cookieReq(`theme=dark; ${SESSION_COOKIE}=${first.id}`), url())).toBe(true)
    expect(ok(cookieReq(`${SESSION_COOKIE}=s3cret-token`), url())).toBe(false)
    // Another process (a restart) knows none of these sessions.
    expect(
      tokenCheck('s3cret-token', new SessionStore(() => now))(
        cookieReq(`${SESSION_COOKIE}=${first.id}`),
        url(),
      ),
    ).toBe(false)
    expect(tokenCheck('s3cret-token')(cookieReq(`${SESSION_COOKIE}=${first.id}`), url())).toBe(false)
    // A wrong explicit credential is not rescued by a good cookie.
    expect(
      ok(
        {
          headers: { cookie: `${SESSION_COOKIE}=${first.id}`, authorization: 'Bearer wrong' },
        } as unknown as IncomingMessage,
        url(),
      ),
    ).toBe(false)
    now += SESSION_TTL_MS - 1
    expect(ok(cookieReq(`${SESSION_COOKIE}=${first.id}`), url())).toBe(true)
    now += 1
    expect(ok(cookieReq(`${SESSION_COOKIE}=${first.id}`), url())).toBe(false)
  })

  it('keeps at most `max` sessions, forgetting the oldest', () => {
    const sessions = new SessionStore(Date.now, SESSION_TTL_MS, 3)
    const ids = Array.from({ length: 5 }, () => sessions.create().id)
    expect(sessions.size).toBe(3)
    expect(ids.map((id) => sessions.valid(id))).toEqual([false, false, true, true, true])
  })
})

describe('loopbackHostHeader', () => {
  it('passes loopback names with or without a port, and a request without a Host', () => {
    for (const h of [
      'localhost',
      'localhost:9464',
      '127.0.0.1',
      '127.0.0.1:80',
      '[::1]',
      '[::1]:9464',
      undefined,
      '',
    ])
      expect(loopbackHostHeader(h), String(h)).toBe(true)
  })
  it('refuses other names, rebinding tricks and malformed headers', () => {
    for (const h of [
      'evil.example',
      'evil.example:9464',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '10.0.0.1:9464',
      '[::2]:9464',
      '127.0.0.1:abc',
      'localhost:9464:1',
      'a'.repeat(100_000),
    ])
      expect(loopbackHostHeader(h), h.slice(0, 40)).toBe(false)
  })
})
