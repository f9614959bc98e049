import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createKcsClient, type KcsClientOptions, type RedirectInfo } from './client.js'
import { isKcsError, type KcsError, KcsNetworkError } from './errors.js'
import { KcsRedirectError, MAX_REDIRECTS, sameServer } from './redirect.js'
import { dataItem, successXml, totalsItem } from './test-utils/fixtures.js'
import { type Handler, TestServer, xmlReply } from './test-utils/server.js'

/**
 * Issue 14 item 8: the client never sends the service key to another origin. Two real loopback
 * servers on different ports: a redirect from the first to the second is refused before anything
 * is sent there; same-origin redirects are followed and reported in `meta.redirects` and the hooks.
 */

const KEY = 'Redirect+Key/123=='
const ENCODED_KEY = encodeURIComponent(KEY)
const QUERY = { from: '2025-01', to: '2025-01', country: 'US', hs: '0202' }
const ROW = {
  year: '2025.01',
  statCd: 'US',
  statCdCntnKor1: '미국',
  hsCd: '0202300000',
  statKor: '기타',
  expWgt: 1,
  expDlr: 2,
  impWgt: 3,
  impDlr: 4,
}
const ANSWER = successXml([totalsItem([ROW]), dataItem(ROW)])

let api: TestServer
let other: TestServer
beforeAll(async () => {
  api = await new TestServer().start()
  other = await new TestServer().start()
  other.handler = xmlReply(ANSWER)
})
afterAll(async () => {
  await Promise.all([api.stop(), other.stop()])
})
beforeEach(() => {
  api.reset()
  other.reset()
})

/** Answers with a redirect to `to(req.url)`. */
function redirect(status: number, to: (path: string) => string): Handler {
  return (req, res) => {
    res.writeHead(status, { location: to(req.url ?? '/'), 'content-type': 'text/plain' })
    res.end('moved')
  }
}

function client(options: Partial<KcsClientOptions> = {}) {
  const redirects: RedirectInfo[] = []
  const c = createKcsClient({
    serviceKey: KEY,
    baseUrl: api.origin,
    retry: 0,
    circuitBreaker: false,
    headers: { 'x-caller-secret': 'caller-header' },
    hooks: { onRedirect: (info) => redirects.push(info) },
    ...options,
  })
  return { c, redirects }
}

async function failure(p: Promise<unknown>): Promise<KcsError> {
  try {
    await p
  } catch (e) {
    expect(isKcsError(e), String(e)).toBe(true)
    return e as KcsError
  }
  throw new Error('expected a KcsError')
}

