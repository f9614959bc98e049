import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { classifyBody } from './classify.js'
import { createKcsClient, DEFAULT_MAX_BODY_BYTES, type KcsClientOptions } from './client.js'
import {
  isKcsError,
  type KcsError,
  KcsHttpError,
  KcsResponseFormatError,
  KcsTimeoutError,
  KcsValidationError,
} from './errors.js'
import { dataItem, itemXml, successXml } from './test-utils/fixtures.js'
import { type Handler, TestServer, xmlReply } from './test-utils/server.js'

/**
 * Hostile bodies over a real socket: each must end, in bounded time and memory, in a typed error
 * (a `KcsResponseFormatError`, or a `KcsTimeoutError` for a body that never ends) — no crash, no hang.
 * Each test has its own vitest timeout, so a hang fails the test instead of stalling the run.
 */

const KEY = 'hostile-test-key'
const QUERY = { from: '2025-01', to: '2025-12', country: 'US', hs: '0202' }
const MiB = 1024 * 1024
const HEADER_00 =
  '<?xml version="1.0" encoding="UTF-8"?><response><header><resultCode>00</resultCode>' +
  '<resultMsg>OK</resultMsg></header><body><items>'

let server: TestServer
beforeAll(async () => {
  server = await new TestServer().start()
})
afterAll(async () => {
  await server.stop()
})
beforeEach(() => {
  server.reset()
})

function client(options: Partial<KcsClientOptions> = {}) {
  return createKcsClient({
    serviceKey: KEY,
    baseUrl: server.origin,
    retry: 0,
    circuitBreaker: false,
    timeoutMs: 10_000,
    ...options,
  })
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

/**
 * Streams `total` bytes made by `chunk(i)` with backpressure, never holding the body; records how
 * many bytes actually went out (the client stops reading early when it can).
 */
function streamed(
  sent: { bytes: number },
  head: string,
  chunk: (i: number) => Buffer,
  total: number,
  status = 200,
): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/xml;charset=UTF-8' })
    let i = 0
    const pump = () => {
      if (res.destroyed) return
      while (sent.bytes < total) {
        const buf = i === 0 ? Buffer.from(head) : chunk(i)
        i++
        sent.bytes += buf.length
        if (!res.write(buf)) {
          res.once('drain', pump)
          return
        }
      }
      res.end()
    }
    res.on('close', () => res.removeAllListeners('drain'))
    pump()
  }
}

const BILLION_LAUGHS =
  '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
  Array.from(
    { length: 9 },
    (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">\n`,
  ).join('') +
  ']>\n<response><header><resultCode>01</resultCode><resultMsg>&lol9;</resultMsg></header></response>'

describe('entity expansion and external entities', () => {
  it('refuses a "billion laughs" DTD without expanding it (2xx and 4xx)', async () => {
    server.handler = xmlReply(BILLION_LAUGHS)
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsResponseFormatError)
    expect(e.message).toMatch(/DTD/)
    expect(e.message.length).toBeLessThan(2000)

    server.handler = xmlReply(BILLION_LAUGHS, 400)
    const e4 = await failure(client().tradeByItemCountry(QUERY))
    expect(e4).toBeInstanceOf(KcsHttpError)
    expect(e4.message).not.toContain('lollollol')
    expect(e4.message.length).toBeLessThan(2000)
  })

  it('never reads an external entity (SYSTEM "file:///etc/passwd")', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      '<response><header><resultCode>99</resultCode><resultMsg>&xxe;</resultMsg></header></response>'
    for (const status of [200, 500]) {
      server.handler = xmlReply(xxe, status)
      const e = await failure(client().tradeByItemCountry(QUERY))
      expect(e).toBeInstanceOf(status === 200 ? KcsResponseFormatError : KcsHttpError)
      expect(JSON.stringify({ m: e.message, d: (e as { description?: string }).description })).not.toMatch(
        /root:/,
      )
    }
  })

  it('the error-document path does not expand internal entities either', () => {
    // Expanded, "&code;" would turn this into a provider error 22 (rate limit); it must not.
    const doc =
      '<!DOCTYPE r [<!ENTITY code "22">]><response><header><resultCode>&code;</resultCode>' +
      '<resultMsg>x</resultMsg></header></response>'
    const out = classifyBody(doc, { status: 200, redact: (s) => s })
    expect(out).toBeInstanceOf(KcsResponseFormatError)
    const out4 = classifyBody(doc, { status: 429, redact: (s) => s })
    expect(out4).toBeInstanceOf(KcsHttpError)
    // The five predefined entities and character references still decode in real error documents.
    const plain =
      '<response><header><resultCode>99</resultCode><resultMsg>A &amp; B &#44032;</resultMsg></header></response>'
    const err = classifyBody(plain, { status: 200, redact: (s) => s }) as KcsError
    expect(err.message).toContain('A & B 가')
  })
})

