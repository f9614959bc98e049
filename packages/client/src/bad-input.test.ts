/**
 * Bad input to every public function and class of @kcs-trade/client: wrong types, empty, oversized
 * and malformed values. Each must end in a typed error (KcsValidationError, a KcsError subclass)
 * whose message says what was wrong and carries a hint — never a raw TypeError, never a hang, and
 * for the client's calls: nothing sent. The table is checked against the package's runtime exports,
 * so a new export without cases fails here.
 */
import { describe, expect, it } from 'vitest'
import * as pkg from './index.js'
import { KcsError, KcsValidationError } from './index.js'

const TEN_MB = 'x'.repeat(10 * 1024 * 1024)
const MILLION = Array.from({ length: 1_000_000 }, () => '2025-01')
/** Values of the wrong type for a string (or an object) parameter. */
const WRONG_TYPES: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['number', 42],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['boolean', true],
  ['bigint', 10n],
  ['symbol', Symbol('s')],
  ['object', {}],
  ['array', []],
  ['function', () => 'x'],
]
const NOT_A_STRING = WRONG_TYPES.filter(([, v]) => typeof v !== 'string')
const NOT_AN_OBJECT = WRONG_TYPES.filter(([, v]) => v === null || (typeof v !== 'object' && v !== undefined))
const INJECTION = "2025-01'; DROP TABLE trade_rows; --"

// biome-ignore lint/suspicious/noExplicitAny: the point is to call with wrong types
type Any = any

/**
 * What a case expects: `'validation'` — throws (or rejects with) KcsValidationError with a hint;
 * `'kcs'` — any KcsError with a hint; or a check of the returned value (documented "not found" or
 * total functions).
 */
type Expect = 'validation' | 'kcs' | ((value: unknown) => void)
interface Case {
  name: string
  call: () => unknown
  expect: Expect
}

function cases(prefix: string, list: Array<[string, () => unknown]>, expect: Expect = 'validation'): Case[] {
  return list.map(([name, call]) => ({ name: `${prefix} ${name}`, call, expect }))
}

function wrongTypes(name: string, call: (v: unknown) => unknown, list = NOT_A_STRING): Case[] {
  return list.map(([label, v]) => ({ name: `${name}: ${label}`, call: () => call(v), expect: 'validation' }))
}

/** The client's fetch for these cases: counts calls; none may happen. */
let sent = 0
const countingFetch: pkg.FetchLike = async () => {
  sent++
  return new Response('<response><header><resultCode>00</resultCode></header></response>')
}
const client = pkg.createKcsClient({
  serviceKey: 'bad-input-key',
  fetch: countingFetch,
  retry: 0,
  circuitBreaker: false,
})
async function drain(iterable: AsyncIterable<unknown>): Promise<number> {
  let n = 0
  for await (const _ of iterable) n++
  return n
}
const BAD_QUERIES: Array<[string, unknown]> = [
  ...NOT_AN_OBJECT,
  ['undefined', undefined],
  ['empty object', {}],
  ['empty strings', { from: '', to: '', country: '' }],
  ['bad month', { from: '2025-13', to: '2025-12', country: 'US' }],
  ['bad date', { from: '2025-02-30', to: '2025-03', country: 'US' }],
  ['reversed range', { from: '2025-06', to: '2025-01', country: 'US' }],
  ['lower-case country', { from: '2025-01', to: '2025-02', country: 'us' }],
  ['3-digit hs', { from: '2025-01', to: '2025-02', hs: '123' }],
  ['hs as number', { from: '2025-01', to: '2025-02', hs: 202 }],
  ['injection in from', { from: INJECTION, to: '2025-02', country: 'US' }],
  ['injection in country', { from: '2025-01', to: '2025-02', country: "US' OR '1'='1" }],
  ['10 MB country', { from: '2025-01', to: '2025-02', country: TEN_MB }],
  ['10 MB hs', { from: '2025-01', to: '2025-02', hs: '1'.repeat(10 * 1024 * 1024) }],
  ['symbol month', { from: Symbol('m'), to: '2025-02', country: 'US' }],
  ['bigint month', { from: 202501n, to: '2025-02', country: 'US' }],
  ['unknown field', { from: '2025-01', to: '2025-02', country: 'US', serviceKey: 'x' }],
  ['year 10000', { from: '10000-01', to: '10000-02', country: 'US' }],
]

