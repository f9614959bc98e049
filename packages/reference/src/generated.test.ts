import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generate } from '../scripts/generate.js'

describe('generated tables', () => {
  it('match what scripts/generate.ts produces from data/ (run `pnpm generate` if this fails)', () => {
    const files = generate()
    expect(Object.keys(files).sort()).toEqual([
      'categories.txt',
      'correlation-2017-2012.txt',
      'correlation-2022-2012.txt',
      'correlation-2022-2017.txt',
      'countries.ts',
      'hs-2012.txt',
      'hs-2017.txt',
      'hs-2022.txt',
      'hs6-categories.txt',
      'hsk.txt',
      'meta.ts',
    ])
    expect(readdirSync(join(import.meta.dirname, 'generated')).sort()).toEqual(Object.keys(files).sort())
    for (const [name, content] of Object.entries(files)) {
      const committed = readFileSync(join(import.meta.dirname, 'generated', name), 'utf8')
      expect(committed === content, `src/generated/${name} is stale: run pnpm generate`).toBe(true)
    }
  }, 60_000)
})