describe('deep nesting', () => {
  const deep = (n: number) => `${'<a>'.repeat(n)}x${'</a>'.repeat(n)}`

  it('100 000 nested elements instead of the answer', async () => {
    server.handler = xmlReply(deep(100_000))
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsResponseFormatError)
  })

  it('100 000 nested elements inside the items of a success answer', async () => {
    server.handler = xmlReply(`${HEADER_00}${deep(100_000)}</items></body></response>`)
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsResponseFormatError)
  })

  it('100 000 nested elements inside an error document (4xx)', async () => {
    const body = `<response><header><resultCode>22</resultCode><resultMsg>${deep(100_000)}</resultMsg></header></response>`
    server.handler = xmlReply(body, 400)
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsHttpError)
    // Deep nesting in a body small enough to be classified: fast-xml-parser's own limit holds.
    expect(classifyBody(deep(1000), { status: 200, redact: (s) => s })).toBeInstanceOf(KcsResponseFormatError)
  })
})

describe('200 MB bodies, streamed by the test server and never held', () => {
  const SIZE = 200 * MiB
  const row = Buffer.from(
    itemXml(
      dataItem({
        year: '2025.01',
        statCd: 'US',
        statCdCntnKor1: '미국',
        hsCd: '0202300000',
        statKor: '뼈 없는 것',
        expWgt: 1,
        expDlr: 2,
        impWgt: 3,
        impDlr: 4,
      }),
    ).repeat(200),
  )

  it('well-formed rows beyond maxBodyBytes: refused as soon as the limit is crossed', async () => {
    const sent = { bytes: 0 }
    server.handler = streamed(sent, HEADER_00, () => row, SIZE)
    let seen = 0
    const stream = client({ maxBodyBytes: 16 * MiB }).streamTradeByItemCountry(QUERY)
    const e = await failure(
      (async () => {
        for await (const _ of stream) seen++
      })(),
    )
    expect(e).toBeInstanceOf(KcsResponseFormatError)
    expect(e.message).toMatch(/maxBodyBytes/)
    expect(seen).toBeGreaterThan(0)
    expect(sent.bytes).toBeLessThan(SIZE / 2)
  }, 60_000)

  it('200 MB of text that is not XML: refused after the first MiB', async () => {
    const sent = { bytes: 0 }
    const junk = Buffer.alloc(64 * 1024, 'x')
    server.handler = streamed(sent, 'x', () => junk, SIZE)
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsResponseFormatError)
    expect(sent.bytes).toBeLessThan(SIZE / 2)
  }, 60_000)

  it('one 200 MB text run inside a field: refused by the scanner token limit', async () => {
    const sent = { bytes: 0 }
    const junk = Buffer.alloc(64 * 1024, 'y')
    server.handler = streamed(sent, `${HEADER_00}<item><year>`, () => junk, SIZE)
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsResponseFormatError)
    expect(e.message).toMatch(/longer than/)
    expect(sent.bytes).toBeLessThan(SIZE / 2)
  }, 60_000)

  it('200 MB of whitespace after a success header', async () => {
    const sent = { bytes: 0 }
    const blank = Buffer.alloc(64 * 1024, ' ')
    server.handler = streamed(sent, HEADER_00, () => blank, SIZE)
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsResponseFormatError)
    expect(sent.bytes).toBeLessThan(SIZE / 2)
  }, 60_000)

  it('a 200 MB error page (HTTP 502): classified from its first MiB, the rest is not read', async () => {
    const sent = { bytes: 0 }
    const filler = Buffer.alloc(64 * 1024, 'z')
    server.handler = streamed(
      sent,
      '<html><head><title>502 Bad Gateway</title></head><body>',
      () => filler,
      SIZE,
      502,
    )
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsHttpError)
    expect(e.status).toBe(502)
    expect(e.message).toMatch(/502 Bad Gateway/)
    expect(sent.bytes).toBeLessThan(SIZE / 2)
  }, 60_000)

  it('maxBodyBytes is validated and defaults to 512 MiB', () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(512 * MiB)
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10' as unknown as number]) {
      expect(() => client({ maxBodyBytes: bad })).toThrow(KcsValidationError)
    }
  })
})