const TABLE: Record<string, Case[]> = {
  createKcsClient: [
    ...wrongTypes('options', (v) => pkg.createKcsClient(v as Any), [
      ...NOT_AN_OBJECT,
      ['undefined', undefined],
    ]),
    ...wrongTypes('serviceKey', (v) => pkg.createKcsClient({ serviceKey: v as Any })),
    ...cases('serviceKey', [
      ['empty', () => pkg.createKcsClient({ serviceKey: '' })],
      ['blank', () => pkg.createKcsClient({ serviceKey: ' \n ' })],
      ['10 MB with a space', () => pkg.createKcsClient({ serviceKey: `${TEN_MB} x` })],
      ['bad percent-escape', () => pkg.createKcsClient({ serviceKey: 'abc%2Bdef%ZZ%' })],
      ['NUL', () => pkg.createKcsClient({ serviceKey: 'abc\u0000def' })],
    ]),
    ...wrongTypes('baseUrl', (v) => pkg.createKcsClient({ serviceKey: 'k', baseUrl: v as Any }), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined' && l !== 'null'),
    ]),
    ...cases('baseUrl', [
      ['empty', () => pkg.createKcsClient({ serviceKey: 'k', baseUrl: '' })],
      ['ftp', () => pkg.createKcsClient({ serviceKey: 'k', baseUrl: 'ftp://example.org' })],
      ['javascript:', () => pkg.createKcsClient({ serviceKey: 'k', baseUrl: 'javascript:alert(1)' })],
      ['credentials', () => pkg.createKcsClient({ serviceKey: 'k', baseUrl: 'http://u:p@example.org' })],
      ['query', () => pkg.createKcsClient({ serviceKey: 'k', baseUrl: 'http://example.org/?serviceKey=x' })],
      ['10 MB', () => pkg.createKcsClient({ serviceKey: 'k', baseUrl: `http://${TEN_MB}` })],
    ]),
    ...[Number.NaN, Number.POSITIVE_INFINITY, -1, 0, '1000', {}].map(
      (v): Case => ({
        name: `timeoutMs ${String(v)}`,
        call: () => pkg.createKcsClient({ serviceKey: 'k', timeoutMs: v as Any }),
        expect: 'validation',
      }),
    ),
    ...[Number.NaN, 1.5, -1, 0, 2 ** 60, '1'].map(
      (v): Case => ({
        name: `maxBodyBytes ${String(v)}`,
        call: () => pkg.createKcsClient({ serviceKey: 'k', maxBodyBytes: v as Any }),
        expect: 'validation',
      }),
    ),
    ...[Number.NaN, -1, 1.5, '3', { limit: -1 }, { baseDelayMs: Number.POSITIVE_INFINITY }, null].map(
      (v): Case => ({
        name: `retry ${JSON.stringify(v) ?? String(v)}`,
        call: () => pkg.createKcsClient({ serviceKey: 'k', retry: v as Any }),
        expect: 'validation',
      }),
    ),
    ...[{ failureThreshold: 0 }, { cooldownMs: -1 }, 'open', 42, null].map(
      (v): Case => ({
        name: `circuitBreaker ${JSON.stringify(v)}`,
        call: () => pkg.createKcsClient({ serviceKey: 'k', circuitBreaker: v as Any }),
        expect: 'validation',
      }),
    ),
    ...[{ 'x-a': 1 }, { 'x-a': 'environment=prod' }, { serviceKey: 'k' }, 'accept: x', 42].map(
      (v): Case => ({
        name: `headers ${JSON.stringify(v)}`,
        call: () => pkg.createKcsClient({ serviceKey: 'k', headers: v as Any }),
        expect: 'validation',
      }),
    ),
    ...['fetch', 42, {}].map(
      (v): Case => ({
        name: `fetch ${JSON.stringify(v)}`,
        call: () => pkg.createKcsClient({ serviceKey: 'k', fetch: v as Any }),
        expect: 'validation',
      }),
    ),
    ...['hooks', 42, { onRequest: 'log' }].map(
      (v): Case => ({
        name: `hooks ${JSON.stringify(v)}`,
        call: () => pkg.createKcsClient({ serviceKey: 'k', hooks: v as Any }),
        expect: 'validation',
      }),
    ),
  ],
  // The client's methods: a bad query never reaches fetch.
  'client.tradeByItemCountry': [
    ...BAD_QUERIES.map(
      ([label, q]): Case => ({
        name: `query ${label}`,
        call: () => client.tradeByItemCountry(q as Any),
        expect: 'validation',
      }),
    ),
    {
      name: 'a 13-month window',
      call: () => client.tradeByItemCountry({ from: '2024-01', to: '2025-01', country: 'US' }),
      expect: 'validation',
    },
    {
      name: 'options.signal not a signal',
      call: () =>
        client.tradeByItemCountry({ from: '2025-01', to: '2025-01', country: 'US' }, { signal: 'x' as Any }),
      expect: 'validation',
    },
    {
      name: 'options not an object',
      call: () => client.tradeByItemCountry({ from: '2025-01', to: '2025-01', country: 'US' }, 42 as Any),
      expect: 'validation',
    },
  ],
  'client.streamTradeByItemCountry': BAD_QUERIES.map(
    ([label, q]): Case => ({
      name: `query ${label}`,
      call: () => drain(client.streamTradeByItemCountry(q as Any)),
      expect: 'validation',
    }),
  ),
  'client.tradeByItemCountryRange': [
    ...BAD_QUERIES.map(
      ([label, q]): Case => ({
        name: `query ${label}`,
        call: () => drain(client.tradeByItemCountryRange(q as Any)),
        expect: 'validation',
      }),
    ),
  ],
  'client.request': [
    ...BAD_QUERIES.map(
      ([label, q]): Case => ({
        name: `query ${label}`,
        call: () => client.request(pkg.nitemtradeEndpoint, q),
        expect: 'validation',
      }),
    ),
    ...wrongTypes(
      'endpoint',
      (v) => client.request(v as Any, { from: '2025-01', to: '2025-01', country: 'US' }),
      [...NOT_AN_OBJECT, ['undefined', undefined], ['empty object', {}]],
    ),
  ],
  'client.stream': [
    ...BAD_QUERIES.map(
      ([label, q]): Case => ({
        name: `query ${label}`,
        call: () => drain(client.stream(pkg.nitemtradeEndpoint, q)),
        expect: 'validation',
      }),
    ),
    ...wrongTypes(
      'endpoint',
      (v) => drain(client.stream(v as Any, { from: '2025-01', to: '2025-01', country: 'US' })),
      [...NOT_AN_OBJECT, ['undefined', undefined], ['empty object', {}]],
    ),
  ],
  parseResponseBody: [
    ...wrongTypes('endpoint', (v) => pkg.parseResponseBody(v as Any, '<response/>'), [
      ...NOT_AN_OBJECT,
      ['undefined', undefined],
      ['empty object', {}],
    ]),
    ...wrongTypes('body', (v) => pkg.parseResponseBody(pkg.nitemtradeEndpoint, v as Any), [
      ...NOT_A_STRING.filter(([l]) => l !== 'array'),
      ['array of numbers', [1, 2, 3]],
    ]),
    ...cases(
      'body',
      [
        ['empty', () => pkg.parseResponseBody(pkg.nitemtradeEndpoint, '')],
        ['10 MB of text', () => pkg.parseResponseBody(pkg.nitemtradeEndpoint, TEN_MB)],
        ['injection text', () => pkg.parseResponseBody(pkg.nitemtradeEndpoint, INJECTION)],
        [
          'invalid UTF-8',
          () => pkg.parseResponseBody(pkg.nitemtradeEndpoint, new Uint8Array([0xff, 0xfe, 0xfd])),
        ],
      ],
      'kcs',
    ),
    ...wrongTypes('options', (v) => pkg.parseResponseBody(pkg.nitemtradeEndpoint, '<response/>', v as Any), [
      ...NOT_AN_OBJECT,
    ]),
    ...cases('options', [
      ['status NaN', () => pkg.parseResponseBody(pkg.nitemtradeEndpoint, '<r/>', { status: Number.NaN })],
      ['status "200"', () => pkg.parseResponseBody(pkg.nitemtradeEndpoint, '<r/>', { status: '200' as Any })],
      [
        'redact not a function',
        () => pkg.parseResponseBody(pkg.nitemtradeEndpoint, '<r/>', { redact: 'x' as Any }),
      ],
    ]),
  ],
  ResponseBodyParser: [
    ...wrongTypes('endpoint', (v) => new pkg.ResponseBodyParser(v as Any), [
      ...NOT_AN_OBJECT,
      ['undefined', undefined],
      ['empty object', {}],
    ]),
    ...wrongTypes('write(chunk)', (v) => new pkg.ResponseBodyParser(pkg.nitemtradeEndpoint).write(v as Any), [
      ...NOT_A_STRING,
      ['string', 'text'],
    ]),
    {
      name: 'write after end',
      call: () => {
        const p = new pkg.ResponseBodyParser(pkg.nitemtradeEndpoint)
        try {
          p.end()
        } catch {
          // an empty body is an error; what matters is the write below
        }
        return p.write(new Uint8Array([60]))
      },
      expect: 'validation',
    },
  ],
  'nitemtradeEndpoint.parseQuery': BAD_QUERIES.map(
    ([label, q]): Case => ({
      name: `query ${label}`,
      call: () => pkg.nitemtradeEndpoint.parseQuery(q),
      expect: 'validation',
    }),
  ),
  'nitemtradeEndpoint.toParams': [
    ...BAD_QUERIES.map(
      ([label, q]): Case => ({
        name: `query ${label}`,
        call: () => pkg.nitemtradeEndpoint.toParams(q as Any),
        expect: 'validation',
      }),
    ),
  ],
  // A predicate: total by design, false for anything that is not a consistent row.
  'nitemtradeEndpoint.rowInvariant': [...NOT_AN_OBJECT, ['undefined', undefined] as [string, unknown]].map(
    ([label, v]): Case => ({
      name: `row: ${label}`,
      call: () => pkg.nitemtradeEndpoint.rowInvariant?.(v as Any),
      expect: (r) => expect(r).toBe(false),
    }),
  ),
  'tradeRowSchema.safeParse': [
    ...WRONG_TYPES.map(
      ([label, v]): Case => ({
        name: label,
        call: () => pkg.tradeRowSchema.safeParse(v),
        expect: (r) => expect((r as { success: boolean }).success).toBe(false),
      }),
    ),
    {
      name: 'unsafe integer',
      call: () =>
        pkg.tradeRowSchema.safeParse({
          period: '2025-01',
          countryCode: 'US',
          countryName: 'x',
          hsCode: '0202',
          itemName: 'x',
          exportKg: 2 ** 60,
          exportUsd: 0,
          importKg: 0,
          importUsd: 0,
          balanceUsd: 0,
        }),
      expect: (r) => expect((r as { success: boolean }).success).toBe(false),
    },
  ],
  'tradeTotalsSchema.safeParse': WRONG_TYPES.map(
    ([label, v]): Case => ({
      name: label,
      call: () => pkg.tradeTotalsSchema.safeParse(v),
      expect: (r) => expect((r as { success: boolean }).success).toBe(false),
    }),
  ),
  'tradeQuerySchema.safeParse': BAD_QUERIES.map(
    ([label, v]): Case => ({
      name: label,
      call: () => pkg.tradeQuerySchema.safeParse(v),
      expect: (r) => expect((r as { success: boolean }).success).toBe(false),
    }),
  ),
  'tradeRangeQuerySchema.safeParse': BAD_QUERIES.map(
    ([label, v]): Case => ({
      name: label,
      call: () => pkg.tradeRangeQuerySchema.safeParse(v),
      expect: (r) => expect((r as { success: boolean }).success).toBe(false),
    }),
  ),
  parseTradeQuery: [
    ...BAD_QUERIES.map(
      ([label, q]): Case => ({
        name: `query ${label}`,
        call: () => pkg.parseTradeQuery(q),
        expect: 'validation',
      }),
    ),
    ...wrongTypes(
      'options',
      (v) => pkg.parseTradeQuery({ from: '2025-01', to: '2025-02', country: 'US' }, v as Any),
      NOT_AN_OBJECT,
    ),
    {
      name: 'million-element array as query',
      call: () => pkg.parseTradeQuery(MILLION),
      expect: 'validation',
    },
  ],
  validateTradeQuery: [
    ...BAD_QUERIES.map(
      ([label, q]): Case => ({
        name: `query ${label}`,
        call: () => {
          const r = pkg.validateTradeQuery(q)
          if (!r.ok) throw r.error // the table checks the error it returns
          return r
        },
        expect: 'validation',
      }),
    ),
    ...wrongTypes(
      'options',
      (v) => pkg.validateTradeQuery({ from: '2025-01', to: '2025-02', country: 'US' }, v as Any),
      NOT_AN_OBJECT,
    ),
  ],
  toYyyymm: [
    ...wrongTypes('month', (v) => pkg.toYyyymm(v as Any)),
    ...cases('month', [
      ['empty', () => pkg.toYyyymm('')],
      ['2025-13', () => pkg.toYyyymm('2025-13')],
      ['2025-00', () => pkg.toYyyymm('2025-00')],
      ['1899-12', () => pkg.toYyyymm('1899-12')],
      ['injection', () => pkg.toYyyymm(INJECTION)],
      ['10 MB', () => pkg.toYyyymm(TEN_MB)],
      ['full date', () => pkg.toYyyymm('2025-01-31')],
    ]),
  ],
  monthsBetween: [
    ...wrongTypes('from', (v) => pkg.monthsBetween(v as Any, '2025-01')),
    ...wrongTypes('to', (v) => pkg.monthsBetween('2025-01', v as Any)),
    ...cases('months', [
      ['empty', () => pkg.monthsBetween('', '')],
      ['13th month', () => pkg.monthsBetween('2025-13', '2025-12')],
      ['10 MB', () => pkg.monthsBetween(TEN_MB, '2025-01')],
    ]),
  ],
  splitIntoWindows: [
    ...wrongTypes('from', (v) => pkg.splitIntoWindows(v as Any, '2025-01')),
    ...wrongTypes('to', (v) => pkg.splitIntoWindows('2025-01', v as Any)),
    ...cases('range', [
      ['empty', () => pkg.splitIntoWindows('', '')],
      ['reversed', () => pkg.splitIntoWindows('2025-06', '2025-01')],
      ['injection', () => pkg.splitIntoWindows(INJECTION, '2025-01')],
      ['10 MB', () => pkg.splitIntoWindows('2025-01', TEN_MB)],
    ]),
  ],
  backoffDelay: [
    ...[Number.NaN, -1, 0, 1.5, Number.POSITIVE_INFINITY, '2', null].map(
      (v): Case => ({
        name: `retryNumber ${String(v)}`,
        call: () => pkg.backoffDelay(v as Any, pkg.DEFAULT_RETRY),
        expect: 'validation',
      }),
    ),
    ...wrongTypes('options', (v) => pkg.backoffDelay(1, v as Any), [
      ...NOT_AN_OBJECT,
      ['undefined', undefined],
      ['empty object', {}],
      ['negative', { limit: 1, baseDelayMs: -1, maxDelayMs: 10 }],
    ]),
    ...[Number.NaN, -1, 'soon'].map(
      (v): Case => ({
        name: `retryAfterMs ${String(v)}`,
        call: () => pkg.backoffDelay(1, pkg.DEFAULT_RETRY, v as Any),
        expect: 'validation',
      }),
    ),
    {
      name: 'random not a function',
      call: () => pkg.backoffDelay(1, pkg.DEFAULT_RETRY, undefined, 'x' as Any),
      expect: 'validation',
    },
  ],
  CircuitBreaker: [
    ...wrongTypes('options', (v) => new pkg.CircuitBreaker(v as Any), NOT_AN_OBJECT),
    ...[0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5'].map(
      (v): Case => ({
        name: `failureThreshold ${String(v)}`,
        call: () => new pkg.CircuitBreaker({ failureThreshold: v as Any }),
        expect: 'validation',
      }),
    ),
    ...[-1, Number.NaN, Number.POSITIVE_INFINITY, '5'].map(
      (v): Case => ({
        name: `cooldownMs ${String(v)}`,
        call: () => new pkg.CircuitBreaker({ cooldownMs: v as Any }),
        expect: 'validation',
      }),
    ),
    {
      name: 'now not a function',
      call: () => new pkg.CircuitBreaker({}, 'x' as Any),
      expect: 'validation',
    },
  ],
  normalizeServiceKey: [
    ...wrongTypes('key', (v) => pkg.normalizeServiceKey(v as Any)),
    ...cases('key', [
      ['empty', () => pkg.normalizeServiceKey('')],
      ['tab inside', () => pkg.normalizeServiceKey('ab\tcd')],
      ['bad escape', () => pkg.normalizeServiceKey('%E0%A4%A')],
      ['10 MB with a newline', () => pkg.normalizeServiceKey(`${TEN_MB}\nx`)],
    ]),
  ],
  redactSecret: [
    ...wrongTypes('text', (v) => pkg.redactSecret(v as Any, 'key-1234'), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined'),
    ]),
    ...wrongTypes('key', (v) => pkg.redactSecret('text', v as Any), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined' && l !== 'null'),
    ]),
    // Documented: an absent key (undefined, null, '') redacts nothing.
    ...cases(
      'absent key',
      [
        ['undefined', () => pkg.redactSecret('a key-1 b', undefined)],
        ['empty', () => pkg.redactSecret('a key-1 b', '')],
      ],
      (v) => expect(v).toBe('a key-1 b'),
    ),
    {
      name: '10 MB text with the key at the end',
      call: () => pkg.redactSecret(`${TEN_MB}key+/=`, 'key+/='),
      expect: (v) => expect((v as string).endsWith('***')).toBe(true),
    },
  ],
  createRedactor: [
    ...wrongTypes('keys', (v) => pkg.createRedactor(v as Any), [
      ...NOT_AN_OBJECT,
      ['undefined', undefined],
      ['object', {}],
    ]),
    ...wrongTypes('a key', (v) => pkg.createRedactor([v as Any]), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined' && l !== 'null'),
    ]),
    ...wrongTypes('replacement', (v) => pkg.createRedactor(['key-1234'], v as Any), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined'),
    ]),
    ...wrongTypes('text', (v) => pkg.createRedactor(['key-1234'])(v as Any), [...NOT_A_STRING]),
    {
      name: 'a 10 MB key in a 10 MB text',
      call: () => pkg.createRedactor([`${TEN_MB}+`])(`a ${TEN_MB}+ b`),
      expect: (v) => expect(v).toBe('a *** b'),
    },
  ],
  secretVariants: [
    ...wrongTypes('key', (v) => pkg.secretVariants(v as Any), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined' && l !== 'null'),
    ]),
    ...cases(
      'absent key',
      [
        ['undefined', () => pkg.secretVariants(undefined)],
        ['empty', () => pkg.secretVariants('')],
      ],
      (v) => expect(v).toEqual([]),
    ),
  ],
  gatewayCodeForToken: [
    ...wrongTypes('token', (v) => pkg.gatewayCodeForToken(v as Any)),
    // Documented: an unknown, well-typed token is "not found".
    ...cases(
      'unknown token',
      [
        ['empty', () => pkg.gatewayCodeForToken('')],
        ['injection', () => pkg.gatewayCodeForToken(INJECTION)],
        ['10 MB', () => pkg.gatewayCodeForToken(TEN_MB)],
        ['__proto__', () => pkg.gatewayCodeForToken('__proto__')],
        ['constructor', () => pkg.gatewayCodeForToken('constructor')],
      ],
      (v) => expect(v).toBeUndefined(),
    ),
  ],
  nextKstMidnight: [
    ...wrongTypes('now', (v) => pkg.nextKstMidnight(v as Any), [
      ...NOT_AN_OBJECT.filter(([l]) => l !== 'null'),
      ['null', null],
      ['string', '2025-01-01'],
      ['object', {}],
      ['invalid Date', new Date(Number.NaN)],
    ]),
  ],
  kstDay: [
    ...wrongTypes('at', (v) => pkg.kstDay(v as Any), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined' && l !== 'number'),
      ['string', '2025-01-01'],
      ['invalid Date', new Date(Number.NaN)],
      ['out of range', 8.64e15],
    ]),
  ],
  kstMonth: [
    ...wrongTypes('at', (v) => pkg.kstMonth(v as Any), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined' && l !== 'number'),
      ['string', '2025-01'],
      ['invalid Date', new Date(Number.NaN)],
    ]),
  ],
  sha256Hex: [
    ...wrongTypes('data', (v) => pkg.sha256Hex(v as Any), [...NOT_A_STRING, ['array of numbers', [1, 2]]]),
    {
      name: '10 MB string hashes (not an error)',
      call: () => pkg.sha256Hex(TEN_MB),
      expect: (v) => expect(v).toMatch(/^[0-9a-f]{64}$/),
    },
  ],
  Sha256: [
    ...wrongTypes('update(data)', (v) => new pkg.Sha256().update(v as Any), [
      ...NOT_A_STRING,
      ['string', 'text'],
      ['array of numbers', [1, 2]],
    ]),
    {
      name: 'update after digest',
      call: () => {
        const h = new pkg.Sha256()
        h.digest()
        return h.update(new Uint8Array(1))
      },
      expect: 'validation',
    },
  ],
  createSha256: [
    ...wrongTypes('options', (v) => pkg.createSha256(v as Any), NOT_AN_OBJECT),
    {
      name: 'native "yes"',
      call: () => pkg.createSha256({ native: 'yes' as Any }),
      expect: 'validation',
    },
    ...wrongTypes('update(data)', (v) => pkg.createSha256().update(v as Any), [
      ...NOT_A_STRING,
      ['string', 'text'],
    ]),
  ],
  // Total by design: a predicate answers false for anything that is not what it tests.
  isKcsError: WRONG_TYPES.map(
    ([label, v]): Case => ({
      name: label,
      call: () => pkg.isKcsError(v),
      expect: (r) => expect(r).toBe(false),
    }),
  ),
  isConnectionFailure: WRONG_TYPES.map(
    ([label, v]): Case => ({
      name: label,
      call: () => pkg.isConnectionFailure(v as Any),
      expect: (r) => expect(r).toBe(false),
    }),
  ),
  createGatewayError: [
    ...[Number.NaN, -1, 1e300, '22', null].map(
      (v): Case => ({
        name: `reasonCode ${String(v)}`,
        call: () => pkg.createGatewayError(v as Any, 'X'),
        expect: 'validation',
      }),
    ),
    ...wrongTypes('token', (v) => pkg.createGatewayError(30, v as Any), [
      ...NOT_A_STRING.filter(([l]) => l !== 'undefined'),
    ]),
    ...wrongTypes('options', (v) => pkg.createGatewayError(30, 'X', v as Any), NOT_AN_OBJECT),
  ],
}

