import { describe, expect, it } from 'vitest'
import { compileEndpoint, nitemtradeEndpoint, parseSafeInteger } from './endpoint.js'
import { KcsResponseFormatError } from './errors.js'

describe('compiled endpoints', () => {
  const fast = compileEndpoint(nitemtradeEndpoint)
  const generic = compileEndpoint(nitemtradeEndpoint, { codegen: false })

  it('orders item fields alphabetically, as the API sends them', () => {
    expect(fast.itemFields).toEqual([
      'balPayments',
      'expDlr',
      'expWgt',
      'hsCd',
      'impDlr',
      'impWgt',
      'statCd',
      'statCdCntnKor1',
      'statKor',
      'year',
    ])
  })

  it('the generated mapper and the generic one (used where code generation is forbidden) agree', () => {
    const good = ['-1', '2', '3', '0101', '4', '5', 'NA', '나미비아', '기타', '2025.07']
    expect(fast.mapRow(good)).toEqual(generic.mapRow(good))
    expect(Object.keys(fast.mapRow(good) as object)).toEqual(Object.keys(generic.mapRow(good) as object))
    const bad: (string | undefined)[][] = [
      [undefined, ...good.slice(1)],
      ['1.5', ...good.slice(1)],
      [...good.slice(0, 9), '2025-07'],
      [...good.slice(0, 9), undefined],
      [good[0]!, '9007199254740992', ...good.slice(2)],
    ]
    for (const values of bad) {
      let a: unknown
      let b: unknown
      try {
        fast.mapRow(values)
      } catch (e) {
        a = e
      }
      try {
        generic.mapRow(values)
      } catch (e) {
        b = e
      }
      expect(a).toBeInstanceOf(KcsResponseFormatError)
      expect(b).toBeInstanceOf(KcsResponseFormatError)
      expect((a as Error).message).toBe((b as Error).message)
    }
  })

  it('the generated and the generic accumulators agree', () => {
    const row = fast.mapRow(['-1', '2', '3', '0101', '4', '5', 'NA', '나미비아', '기타', '2025.07'])
    const a = [0, 0, 0, 0, 0]
    const b = [0, 0, 0, 0, 0]
    fast.accumulate(row, a)
    fast.accumulate(row, a)
    generic.accumulate(row, b)
    generic.accumulate(row, b)
    // exactSums (exportUsd, importUsd, balanceUsd) then approximateSums (exportKg, importKg)
    expect(a).toEqual([4, 8, -2, 6, 10])
    expect(b).toEqual(a)
  })

  it('recognises the totals row by content', () => {
    expect(fast.isTotals(['0', '0', '0', '-', '0', '0', '-', '-', '-', '총계'])).toBe(true)
    expect(fast.isTotals(['0', '0', '0', '-', '0', '0', '-', '-', '-', '2025.01'])).toBe(false)
  })
})

describe('parseSafeInteger', () => {
  it('parses plain integers exactly', () => {
    expect(parseSafeInteger('0', 'x')).toBe(0)
    expect(Object.is(parseSafeInteger('-0', 'x'), 0)).toBe(true)
    expect(parseSafeInteger('007', 'x')).toBe(7)
    expect(parseSafeInteger('-123456789012345', 'x')).toBe(-123456789012345)
    expect(parseSafeInteger('9007199254740991', 'x')).toBe(Number.MAX_SAFE_INTEGER)
    expect(parseSafeInteger('0000000000000000009', 'x')).toBe(9)
  })

  it('refuses everything else', () => {
    for (const bad of [
      '',
      '-',
      '+1',
      '1.0',
      '1e3',
      ' 1',
      '1 ',
      '0x10',
      '١',
      '9007199254740992',
      '-9007199254740992',
    ]) {
      expect(() => parseSafeInteger(bad, 'x')).toThrow(KcsResponseFormatError)
    }
  })
})
