import { describe, expect, it } from 'vitest'
import { KcsValidationError } from './errors.js'
import { monthsBetween, parseTradeQuery, splitIntoWindows, toYyyymm, validateTradeQuery } from './query.js'

function fieldOf(input: unknown, range = false): string {
  const r = validateTradeQuery(input, { range })
  if (r.ok) throw new Error('expected a validation error')
  expect(r.error).toBeInstanceOf(KcsValidationError)
  expect(r.error.hint.length).toBeGreaterThan(0)
  return r.error.field
}

describe('parseTradeQuery', () => {
  it('accepts YYYY-MM and YYYYMM and normalises to YYYY-MM', () => {
    expect(parseTradeQuery({ from: '202501', to: '2025-12', country: 'US', hs: '0202' })).toEqual({
      from: '2025-01',
      to: '2025-12',
      country: 'US',
      hs: '0202',
    })
    expect(parseTradeQuery({ from: '2025-03', to: '2025-03', hs: '85' })).toEqual({
      from: '2025-03',
      to: '2025-03',
      hs: '85',
    })
    expect(parseTradeQuery({ from: '2024-07', to: '2025-06', country: 'NA' }).country).toBe('NA')
  })

  it('names the month field for a bad period format', () => {
    for (const bad of ['2025.01', '2025-1', '2025-13', '2025-00', '25-01', '', 'January', 202501]) {
      expect(fieldOf({ from: bad, to: '2025-12', country: 'US' })).toBe('from')
      expect(fieldOf({ from: '2025-01', to: bad, country: 'US' })).toBe('to')
    }
  })

  it('allows a window of 12 months and rejects 13, naming "to"', () => {
    expect(() => parseTradeQuery({ from: '2024-07', to: '2025-06', country: 'US' })).not.toThrow()
    expect(fieldOf({ from: '2024-07', to: '2025-07', country: 'US' })).toBe('to')
    const r = validateTradeQuery({ from: '2024-07', to: '2025-07', country: 'US' })
    expect(!r.ok && r.error.message).toMatch(/13 months/)
  })

  it('rejects an end before the start, naming "to"', () => {
    expect(fieldOf({ from: '2025-05', to: '2025-04', country: 'US' })).toBe('to')
    expect(fieldOf({ from: '2025-05', to: '2024-04', country: 'US' }, true)).toBe('to')
  })

  it('requires an HS prefix of 2, 4, 6 or 10 digits', () => {
    for (const hs of ['02', '0202', '020230', '0306171090']) {
      expect(parseTradeQuery({ from: '2025-01', to: '2025-01', hs }).hs).toBe(hs)
    }
    for (const hs of ['0', '020', '02023', '0202300', '03061710', '030617109', '03061710900', '02a2', 202]) {
      expect(fieldOf({ from: '2025-01', to: '2025-01', hs })).toBe('hs')
    }
  })

  it('requires an upper-case 2-letter country', () => {
    for (const country of ['us', 'Us', 'USA', 'U', '1A', '', 'z1', 840]) {
      expect(fieldOf({ from: '2025-01', to: '2025-01', country })).toBe('country')
    }
  })

  it("accepts KCS's one code with a digit (Z1, the IMF) and NA (Namibia)", () => {
    for (const country of ['Z1', 'NA', 'ZZ']) {
      expect(parseTradeQuery({ from: '2025-01', to: '2025-01', country }).country).toBe(country)
    }
  })

  it('requires at least one of country and hs', () => {
    expect(fieldOf({ from: '2025-01', to: '2025-01' })).toBe('country')
    const r = validateTradeQuery({ from: '2025-01', to: '2025-01' })
    expect(!r.ok && r.error.message).toMatch(/country.*hs/)
  })

  it('rejects unknown fields (a misspelt filter would silently widen the query)', () => {
    expect(fieldOf({ from: '2025-01', to: '2025-01', hs: '02', contry: 'US' })).toBe('contry')
  })

  it('rejects a non-object query', () => {
    expect(fieldOf(null)).toBe('query')
    expect(fieldOf('2025-01')).toBe('query')
  })

  it('reports every problem in validateTradeQuery', () => {
    const r = validateTradeQuery({ from: 'x', to: 'y', country: 'us', hs: '1' })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.errors.map((e) => e.field).sort()).toEqual(['country', 'from', 'hs', 'to'])
  })

  it('allows long ranges in range mode only', () => {
    expect(parseTradeQuery({ from: '2016-01', to: '2024-06', country: 'US' }, { range: true })).toEqual({
      from: '2016-01',
      to: '2024-06',
      country: 'US',
    })
    expect(() => parseTradeQuery({ from: '2016-01', to: '2024-06', country: 'US' })).toThrow(
      KcsValidationError,
    )
  })
})

describe('splitIntoWindows', () => {
  it('cuts a range into calendar-year windows', () => {
    expect(splitIntoWindows('2016-01', '2024-06')).toHaveLength(9)
    expect(splitIntoWindows('2023-11', '2025-02')).toEqual([
      { from: '2023-11', to: '2023-12' },
      { from: '2024-01', to: '2024-12' },
      { from: '2025-01', to: '2025-02' },
    ])
    expect(splitIntoWindows('202503', '202503')).toEqual([{ from: '2025-03', to: '2025-03' }])
  })

  it('never crosses a year and never exceeds 12 months, and covers the range exactly', () => {
    for (let a = 0; a < 40; a += 3) {
      for (let b = a; b < 60; b += 5) {
        const from = `${2010 + Math.floor(a / 12)}-${String((a % 12) + 1).padStart(2, '0')}`
        const to = `${2010 + Math.floor(b / 12)}-${String((b % 12) + 1).padStart(2, '0')}`
        const windows = splitIntoWindows(from, to)
        expect(windows[0]!.from).toBe(from)
        expect(windows[windows.length - 1]!.to).toBe(to)
        let total = 0
        windows.forEach((w, i) => {
          expect(w.from.slice(0, 4)).toBe(w.to.slice(0, 4))
          const n = monthsBetween(w.from, w.to)
          expect(n).toBeGreaterThanOrEqual(1)
          expect(n).toBeLessThanOrEqual(12)
          total += n
          if (i > 0) expect(monthsBetween(windows[i - 1]!.to, w.from)).toBe(2)
        })
        expect(total).toBe(monthsBetween(from, to))
      }
    }
  })

  it('rejects bad months and reversed ranges', () => {
    expect(() => splitIntoWindows('2025-13', '2025-12')).toThrow(KcsValidationError)
    expect(() => splitIntoWindows('2025-05', '2025-04')).toThrow(/after/)
  })

  it('converts months for the wire', () => {
    expect(toYyyymm('2025-01')).toBe('202501')
    expect(toYyyymm('202512')).toBe('202512')
  })
})
