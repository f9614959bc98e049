import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import {
  isLoopbackHost,
  loopbackHostHeader,
  SESSION_COOKIE,
  sessionCookie,
  sessionValue,
  tokenCheck,
} from './serve-auth.js'

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

  it('the session cookie a ?token= visit sets works alone, holds no token, and a wrong one fails', () => {
    const ok = tokenCheck('s3cret-token')
    const cookieReq = (cookie: string) => ({ headers: { cookie } }) as unknown as IncomingMessage
    const set = sessionCookie('s3cret-token')
    expect(set).toMatch(/HttpOnly/)
    expect(set).toMatch(/SameSite=Strict/)
    expect(set).not.toContain('s3cret-token')
    const pair = set.split(';')[0]!
    expect(pair).toBe(`${SESSION_COOKIE}=${sessionValue('s3cret-token')}`)
    expect(ok(cookieReq(`theme=dark; ${pair}`), url())).toBe(true)
    expect(ok(cookieReq(`${SESSION_COOKIE}=${sessionValue('other-token')}`), url())).toBe(false)
    expect(ok(cookieReq(`${SESSION_COOKIE}=s3cret-token`), url())).toBe(false)
    // A wrong explicit credential is not rescued by a good cookie.
    expect(
      ok({ headers: { cookie: pair, authorization: 'Bearer wrong' } } as unknown as IncomingMessage, url()),
    ).toBe(false)
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