/*
 * Error classes are built by the client, not fed user input, so they do not validate: their contract
 * here is that construction never fails for missing, oversized or invalid-date arguments (an error
 * about bad input must not itself throw), the result is a KcsError with a string message and a string
 * hint, and `JSON.stringify` of it works.
 */
const ERROR_CLASSES: Record<string, (args: unknown[]) => KcsError> = {
  KcsError: (a) => new pkg.KcsError(a[0] as Any, a[1] as Any),
  KcsValidationError: (a) => new pkg.KcsValidationError(a[0] as Any, a[1] as Any, a[2] as Any),
  KcsServiceError: (a) => new pkg.KcsServiceError(a[0] as Any, a[1] as Any, a[2] as Any),
  KcsGatewayError: (a) => new pkg.KcsGatewayError(a[0] as Any, a[1] as Any, a[2] as Any),
  KcsAuthError: (a) => new pkg.KcsAuthError(a[0] as Any, a[1] as Any, a[2] as Any),
  KcsQuotaExceededError: (a) => new pkg.KcsQuotaExceededError(a[0] as Any, a[1] as Any, a[2] as Any),
  KcsRateLimitError: (a) => new pkg.KcsRateLimitError(a[0] as Any, a[1] as Any, a[2] as Any),
  KcsHttpError: (a) => new pkg.KcsHttpError(a[0] as Any, a[1] as Any, a[2] as Any),
  KcsTimeoutError: (a) => new pkg.KcsTimeoutError(a[0] as Any, a[1] as Any),
  KcsNetworkError: (a) => new pkg.KcsNetworkError(a[0] as Any, a[1] as Any),
  KcsResponseFormatError: (a) => new pkg.KcsResponseFormatError(a[0] as Any, a[1] as Any),
  KcsCircuitOpenError: (a) => new pkg.KcsCircuitOpenError(a[0] as Any, a[1] as Any),
  KcsRedirectError: (a) => new pkg.KcsRedirectError(a[0] as Any, a[1] as Any, a[2] as Any),
}
const GARBAGE_ARGS: Array<[string, unknown[]]> = [
  ['no arguments', []],
  ['numbers', [Number.NaN, Number.POSITIVE_INFINITY, {}]],
  ['invalid dates', [new Date(Number.NaN), 'x', { now: new Date(Number.NaN) }]],
  ['10 MB strings', [TEN_MB, TEN_MB, { hint: 'h' }]],
]
for (const [name, make] of Object.entries(ERROR_CLASSES)) {
  TABLE[name] = GARBAGE_ARGS.map(
    ([label, args]): Case => ({
      name: label,
      call: () => make(args),
      expect: (error) => {
        expect(error).toBeInstanceOf(KcsError)
        const e = error as KcsError
        expect(typeof e.message).toBe('string')
        expect(typeof e.hint).toBe('string')
        expect(() => JSON.stringify(e)).not.toThrow()
      },
    }),
  )
}