describe('a redirect to another origin', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status} to another port: refused, the other server receives nothing`, async () => {
      api.handler = redirect(status, (path) => `${other.origin}${path}`)
      const { c, redirects } = client()
      const e = await failure(c.tradeByItemCountry(QUERY))
      expect(e).toBeInstanceOf(KcsRedirectError)
      const r = e as KcsRedirectError
      expect(r.reason).toBe('cross-origin')
      expect(r.retryable).toBe(false)
      expect(r.status).toBe(status)
      expect(r.hint).toMatch(/baseUrl/)
      expect(r.location).toContain(other.origin)
      expect(other.requests).toHaveLength(0)
      expect(api.requests).toHaveLength(1)
      const text = JSON.stringify({ m: r.message, r, redirects })
      expect(text).not.toContain(ENCODED_KEY)
      expect(text).not.toContain(KEY)
      expect(redirects).toEqual([
        expect.objectContaining({ status, followed: false, attempt: 1, endpoint: 'nitemtrade' }),
      ])
      expect(redirects[0]!.location).toContain('serviceKey=***')
    })
  }

  it('the stream API refuses it the same way', async () => {
    api.handler = redirect(302, (path) => `${other.origin}${path}`)
    const { c } = client()
    const e = await failure(
      (async () => {
        for await (const _ of c.streamTradeByItemCountry(QUERY)) {
          // no rows expected
        }
      })(),
    )
    expect(e).toBeInstanceOf(KcsRedirectError)
    expect(other.requests).toHaveLength(0)
  })

  it('after a same-origin hop, a cross-origin one is still refused', async () => {
    api.sequence(
      redirect(302, (path) => `/hop${path}`),
      redirect(302, (path) => `${other.origin}${path}`),
    )
    const { c, redirects } = client()
    const e = (await failure(c.tradeByItemCountry(QUERY))) as KcsRedirectError
    expect(e.reason).toBe('cross-origin')
    expect(e.redirects).toHaveLength(1)
    expect(redirects.map((r) => r.followed)).toEqual([true, false])
    expect(other.requests).toHaveLength(0)
  })

  it('https → http of the same host is a downgrade: refused', async () => {
    expect(sameServer(new URL('https://api.example:443'), new URL('http://api.example'))).toBe(false)
    expect(sameServer(new URL('http://api.example'), new URL('https://api.example'))).toBe(true)
    expect(sameServer(new URL('http://api.example:8080'), new URL('https://api.example:8080'))).toBe(true)
    expect(sameServer(new URL('http://api.example:8080'), new URL('https://api.example'))).toBe(false)
    expect(sameServer(new URL('http://api.example'), new URL('https://evil.example'))).toBe(false)
    expect(sameServer(new URL('http://api.example'), new URL('http://api.example.evil'))).toBe(false)
  })
})

describe('same-origin redirects', () => {
  it('are followed and reported in meta.redirects and the hook, key redacted', async () => {
    api.sequence(
      redirect(301, (path) => `${api.origin}/moved${path}`),
      redirect(307, (path) => path.replace('/moved', '/again')),
      xmlReply(ANSWER),
    )
    const { c, redirects } = client()
    const result = await c.tradeByItemCountry(QUERY)
    expect(result.rows).toHaveLength(1)
    expect(api.requests.map((r) => r.rawUrl.split('?')[0])).toEqual([
      '/1220000/nitemtrade/getNitemtradeList',
      '/moved/1220000/nitemtrade/getNitemtradeList',
      '/again/1220000/nitemtrade/getNitemtradeList',
    ])
    // The caller's headers went only to the same origin.
    expect(api.requests.every((r) => r.headers['x-caller-secret'] === 'caller-header')).toBe(true)
    expect(result.meta.redirects).toHaveLength(2)
    expect(result.meta.redirects[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/moved\/.*serviceKey=\*\*\*/)
    expect(JSON.stringify(result.meta)).not.toContain(ENCODED_KEY)
    expect(redirects.map((r) => [r.status, r.followed])).toEqual([
      [301, true],
      [307, true],
    ])
    expect(other.requests).toHaveLength(0)
  })

  it('an answer without redirects has meta.redirects = []', async () => {
    api.handler = xmlReply(ANSWER)
    const { c, redirects } = client()
    const result = await c.tradeByItemCountry(QUERY)
    expect(result.meta.redirects).toEqual([])
    expect(redirects).toEqual([])
  })

  it('http → https on the same host and port is followed (here the TLS handshake then fails)', async () => {
    api.handler = redirect(302, (path) => `${api.origin.replace('http:', 'https:')}${path}`)
    const { c, redirects } = client()
    const e = await failure(c.tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsNetworkError)
    expect(redirects).toEqual([expect.objectContaining({ status: 302, followed: true })])
  })
})

describe('broken redirects', () => {
  it('a loop: KcsRedirectError "loop" once a URL comes back', async () => {
    api.handler = redirect(302, (path) => (path.startsWith('/b/') ? path.slice(2) : `/b${path}`))
    const { c, redirects } = client()
    const e = (await failure(c.tradeByItemCountry(QUERY))) as KcsRedirectError
    expect(e).toBeInstanceOf(KcsRedirectError)
    expect(e.reason).toBe('loop')
    expect(api.requests).toHaveLength(2)
    expect(redirects.map((r) => r.followed)).toEqual([true, false])
  })

  it(`more than ${MAX_REDIRECTS} hops: KcsRedirectError "too-many"`, async () => {
    let n = 0
    api.handler = redirect(302, (path) => `/n${++n}${path}`)
    const { c } = client()
    const e = (await failure(c.tradeByItemCountry(QUERY))) as KcsRedirectError
    expect(e.reason).toBe('too-many')
    expect(api.requests).toHaveLength(MAX_REDIRECTS + 1)
  })

  it('a Location that is not http(s): KcsRedirectError "bad-location"', async () => {
    api.handler = redirect(302, () => `file:///etc/passwd?serviceKey=${ENCODED_KEY}`)
    const { c } = client()
    const e = (await failure(c.tradeByItemCountry(QUERY))) as KcsRedirectError
    expect(e.reason).toBe('bad-location')
    expect(JSON.stringify(e)).not.toContain(ENCODED_KEY)
  })

  it('a fetch that follows redirects by itself: the other server’s answer is refused', async () => {
    api.handler = redirect(302, (path) => `${other.origin}${path}`)
    const following: KcsClientOptions['fetch'] = (input, init) =>
      fetch(new Request(input as Request, { ...init, redirect: 'follow' }))
    const { c } = client({ fetch: following })
    const e = (await failure(c.tradeByItemCountry(QUERY))) as KcsRedirectError
    expect(e).toBeInstanceOf(KcsRedirectError)
    expect(e.reason).toBe('cross-origin')
  })
})
