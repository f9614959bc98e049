import { describe, expect, it } from 'vitest'
import { kstDay, kstMonth, nextKstMidnight } from './index.js'

describe('Korea time', () => {
  it('is UTC+9: the day and month turn at 15:00 UTC', () => {
    const evening = Date.parse('2026-11-30T14:59:59.999Z')
    expect(kstDay(evening)).toBe('2026-11-30')
    expect(kstDay(evening + 1)).toBe('2026-12-01')
    expect(kstMonth(evening)).toBe('2026-11')
    expect(kstMonth(new Date(evening + 1))).toBe('2026-12')
    // 20:00 UTC on 30 November is already December in Korea, and the next year on New Year's Eve.
    expect(kstMonth(Date.parse('2026-11-30T20:00:00Z'))).toBe('2026-12')
    expect(kstMonth(Date.parse('2026-12-31T16:00:00Z'))).toBe('2027-01')
    expect(nextKstMidnight(new Date(evening)).getTime()).toBe(evening + 1)
  })

  it('defaults to now', () => {
    const before = kstDay(Date.now())
    const day = kstDay()
    expect([before, kstDay(Date.now())]).toContain(day)
    expect(kstMonth()).toBe(day.slice(0, 7))
  })
})