// The sibling APIs: every bad query is refused before a request, by the client's methods, the
// endpoint definitions and the query parsers alike (a `country` sent to Itemtrade is an unknown field).
const SIBLINGS = [
  {
    endpoint: 'itemtradeEndpoint',
    schema: 'itemTradeRowSchema',
    parse: 'parseItemTradeQuery',
    methods: ['tradeByItem', 'streamTradeByItem', 'tradeByItemRange'],
    good: { from: '2025-01', to: '2025-01', hs: '85' },
    foreign: { from: '2025-01', to: '2025-01', country: 'US' },
  },
  {
    endpoint: 'nationtradeEndpoint',
    schema: 'countryTradeRowSchema',
    parse: 'parseCountryTradeQuery',
    methods: ['tradeByCountry', 'streamTradeByCountry', 'tradeByCountryRange'],
    good: { from: '2025-01', to: '2025-01', country: 'US' },
    foreign: { from: '2025-01', to: '2025-01', hs: '85' },
  },
  {
    endpoint: 'newtradeEndpoint',
    schema: 'totalsTradeRowSchema',
    parse: 'parseTotalsTradeQuery',
    methods: ['tradeTotals', 'streamTradeTotals', 'tradeTotalsRange'],
    good: { from: '2025-01', to: '2025-01' },
    foreign: { from: '2025-01', to: '2025-01', country: 'US' },
  },
] as const
const SIBLING_METHODS: string[] = SIBLINGS.flatMap((s) => [...s.methods])

