/**
 * One conformance check per fact the emulator is calibrated to (data/calibration/FACTS.md): the whole
 * history 2012-01..2026-07 is scanned once (the same cells HTTP serves), then every fact is held to
 * its tolerance. `pnpm --filter @kcs-trade/emulator calibrate` prints the same table.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { calibrationFacts, evaluate, type FactResult } from './calibration/facts.js'
import { calibrationDataset, measure } from './calibration/measure.js'

let results: FactResult[] = []

beforeAll(() => {
  const dataset = calibrationDataset(1)
  const m = measure(dataset, { from: '2012-01', to: '2026-07' })
  results = evaluate(calibrationFacts(m), m)
}, 600_000)

function describeResult(r: FactResult): string {
  return `${r.name}: real ${r.fact} ${r.unit}, emulator ${r.figure.toFixed(3)} (ratio ${r.ratio.toFixed(3)}, tolerance ${r.tolerance}; ${r.source})`
}

const GROUPS: [group: string, atLeast: number][] = [
  ['rows', 10],
  ['quirks', 3],
  ['exports by month', 127],
  ['imports by month', 21],
  ['annual totals', 28],
  ['partners', 15],
  ['exports by chapter 2025', 15],
  ['exports by HS-6 2025', 11],
  ['direction 2025', 8],
  ['partner × product', 34],
  ['products', 10],
  ['green coffee', 8],
]

describe('calibration to real Korean trade (FACTS.md), seed 1, 2012-01..2026-07', () => {
  it.each(GROUPS)('%s: every fact within its tolerance', (group, atLeast) => {
    const mine = results.filter((r) => r.group === group)
    expect(mine.length).toBeGreaterThanOrEqual(atLeast)
    const failed = mine.filter((r) => !r.pass).map(describeResult)
    expect(failed, failed.join('\n')).toEqual([])
  })

  it('checks every fact it lists (no group left out)', () => {
    const known = new Set(GROUPS.map(([g]) => g))
    expect(results.filter((r) => !known.has(r.group)).map((r) => r.group)).toEqual([])
  })
})
