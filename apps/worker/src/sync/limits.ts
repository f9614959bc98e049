import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { type Clock, kstDay, nextKstMidnight, sleep, systemClock } from '../config/clock.js'
import { MAX_RATE_PER_SECOND } from '../config/env.js'

/* ------------------------------------------------------------------ rate ---------------------------------------------------------------- */

/** A per-second call limit. `acquire` resolves when one call may be made now. */
export interface RateLimiter {
  readonly perSecond: number
  acquire(signal?: AbortSignal): Promise<void>
}

/**
 * The sliding window is a little longer than a second so that jitter between the moment a call is admitted and the
 * moment it reaches the server (event-loop lag in a busy worker, connection set-up) cannot put more than `perSecond`
 * calls into any one second on the server's clock. At the API's ceiling of 30/s this admits at most 25 calls a second.
 */
export const RATE_WINDOW_MS = 1_200
/** An admission that took longer than this to reach us (a busy event loop) is stale: it is spent and we ask again. */
export const MAX_ADMISSION_LAG_MS = 30

function checkRate(perSecond: number): number {
  if (perSecond === Number.POSITIVE_INFINITY) return perSecond
  if (!(perSecond > 0) || perSecond > MAX_RATE_PER_SECOND) {
    throw new RangeError(
      `rate must be between 0 and ${MAX_RATE_PER_SECOND} calls per second, got ${perSecond}`,
    )
  }
  return perSecond
}

/** Calls allowed per window: below 1/s the window stretches (0.5/s = 1 call per 2.1 s). */
function windowFor(perSecond: number, windowMs: number): { limit: number; windowMs: number } {
  if (perSecond >= 1) return { limit: Math.floor(perSecond), windowMs }
  return { limit: 1, windowMs: Math.ceil(windowMs / perSecond) }
}

/** No limit (benchmarks against the emulator). */
export const unlimitedRate: RateLimiter = { perSecond: Number.POSITIVE_INFINITY, acquire: async () => {} }

/** In-process sliding-window limiter (inline mode: one process, so no Redis needed). */
export class MemoryRateLimiter implements RateLimiter {
  readonly perSecond: number
  private readonly stamps: number[] = []
  private chain: Promise<void> = Promise.resolve()
  constructor(
    perSecond: number,
    private readonly windowMs = RATE_WINDOW_MS,
  ) {
    this.perSecond = checkRate(perSecond)
  }
  acquire(signal?: AbortSignal): Promise<void> {
    // Serialise waiters so they are admitted in order.
    const next = this.chain.then(() => this.take(signal))
    this.chain = next.catch(() => {})
    return next
  }
  private async take(signal?: AbortSignal): Promise<void> {
    const { limit, windowMs } = windowFor(this.perSecond, this.windowMs)
    for (;;) {
      const now = Date.now()
      while (this.stamps.length > 0 && (this.stamps[0] as number) <= now - windowMs) this.stamps.shift()
      if (this.stamps.length < limit) {
        this.stamps.push(now)
        return
      }
      if (signal?.aborted) throw new Error('aborted while waiting for the rate limiter')
      await sleep((this.stamps[0] as number) + windowMs - now + 1, signal)
    }
  }
}

