/** The gateway's counters: requests per key per clock second, calls per key per dataset per day in Korea. */
import { kstDay, nextKstMidnight } from './calendar.js'
import { quotaKeyOf } from './keys.js'
import type { DatasetName } from './siblings.js'

/** A key's daily quota on the clock's current day in Korea. */
export interface QuotaState {
  /** Calls allowed per day. */
  limit: number
  /** Calls counted today. */
  used: number
  /** `limit - used`, never below 0. */
  remaining: number
  /** Next midnight in Korea, epoch ms. */
  resetsAt: number
}

/** Counts calls per key for the per-second limit and per key and dataset for the daily quota. */
export class Limits {
  private readonly quotaUsed = new Map<string, { day: string; used: number }>()
  private readonly secondCounts = new Map<string, { second: number; count: number }>()

  /** Counts a request at `at` (epoch ms); true when it is over `ratePerSecond` in its clock second. */
  overRate(key: string, at: number, ratePerSecond: number): boolean {
    const second = Math.floor(at / 1000)
    let window = this.secondCounts.get(key)
    if (!window || window.second !== second) {
      window = { second, count: 0 }
      this.secondCounts.set(key, window)
    }
    window.count++
    return window.count > ratePerSecond
  }

  /**
   * Takes one call of the day's quota; returns the calls left, or undefined when the quota was
   * already used up. Each dataset has its own daily quota (SIBLINGS.md: 10,000 calls a day per API).
   */
  take(key: string, datasetName: DatasetName, at: number, dailyQuota: number): number | undefined {
    const day = kstDay(at)
    const quotaKey = quotaKeyOf(key, datasetName)
    let used = this.quotaUsed.get(quotaKey)
    if (!used || used.day !== day) {
      used = { day, used: 0 }
      this.quotaUsed.set(quotaKey, used)
    }
    if (used.used >= dailyQuota) return undefined
    used.used++
    return Math.max(0, dailyQuota - used.used)
  }

  /** The quota state of a registered key (undefined: an unknown key, nothing used). */
  quota(key: string | undefined, datasetName: DatasetName, at: number, dailyQuota: number): QuotaState {
    const entry = key === undefined ? undefined : this.quotaUsed.get(quotaKeyOf(key, datasetName))
    const usedToday = entry && entry.day === kstDay(at) ? entry.used : 0
    return {
      limit: dailyQuota,
      used: usedToday,
      remaining: Math.max(0, dailyQuota - usedToday),
      resetsAt: nextKstMidnight(at),
    }
  }
}
