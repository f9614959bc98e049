import { createRedactor } from '@kcs-trade/client'
import { describeValue, InvalidArgumentError } from './errors.js'

/**
 * A function replacing every spelling of each secret with `***` (non-string and empty secrets are
 * skipped): the client's redactor, which knows every way the service key is spelt in a URL or a form
 * and builds no regular expression from a secret, so any length works.
 */
export function secretsRedactor(secrets: readonly unknown[]): (text: string) => string {
  const keys = secrets.filter((s): s is string => typeof s === 'string' && s.length > 0)
  return keys.length === 0 ? (text) => text : createRedactor(keys)
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
