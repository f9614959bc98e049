/**
 * Bad input to every public function of @kcs-trade/reference (the members of `hs`, `hsk` and
 * `countries`): wrong types, empty, oversized and malformed values end in a ReferenceInputError whose
 * message says what was wrong and carries a hint — never a raw TypeError, never a hang. Well-formed
 * input that merely does not exist is "not found" by design (`undefined` or `[]`, see each member's
 * doc comment); the table pins that too. Separators in codes (`' 0202 '`, `'0202.30'`) are tolerated
 * by design and are not in the malformed list. The table is checked against the runtime exports, so a new
 * export or member without cases fails here.
 */
import { describe, expect, it } from 'vitest'
import * as pkg from './index.js'
import { ReferenceInputError } from './index.js'

const TEN_MB = 'x'.repeat(10 * 1024 * 1024)
const TEN_MB_DIGITS = '1'.repeat(10 * 1024 * 1024)
const INJECTION = "0202'; DROP TABLE trade_rows; --"
const WRONG_TYPES: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['number', 202],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['boolean', true],
  ['bigint', 10n],
  ['symbol', Symbol('s')],
  ['object', {}],
  ['array', ['0202']],
  ['function', () => '0202'],
]
const NOT_AN_OBJECT = WRONG_TYPES.filter(([, v]) => v === null || (typeof v !== 'object' && v !== undefined))
/** Malformed codes: every HS/HSK code function must refuse them. */
const MALFORMED_CODES: Array<[string, string]> = [
  ['empty', ''],
  ['one digit', '1'],
  ['eleven digits', '12345678901'],
  ['letters', 'ab'],
  ['injection', INJECTION],
  ['10 MB', TEN_MB],
  ['10 MB of digits', TEN_MB_DIGITS],
  ['NUL', '02\u000002'],
  ['full-width digits', '０２０２'],
]

// biome-ignore lint/suspicious/noExplicitAny: the point is to call with wrong types
type Any = any
type Expect = 'error' | ((value: unknown) => void)
interface Case {
  name: string
  call: () => unknown
  expect: Expect
}

const notFound = (v: unknown) => expect(v === undefined || (Array.isArray(v) && v.length === 0)).toBe(true)
const isFalse = (v: unknown) => expect(v).toBe(false)

function codeCases(call: (code: unknown) => unknown, malformed = MALFORMED_CODES): Case[] {
  return [
    ...WRONG_TYPES.map(
      ([label, v]): Case => ({ name: `code: ${label}`, call: () => call(v), expect: 'error' }),
    ),
    ...malformed.map(
      ([label, v]): Case => ({ name: `code: ${label}`, call: () => call(v), expect: 'error' }),
    ),
  ]
}
function optionCases(call: (options: unknown) => unknown): Case[] {
  return [
    ...NOT_AN_OBJECT.map(
      ([label, v]): Case => ({ name: `options: ${label}`, call: () => call(v), expect: 'error' }),
    ),
    { name: 'options: unknown edition', call: () => call({ edition: '1996' }), expect: 'error' },
    { name: 'options: edition as number', call: () => call({ edition: 2022 }), expect: 'error' },
    { name: 'options: 10 MB edition', call: () => call({ edition: TEN_MB }), expect: 'error' },
  ]
}
function textCases(call: (text: unknown) => unknown): Case[] {
  return WRONG_TYPES.map(
    ([label, v]): Case => ({ name: `text: ${label}`, call: () => call(v), expect: 'error' }),
  )
}
/** Search text that is well typed but odd: ranked search answers (possibly nothing), quickly. */
function oddTextCases(call: (text: string) => unknown): Case[] {
  const answers = (v: unknown) => expect(Array.isArray(v)).toBe(true)
  return [
    { name: 'text: empty', call: () => call(''), expect: notFound },
    { name: 'text: injection', call: () => call(INJECTION), expect: answers },
    { name: 'text: 10 MB', call: () => call(TEN_MB), expect: answers },
    { name: 'text: regex metacharacters', call: () => call('.*(+?[\\'), expect: answers },
    { name: 'text: NUL', call: () => call('\u0000'), expect: answers },
  ]
}
function limitCases(call: (limit: unknown) => unknown): Case[] {
  return [
    ...[0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '20', null].map(
      (v): Case => ({ name: `limit ${String(v)}`, call: () => call(v), expect: 'error' }),
    ),
    // A huge limit is well formed: the answer is bounded by the table, not by the limit.
    { name: 'limit 1e12', call: () => call(1e12), expect: (v) => expect(Array.isArray(v)).toBe(true) },
  ]
}

