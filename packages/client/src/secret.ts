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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Percent-escapes match in either hex case (`%2B` and `%2b`). */
function variantPattern(variant: string): string {
  return escapeRegExp(variant).replace(
    /%([0-9A-Fa-f])([0-9A-Fa-f])/g,
    (_m, a: string, b: string) =>
      `%[${a.toUpperCase()}${a.toLowerCase()}][${b.toUpperCase()}${b.toLowerCase()}]`,
  )
}

function formEncode(text: string): string {
  return new URLSearchParams({ k: text }).toString().slice(2)
}

const patternCache = new Map<string, RegExp>()

function secretPattern(key: string): RegExp {
  const cached = patternCache.get(key)
  if (cached) return cached
  let raw = key
  try {
    raw = normalizeServiceKey(key)
  } catch {
    raw = key
  }
  const variants = new Set<string>([key, raw])
  for (const v of [key, raw]) {
    const once = encodeURIComponent(v)
    variants.add(once)
    variants.add(formEncode(v))
    variants.add(encodeURIComponent(once))
    variants.add(formEncode(formEncode(v)))
  }
  const ordered = [...variants].filter((v) => v.length > 0).sort((a, b) => b.length - a.length)
  const pattern = new RegExp(ordered.map(variantPattern).join('|'), 'g')
  if (patternCache.size > 32) patternCache.clear()
  patternCache.set(key, pattern)
  return pattern
}

/**
 * Replaces every occurrence of the key in `text` with `***`: raw, percent-encoded once or twice,
 * form-encoded, in either hex case. An absent key (`undefined`, `null` or `''`) redacts nothing; a
 * `text` that is not a string, or a key that is neither a string nor absent, is a `KcsValidationError`
 * (before, a non-string key crashed with a TypeError and a non-string text was returned unredacted).
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
  return text.replace(secretPattern(key), REDACTED)
}
