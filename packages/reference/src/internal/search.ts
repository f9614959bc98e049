import { describeInput, ReferenceInputError } from '../errors.js'
import { compactKorean, hasHangul, normalizeEnglish } from './normalize.js'

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
  /** Own English name, normalised with normalizeEnglish. */
  readonly en: string
  /** Context words (normalised English), e.g. the ancestors' names. */
  readonly enExtra: string
  /** Own Korean name, compacted; '' when unknown. */
  readonly ko: string
  /** Context, compacted Korean pieces joined and wrapped by '|': `|소고기|육|`. */
  readonly koExtra: string
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
 * query; they are never shown as names.
 */
const ENGLISH_SYNONYMS: Record<string, readonly string[]> = {
  beef: ['bovine'],
  veal: ['bovine'],
  cattle: ['bovine'],
  cow: ['bovine'],
  cows: ['bovine'],
  pork: ['swine'],
  pig: ['swine'],
  pigs: ['swine'],
  hog: ['swine'],
  mutton: ['sheep'],
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
  readonly postings: readonly (readonly number[])[]
}

function buildWordIndex(texts: readonly string[]): WordIndex {
  const map = new Map<string, number[]>()
  texts.forEach((text, doc) => {
    if (!text) return
    for (const word of new Set(text.split(' '))) {
      if (!word) continue
      const list = map.get(word)
      if (list) list.push(doc)
      else map.set(word, [doc])
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
    for (const doc of index.postings[i] as number[]) flags[doc] = (flags[doc] as number) | flag
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

/** A lazily built search index over documents sorted by code. */
export class SearchIndex {
  readonly #docs: readonly SearchDoc[]
  readonly #codes: readonly string[]
  #own: WordIndex | undefined
  #extra: WordIndex | undefined

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
    const limit = readLimit(options.limit, 20)
    const accept = options.accept ?? (() => true)
    const trimmed = query.trim()
    if (trimmed === '') return []
    const digits = trimmed.replace(/[.\s-]/g, '')
    let hits: Hit[]
    if (/^\d+$/.test(digits)) hits = this.#byCode(digits, accept)
    else if (lang === 'ko' || (lang === undefined && hasHangul(trimmed))) hits = this.#korean(trimmed, accept)
    else hits = this.#english(trimmed, accept)
    hits.sort((a, b) => b.score - a.score || this.#tieBreak(a.index, b.index))
    return hits.length > limit ? hits.slice(0, limit) : hits
  }

  #tieBreak(a: number, b: number): number {
    const ca = this.#codes[a] as string
    const cb = this.#codes[b] as string
    return ca.length - cb.length || (ca < cb ? -1 : ca > cb ? 1 : 0)
  }

  #byCode(digits: string, accept: (i: number) => boolean): Hit[] {
    const hits: Hit[] = []
    const codes = this.#codes
    for (let i = lowerBound(codes, digits); i < codes.length; i++) {
      const code = codes[i] as string
      if (!code.startsWith(digits)) break
      if (!accept(i)) continue
      // Exact code first, then the nearest descendants.
      hits.push({ index: i, score: 2000 - (code.length - digits.length) * 10, match: 'code' })
    }
    return hits
  }

  #english(text: string, accept: (i: number) => boolean): Hit[] {
    const query = normalizeEnglish(text)
    const tokens = [...new Set(query.split(' ').filter(Boolean))]
    if (tokens.length === 0) return []
    this.#own ??= buildWordIndex(this.#docs.map((d) => d.en))
    this.#extra ??= buildWordIndex(this.#docs.map((d) => d.enExtra))
    const n = this.#docs.length
    // Per token and document: 4 = a whole word of the own name, 2 = a word prefix in the own name,
    // 1 = a word prefix in the context.
    const perToken: Uint8Array[] = []
    for (const token of tokens) {
      const flags = new Uint8Array(n)
      for (const alt of englishAlternatives(token)) {
        markPrefix(this.#own, alt, flags, 4, 2)
        markPrefix(this.#extra, alt, flags, 1, 1)
      }
      perToken.push(flags)
    }
    const hits: Hit[] = []
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
        else score += 5
        if (f & 6) own = true
      }
      if (!all || !accept(i)) continue
      const doc = this.#docs[i] as SearchDoc
      let match: MatchKind = own ? 'name' : 'related'
      if (doc.en === query) {
        score = 1000
        match = 'exact'
      } else if (doc.en.startsWith(`${query} `)) {
        score = 800
        match = 'prefix'
      }
      // Among equals, the more concise name is the better match.
      hits.push({ index: i, score: score - Math.min(doc.en.length, 999) / 1000, match })
    }
    return hits
  }

  #korean(text: string, accept: (i: number) => boolean): Hit[] {
    const whole = compactKorean(text)
    if (whole === '') return []
    const variants = [whole]
    for (const [from, to] of KOREAN_SYNONYMS)
      if (whole.includes(from)) variants.push(whole.replaceAll(from, to))
    const words = text
      .split(/\s+/)
      .map(compactKorean)
      .filter((w) => w !== '')
    const hits: Hit[] = []
    const docs = this.#docs
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i] as SearchDoc
      if (doc.ko === '' && doc.koExtra === '') continue
      let score = 0
      let match: MatchKind = 'related'
      for (const q of variants) {
        let s = 0
        let m: MatchKind = 'related'
        if (doc.ko === q) {
          s = 1000
          m = 'exact'
        } else if (doc.ko.startsWith(q)) {
          s = 800
          m = 'prefix'
        } else if (doc.ko.includes(q)) {
          s = 600
          m = 'name'
        } else if (doc.koExtra.includes(`|${q}|`)) {
          s = 450
        } else if (doc.koExtra.includes(q)) {
          s = 400
        }
        if (s > score) {
          score = s
          match = m
        }
      }
      if (score === 0 && words.length > 1) {
        // Several words that do not occur together: every word must occur somewhere.
        let own = 0
        let all = true
        for (const w of words) {
          if (doc.ko.includes(w)) own++
          else if (!doc.koExtra.includes(w)) {
            all = false
            break
          }
        }
        if (all) {
          score = 200 + own * 20
          match = own === words.length ? 'name' : 'related'
        }
      }
      if (score === 0 || !accept(i)) continue
      hits.push({ index: i, score: score - Math.min(doc.ko.length, 999) / 1000, match })
    }
    return hits
  }
}

/** Joins compacted Korean pieces for SearchDoc.koExtra. */
export function koreanContext(pieces: readonly string[]): string {
  const compact = [...new Set(pieces.map(compactKorean).filter((p) => p !== ''))]
  return compact.length === 0 ? '' : `|${compact.join('|')}|`
}
