/**
 * Runs the README's example of the sibling datasets as written (on an in-memory PGlite, as the
 * example itself opens): the names it imports from `@kcs-trade/db` are handed in from this package,
 * and every `// value` comment on a top-level `console.log` line is checked against what was logged.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as pkg from './index.js'

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

/** The first ```ts block under the `## heading`. */
function exampleUnder(heading: string): string {
  const at = readme.indexOf(`## ${heading}\n`)
  if (at < 0) throw new Error(`README has no "## ${heading}" section`)
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))
  if (!block?.[1]) throw new Error(`no ts block under "## ${heading}"`)
  return block[1]
}

/** `console.log(a, b) // 'x' 2` → the logged values must print as `'x' 2` (text before " — " only). */
function expectations(code: string): Array<string | undefined> {
  return code
    .split('\n')
    .filter((line) => /^console\.log\(/.test(line))
    .map((line) => {
      const at = line.indexOf(' // ')
      return at < 0
        ? undefined
        : line
            .slice(at + 4)
            .split(' — ')[0]!
            .trim()
    })
}

/** A logged value the way the README writes it: strings in single quotes, numbers as they are. */
function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value)
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<void>

describe('README: sibling datasets', () => {
  it('"Sibling datasets: country and national totals" runs as written', async () => {
    const code = exampleUnder('Sibling datasets: country and national totals')
    const imported = /^import \{([^}]*)\} from '@kcs-trade\/db'\n/.exec(code)
    if (!imported?.[1]) throw new Error('the example does not start with an import from @kcs-trade/db')
    const names = imported[1]
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)
    const exports = pkg as Record<string, unknown>
    for (const name of names) expect(exports[name], `${name} is not exported`).toBeDefined()
    const body = code.slice(imported[0].length)
    const logged: string[] = []
    const fakeConsole = { log: (...values: unknown[]) => logged.push(values.map(show).join(' ')) }
    await new AsyncFunction(...names, 'console', body)(...names.map((n) => exports[n]), fakeConsole)
    const wanted = expectations(body).filter((w): w is string => w !== undefined)
    expect(wanted.length).toBeGreaterThan(3)
    expect(logged).toEqual(wanted)
  })
})
