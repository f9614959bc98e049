/** Ranked search over HS and HSK documents by code prefix, English words or Korean text. */
import { describeInput, ReferenceInputError } from '../errors.js'
import { compactKorean, hasHangul, normalizeEnglish } from './normalize.js'
import {
  buildEnglishIndex,
  type EnglishIndex,
  englishAlternatives,
  lowerBound,
  markPrefix,
  markSynonymPhrase,
  STOP_WORDS,
} from './search-english.js'
import { buildKoreanIndex, type KoreanIndex, koreanVariants, piecesContaining } from './search-korean.js'
import type { Hit, MatchKind, SearchDoc, SearchLang, SearchOptions } from './search-types.js'

export type { Hit, MatchKind, SearchDoc, SearchLang, SearchOptions } from './search-types.js'

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