const asCall = (value: unknown): unknown =>
  value !== null && typeof value === 'object' && Symbol.asyncIterator in value
    ? drain(value as AsyncIterable<unknown>)
    : value

for (const s of SIBLINGS) {
  const badQueries: Array<[string, unknown]> = [
    ...BAD_QUERIES,
    ['a filter this API does not take', s.foreign],
    ['a 13-month window', { ...s.good, from: '2024-01', to: '2025-01' }],
  ]
  // A 13-month window is a valid range (the Range forms and toParams take any length).
  const bad = (call: (q: unknown) => unknown, range = false): Case[] =>
    badQueries.slice(0, range ? -1 : undefined).map(([label, q]) => ({
      name: `query ${label}`,
      call: () => asCall(call(q)),
      expect: 'validation',
    }))
  const c = client as unknown as Record<string, (q: unknown, o?: unknown) => unknown>
  const endpoint = (pkg as Record<string, Any>)[s.endpoint]
  for (const m of s.methods) {
    TABLE[`client.${m}`] = [
      ...bad((q) => c[m]!(q), m.endsWith('Range')),
      {
        name: 'options.signal not a signal',
        call: () => asCall(c[m]!(s.good, { signal: 'x' })),
        expect: 'validation',
      },
    ]
  }
  TABLE[`${s.endpoint}.parseQuery`] = bad((q) => endpoint.parseQuery(q))
  TABLE[`${s.endpoint}.toParams`] = bad((q) => endpoint.toParams(q), true)
  TABLE[`${s.endpoint}.rowInvariant`] = [...NOT_AN_OBJECT, ['undefined', undefined] as [string, unknown]].map(
    ([label, v]): Case => ({
      name: `row: ${label}`,
      call: () => endpoint.rowInvariant(v),
      expect: (r) => expect(r).toBe(false),
    }),
  )
  TABLE[`${s.schema}.safeParse`] = WRONG_TYPES.map(
    ([label, v]): Case => ({
      name: label,
      call: () => (pkg as Record<string, Any>)[s.schema].safeParse(v),
      expect: (r) => expect((r as { success: boolean }).success).toBe(false),
    }),
  )
  TABLE[s.parse] = [
    ...bad((q) => (pkg as Record<string, Any>)[s.parse](q)),
    ...wrongTypes('options', (v) => (pkg as Record<string, Any>)[s.parse](s.good, v), NOT_AN_OBJECT),
  ]
}
TABLE.createSiblingQueryParser = [...bad0((q) => pkg.createSiblingQueryParser(['hs'], 'x')(q))]

