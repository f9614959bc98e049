/** The Korean half of the search index: compacted names and context pieces, found by substring. */
import { compactKorean } from './normalize.js'
import type { SearchDoc } from './search-types.js'

/** Korean spelling pairs that name the same thing (both are standard: 쇠고기 and 소고기). */
const KOREAN_SYNONYMS: readonly (readonly [string, string])[] = [
  ['쇠고기', '소고기'],
  ['소고기', '쇠고기'],
  ['휴대전화', '휴대폰'],
  ['휴대폰', '휴대전화'],
]

export interface KoreanIndex {
  /** Distinct compacted Korean strings: own names and context pieces. */
  readonly pieces: readonly string[]
  /** piece -> documents whose own name it is / whose context contains it. */
  readonly ownDocs: readonly (readonly number[])[]
  readonly contextDocs: readonly (readonly number[])[]
  /** character -> pieces containing it, to narrow the substring scan to a few candidates. */
  readonly byChar: ReadonlyMap<string, readonly number[]>
  /** compacted own name per document. */
  readonly own: readonly string[]
}

export function buildKoreanIndex(docs: readonly SearchDoc[]): KoreanIndex {
  // Context pieces repeat across thousands of documents: compact each distinct text once.
  const compacted = new Map<string, string>()
  const compact = (text: string): string => {
    let c = compacted.get(text)
    if (c === undefined) {
      c = compactKorean(text)
      compacted.set(text, c)
    }
    return c
  }
  const ids = new Map<string, number>()
  const pieces: string[] = []
  const ownDocs: number[][] = []
  const contextDocs: number[][] = []
  const idOf = (text: string): number => {
    let id = ids.get(text)
    if (id === undefined) {
      id = pieces.length
      ids.set(text, id)
      pieces.push(text)
      ownDocs.push([])
      contextDocs.push([])
    }
    return id
  }
  const own: string[] = []
  docs.forEach((doc, i) => {
    const name = doc.ko ? compact(doc.ko) : ''
    own.push(name)
    if (name) (ownDocs[idOf(name)] as number[]).push(i)
    const seen = new Set<number>()
    for (const piece of doc.koContext) {
      const text = compact(piece)
      if (!text) continue
      const id = idOf(text)
      if (seen.has(id)) continue
      seen.add(id)
      ;(contextDocs[id] as number[]).push(i)
    }
  })
  const byChar = new Map<string, number[]>()
  pieces.forEach((piece, id) => {
    for (const ch of new Set(piece)) {
      const list = byChar.get(ch)
      if (list) list.push(id)
      else byChar.set(ch, [id])
    }
  })
  return { pieces, ownDocs, contextDocs, byChar, own }
}

/** The compacted query and its spellings with Korean synonyms swapped in. */
export function koreanVariants(compact: string): string[] {
  const variants = [compact]
  for (const [from, to] of KOREAN_SYNONYMS)
    if (compact.includes(from)) variants.push(compact.replaceAll(from, to))
  return variants
}

/** Pieces containing `text`: the postings of its rarest character, verified. */
export function piecesContaining(index: KoreanIndex, text: string): number[] {
  let rarest: readonly number[] | undefined
  for (const ch of new Set(text)) {
    const list = index.byChar.get(ch)
    if (!list) return []
    if (!rarest || list.length < rarest.length) rarest = list
  }
  return (rarest ?? []).filter((id) => (index.pieces[id] as string).includes(text))
}
