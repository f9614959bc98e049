/** The search index's documents, hits and options, shared by its English and Korean halves. */
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
