/**
 * Runs the root README's "Using a package on its own" example as written, against the emulator: its
 * imports are supplied, `createKcsClient` is pointed at the emulator, and what it logs is checked.
 */
import { readFileSync } from 'node:fs'
import { createKcsClient, type KcsClientOptions } from '@kcs-trade/client'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { countries, hs, hsk } from '@kcs-trade/reference'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')

function exampleUnder(heading: string): string {
  const at = readme.indexOf(`## ${heading}`)
  if (at < 0) throw new Error(`README has no "## ${heading}" section`)
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))
  if (!block?.[1]) throw new Error(`no ts block under "## ${heading}"`)
  return block[1]
}

/** The example's TypeScript, as JavaScript: imports dropped, the one non-null assertion removed. */
function asJavaScript(code: string): string {
  return code
    .split('\n')
    .filter((line) => !line.startsWith('import '))
    .join('\n')
    .replaceAll('process.env.KCS_SERVICE_KEY!', 'process.env.KCS_SERVICE_KEY')
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<void>

describe('root README', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await createEmulator({ port: 0, seed: 1, keys: ['readme-key'], today: '2026-11-23' })
  })
  afterAll(() => emu.close())

  it('"Using a package on its own" runs as written and prints beef with names', async () => {
    const code = exampleUnder('Using a package on its own')
    expect(code).not.toMatch(/hsk\.get\(row\.hsCode\)/) // 6-digit answers: hsk.get would throw
    const logged: unknown[][] = []
    const client = (options: KcsClientOptions) => createKcsClient({ ...options, baseUrl: emu.url })
    const env = { KCS_SERVICE_KEY: 'readme-key' }
    await new AsyncFunction(
      'createKcsClient',
      'countries',
      'hs',
      'hsk',
      'console',
      'process',
      asJavaScript(code),
    )(client, countries, hs, hsk, { log: (...args: unknown[]) => logged.push(args) }, { env })
    const truth = emu.truth.rows({ country: 'US', from: '2025-01', to: '2025-12', hs: '0202' })
    expect(truth.length).toBeGreaterThan(0)
    expect(logged).toHaveLength(truth.length + 1)
    const first = logged[0]!
    expect(first[1]).toBe('미국')
    expect(String(first[2])).toMatch(/^0202\d{2}$/)
    expect(String(first[4])).toMatch(/bovine/)
    expect(logged[logged.length - 1]).toEqual([
      '2025 total imports, US$',
      truth.reduce((s, r) => s + r.importUsd, 0),
    ])
  })
})
