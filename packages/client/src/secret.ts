import { KcsValidationError } from './errors.js'
import { describeValue } from './guards.js'

/** What every redacted secret is replaced with. */
export const REDACTED = '***'

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/

/**
 * Returns the service key in its raw ("decoding") form.
 *
 * Portal keys are handed out in two forms: percent-encoded ("encoding" key, contains `%2B %2F %3D`)
 * and raw ("decoding" key, contains `+ / =`). Sending an encoded key through an HTTP layer that
 * encodes again gives gateway error 30, so a key that looks encoded is decoded exactly once here and
 * the HTTP layer encodes it exactly once on the wire.
 */
export function normalizeServiceKey(key: string): string {
  if (typeof key !== 'string') {
    throw new KcsValidationError(
      'serviceKey',
      'The service key must be a string.',
      'Pass the key from data.go.kr.',
    )
  }
  const trimmed = key.trim()
  if (trimmed === '') {
    throw new KcsValidationError(
      'serviceKey',
      'The service key is empty.',
      'Set KCS_SERVICE_KEY (or pass serviceKey) to the key shown on your data.go.kr account page.',
    )
  }
  let decoded = trimmed
  if (PERCENT_ESCAPE.test(trimmed)) {
    try {
      decoded = decodeURIComponent(trimmed)
    } catch {
      throw new KcsValidationError(
        'serviceKey',
        'The service key contains an invalid percent-escape.',
        'Copy the "Encoding" or the "Decoding" key from data.go.kr exactly as shown.',
      )
    }
  }
  if (/[\s\u0000-\u001f\u007f]/.test(decoded)) {
    throw new KcsValidationError(
      'serviceKey',
      'The service key contains whitespace or control characters.',
      'Copy the key from data.go.kr exactly as shown, without spaces or line breaks.',
    )
  }
  return decoded
}

function formEncode(text: string): string {
  return new URLSearchParams({ k: text }).toString().slice(2)
}

function tryDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const ESCAPE = /%[0-9a-f]{2}/gi

/**
 * The text with the hex digits of every percent-escape in upper case (`%2b` → `%2B`). The length
 * and the position of every character stay the same, so a match found in the folded text is at
 * the same place in the original.
 */
function foldEscapes(text: string): string {
  return text.includes('%') ? text.replace(ESCAPE, (m) => m.toUpperCase()) : text
}

/**
 * Every spelling of the key that can leak into text, longest first: as given, raw (decoded once),
 * percent-encoded once and twice, form-encoded once and twice. Percent-escapes are in upper case;
 * the redactors match them in either case. An empty or absent key has none.
 */
export function secretVariants(key: string | undefined | null): string[] {
  if (key !== undefined && key !== null && typeof key !== 'string')
    throw new KcsValidationError(
      'serviceKey',
      `the key must be a string, got ${describeValue(key)}.`,
      'Pass the service key as a string (or nothing).',
    )
  if (!key) return []
  let raw = key
  try {
    raw = normalizeServiceKey(key)
  } catch {
    raw = tryDecode(key)
  }
  const variants = new Set<string>()
  for (const v of [key, raw]) {
    variants.add(v)
    const once = encodeURIComponent(v)
    variants.add(once)
    variants.add(encodeURIComponent(once))
    const form = formEncode(v)
    variants.add(form)
    variants.add(formEncode(form))
  }
  const folded = new Set([...variants].filter((v) => v.length > 0).map(foldEscapes))
  return [...folded].sort((a, b) => b.length - a.length)
}

/** Replaces every occurrence of `variant` (escapes folded) in `text`, matching escapes in either case. */
function replaceVariant(text: string, variant: string, replacement: string): string {
  if (!variant.includes('%')) {
    return text.includes(variant) ? text.split(variant).join(replacement) : text
  }
  const folded = foldEscapes(text)
  let at = folded.indexOf(variant)
  if (at < 0) return text
  let out = ''
  let from = 0
  while (at >= 0) {
    out += text.slice(from, at) + replacement
    from = at + variant.length
    at = folded.indexOf(variant, from)
  }
  return out + text.slice(from)
}

/** A function replacing secrets in text; see {@link createRedactor}. */
export type Redactor = (text: string) => string

/**
 * Makes a function that replaces every spelling of each key (see {@link secretVariants}) in a text
 * with `replacement` (default `***`). It matches plain strings and builds no regular expression from
 * the keys, so a key of any length works. Absent or empty keys are skipped; a key that is not a
 * string, or a `replacement` that is not one, is a `KcsValidationError`.
 */
export function createRedactor(
  keys: readonly (string | undefined | null)[],
  replacement: string = REDACTED,
): Redactor {
  if (!Array.isArray(keys))
    throw new KcsValidationError(
      'serviceKey',
      `keys must be an array of keys, got ${describeValue(keys)}.`,
      'Pass e.g. [serviceKey].',
    )
  if (typeof replacement !== 'string')
    throw new KcsValidationError(
      'text',
      `the replacement must be a string, got ${describeValue(replacement)}.`,
      "Leave it out for '***'.",
    )
  const all = new Set<string>()
  for (const key of keys) for (const v of secretVariants(key)) all.add(v)
  const variants = [...all].sort((a, b) => b.length - a.length)
  const shortest = variants.length === 0 ? 0 : variants[variants.length - 1]!.length
  return (text) => {
    if (typeof text !== 'string')
      throw new KcsValidationError(
        'text',
        `the text to redact must be a string, got ${describeValue(text)}.`,
        'Convert the value to text first (String(value) or JSON.stringify(value)).',
      )
    if (variants.length === 0) return text
    // Most texts (row fields, short messages) are shorter than any spelling of the key.
    if (text.length < shortest) return text
    let out = text
    for (const v of variants) out = replaceVariant(out, v, replacement)
    return out
  }
}

const redactorCache = new Map<string, Redactor>()

/**
 * Replaces every occurrence of the key in `text` with `***`: raw, percent-encoded once or twice,
 * form-encoded, in either hex case. An absent key (`undefined`, `null` or `''`) redacts nothing; a
 * `text` that is not a string, or a key that is neither a string nor absent, is a `KcsValidationError`
 * (before, a non-string key crashed with a TypeError and a non-string text was returned unredacted).
 * No regular expression is built from the key: a key of any length works.
 */
export function redactSecret(text: string, key: string | undefined | null): string {
  if (typeof text !== 'string')
    throw new KcsValidationError(
      'text',
      `the text to redact must be a string, got ${describeValue(text)}.`,
      'Convert the value to text first (String(value) or JSON.stringify(value)).',
    )
  if (key !== undefined && key !== null && typeof key !== 'string')
    throw new KcsValidationError(
      'serviceKey',
      `the key to redact must be a string, got ${describeValue(key)}.`,
      'Pass the service key as a string (or nothing).',
    )
  if (!key || text === '') return text
  let redact = redactorCache.get(key)
  if (!redact) {
    redact = createRedactor([key])
    if (redactorCache.size > 32) redactorCache.clear()
    redactorCache.set(key, redact)
  }
  return redact(text)
}
