/**
 * @kcs-trade/reference — HS (2022/2017/2012), Korean HSK 10-digit and country reference tables
 * with Korean and English lookups. Every table is parsed on first use; the subpaths
 * `@kcs-trade/reference/hs`, `/hsk` and `/countries` load only their own tables.
 */
export type { Country, CountryKind, CountryNameKoSource } from './countries.js'
export { countries } from './countries.js'
export { ReferenceInputError } from './errors.js'
export type {
  CodeLevel,
  ConversionTarget,
  ConvertOptions,
  EditionOption,
  HsEdition,
  HsEntry,
  HsNameKoSource,
  HsSearchOptions,
  HsSearchResult,
  HsSection,
  MatchKind,
  Relationship,
  SearchLang,
} from './hs.js'
export { hs } from './hs.js'
export type { HskEntry, HskPathSegment, HskSearchOptions, HskSearchResult } from './hsk.js'
export { HOUSEHOLD_GOODS_CODE, HSK_EDITION, hsk } from './hsk.js'