const RATE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now + 1)
`

/** Sliding-window limiter in Redis: one limit shared by every worker process on the same Redis and prefix (Redis' clock decides). */
export class RedisRateLimiter implements RateLimiter {
  readonly perSecond: number
  readonly key: string
  constructor(
    private readonly redis: Redis,
    prefix: string,
    perSecond: number,
    private readonly windowMs = RATE_WINDOW_MS,
  ) {
    this.perSecond = checkRate(perSecond)
    this.key = `${prefix}:limits:rate`
  }
  async acquire(signal?: AbortSignal): Promise<void> {
    const { limit, windowMs } = windowFor(this.perSecond, this.windowMs)
    for (;;) {
      const asked = performance.now()
      const wait = Number(await this.redis.eval(RATE_SCRIPT, 1, this.key, windowMs, limit, randomUUID()))
      if (wait <= 0) {
        if (performance.now() - asked <= MAX_ADMISSION_LAG_MS) return
        continue // admitted too long ago to be sure the call still lands inside the window: spend it, ask again
      }
      if (signal?.aborted) throw new Error('aborted while waiting for the rate limiter')
      // A little jitter so waiting processes do not all retry in the same millisecond.
      await sleep(wait + Math.floor(Math.random() * 15), signal)
    }
  }
}

/* ------------------------------------------------------------------ quota --------------------------------------------------------------- */

export type QuotaDecision =
  | { ok: true; day: string; used: number; remaining: number }
  | { ok: false; day: string; used: number; resetAt: number }

export interface QuotaSnapshot {
  /** The Korean calendar day the counter is for. */
  day: string
  used: number
  limit: number
  remaining: number
  /** The API answered 22 (or its remaining count reached 0) today. */
  exhausted: boolean
  /** When the counter starts again (midnight KST), epoch ms. */
  resetAt: number
}

/** The daily call quota of one service key, counted per Korean calendar day. */
export interface QuotaGate {
  readonly limit: number
  /** Take one call from today's quota, or say when to come back. */
  reserve(): Promise<QuotaDecision>
  /** Give back a reservation for a call that was never sent. */
  release(day: string): Promise<void>
  /** Align with the API's `X-RateLimit-Remaining` (it may know of calls made elsewhere with the same key). */
  correct(remaining: number, limit?: number): Promise<void>
  /** The API answered 22: no further call today. */
  exhaust(): Promise<void>
  snapshot(): Promise<QuotaSnapshot>
}

/** In-process quota (inline mode). */
export class MemoryQuota implements QuotaGate {
  private day = ''
  private used = 0
  private exhausted = false
  constructor(
    readonly limit: number,
    private readonly clock: Clock = systemClock,
  ) {}
  private roll(): string {
    const today = kstDay(this.clock.now())
    if (today !== this.day) {
      this.day = today
      this.used = 0
      this.exhausted = false
    }
    return today
  }
  async reserve(): Promise<QuotaDecision> {
    const day = this.roll()
    if (this.exhausted || this.used >= this.limit) {
      return { ok: false, day, used: this.used, resetAt: nextKstMidnight(this.clock.now()) }
    }
    this.used++
    return { ok: true, day, used: this.used, remaining: this.limit - this.used }
  }
  async release(day: string): Promise<void> {
    if (day === this.roll() && this.used > 0) this.used--
  }
  async correct(remaining: number, limit = this.limit): Promise<void> {
    this.roll()
    this.used = Math.max(this.used, Math.min(this.limit, limit) - remaining)
    if (remaining <= 0) this.exhausted = true
  }
  async exhaust(): Promise<void> {
    this.roll()
    this.exhausted = true
  }
  async snapshot(): Promise<QuotaSnapshot> {
    const day = this.roll()
    const exhausted = this.exhausted || this.used >= this.limit
    return {
      day,
      used: this.used,
      limit: this.limit,
      remaining: exhausted ? 0 : this.limit - this.used,
      exhausted,
      resetAt: nextKstMidnight(this.clock.now()),
    }
  }
}

const RESERVE_SCRIPT = `
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
if redis.call('HGET', KEYS[1], 'exhausted') == '1' or used >= tonumber(ARGV[1]) then return -1 - used end
used = redis.call('HINCRBY', KEYS[1], 'used', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return used
`
const RELEASE_SCRIPT = `
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
if used > 0 then redis.call('HINCRBY', KEYS[1], 'used', -1) end
return 0
`
const CORRECT_SCRIPT = `
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
local seen = tonumber(ARGV[1])
if seen > used then redis.call('HSET', KEYS[1], 'used', seen) end
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'exhausted', '1') end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
`

/**
 * The quota in Redis, shared by every worker: one hash per (key fingerprint, KST day). The key is named by a hash of the
 * service key, never the key itself. The day comes from the injected clock, so tests can cross midnight KST.
 */
export class RedisQuota implements QuotaGate {
  private readonly base: string
  constructor(
    private readonly redis: Redis,
    prefix: string,
    keyFingerprint: string,
    readonly limit: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.base = `${prefix}:quota:${keyFingerprint}`
  }
  private keyFor(day: string): string {
    return `${this.base}:${day}`
  }
  private ttl(): number {
    // Keep a day's counter two days: long enough for `status` to show yesterday's, short enough not to pile up.
    return nextKstMidnight(this.clock.now()) - this.clock.now() + 2 * 86_400_000
  }
  async reserve(): Promise<QuotaDecision> {
    const now = this.clock.now()
    const day = kstDay(now)
    const result = Number(await this.redis.eval(RESERVE_SCRIPT, 1, this.keyFor(day), this.limit, this.ttl()))
    if (result < 0) return { ok: false, day, used: -1 - result, resetAt: nextKstMidnight(now) }
    return { ok: true, day, used: result, remaining: this.limit - result }
  }
  async release(day: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.keyFor(day))
  }
  async correct(remaining: number, limit = this.limit): Promise<void> {
    const day = kstDay(this.clock.now())
    const seen = Math.max(0, Math.min(this.limit, limit) - remaining)
    await this.redis.eval(CORRECT_SCRIPT, 1, this.keyFor(day), seen, remaining <= 0 ? '1' : '0', this.ttl())
  }
  async exhaust(): Promise<void> {
    const key = this.keyFor(kstDay(this.clock.now()))
    await this.redis.multi().hset(key, 'exhausted', '1').pexpire(key, this.ttl()).exec()
  }
  /** Calls counted on a KST day (`YYYY-MM-DD`), e.g. to compare with what reached the API that day. */
  async usedOn(day: string): Promise<number> {
    return Number((await this.redis.hget(this.keyFor(day), 'used')) ?? 0)
  }
  async snapshot(): Promise<QuotaSnapshot> {
    const now = this.clock.now()
    const day = kstDay(now)
    const fields = await this.redis.hgetall(this.keyFor(day))
    const used = Number(fields.used ?? 0)
    const exhausted = fields.exhausted === '1' || used >= this.limit
    return {
      day,
      used,
      limit: this.limit,
      remaining: exhausted ? 0 : this.limit - used,
      exhausted,
      resetAt: nextKstMidnight(now),
    }
  }
}
