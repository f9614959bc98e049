/**
 * Runs the README's sibling-API examples as written, against a local server answering each operation
 * with the real captured body from `__fixtures__/siblings`; every `// value` comment on a
 * `console.log` line is checked against what was logged.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKcsClient, type KcsClient } from './client.js'
import { TestServer } from './test-utils/server.js'

const here = import.meta.dirname
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8')
const fixture = (name: string) => readFileSync(join(here, '__fixtures__', 'siblings', name), 'utf8')
const BODIES: Record<string, string> = {
  '/1220000/Itemtrade/getItemtradeList': fixture('opendata-go_02_itemtrade_abridged.xml'),
  '/1220000/nationtrade/getNationtradeList': fixture('opendata-go_03_nationtrade_abridged.xml'),
  '/1220000/Newtrade/getNewtradeList': fixture('mcportal_Newtrade_getNewtradeList_201601_full.xml'),
}

function exampleUnder(heading: string): string {
  const at = readme.indexOf(`### ${heading}`)
  if (at < 0) throw new Error(`README has no "### ${heading}" section`)
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at))
  if (!block?.[1]) throw new Error(`no ts block under "### ${heading}"`)
  return block[1]
}

/** `console.log(a, b) // 1 true` → the logged values must print as `1 true` (text before " — " only). */
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

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<void>

/** Prints a logged value the way the README writes it: JS-literal style with single quotes. */
function show(value: unknown): string {
  return JSON.stringify(value)
    .replace(/"([A-Za-z_][A-Za-z0-9_]*)":/g, '$1: ')
    .replace(/"/g, "'")
    .replace(/,(?=\S)/g, ', ')
    .replace(/\{(?=\S)/g, '{ ')
    .replace(/(?<=\S)\}/g, ' }')
}

describe('README: the sibling APIs', () => {
  let server: TestServer
  let kcs: KcsClient
  beforeAll(async () => {
    server = await new TestServer().start()
    server.handler = (req, res) => {
      const body = BODIES[new URL(req.url ?? '/', server.origin).pathname]
      res.writeHead(body ? 200 : 400, { 'content-type': 'application/xml' })
      res.end(body ?? '')
    }
    kcs = createKcsClient({ serviceKey: 'readme-key', baseUrl: server.origin, retry: 0 })
  })
  afterAll(() => server.stop())

  for (const heading of ['Item totals', 'Country totals', 'National totals']) {
    it(`"${heading}" runs as written`, async () => {
      const code = exampleUnder(heading)
      const logged: string[] = []
      const fakeConsole = { log: (...values: unknown[]) => logged.push(values.map(show).join(' ')) }
      await new AsyncFunction('kcs', 'console', code)(kcs, fakeConsole)
      // Only the top-level console.log lines carry a checked comment; loops log freely.
      const topLevel = code.split('\n').filter((l) => /^console\.log\(/.test(l)).length
      expect(topLevel).toBeGreaterThan(0)
      const wanted = expectations(code)
      const logs = logged
      let cursor = 0
      for (const want of wanted) {
        if (want === undefined) continue
        const found = logs.slice(cursor).indexOf(want)
        expect(found, `no log equal to: ${want}\nlogged:\n${logs.join('\n')}`).toBeGreaterThanOrEqual(0)
        cursor += found + 1
      }
    })
  }
})
