import { describe, expect, it } from 'vitest'
import { KcsValidationError } from './errors.js'
import { createRedactor, normalizeServiceKey, redactSecret, secretVariants } from './secret.js'

const RAW = 'AbC+dEf/GhI+jKl/MnO=='
const ENCODED = 'AbC%2BdEf%2FGhI%2BjKl%2FMnO%3D%3D'
const lowerEscapes = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
const HEX = `${'a'.repeat(32)}0123456789abcdef0123456789abcdef`

describe('normalizeServiceKey', () => {
  it('decodes an "encoding" (percent-encoded) key exactly once', () => {
    expect(normalizeServiceKey(ENCODED)).toBe(RAW)
    expect(normalizeServiceKey(lowerEscapes(ENCODED))).toBe(RAW)
    // twice-encoded keys are decoded once only: the result is the once-encoded form
    expect(normalizeServiceKey(encodeURIComponent(ENCODED))).toBe(ENCODED)
  })

  it('keeps a "decoding" (raw) key and a hex key as they are', () => {
    expect(normalizeServiceKey(RAW)).toBe(RAW)
    expect(normalizeServiceKey(HEX)).toBe(HEX)
    expect(normalizeServiceKey(`  ${HEX}\n`)).toBe(HEX)
  })

  it('rejects empty keys, bad escapes and inner whitespace', () => {
    for (const bad of ['', '   ', 'abc%E0%A4%A', 'abc def', 'abc\u0000def']) {
      const e = (() => {
        try {
          normalizeServiceKey(bad)
        } catch (err) {
          return err
        }
      })()
      expect(e).toBeInstanceOf(KcsValidationError)
      expect((e as KcsValidationError).field).toBe('serviceKey')
    }
  })
})

describe('redactSecret', () => {
  it('redacts the raw, encoded, twice-encoded and form-encoded key in any hex case', () => {
    const variants = [
      RAW,
      ENCODED,
      lowerEscapes(ENCODED),
      encodeURIComponent(ENCODED),
      new URLSearchParams({ k: RAW }).toString().slice(2),
    ]
    for (const key of [RAW, ENCODED]) {
      for (const v of variants) {
        const out = redactSecret(`url?serviceKey=${v}&x=1 and again ${v}.`, key)
        expect(out).toBe('url?serviceKey=***&x=1 and again ***.')
      }
    }
  })

  it('leaves text without the key alone', () => {
    expect(redactSecret('nothing here', HEX)).toBe('nothing here')
    expect(redactSecret('', HEX)).toBe('')
    expect(redactSecret('abc', '')).toBe('abc')
  })

  it('escapes regular-expression characters in the key', () => {
    expect(redactSecret('x a+b.c* y', 'a+b.c*')).toBe('x *** y')
  })
})

describe('redaction without a regular expression built from the key', () => {
  // A 40 KB key used to crash every redactor call with "Regular expression too large".
  const BIG = 'Ab+/='.repeat(8192)
  const bigVariants = [
    BIG,
    encodeURIComponent(BIG),
    lowerEscapes(encodeURIComponent(BIG)),
    encodeURIComponent(encodeURIComponent(BIG)),
    new URLSearchParams({ k: BIG }).toString().slice(2),
  ]

  it('a 40 KB key is redacted in every spelling', () => {
    for (const v of bigVariants) {
      expect(redactSecret(`a ${v} b ${v}`, BIG)).toBe('a *** b ***')
      expect(redactSecret(`a ${v} b`, encodeURIComponent(BIG))).toBe('a *** b')
    }
  })

  it('createRedactor: several keys, a custom replacement, either hex case of a twice-encoded key', () => {
    const redact = createRedactor([RAW, undefined, '', 'second-key-42'], '[redacted]')
    const twice = encodeURIComponent(ENCODED)
    expect(redact(`${twice} ${lowerEscapes(twice)} second-key-42 ${RAW}`)).toBe(
      '[redacted] [redacted] [redacted] [redacted]',
    )
    expect(redact('short')).toBe('short')
    expect(createRedactor([])('text')).toBe('text')
    expect(() => createRedactor([5 as unknown as string])).toThrow(KcsValidationError)
    expect(() => createRedactor('k' as unknown as string[])).toThrow(KcsValidationError)
  })

  it('secretVariants lists the spellings longest first', () => {
    const v = secretVariants(ENCODED)
    expect(v).toContain(RAW)
    expect(v).toContain(ENCODED)
    expect(v).toContain(encodeURIComponent(ENCODED))
    expect([...v].sort((a, b) => b.length - a.length)).toEqual(v)
    expect(secretVariants('')).toEqual([])
  })
})
