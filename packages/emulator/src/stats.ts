/** Per-request counters: by key and outcome, and requests per second per key. */

/** Stats label for a request without a key. */
export const NO_KEY = '(none)'
/** Stats label for a request with a key that is not registered. */
export const UNREGISTERED_KEY = '(unregistered)'

/** A plain-object copy of the emulator's counters (without the per-second histogram). */
export interface StatsSnapshot {
  /** Requests seen, whatever their outcome. */
  total: number
  /** Requests per outcome (`ok`, `gateway-22`, `fault-reset`, …). */
  byOutcome: Record<string, number>
  /** Requests per key label, then per outcome. */
  byKey: Record<string, Record<string, number>>
  /** Faults injected per kind (`refuse` counts listener pauses). */
  faults: Record<string, number>
  /** Data rows served in success answers. */
  rows: number
  /** Body bytes written. */
  bytes: number
}

/**
 * The emulator's request counters: per outcome, per key label (the key, `NO_KEY` or
 * `UNREGISTERED_KEY`), per injected fault, and a per-second histogram per key.
 */
export class EmulatorStats {
  private totalCount = 0
  private outcomes = new Map<string, number>()
  private keyOutcomes = new Map<string, Map<string, number>>()
  private faultCounts = new Map<string, number>()
  /** key → (epoch second → requests). */
  private seconds = new Map<string, Map<number, number>>()
  private rowCount = 0
  private byteCount = 0

  /** Requests seen, whatever their outcome. */
  get total(): number {
    return this.totalCount
  }

  /** Data rows served in success answers (totals rows excluded). */
  get rows(): number {
    return this.rowCount
  }

  /** Body bytes written. */
  get bytes(): number {
    return this.byteCount
  }

  /** Counts a request's arrival (for the per-second histogram). */
  arrive(key: string, epochMs: number): void {
    this.totalCount++
    const second = Math.floor(epochMs / 1000)
    let perKey = this.seconds.get(key)
    if (!perKey) {
      perKey = new Map()
      this.seconds.set(key, perKey)
    }
    perKey.set(second, (perKey.get(second) ?? 0) + 1)
  }

  /** Records how a request ended, under its key label. */
  outcome(key: string, outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1)
    let perKey = this.keyOutcomes.get(key)
    if (!perKey) {
      perKey = new Map()
      this.keyOutcomes.set(key, perKey)
    }
    perKey.set(outcome, (perKey.get(outcome) ?? 0) + 1)
  }

  /** Counts one injected fault of this kind. */
  fault(kind: string): void {
    this.faultCounts.set(kind, (this.faultCounts.get(kind) ?? 0) + 1)
  }

  /** Adds a finished (or truncated) response's data rows and body bytes. */
  served(rows: number, bytes: number): void {
    this.rowCount += rows
    this.byteCount += bytes
  }

  /** How many requests ended with an outcome (`ok`, `empty`, `provider-99`, `gateway-22`, `fault-reset`…). */
  count(outcome: string, key?: string): number {
    if (key === undefined) return this.outcomes.get(outcome) ?? 0
    return this.keyOutcomes.get(key)?.get(outcome) ?? 0
  }

  /** The per-second histogram, oldest first: one entry per second that saw a request. */
  perSecond(key?: string): Array<{ second: number; count: number }> {
    const merged = new Map<number, number>()
    for (const [k, perKey] of this.seconds) {
      if (key !== undefined && k !== key) continue
      for (const [second, count] of perKey) merged.set(second, (merged.get(second) ?? 0) + count)
    }
    return [...merged].sort((a, b) => a[0] - b[0]).map(([second, count]) => ({ second, count }))
  }

  /** The most requests seen in one clock second, for a key or over all keys. */
  peakPerSecond(key?: string): number {
    let peak = 0
    for (const { count } of this.perSecond(key)) peak = Math.max(peak, count)
    return peak
  }

  /** A copy of the counters as plain objects, safe to keep or serialize. */
  snapshot(): StatsSnapshot {
    const byKey: Record<string, Record<string, number>> = {}
    for (const [k, m] of this.keyOutcomes) byKey[k] = Object.fromEntries(m)
    return {
      total: this.totalCount,
      byOutcome: Object.fromEntries(this.outcomes),
      byKey,
      faults: Object.fromEntries(this.faultCounts),
      rows: this.rowCount,
      bytes: this.byteCount,
    }
  }

  /** Sets every counter, and the per-second histogram, back to zero. */
  reset(): void {
    this.totalCount = 0
    this.outcomes.clear()
    this.keyOutcomes.clear()
    this.faultCounts.clear()
    this.seconds.clear()
    this.rowCount = 0
    this.byteCount = 0
  }
}