function bad0(call: (q: unknown) => unknown): Case[] {
  return BAD_QUERIES.map(([label, q]) => ({
    name: `query ${label}`,
    call: () => call(q),
    expect: 'validation',
  }))
}

/** Exports that are data, not functions: listed so that every export is classified. */
const CONSTANTS = new Set([
  'AUTH_GATEWAY_CODES',
  'DEFAULT_BASE_URL',
  'DEFAULT_MAX_BODY_BYTES',
  'DEFAULT_RETRY',
  'DEFAULT_TIMEOUT_MS',
  'GATEWAY_REASONS',
  'MAX_REDIRECTS',
  'MAX_WINDOW_MONTHS',
  'REDACTED',
  'RETRYABLE_GATEWAY_CODES',
  // Objects whose function members are covered as `name.member` entries.
  'nitemtradeEndpoint',
  'tradeRowSchema',
  'tradeTotalsSchema',
  'tradeQuerySchema',
  'tradeRangeQuerySchema',
  'itemtradeEndpoint',
  'nationtradeEndpoint',
  'newtradeEndpoint',
  'itemTradeRowSchema',
  'countryTradeRowSchema',
  'totalsTradeRowSchema',
])

/** Function members of exported objects that take input (their `name.member` entries are required). */
const MEMBERS: Record<string, string[]> = {
  nitemtradeEndpoint: ['parseQuery', 'toParams', 'rowInvariant'],
  tradeRowSchema: ['safeParse'],
  tradeTotalsSchema: ['safeParse'],
  tradeQuerySchema: ['safeParse'],
  tradeRangeQuerySchema: ['safeParse'],
  itemtradeEndpoint: ['parseQuery', 'toParams', 'rowInvariant'],
  nationtradeEndpoint: ['parseQuery', 'toParams', 'rowInvariant'],
  newtradeEndpoint: ['parseQuery', 'toParams', 'rowInvariant'],
  itemTradeRowSchema: ['safeParse'],
  countryTradeRowSchema: ['safeParse'],
  totalsTradeRowSchema: ['safeParse'],
}

