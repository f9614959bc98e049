import { describeValue, InvalidArgumentError } from './errors.js'

/** What every redacted secret is replaced with. */
const REDACTED = '***'

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text // not percent-encoded
  }
}

const formEncode = (text: string) => new URLSearchParams({ k: text }).toString().slice(2)

/** Upper-cases the hex digits of every percent-escape; lengths and positions stay the same. */
const foldEscapes = (text: string) =>
  text.includes('%') ? text.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase()) : text

/**
 * Every spelling of a secret: as given, percent-decoded, and each of those percent-encoded once and
 * twice and form-encoded once and twice; escapes in upper case, longest first.
 */
function spellings(secret: string): string[] {
  const out = new Set<string>()
  for (const v of [secret, decodeOnce(secret)]) {
    for (const s of [v, encodeURIComponent(v), encodeURIComponent(encodeURIComponent(v))]) out.add(s)
    for (const s of [formEncode(v), formEncode(formEncode(v))]) out.add(s)
  }
  return [...out].filter((v) => v.length > 0).map(foldEscapes)
}

/** Replaces every occurrence of `variant` (escapes folded) in `text`, escapes in either hex case. */
function replaceVariant(text: string, variant: string): string {
  if (!variant.includes('%')) return text.includes(variant) ? text.split(variant).join(REDACTED) : text
  // Search the escape-folded text; its positions are the original's.
  const folded = foldEscapes(text)
  let at = folded.indexOf(variant)
  if (at < 0) return text
  let out = ''
  let from = 0
  for (; at >= 0; at = folded.indexOf(variant, from)) {
    out += text.slice(from, at) + REDACTED
    from = at + variant.length
  }
  return out + text.slice(from)
}

/**
 * A function replacing every spelling of each secret with `***` (non-string and empty secrets are
 * skipped). Plain string search: no regular expression is built from a secret, so any length works.
 */
export function secretsRedactor(secrets: readonly unknown[]): (text: string) => string {
  const all = new Set<string>()
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length === 0) continue
    for (const v of spellings(secret)) all.add(v)
  }
  const variants = [...all].sort((a, b) => b.length - a.length)
  if (variants.length === 0) return (text) => text
  const shortest = variants[variants.length - 1]!.length
  return (text) => {
    if (text.length < shortest) return text
    let out = text
    for (const v of variants) out = replaceVariant(out, v)
    return out
  }
}

/**
 * Replaces every occurrence of each secret with `***`: raw, percent-decoded, percent-encoded once or
 * twice, form-encoded, escapes in either hex case. No regular expression is built from a secret (a
 * 40 KB key works). `text` must be a string and `secrets` an array (non-string or empty entries are
 * skipped); anything else is an InvalidArgumentError.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  if (typeof text !== 'string')
    throw new InvalidArgumentError(
      'text',
      `expected a string, got ${describeValue(text)}`,
      'Convert the value to text first.',
    )
  if (!Array.isArray(secrets))
    throw new InvalidArgumentError(
      'secrets',
      `expected an array of strings, got ${describeValue(secrets)}`,
      'Pass e.g. [serviceKey].',
    )
  return secretsRedactor(secrets)(text)
}
