/** The UNSD correlation tables between HS editions, read on first use, for `hs.convert`. */
import { type DataFile, loadData } from './data.js'
import type { HsEdition } from './hs-table.js'

/**
 * UNSD correlation type between a source and a target code: `1:1` same scope, `1:n` the source
 * splits into several targets, `n:1` several sources merge into the target, `n:n` both.
 */
export type Relationship = '1:1' | '1:n' | 'n:1' | 'n:n'

/** One subheading a code corresponds to in the target edition of `hs.convert`. */
export interface ConversionTarget {
  /** Six-digit code in the target edition. */
  readonly code: string
  /** UNSD relationship between the source and target codes, read from the source side. */
  readonly relationship: Relationship
  /**
   * `true` on the single target the UNSD conversion table assigns. UNSD publishes conversion
   * tables only from a newer edition to an older one, so the flag appears only in that direction.
   */
  readonly primary?: true
  /** `true` where UNSD marks the correspondence "ex" (only part of the code). HS2017↔HS2012 only. */
  readonly partial?: true
}

const REL: Record<string, Relationship> = { a: '1:1', b: '1:n', c: 'n:1', d: 'n:n' }
const FLIP: Record<Relationship, Relationship> = { '1:1': '1:1', '1:n': 'n:1', 'n:1': '1:n', 'n:n': 'n:n' }
const CORRELATION: Record<string, DataFile> = {
  '2022>2017': 'correlation-2022-2017',
  '2022>2012': 'correlation-2022-2012',
  '2017>2012': 'correlation-2017-2012',
}
const correlations = new Map<string, Map<string, ConversionTarget[]>>()

/** Source subheading → its targets in the other edition (a reverse table is derived from the published one). */
export function correlationMap(from: HsEdition, to: HsEdition): Map<string, ConversionTarget[]> {
  const key = `${from}>${to}`
  const cached = correlations.get(key)
  if (cached) return cached
  const forward = CORRELATION[key]
  let map: Map<string, ConversionTarget[]>
  if (forward) {
    map = new Map()
    for (const line of loadData(forward).split('\n')) {
      const src = line.slice(0, 6)
      let rel: Relationship = '1:1'
      const targets: ConversionTarget[] = []
      for (const item of line.slice(7).split(',')) {
        const code = item.startsWith('=') ? src : item.slice(0, 6)
        let rest = item.slice(item.startsWith('=') ? 1 : 6)
        const relChar = rest[0]
        if (relChar && relChar in REL) {
          rel = REL[relChar] as Relationship
          rest = rest.slice(1)
        }
        targets.push({
          code,
          relationship: rel,
          ...(rest.includes('*') ? { primary: true as const } : {}),
          ...(rest.includes('!') ? { partial: true as const } : {}),
        })
      }
      map.set(src, targets)
    }
  } else {
    // The reverse of a published table: same pairs, relationship read from the other side.
    map = new Map()
    for (const [src, targets] of correlationMap(to, from)) {
      for (const t of targets) {
        const list = map.get(t.code) ?? []
        list.push({
          code: src,
          relationship: FLIP[t.relationship],
          ...(t.partial ? { partial: true as const } : {}),
        })
        map.set(t.code, list)
      }
    }
    for (const list of map.values()) list.sort((a, b) => (a.code < b.code ? -1 : 1))
  }
  correlations.set(key, map)
  return map
}
