import { readFileSync } from 'node:fs'

/** The large tables shipped as text next to the code (`generated/*.txt`, copied to `dist/` by the build). */
export type DataFile =
  | 'hs-2022'
  | 'hs-2017'
  | 'hs-2012'
  | 'correlation-2022-2017'
  | 'correlation-2022-2012'
  | 'correlation-2017-2012'
  | 'categories'
  | 'hs6-categories'
  | 'hsk'

const cache = new Map<DataFile, string>()

/**
 * Reads a table on first use. Importing a subpath therefore costs no megabytes of string literals;
 * each table is read once, synchronously, by the first call that needs it.
 */
export function loadData(name: DataFile): string {
  const cached = cache.get(name)
  if (cached !== undefined) return cached
  const text = readFileSync(new URL(`../generated/${name}.txt`, import.meta.url), 'utf8')
  // Drop the `#` provenance line and the final newline.
  const body = text.slice(text.startsWith('#') ? text.indexOf('\n') + 1 : 0).replace(/\n$/, '')
  cache.set(name, body)
  return body
}
