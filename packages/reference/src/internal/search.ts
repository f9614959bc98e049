import { describeInput, ReferenceInputError } from '../errors.js'
import { compactKorean, hasHangul, normalizeEnglish } from './normalize.js'

/** Search language: `'ko'` matches Korean titles and names, `'en'` English words. */
export type SearchLang = 'ko' | 'en'

/**
 * How a result matched, best first: `code` (the query is the code or a prefix of it), `exact` (the
 * whole own name), `prefix` (the own name starts with the query), `name` (every word, or the Korean
 * text, occurs in the own name), `related` (matched only through context: ancestors' names or the
 * KCS integrated classification names).
 */
export type MatchKind = 'code' | 'exact' | 'prefix' | 'name' | 'related'

export interface SearchDoc {
  readonly code: string
  /** Own English name (raw; normalised by the index). */
  readonly en: string
  /** English context (raw): the ancestors' names. Shared texts are indexed once. */
  readonly enContext: readonly string[]
  /** Own Korean name (raw; compacted by the index); '' when unknown. */
  readonly ko: string
  /** Korean context (raw): ancestors' names, KCS classification names. */
  readonly koContext: readonly string[]
}

export interface Hit {
  readonly index: number
  readonly score: number
  readonly match: MatchKind
}

export interface SearchOptions {
  lang?: SearchLang | undefined
  limit?: number | undefined
  /** Keeps a document only if this returns true. */
  accept?: ((index: number) => boolean) | undefined
}

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

/** Korean spelling pairs that name the same thing (both are standard: 쇠고기 and 소고기). */
const KOREAN_SYNONYMS: readonly (readonly [string, string])[] = [
  ['쇠고기', '소고기'],
  ['소고기', '쇠고기'],
  ['휴대전화', '휴대폰'],
  ['휴대폰', '휴대전화'],
]

interface WordIndex {
  readonly words: readonly string[]
  /** Per word, the texts containing it. */
  readonly postings: readonly (readonly number[])[]
  /** Text -> documents, when texts are shared by several documents; else text id = document. */
  readonly docsOf?: readonly (readonly number[])[]
}