describe('invalid UTF-8', () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))
  const replyBytes =
    (body: Buffer, status = 200): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/xml;charset=UTF-8' })
      res.end(body)
    }

  it('in a row of a success answer', async () => {
    server.handler = replyBytes(
      bytes(
        HEADER_00,
        '<item><year>2025.01</year><statKor>',
        [0xff, 0xfe, 0xc0, 0x80],
        '</statKor></item>',
        '</items></body></response>',
      ),
    )
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsResponseFormatError)
    expect(e.message).toMatch(/UTF-8/)
  })

  it('before the header, and a body cut inside a UTF-8 sequence', async () => {
    server.handler = replyBytes(
      bytes('<?xml version="1.0"?><response><header><resultCode>', [0xed, 0xa0, 0x80], '00'),
    )
    expect(await failure(client().tradeByItemCountry(QUERY))).toBeInstanceOf(KcsResponseFormatError)
    server.handler = replyBytes(bytes(successXml([]), [0xea, 0xb0]))
    const e = await failure(client().tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsResponseFormatError)
  })
})

describe('a body that never ends', () => {
  function dribble(head: string, every: number): Handler {
    return (_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/xml;charset=UTF-8' })
      res.write(head)
      const timer = setInterval(() => {
        if (!res.destroyed) res.write(' ')
      }, every)
      res.on('close', () => clearInterval(timer))
    }
  }

  it('a byte every 20 ms forever: the client timeout ends it', async () => {
    server.handler = dribble(HEADER_00, 20)
    const e = await failure(client({ timeoutMs: 400 }).tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsTimeoutError)
  }, 10_000)

  it('headers and then silence', async () => {
    server.handler = dribble('<?xml version="1.0"?><response>', 60_000)
    const e = await failure(client({ timeoutMs: 300 }).tradeByItemCountry(QUERY))
    expect(e).toBeInstanceOf(KcsTimeoutError)
  }, 10_000)

  it('the stream API: rows keep coming, the clock runs only while waiting on the server', async () => {
    const one = Buffer.from(
      itemXml(
        dataItem({
          year: '2025.01',
          statCd: 'US',
          statCdCntnKor1: 'US',
          hsCd: '0202300000',
          statKor: 'x',
          expWgt: 1,
          expDlr: 2,
          impWgt: 3,
          impDlr: 4,
        }),
      ),
    )
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml;charset=UTF-8' })
      res.write(HEADER_00)
      const timer = setInterval(() => {
        if (!res.destroyed) res.write(one)
      }, 10)
      res.on('close', () => clearInterval(timer))
    }
    let seen = 0
    const e = await failure(
      (async () => {
        for await (const _ of client({ timeoutMs: 500 }).streamTradeByItemCountry(QUERY)) seen++
      })(),
    )
    expect(e).toBeInstanceOf(KcsTimeoutError)
    expect(seen).toBeGreaterThan(0)
  }, 10_000)
})