const TABLE: Record<string, Case[]> = {
  'hs.get': [
    ...codeCases((c) => pkg.hs.get(c as Any)),
    ...optionCases((o) => pkg.hs.get('0202', o as Any)),
    { name: 'unknown but well-formed code', call: () => pkg.hs.get('9898'), expect: notFound },
  ],
  'hs.isValid': [
    // Documented "never throws": false for anything that is not a code of the edition.
    ...[...WRONG_TYPES, ...MALFORMED_CODES].map(
      ([label, v]): Case => ({
        name: `code: ${label}`,
        call: () => pkg.hs.isValid(v),
        expect: isFalse,
      }),
    ),
    {
      name: 'options: unknown edition',
      call: () => pkg.hs.isValid('0202', { edition: '1996' as Any }),
      expect: isFalse,
    },
    { name: 'options: number', call: () => pkg.hs.isValid('0202', 42 as Any), expect: isFalse },
  ],
  'hs.level': codeCases((c) => pkg.hs.level(c as Any)),
  'hs.children': [
    ...codeCases((c) => pkg.hs.children(c as Any)),
    ...optionCases((o) => pkg.hs.children('02', o as Any)),
    { name: 'unknown but well-formed code', call: () => pkg.hs.children('98'), expect: notFound },
  ],
  'hs.parent': [
    ...codeCases((c) => pkg.hs.parent(c as Any)),
    ...optionCases((o) => pkg.hs.parent('0202', o as Any)),
  ],
  'hs.ancestors': [
    ...codeCases((c) => pkg.hs.ancestors(c as Any)),
    ...optionCases((o) => pkg.hs.ancestors('0202', o as Any)),
  ],
  'hs.all': [
    ...optionCases((o) => pkg.hs.all(o as Any)),
    ...[3, 10, '4', Number.NaN].map(
      (v): Case => ({
        name: `level ${String(v)}`,
        call: () => pkg.hs.all({ level: v as Any }),
        expect: 'error',
      }),
    ),
  ],
  'hs.chapters': optionCases((o) => pkg.hs.chapters(o as Any)),
  'hs.sections': [
    // Takes no argument; extra arguments are ignored (it answers the 21 sections).
    {
      name: 'garbage argument ignored',
      call: () => (pkg.hs.sections as Any)(TEN_MB),
      expect: (v) => expect(v).toHaveLength(21),
    },
  ],
  'hs.section': [
    ...WRONG_TYPES.filter(([, v]) => typeof v !== 'number' && typeof v !== 'string').map(
      ([label, v]): Case => ({ name: `id: ${label}`, call: () => pkg.hs.section(v as Any), expect: 'error' }),
    ),
    ...[Number.NaN, Number.POSITIVE_INFINITY, 0, -1, 1.5, 1e300].map(
      (v): Case => ({ name: `id ${String(v)}`, call: () => pkg.hs.section(v), expect: 'error' }),
    ),
    ...[
      ['empty', ''],
      ['injection', INJECTION],
      ['10 MB', TEN_MB],
      ['__proto__', '__proto__'],
    ].map(
      ([label, v]): Case => ({
        name: `id: ${label}`,
        call: () => pkg.hs.section(v as string),
        expect: 'error',
      }),
    ),
    { name: 'unknown numeral XXX', call: () => pkg.hs.section('XXX'), expect: notFound },
    { name: 'unknown number 22', call: () => pkg.hs.section(22), expect: notFound },
  ],
  'hs.search': [
    ...textCases((t) => pkg.hs.search(t as Any)),
    ...oddTextCases((t) => pkg.hs.search(t)),
    ...optionCases((o) => pkg.hs.search('beef', o as Any)),
    ...limitCases((l) => pkg.hs.search('beef', { limit: l as Any })),
    { name: 'level 10', call: () => pkg.hs.search('beef', { level: 10 as Any }), expect: 'error' },
    { name: 'lang "fr"', call: () => pkg.hs.search('beef', { lang: 'fr' as Any }), expect: 'error' },
  ],
  'hs.convert': [
    ...codeCases((c) => pkg.hs.convert(c as Any, { from: '2017', to: '2022' })),
    {
      name: 'code: a heading',
      call: () => pkg.hs.convert('0202', { from: '2017', to: '2022' }),
      expect: 'error',
    },
    ...NOT_AN_OBJECT.map(
      ([label, v]): Case => ({
        name: `options: ${label}`,
        call: () => pkg.hs.convert('020230', v as Any),
        expect: 'error',
      }),
    ),
    { name: 'options: undefined', call: () => pkg.hs.convert('020230', undefined as Any), expect: 'error' },
    {
      name: 'options: unknown from',
      call: () => pkg.hs.convert('020230', { from: '1996' as Any, to: '2022' }),
      expect: 'error',
    },
    {
      name: 'options: missing to',
      call: () => pkg.hs.convert('020230', { from: '2017' } as Any),
      expect: 'error',
    },
    {
      name: 'unknown but well-formed code',
      call: () => pkg.hs.convert('989898', { from: '2017', to: '2022' }),
      expect: notFound,
    },
  ],
  'hsk.get': [
    ...codeCases((c) => pkg.hsk.get(c as Any)),
    { name: 'code: a heading', call: () => pkg.hsk.get('0202'), expect: 'error' },
    { name: 'unknown but well-formed line', call: () => pkg.hsk.get('9898989898'), expect: notFound },
  ],
  'hsk.isValid': [...WRONG_TYPES, ...MALFORMED_CODES].map(
    ([label, v]): Case => ({
      name: `code: ${label}`,
      call: () => pkg.hsk.isValid(v),
      expect: isFalse,
    }),
  ),
  'hsk.all': [
    {
      name: 'garbage argument ignored',
      call: () => (pkg.hsk.all as Any)(TEN_MB),
      expect: (v) => expect((v as unknown[]).length).toBeGreaterThan(10_000),
    },
  ],
  'hsk.children': [
    ...codeCases((c) => pkg.hsk.children(c as Any)),
    { name: 'unknown but well-formed code', call: () => pkg.hsk.children('98'), expect: notFound },
  ],
  'hsk.ancestors': [
    ...codeCases((c) => pkg.hsk.ancestors(c as Any)),
    { name: 'unknown but well-formed line', call: () => pkg.hsk.ancestors('9898989898'), expect: notFound },
  ],
  'hsk.search': [
    ...textCases((t) => pkg.hsk.search(t as Any)),
    ...oddTextCases((t) => pkg.hsk.search(t)),
    ...NOT_AN_OBJECT.map(
      ([label, v]): Case => ({
        name: `options: ${label}`,
        call: () => pkg.hsk.search('beef', v as Any),
        expect: 'error',
      }),
    ),
    ...limitCases((l) => pkg.hsk.search('beef', { limit: l as Any })),
    { name: 'lang "fr"', call: () => pkg.hsk.search('beef', { lang: 'fr' as Any }), expect: 'error' },
  ],
  'countries.get': [
    ...WRONG_TYPES.map(
      ([label, v]): Case => ({
        name: `code: ${label}`,
        call: () => pkg.countries.get(v as Any),
        expect: 'error',
      }),
    ),
    ...[
      ['empty', ''],
      ['lower case', 'us'],
      ['three letters', 'USA'],
      ['injection', "US' OR '1'='1"],
      ['10 MB', TEN_MB],
      ['NUL', 'U\u0000'],
      ['digits', '12'],
    ].map(
      ([label, v]): Case => ({
        name: `code: ${label}`,
        call: () => pkg.countries.get(v as string),
        expect: 'error',
      }),
    ),
    { name: 'unknown but well-formed code', call: () => pkg.countries.get('QQ'), expect: notFound },
  ],
  'countries.has': [...WRONG_TYPES, ['empty', ''], ['lower case', 'us'], ['10 MB', TEN_MB]].map(
    ([label, v]): Case => ({ name: `code: ${label}`, call: () => pkg.countries.has(v), expect: isFalse }),
  ),
  'countries.byName': [
    ...textCases((t) => pkg.countries.byName(t as Any)),
    ...[
      ['empty', ''],
      ['injection', "Korea'; DROP TABLE trade_rows; --"],
      ['10 MB', TEN_MB],
      ['NUL', '\u0000'],
      ['__proto__', '__proto__'],
      ['constructor', 'constructor'],
    ].map(
      ([label, v]): Case => ({
        name: `name: ${label}`,
        call: () => pkg.countries.byName(v as string),
        expect: notFound,
      }),
    ),
  ],
  'countries.all': [
    {
      name: 'garbage argument ignored',
      call: () => (pkg.countries.all as Any)(TEN_MB),
      expect: (v) => expect((v as unknown[]).length).toBeGreaterThan(200),
    },
  ],
  // The error class itself: constructing it never fails, and its message carries the hint.
  ReferenceInputError: [
    {
      name: 'garbage arguments',
      call: () => new ReferenceInputError(TEN_MB.slice(0, 100), { hint: 'do this', input: Symbol('s') }),
      expect: (e) => {
        expect(e).toBeInstanceOf(ReferenceInputError)
        expect((e as Error).message).toContain('do this')
      },
    },
  ],
}