function checkTyped(error: unknown, kind: 'validation' | 'kcs'): void {
  if (!(error instanceof KcsError)) {
    throw new Error(
      `expected a KcsError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    )
  }
  if (kind === 'validation') expect(error, error.message).toBeInstanceOf(KcsValidationError)
  expect(error.message.length).toBeGreaterThan(0)
  expect(error.hint.length, `no hint on: ${error.message}`).toBeGreaterThan(0)
  expect(error.message).toContain(error.hint)
  expect(error.message).not.toMatch(/Cannot read propert|is not a function|is not iterable|Cannot convert/)
}

describe('every runtime export of @kcs-trade/client has bad-input cases', () => {
  it('the table covers each exported function and class, and every export is classified', () => {
    const missing: string[] = []
    for (const [name, value] of Object.entries(pkg)) {
      if (typeof value === 'function') {
        if (!(TABLE[name]?.length ?? 0)) missing.push(name)
      } else if (!CONSTANTS.has(name)) {
        missing.push(`${name} (a non-function export: add it to CONSTANTS or give it cases)`)
      }
    }
    for (const [object, members] of Object.entries(MEMBERS)) {
      for (const member of members)
        if (!(TABLE[`${object}.${member}`]?.length ?? 0)) missing.push(`${object}.${member}`)
    }
    // Every function member of an exported object with input must be listed in MEMBERS.
    for (const name of CONSTANTS) {
      const value = (pkg as Record<string, unknown>)[name]
      if (name.endsWith('Schema') || value === null || typeof value !== 'object') continue
      for (const [member, fn] of Object.entries(value))
        if (typeof fn === 'function' && !MEMBERS[name]?.includes(member)) missing.push(`${name}.${member}`)
    }
    expect(missing).toEqual([])
    // The client object made by createKcsClient: its methods too.
    const methods = [
      'tradeByItemCountry',
      'streamTradeByItemCountry',
      'tradeByItemCountryRange',
      'request',
      'stream',
      ...SIBLING_METHODS,
    ]
    for (const m of methods) expect(TABLE[`client.${m}`]?.length ?? 0, m).toBeGreaterThan(0)
  })

  for (const [fn, list] of Object.entries(TABLE)) {
    describe(fn, () => {
      it.each(list.map((c) => [c.name, c] as const))('%s', { timeout: 20_000 }, async (_name, c) => {
        const before = sent
        let value: unknown
        let error: unknown
        let threw = false
        try {
          value = await c.call()
        } catch (e) {
          threw = true
          error = e
        }
        if (typeof c.expect === 'function') {
          if (threw) throw error
          c.expect(value)
        } else {
          if (!threw) throw new Error(`expected a ${c.expect} error, got ${String(value)}`)
          checkTyped(error, c.expect)
        }
        expect(sent, 'a request was sent').toBe(before)
      })
    })
  }
})
