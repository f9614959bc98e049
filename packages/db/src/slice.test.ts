import { describe, expect, it } from 'vitest'
import { InvalidSliceError } from './errors.js'
import { redactSecrets } from './replace.js'
import { normalizePeriod, normalizeSlice, prefixUpperBound, sliceKey } from './slice.js'

describe('slices', () => {
  it('normalise YYYYMM and YYYY-MM and get a stable key', () => {
    expect(normalizeSlice({ country: 'US', from: '202501', to: '2025-12' })).toEqual({
      key: 'US:2025-01..2025-12',
      country: 'US',
      hs: null,
      from: '2025-01',
      to: '2025-12',
    })
    expect(normalizeSlice({ hs: '85', from: '2025-03', to: '202503' }).key).toBe('*:2025-03..2025-03:85')
    expect(sliceKey({ country: 'NA', hs: '0101', from: '2024-01', to: '2024-06' })).toBe(
      'NA:2024-01..2024-06:0101',
    )
    // KCS's one code with a digit: Z1, the IMF.
    expect(normalizeSlice({ country: 'Z1', from: '2025-01', to: '2025-12' }).key).toBe('Z1:2025-01..2025-12')
  })

  it('follow the API rules', () => {
    const bad = [
      { from: '2025-01', to: '2025-01' },
      { country: 'USA', from: '2025-01', to: '2025-01' },
      { country: '1Z', from: '2025-01', to: '2025-01' },
      { country: 'US', hs: '8', from: '2025-01', to: '2025-01' },
      { country: 'US', hs: '85012', from: '2025-01', to: '2025-01' },
      { country: 'US', from: '2025-13', to: '2025-12' },
      { country: 'US', from: '2024-12', to: '2025-12' },
      { country: 'US', from: '2025-02', to: '2025-01' },
    ]
    for (const slice of bad) expect(() => normalizeSlice(slice)).toThrow(InvalidSliceError)
    expect(normalizeSlice({ country: 'US', from: '2024-07', to: '2025-06' }).key).toBe('US:2024-07..2025-06')
  })

  it('parse periods strictly', () => {
    expect(normalizePeriod('2025-01')).toBe('2025-01')
    expect(normalizePeriod('202512')).toBe('2025-12')
    for (const bad of ['2025-1', '2025.01', '2025-00', '20251', '', undefined, 202501]) {
      expect(normalizePeriod(bad)).toBeNull()
    }
  })

  it('compute the upper bound of an HS prefix range', () => {
    expect(prefixUpperBound('85')).toBe('86')
    expect(prefixUpperBound('8509')).toBe('851')
    expect(prefixUpperBound('0199')).toBe('02')
    expect(prefixUpperBound('99')).toBeNull()
    for (const [prefix, inside, outside] of [
      ['8509', '8509990000', '8510000000'],
      ['0199', '0199123456', '0200000000'],
    ] as const) {
      const upper = prefixUpperBound(prefix)!
      expect(inside >= prefix && inside < upper).toBe(true)
      expect(outside < upper).toBe(false)
    }
  })
})

describe('redactSecrets', () => {
  it('removes raw, encoded and decoded forms', () => {
    const key = 'ab+c/d=='
    const text = `key=${key} url=?serviceKey=${encodeURIComponent(key)}`
    expect(redactSecrets(text, [key])).toBe('key=*** url=?serviceKey=***')
    expect(redactSecrets('serviceKey=ab%2Bc', ['ab+c'])).toBe('serviceKey=***')
    expect(redactSecrets('x ab+c y', ['ab%2Bc'])).toBe('x *** y')
    expect(redactSecrets('nothing', ['', 'zz'])).toBe('nothing')
  })
})
