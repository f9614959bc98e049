/** Service keys as the gateway sees them: raw or percent-encoded once, approvals per dataset, quota keys. */
import { DATASETS, type DatasetName } from './siblings.js'

export function quotaKeyOf(key: string, datasetName: DatasetName): string {
  return datasetName === 'nitemtrade' ? key : `${datasetName}\u0000${key}`
}

/** Per-key approvals as sets; every key listed must be registered and every dataset known. */
export function resolveApprovals(
  approvals: Record<string, readonly DatasetName[]> | undefined,
  keys: ReadonlySet<string>,
): Map<string, Set<DatasetName>> {
  const out = new Map<string, Set<DatasetName>>()
  if (approvals === undefined) return out
  if (approvals === null || typeof approvals !== 'object')
    throw new Error('approvals must be an object of key → datasets')
  for (const [raw, list] of Object.entries(approvals)) {
    const key = normalizeKey(raw)
    if (!keys.has(key)) throw new Error('approvals: every key listed must also be in keys')
    if (!Array.isArray(list) || list.some((d) => !(DATASETS as readonly string[]).includes(d)))
      throw new Error(`approvals: datasets must be a list of ${DATASETS.join(', ')}`)
    out.set(key, new Set(list))
  }
  return out
}

/** The serviceKey exactly as it stands on the wire (not yet percent-decoded). */
export function rawServiceKey(search: string): string | undefined {
  for (const part of search.split('&')) {
    const eq = part.indexOf('=')
    const name = eq < 0 ? part : part.slice(0, eq)
    if (name === 'serviceKey') return eq < 0 ? '' : part.slice(eq + 1)
  }
  return undefined
}

const LOOKS_ENCODED = /%[0-9A-Fa-f]{2}/

export function normalizeKey(key: string): string {
  return LOOKS_ENCODED.test(key) ? (safeDecode(key) ?? key) : key
}

/**
 * A key is accepted raw or percent-encoded exactly once; a key encoded twice decodes to its
 * once-encoded form, which is not registered (403/30), as on the portal.
 */
export function matchKey(wire: string, keys: ReadonlySet<string>): string | undefined {
  if (keys.has(wire)) return wire
  const decoded = safeDecode(wire)
  if (decoded !== undefined && keys.has(decoded)) return decoded
  return undefined
}

export function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}
