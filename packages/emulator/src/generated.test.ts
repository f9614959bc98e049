import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generate } from '../scripts/generate.js'

describe('generated calibration tables', () => {
  it('match what scripts/generate.ts produces from data/calibration/ (run `pnpm generate` if this fails)', () => {
    const committed = readFileSync(join(import.meta.dirname, 'generated', 'calibration.ts'), 'utf8')
    expect(committed === generate(), 'src/generated/calibration.ts is stale: run pnpm generate').toBe(true)
  })
})