interface EnglishIndex {
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
function buildEnglishIndex(docs: readonly SearchDoc[]): EnglishIndex {
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

function lowerBound(words: readonly string[], key: string): number {
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
function markPrefix(
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
function markSynonymPhrase(index: WordIndex, head: string, rest: readonly string[], flags: Uint8Array) {
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

function englishAlternatives(token: string): string[] {
  const alts = [token, ...(ENGLISH_SYNONYMS[token] ?? [])]
  if (token.length > 4 && token.endsWith('ies')) alts.push(`${token.slice(0, -3)}y`)
  else if (token.length > 3 && token.endsWith('es')) alts.push(token.slice(0, -2), token.slice(0, -1))
  else if (token.length > 3 && token.endsWith('s') && !token.endsWith('ss')) alts.push(token.slice(0, -1))
  return alts
}

export function readLang(lang: unknown): SearchLang | undefined {
  if (lang === undefined || lang === 'ko' || lang === 'en') return lang
  throw new ReferenceInputError(`unknown search language ${describeInput(lang)}`, {
    hint: "use lang: 'ko' or lang: 'en', or omit it to detect Hangul in the query",
    input: lang,
  })
}

export function readLimit(limit: unknown, fallback: number): number {
  if (limit === undefined) return fallback
  if (typeof limit === 'number' && Number.isInteger(limit) && limit > 0) return limit
  throw new ReferenceInputError(`limit must be a positive integer, got ${describeInput(limit)}`, {
    hint: 'pass e.g. limit: 20, or omit it',
    input: limit,
  })
}

/** English words too common to narrow a query; ignored unless the query has nothing else. */
const STOP_WORDS = new Set([
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

/** Keeps the best `limit` hits; comparing against the current worst rejects most candidates cheaply. */
class TopK {
  readonly hits: Hit[] = []
  readonly #limit: number
  readonly #codes: readonly string[]

  constructor(limit: number, codes: readonly string[]) {
    this.#limit = limit
    this.#codes = codes
  }

  /** Negative when hit a ranks before b: score, then shorter (broader) code, then code order. */
  #compare(aIndex: number, aScore: number, b: Hit): number {
    if (aScore !== b.score) return b.score - aScore
    const ca = this.#codes[aIndex] as string
    const cb = this.#codes[b.index] as string
    return ca.length - cb.length || (ca < cb ? -1 : ca > cb ? 1 : 0)
  }

  push(index: number, score: number, match: MatchKind): void {
    const hits = this.hits
    if (hits.length === this.#limit && this.#compare(index, score, hits[hits.length - 1] as Hit) >= 0) return
    let at = hits.length
    while (at > 0 && this.#compare(index, score, hits[at - 1] as Hit) < 0) at--
    hits.splice(at, 0, { index, score, match })
    if (hits.length > this.#limit) hits.pop()
  }
}

interface KoreanIndex {
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

function buildKoreanIndex(docs: readonly SearchDoc[]): KoreanIndex {
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
function koreanVariants(compact: string): string[] {
  const variants = [compact]
  for (const [from, to] of KOREAN_SYNONYMS)
    if (compact.includes(from)) variants.push(compact.replaceAll(from, to))
  return variants
}

/** Pieces containing `text`: the postings of its rarest character, verified. */
function piecesContaining(index: KoreanIndex, text: string): number[] {
  let rarest: readonly number[] | undefined
  for (const ch of new Set(text)) {
    const list = index.byChar.get(ch)
    if (!list) return []
    if (!rarest || list.length < rarest.length) rarest = list
  }
  return (rarest ?? []).filter((id) => (index.pieces[id] as string).includes(text))
}

/** A lazily built search index over documents sorted by code. */
export class SearchIndex {
  readonly #docs: readonly SearchDoc[]
  readonly #codes: readonly string[]
  #englishIndex: EnglishIndex | undefined
  #koreanIndex: KoreanIndex | undefined

  constructor(docs: readonly SearchDoc[]) {
    this.#docs = docs
    this.#codes = docs.map((d) => d.code)
  }

  search(query: unknown, options: SearchOptions = {}): Hit[] {
    if (typeof query !== 'string') {
      throw new ReferenceInputError(`search text must be a string, got ${describeInput(query)}`, {
        hint: "pass words ('frozen beef', '소고기') or a code prefix ('8518')",
        input: query,
      })
    }
    const lang = readLang(options.lang)
    const top = new TopK(readLimit(options.limit, 20), this.#codes)
    const accept = options.accept ?? (() => true)
    const trimmed = query.trim()
    if (trimmed === '') return []
    const digits = trimmed.replace(/[.\s-]/g, '')
    if (/^\d+$/.test(digits)) this.#byCode(digits, accept, top)
    else if (lang === 'ko' || (lang === undefined && hasHangul(trimmed))) this.#korean(trimmed, accept, top)
    else this.#english(trimmed, accept, top)
    return top.hits
  }

  #byCode(digits: string, accept: (i: number) => boolean, top: TopK): void {
    const codes = this.#codes
    for (let i = lowerBound(codes, digits); i < codes.length; i++) {
      const code = codes[i] as string
      if (!code.startsWith(digits)) break
      // Exact code first, then the nearest descendants.
      if (accept(i)) top.push(i, 2000 - (code.length - digits.length) * 10, 'code')
    }
  }

  #english(text: string, accept: (i: number) => boolean, top: TopK): void {
    const query = normalizeEnglish(text)
    const all = [...new Set(query.split(' ').filter(Boolean))]
    const meaningful = all.filter((t) => !STOP_WORDS.has(t))
    const tokens = meaningful.length > 0 ? meaningful : all
    if (tokens.length === 0) return
    this.#englishIndex ??= buildEnglishIndex(this.#docs)
    const english = this.#englishIndex
    const n = this.#docs.length
    // Per token and document: 4 = a whole word of the own name (or every word of a two-word
    // synonym), 2 = a word prefix in the own name, 8 = only the first word of a two-word synonym in
    // the own name, 1 = a word prefix in the context.
    const perToken: Uint8Array[] = []
    for (const token of tokens) {
      const flags = new Uint8Array(n)
      for (const alt of englishAlternatives(token)) {
        const [head = alt, ...rest] = alt.split(' ')
        if (rest.length === 0) markPrefix(english.own, alt, flags, 4, 2)
        else markSynonymPhrase(english.own, head, rest, flags)
        markPrefix(english.context, head, flags, 1, 1)
      }
      perToken.push(flags)
    }
    const first = perToken[0] as Uint8Array
    for (let i = 0; i < n; i++) {
      if (first[i] === 0) continue
      let score = 300
      let own = false
      let all = true
      for (const flags of perToken) {
        const f = flags[i] as number
        if (f === 0) {
          all = false
          break
        }
        if (f & 4) score += 30
        else if (f & 2) score += 20
        else if (f & 8) score += 12
        else score += 5
        if (f & 14) own = true
      }
      if (!all || !accept(i)) continue
      const ownText = english.ownText[i] as string
      let match: MatchKind = own ? 'name' : 'related'
      if (ownText === query) {
        score = 1000
        match = 'exact'
      } else if (ownText.startsWith(`${query} `)) {
        score = 800
        match = 'prefix'
      }
      // Among equals, the more concise name is the better match.
      top.push(i, score - Math.min(ownText.length, 999) / 1000, match)
    }
  }

  #korean(text: string, accept: (i: number) => boolean, top: TopK): void {
    const whole = compactKorean(text)
    if (whole === '') return
    this.#koreanIndex ??= buildKoreanIndex(this.#docs)
    const index = this.#koreanIndex
    const variants = koreanVariants(whole)
    // Best score per document; typed arrays because common words ('기타') touch thousands.
    const scores = new Float64Array(this.#docs.length)
    const matches: MatchKind[] = []
    const touched: number[] = []
    const offer = (doc: number, score: number, match: MatchKind) => {
      const known = scores[doc] as number
      if (known === 0) touched.push(doc)
      if (known < score) {
        scores[doc] = score
        matches[doc] = match
      }
    }
    for (const q of variants) {
      for (const id of piecesContaining(index, q)) {
        const piece = index.pieces[id] as string
        const exact = piece === q
        const ownScore = exact ? 1000 : piece.startsWith(q) ? 800 : 600
        const ownMatch: MatchKind = exact ? 'exact' : piece.startsWith(q) ? 'prefix' : 'name'
        for (const doc of index.ownDocs[id] as number[]) offer(doc, ownScore, ownMatch)
        for (const doc of index.contextDocs[id] as number[]) offer(doc, exact ? 450 : 400, 'related')
      }
    }
    const words = [...new Set(text.split(/\s+/).map(compactKorean))].filter((w) => w !== '')
    if (touched.length === 0 && words.length > 1) {
      // Words that do not occur together: every word must occur in the own name or the context.
      let candidates: Map<number, number> | undefined // doc -> words found in the own name
      for (const word of words) {
        const found = new Map<number, number>()
        const ids = new Set(koreanVariants(word).flatMap((v) => piecesContaining(index, v)))
        for (const id of ids) {
          for (const doc of index.ownDocs[id] as number[]) found.set(doc, 1)
          for (const doc of index.contextDocs[id] as number[]) if (!found.has(doc)) found.set(doc, 0)
        }
        if (candidates === undefined) candidates = found
        else {
          const next = new Map<number, number>()
          for (const [doc, own] of candidates) {
            const more = found.get(doc)
            if (more !== undefined) next.set(doc, own + more)
          }
          candidates = next
        }
        if (candidates.size === 0) return
      }
      for (const [doc, own] of candidates ?? []) {
        offer(doc, 200 + own * 20, own === words.length ? 'name' : 'related')
      }
    }
    for (const doc of touched) {
      if (!accept(doc)) continue
      const score = scores[doc] as number
      top.push(
        doc,
        score - Math.min((index.own[doc] as string).length, 999) / 1000,
        matches[doc] as MatchKind,
      )
    }
  }
}
