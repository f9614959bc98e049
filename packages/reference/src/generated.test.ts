import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generate } from '../scripts/generate.js'

describe('generated tables', () => {
  it('match what scripts/generate.ts produces from data/ (run `pnpm generate` if this fails)', () => {
    const files = generate()
    expect(Object.keys(files).sort()).toEqual([
      'categories.ts',
      'countries.ts',
      'hs-2012.ts',
      'hs-2017.ts',
      'hs-2022.ts',
      'hs-correlation.ts',
      'hs-meta.ts',
      'hsk.ts',
    ])
    for (const [name, content] of Object.entries(files)) {
      const committed = readFileSync(join(import.meta.dirname, 'generated', name), 'utf8')
      expect(committed === content, `src/generated/${name} is stale: run pnpm generate`).toBe(true)
    }
  }, 60_000)
})
