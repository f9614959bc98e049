/** The English half of the search index: words of own names and context, synonyms and plural forms. */
import { normalizeEnglish } from './normalize.js'
import type { SearchDoc } from './search-types.js'

/**
 * Search-only English synonyms: trade words the UN Comtrade descriptions never use. They widen a
 * query; they are never shown as names. A synonym of two words ('bovine meat' for beef) counts as
 * the query word itself where the own name holds both; its first word alone ('Bovine animals;
 * live', 'bovine semen') still matches, ranked below.
 */
const ENGLISH_SYNONYMS: Record<string, readonly string[]> = {
  beef: ['bovine meat'],
  veal: ['bovine meat'],
  cattle: ['bovine'],
  cow: ['bovine'],
  cows: ['bovine'],
  pork: ['swine meat'],
  pig: ['swine'],
  pigs: ['swine'],
  hog: ['swine'],
  mutton: ['sheep meat'],
  lamb: ['sheep', 'lambs'],
  chicken: ['gallus', 'fowls'],
  poultry: ['fowls', 'poultry'],
  aluminum: ['aluminium'],
  cellphone: ['cellular', 'smartphones'],
  smartphone: ['smartphones'],
  tire: ['tyres'],
  tires: ['tyres'],
  color: ['colour'],
  fiber: ['fibre'],
  fibers: ['fibres'],
}

interface WordIndex {
  readonly words: readonly string[]
  /** Per word, the texts containing it. */
  readonly postings: readonly (readonly number[])[]
  /** Text -> documents, when texts are shared by several documents; else text id = document. */
  readonly docsOf?: readonly (readonly number[])[]
}

export interface EnglishIndex {
  readonly own: WordIndex
  readonly context: WordIndex
  /** Normalised own name per document. */
  readonly ownText: readonly string[]
}

/**
 * English word indexes. Texts repeat (2,794 HSK lines are "Other"; every line under a subheading
 * shares its ancestors' texts), so each distinct text is normalised and indexed once and its words
 * point to the documents through `docsOf`.
 */
export function buildEnglishIndex(docs: readonly SearchDoc[]): EnglishIndex {
  const normalized = new Map<string, string>()
  const norm = (text: string): string => {
    let n = normalized.get(text)
    if (n === undefined) {
      n = normalizeEnglish(text)
      normalized.set(text, n)
    }
    return n
  }
  const group = (pieces: (doc: SearchDoc) => readonly string[]): WordIndex => {
    const ids = new Map<string, number>()
    const distinct: string[] = []
    const docsOf: number[][] = []
    docs.forEach((doc, i) => {
      for (const piece of pieces(doc)) {
        if (!piece) continue
        let id = ids.get(piece)
        if (id === undefined) {
          id = distinct.length
          ids.set(piece, id)
          distinct.push(norm(piece))
          docsOf.push([])
        }
        const list = docsOf[id] as number[]
        if (list[list.length - 1] !== i) list.push(i)
      }
    })
    return { ...buildWordIndex(distinct), docsOf }
  }
  return {
    own: group((doc) => [doc.en]),
    context: group((doc) => doc.enContext),
    ownText: docs.map((doc) => norm(doc.en)),
  }
}

function buildWordIndex(texts: readonly string[]): WordIndex {
  const map = new Map<string, number[]>()
  texts.forEach((text, doc) => {
    if (!text) return
    for (const word of text.split(' ')) {
      if (!word) continue
      const list = map.get(word)
      if (!list) map.set(word, [doc])
      else if (list[list.length - 1] !== doc) list.push(doc)
    }
  })
  const words = [...map.keys()].sort()
  return { words, postings: words.map((w) => map.get(w) ?? []) }
}

export function lowerBound(words: readonly string[], key: string): number {
  let lo = 0
  let hi = words.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((words[mid] as string) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Marks, for every document having a word that starts with `prefix`, `exactFlag` or `prefixFlag`. */
export function markPrefix(
  index: WordIndex,
  prefix: string,
  flags: Uint8Array,
  exactFlag: number,
  prefixFlag: number,
) {
  for (let i = lowerBound(index.words, prefix); i < index.words.length; i++) {
    const word = index.words[i] as string
    if (!word.startsWith(prefix)) break
    const flag = word.length === prefix.length ? exactFlag : prefixFlag
    const docsOf = index.docsOf
    for (const id of index.postings[i] as number[]) {
      if (docsOf) for (const doc of docsOf[id] as number[]) flags[doc] = (flags[doc] as number) | flag
      else flags[id] = (flags[id] as number) | flag
    }
  }
}

/**
 * Marks documents whose own name holds a synonym phrase: 4 where it has every word (`bovine` and
 * `meat`), 8 where it has only the first.
 */
export function markSynonymPhrase(
  index: WordIndex,
  head: string,
  rest: readonly string[],
  flags: Uint8Array,
) {
  const n = flags.length
  const headDocs = new Uint8Array(n)
  markPrefix(index, head, headDocs, 1, 1)
  const others = rest.map((word) => {
    const docs = new Uint8Array(n)
    markPrefix(index, word, docs, 1, 1)
    return docs
  })
  for (let i = 0; i < n; i++) {
    if (headDocs[i] === 0) continue
    const all = others.every((docs) => docs[i] !== 0)
    flags[i] = (flags[i] as number) | (all ? 4 : 8)
  }
}

export function englishAlternatives(token: string): string[] {
  const alts = [token, ...(ENGLISH_SYNONYMS[token] ?? [])]
  if (token.length > 4 && token.endsWith('ies')) alts.push(`${token.slice(0, -3)}y`)
  else if (token.length > 3 && token.endsWith('es')) alts.push(token.slice(0, -2), token.slice(0, -1))
  else if (token.length > 3 && token.endsWith('s') && !token.endsWith('ss')) alts.push(token.slice(0, -1))
  return alts
}

/** English words too common to narrow a query; ignored unless the query has nothing else. */
export const STOP_WORDS = new Set([
  'a',
  'an',
  'and',
  'or',
  'of',
  'the',
  'in',
  'on',
  'for',
  'to',
  'with',
  'by',
  'not',
])
