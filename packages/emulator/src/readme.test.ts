/**
 * Runs the README's "Use it in tests" example as written (its imports supplied), so the docs cannot
 * drift from the code.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createKcsClient } from '@kcs-trade/client'
import { describe, expect, it } from 'vitest'
import { createEmulator } from './index.js'

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

function exampleUnder(heading: string): string {
  // The first ts block after the heading.
  const at = readme.indexOf(`## ${heading}`)
  if (at < 0) throw new Error(`README has no "## ${heading}" section`)
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))
  if (!block?.[1]) throw new Error(`no ts block under "## ${heading}"`)
  return block[1]
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<void>

describe('README', () => {
  it('"Use it in tests" runs as written', async () => {
    const code = exampleUnder('Use it in tests')
      .split('\n')
      .filter((line) => !line.startsWith('import '))
      .join('\n')
    expect(code).toContain('createEmulator(')
    await new AsyncFunction('createEmulator', 'createKcsClient', 'expect', code)(
      createEmulator,
      createKcsClient,
      expect,
    )
  })

  it('"The sibling APIs" runs as written', async () => {
    const code = exampleUnder('The sibling APIs')
      .split('\n')
      .filter((line) => !line.startsWith('import '))
      .join('\n')
    expect(code).toContain('tradeByItem(')
    await new AsyncFunction('createEmulator', 'createKcsClient', 'expect', code)(
      createEmulator,
      createKcsClient,
      expect,
    )
  })
})
