/** Text normalisation shared by the search indexes and the name lookups. */

const COMBINING = /[\u0300-\u036f]/g
const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/

export function hasHangul(text: string): boolean {
  return HANGUL.test(text)
}

const NON_ASCII = /[^\x00-\x7f]/

/** Lower case, no diacritics, `&` spelled out, every other non-alphanumeric a single space. */
export function normalizeEnglish(text: string): string {
  if (!NON_ASCII.test(text)) {
    // Fast path for the (almost always ASCII) English texts: no Unicode normalisation needed.
    return text
      .toLowerCase()
      .replace(/&/g, ' and ')
      .replace(/'/g, '')
      .replace(/[^a-z0-9]+/g, ' ')
      .trim()
  }
  return text
    .normalize('NFKD')
    .replace(COMBINING, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/**
 * Korean text compared without spaces or punctuation: "뼈 없는 것" and "뼈없는것" are equal, and
 * "(소고기)" matches "소고기". Latin letters are lower-cased so mixed names still match.
 */
export function compactKorean(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '')
}

/** Key for exact name lookups in any language: no case, spaces, punctuation or diacritics. */
export function nameKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(COMBINING, '')
    .normalize('NFC')
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^\p{L}\p{N}]+/gu, '')
}
