/** Scripted and seeded random faults. */
import { createPrng } from './random.js'

/** Every fault kind the controller can inject, in the order the seeded random draw tries them. */
export const FAULT_KINDS = [
  'http5xx',
  'hang',
  'truncate',
  'reset',
  'text401',
  'notFound',
  'rate23',
  'quota22',
  'slow',
  'gateway',
  'provider',
] as const

/**
 * A fault to inject: `http5xx` (nginx HTML 5xx), `hang` (no answer), `truncate` (body cut short),
 * `reset` (TCP reset), `text401`/`notFound` (plain-text 401/404), `rate23`/`quota22` (gateway
 * rate-limit and quota errors), `slow` (delayed or throttled body), `gateway` (any gateway code),
 * `provider` (a provider resultCode error).
 */
export type FaultKind = (typeof FAULT_KINDS)[number]

/** Probability per request of each fault kind (their sum must not exceed 1). */
export type FaultRates = Partial<Record<FaultKind, number>>

/** A scripted fault for `FaultController.next`: its kind, how many requests it hits, and kind-specific details. */
export interface FaultSpec {
  kind: FaultKind
  /** How many matching requests it hits (default 1). */
  count?: number
  /** Only requests with this (raw) service key. */
  key?: string
  /** http5xx: the status (default: a seeded pick of 500, 502, 503 or 504). gateway: the HTTP status (default 200). */
  status?: number
  /** gateway: the reason code, e.g. '01', '05', '21' (default '01'). */
  code?: string
  /** provider: the resultCode and resultMsg (default '99' and a generic message). */
  resultCode?: string
  resultMsg?: string
  /** slow: delay before the first byte (default 1500 ms). hang: optional time after which the socket is destroyed. */
  delayMs?: number
  /** slow: throttle the body to this rate (default unthrottled). */
  bytesPerSecond?: number
  /** truncate: bytes of body sent before the cut (default: a seeded point within the first 16 KiB). */
  afterBytes?: number
  /** truncate: end the response cleanly ('end', default) or destroy the socket ('destroy'). */
  mode?: 'end' | 'destroy'
}

export interface ScheduledFault extends FaultSpec {
  remaining: number
}

/**
 * Decides which requests fail and how: scripted faults (`next`) fire first, in order; otherwise a
 * seeded random draw against the key's (or global) rates, reproducible for a given request order.
 */
export class FaultController {
  private queue: ScheduledFault[] = []
  private globalRates: FaultRates = {}
  private keyRates = new Map<string, FaultRates>()
  private random: () => number
  /** Set by the emulator: closes the listener for a while (connection refused). */
  refuser: ((ms: number) => Promise<void>) | undefined

  constructor(seed: number, rates: FaultRates = {}, perKey: Record<string, FaultRates> = {}) {
    this.random = createPrng(seed ^ 0x5eed_fa17)
    this.set(rates)
    for (const [key, r] of Object.entries(perKey)) this.set(r, key)
  }

  /** Schedules a one-off fault for the next matching request(s). Faults fire in the order scheduled. */
  next(spec: FaultSpec): void {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`unknown fault kind '${String(spec.kind)}'`)
    const count = spec.count ?? 1
    if (!Number.isInteger(count) || count < 1) throw new Error('fault count must be a positive integer')
    this.queue.push({ ...spec, remaining: count })
  }

  /** Sets random fault rates, globally or for one key (they replace that scope's previous rates). */
  set(rates: FaultRates, key?: string): void {
    let sum = 0
    for (const [kind, rate] of Object.entries(rates)) {
      if (!FAULT_KINDS.includes(kind as FaultKind)) throw new Error(`unknown fault kind '${kind}'`)
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
        throw new Error(`fault rate for '${kind}' must be a number in [0, 1]`)
      }
      sum += rate
    }
    if (sum > 1 + 1e-9) throw new Error('fault rates must add up to at most 1')
    if (key === undefined) this.globalRates = { ...rates }
    else this.keyRates.set(key, { ...rates })
  }

  /** Current random rates for a key (its own rates if set, else the global ones). */
  rates(key?: string): FaultRates {
    return { ...((key !== undefined ? this.keyRates.get(key) : undefined) ?? this.globalRates) }
  }

  /** Removes scripted faults and all random rates. */
  clear(): void {
    this.queue = []
    this.globalRates = {}
    this.keyRates.clear()
  }

  /** Scripted faults still waiting. */
  get pending(): number {
    return this.queue.reduce((n, f) => n + f.remaining, 0)
  }

  /**
   * Refuses connections for `ms` by closing the listener (and idle keep-alive sockets), then listens
   * again on the same port. Resolves when the listener is back.
   */
  refuseFor(ms: number): Promise<void> {
    if (!this.refuser) return Promise.reject(new Error('the emulator is not listening'))
    return this.refuser(ms)
  }

  /** Picks the fault for a request, if any: scripted faults first, then the seeded random draw. */
  pick(key: string | undefined): FaultSpec | undefined {
    for (let i = 0; i < this.queue.length; i++) {
      const f = this.queue[i]!
      if (f.key !== undefined && f.key !== key) continue
      f.remaining--
      if (f.remaining <= 0) this.queue.splice(i, 1)
      return f
    }
    const rates = (key !== undefined ? this.keyRates.get(key) : undefined) ?? this.globalRates
    let any = false
    for (const k in rates) if ((rates as Record<string, number>)[k]! > 0) any = true
    if (!any) return undefined
    // One draw per request that has rates: the sequence is reproducible for a given request order.
    const r = this.random()
    let cumulative = 0
    for (const kind of FAULT_KINDS) {
      cumulative += rates[kind] ?? 0
      if (r < cumulative) return { kind }
    }
    return undefined
  }

  /** A seeded number in [0, 1) for fault details (truncation point, 5xx status). */
  draw(): number {
    return this.random()
  }
}

/** Parses a CLI fault spec such as `http5xx=0.05,hang=0.03,truncate=0.02`. */
export function parseFaultSpec(spec: string): FaultRates {
  const rates: FaultRates = {}
  if (spec.trim() === '') return rates
  for (const part of spec.split(',')) {
    const m = /^\s*([A-Za-z0-9]+)\s*=\s*([0-9]*\.?[0-9]+(?:e-?\d+)?)\s*$/.exec(part)
    if (!m) throw new Error(`bad fault spec '${part}': expected kind=rate, e.g. http5xx=0.05`)
    const kind = m[1]!
    if (!FAULT_KINDS.includes(kind as FaultKind)) {
      throw new Error(`unknown fault kind '${kind}' (known: ${FAULT_KINDS.join(', ')})`)
    }
    const rate = Number(m[2])
    if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rate for '${kind}' must be in [0, 1]`)
    rates[kind as FaultKind] = rate
  }
  return rates
}