/** Exports that are data, or namespaces whose function members are covered as `name.member`. */
const CONSTANTS = new Set(['HOUSEHOLD_GOODS_CODE', 'HSK_EDITION', 'hs', 'hsk', 'countries'])

describe('every runtime export of @kcs-trade/reference has bad-input cases', () => {
  it('the table covers each exported function and class and every namespace member', () => {
    const missing: string[] = []
    for (const [name, value] of Object.entries(pkg)) {
      if (typeof value === 'function') {
        if (!(TABLE[name]?.length ?? 0)) missing.push(name)
      } else if (!CONSTANTS.has(name)) {
        missing.push(`${name} (a non-function export: add it to CONSTANTS or give it cases)`)
      } else if (value !== null && typeof value === 'object') {
        for (const [member, fn] of Object.entries(value))
          if (typeof fn === 'function' && !(TABLE[`${name}.${member}`]?.length ?? 0))
            missing.push(`${name}.${member}`)
      }
    }
    expect(missing).toEqual([])
  })

  for (const [fn, list] of Object.entries(TABLE)) {
    describe(fn, () => {
      it.each(list.map((c) => [c.name, c] as const))('%s', { timeout: 20_000 }, (_name, c) => {
        let value: unknown
        let error: unknown
        let threw = false
        try {
          value = c.call()
        } catch (e) {
          threw = true
          error = e
        }
        if (typeof c.expect === 'function') {
          if (threw) throw error
          c.expect(value)
          return
        }
        if (!threw) throw new Error(`expected a ReferenceInputError, got ${String(value)}`)
        if (!(error instanceof ReferenceInputError))
          throw new Error(
            `expected a ReferenceInputError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          )
        expect(error.hint.length).toBeGreaterThan(0)
        expect(error.message).toContain(error.hint)
        expect(error.message.length).toBeLessThan(2000)
      })
    })
  }
})
