/**
 * Runs the README's examples: every call of the block that imports `{ countries, hs, hsk }` is
 * evaluated, and its `// …` comment is checked where it states a value:
 *   - `// throws …`                       the call throws ReferenceInputError;
 *   - `// <JS literal>[ — note | (note)]` the value equals the literal (strings, numbers,
 *     booleans, undefined, arrays, objects; a comment may go on over following `//` lines);
 *   - `// = <call>: …`                     the value equals that call's;
 *   - `// 0201201000, 0202201000[ …]`     the result's codes are exactly these (or, when more
 *     text follows, start with them);
 *   - anything else, or a literal with `…`: the call only has to run.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { countries, hs, hsk, ReferenceInputError } from './index.js'

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
const IMPORT = "import { countries, hs, hsk } from '@kcs-trade/reference'"

interface Example {
  code: string
  comment: string
}

function examples(): Example[] {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
  const block = blocks.find((b) => b.startsWith(IMPORT))
  if (!block) throw new Error('README has no examples block')
  const out: Example[] = []
  let afterBlank = true
  for (const line of block.split('\n').slice(1)) {
    const trimmed = line.trim()
    const last = out[out.length - 1]
    if (trimmed === '') {
      afterBlank = true
      continue
    }
    if (trimmed.startsWith('//')) {
      // A comment line right under an example goes on with its comment; after a blank line it is
      // a heading ("// Search — …").
      if (last && !afterBlank) last.comment = `${last.comment} ${trimmed.slice(2).trim()}`.trim()
      continue
    }
    afterBlank = false
    const at = line.indexOf(' // ')
    const code = at < 0 ? trimmed : line.slice(0, at).trim()
    const comment = at < 0 ? '' : line.slice(at + 4).trim()
    if (last && code.startsWith('.')) {
      // A call chain the formatter broke over several lines.
      last.code += code
      last.comment = comment
    } else {
      out.push({ code, comment })
    }
  }
  return out
}

const run = (code: string): unknown =>
  new Function('countries', 'hs', 'hsk', `return (${code})`)(countries, hs, hsk) as unknown

/** The comment's leading JS literal, or `undefined` as `{ none: true }` when it states none. */
function literalOf(comment: string): { value: unknown } | { none: true } {
  if (comment.includes('…')) return { none: true }
  const candidates = [comment, comment.split(' — ')[0], comment.split('  ')[0], comment.split(' (')[0]]
  for (const candidate of candidates) {
    const text = candidate?.trim() ?? ''
    if (!/^(['[{]|-?\d+$|true$|false$|undefined$|null$)/.test(text)) continue
    try {
      return { value: new Function(`return (${text})`)() as unknown }
    } catch {
      // not this one
    }
  }
  return { none: true }
}

describe('README examples', () => {
  const list = examples()

  it('has examples to run', () => {
    expect(list.length).toBeGreaterThan(30)
  })

  for (const { code, comment } of list) {
    it(`${code}${comment ? ` // ${comment.slice(0, 60)}` : ''}`, () => {
      if (comment.startsWith('throws')) {
        expect(() => run(code)).toThrow(ReferenceInputError)
        return
      }
      const value = run(code)
      const same = /^= (.+?\)):/.exec(comment)
      if (same?.[1]) {
        expect(value).toEqual(run(same[1]))
        return
      }
      const codes = /^\d{2,10}(?:, \d{2,10})*/.exec(comment)?.[0]
      if (codes && Array.isArray(value)) {
        const expected = codes.split(', ')
        const actual = (value as { code: string }[]).map((e) => e.code)
        if (comment === codes) expect(actual).toEqual(expected)
        else expect(actual.slice(0, expected.length)).toEqual(expected)
        return
      }
      const literal = literalOf(comment)
      if ('value' in literal) expect(value).toEqual(literal.value)
    })
  }

  it('names only subpaths the package exports', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>
    }
    for (const [, subpath] of readme.matchAll(/from '@kcs-trade\/reference(\/[a-z]+)?'/g)) {
      expect(Object.keys(manifest.exports)).toContain(subpath ? `.${subpath}` : '.')
    }
  })
})
