import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { manualClock } from '../config/clock.js'
import { createLogger } from '../config/logger.js'
import { backoffDelay, classifyError, databaseUnavailable } from '../sync/classify.js'
import type { EngineDeps, FailureInfo, SliceStream } from '../sync/deps.js'
import { runInline } from '../sync/inline.js'
import { MemoryQuota, unlimitedRate } from '../sync/limits.js'
import { MemoryMetrics } from '../sync/metrics.js'
import { processSlice } from '../sync/processor.js'
import { type Slice, sliceKey } from '../sync/slices.js'

// Unit tests of the processor's decisions with fakes for the fetcher and store (pure logic; the integration tests use
// the real client, database and emulator).

const silent = createLogger({
  level: 'silent',
  pretty: false,
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
})

function named(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...fields })
}

function fakeDeps(behaviour: (slice: Slice, call: number) => Error | number) {
  const calls: string[] = []
  const failures: Array<{ slice: string; info: FailureInfo }> = []
  const written: string[] = []
  const deps: EngineDeps = {
    fetcher: {
      stream(slice): SliceStream {
        calls.push(sliceKey(slice))
        const outcome = behaviour(slice, calls.length)
        return {
          async *[Symbol.asyncIterator]() {
            if (outcome instanceof Error) throw outcome
            for (let i = 0; i < outcome; i++) yield { i }
          },
          summary: () =>
            outcome instanceof Error
              ? null
              : {
                  total: null,
                  bodySha256: 'x',
                  durationMs: 1,
                  attempts: 1,
                  sumsMatch: null,
                  rowCount: outcome,
                  remaining: null,
                },
        }
      },
    },
    store: {
      async replace(slice, rows) {
        let n = 0
        for await (const _ of rows) n++
        written.push(sliceKey(slice))
        return { added: n, changed: 0, withdrawn: 0, unchanged: 0, firstFetch: true, rowCount: n }
      },
      async recordFailure(slice, info) {
        failures.push({ slice: sliceKey(slice), info })
      },
    },
    quota: new MemoryQuota(1_000, manualClock(0)),
    rate: unlimitedRate,
    metrics: new MemoryMetrics(),
    logger: silent,
  }
  return { deps, calls, failures, written }
}

const year: Slice = { country: 'US', from: '2025-01', to: '2025-12' }

describe('classifyError', () => {
  it('maps client errors to handling', () => {
    expect(classifyError(named('KcsQuotaExceededError', { reasonCode: 22 }))).toMatchObject({
      kind: 'quota_exceeded',
    })
    expect(classifyError(named('KcsRateLimitError', { reasonCode: 23 }))).toMatchObject({
      kind: 'rate_limited',
      transient: true,
    })
    expect(classifyError(named('KcsAuthError', { reasonCode: 30 }))).toMatchObject({
      kind: 'auth',
      transient: false,
    })
    expect(classifyError(named('KcsServiceError'))).toMatchObject({ kind: 'validation', transient: false })
    expect(classifyError(named('KcsTimeoutError'))).toMatchObject({ kind: 'timeout', splittable: true })
    expect(classifyError(named('KcsHttpError', { status: 502 }))).toMatchObject({
      kind: 'server_error',
      splittable: true,
    })
    expect(classifyError(named('KcsHttpError', { status: 404, retryable: false }))).toMatchObject({
      transient: false,
    })
    expect(classifyError(named('KcsNetworkError'))).toMatchObject({
      kind: 'network',
      transient: true,
      splittable: false,
    })
    // A body cut off mid-document is retried and, like a timeout or a 5xx, lets a year split; a malformed one fails.
    expect(classifyError(named('KcsResponseFormatError', { retryable: true }))).toMatchObject({
      kind: 'server_error',
      transient: true,
      splittable: true,
      code: 'truncated',
    })
    expect(classifyError(named('KcsResponseFormatError', { retryable: false }))).toMatchObject({
      transient: false,
      splittable: false,
    })
  })
  it('backoff grows exponentially with jitter and a cap', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(500)
    expect(backoffDelay(3, 1000, 60_000, () => 1)).toBe(4000)
    expect(backoffDelay(30, 1000, 60_000, () => 1)).toBe(60_000)
  })
})

describe('processSlice', () => {
  it('fails auth errors at once, with the reason in the ledger', async () => {
    const { deps, failures } = fakeDeps(() => named('KcsAuthError', { reasonCode: 30 }))
    const outcome = await processSlice(year, deps, { attempt: 1, maxAttempts: 4 })
    expect(outcome.status).toBe('failed')
    expect(failures).toHaveLength(1)
    expect(failures[0]?.info).toMatchObject({ errorCode: '30', attempts: 1 })
  })
  it('retries transient errors, then splits a year that keeps timing out into quarters and months', async () => {
    // Every window longer than a month times out; single months succeed.
    const { deps, calls, written } = fakeDeps((s) => (s.from === s.to ? 3 : named('KcsTimeoutError')))
    const summary = await runInline([year], deps, { maxAttempts: 2, backoffBaseMs: 1, concurrency: 2 })
    expect(summary.failed).toBe(0)
    expect(summary.split).toBe(5) // the year, then its 4 quarters
    expect(written.sort()).toEqual(
      Array.from(
        { length: 12 },
        (_, i) => `US_2025-${String(i + 1).padStart(2, '0')}_2025-${String(i + 1).padStart(2, '0')}_all`,
      ).sort(),
    )
    expect(calls.filter((c) => c === sliceKey(year))).toHaveLength(2)
    expect(summary.rows.total).toBe(36)
  })
  it('waits without calling when the quota is spent, and resumes after midnight KST', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 24, 14, 59, 0))
    const { deps, calls } = fakeDeps(() => 1)
    deps.quota = new MemoryQuota(2, clock)
    deps.clock = clock
    const slices = ['AD', 'AE', 'AF', 'AG'].map((country) => ({ ...year, country }))
    const run = runInline(slices, deps, { quotaRecheckMs: 10 })
    await new Promise((r) => setTimeout(r, 100))
    expect(calls).toHaveLength(2)
    clock.advance(120_000) // past 15:00 UTC = midnight KST
    const summary = await run
    expect(calls).toHaveLength(4)
    expect(summary).toMatchObject({ done: 4, failed: 0 })
    expect(summary.quotaWaits).toBeGreaterThanOrEqual(2)
  })
  it('an API answer 22 stops all calls until the reset', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 24, 10, 0, 0))
    const { deps, calls } = fakeDeps((_s, n) =>
      n === 2 ? named('KcsQuotaExceededError', { reasonCode: 22 }) : 1,
    )
    deps.quota = new MemoryQuota(100, clock)
    deps.clock = clock
    const slices = ['AD', 'AE', 'AF'].map((country) => ({ ...year, country }))
    const run = runInline(slices, deps, { quotaRecheckMs: 10, concurrency: 1 })
    await new Promise((r) => setTimeout(r, 100))
    expect(calls).toHaveLength(2)
    clock.advance(6 * 3_600_000)
    const summary = await run
    expect(summary).toMatchObject({ done: 3, failed: 0 })
    expect(calls).toHaveLength(4)
  })
})

describe('quota reservations for calls never sent', () => {
  it('gives the call back when the circuit breaker refuses before any request', async () => {
    const { deps } = fakeDeps(() => named('KcsCircuitOpenError', { retryAt: new Date(60_000) }))
    const outcome = await processSlice(year, deps, { attempt: 1, maxAttempts: 3 })
    expect(outcome).toMatchObject({ status: 'wait', reason: 'circuit_open', called: false })
    expect((await deps.quota.snapshot()).used).toBe(0)
  })

  it('a refused connection (the request never left) gives the call back and waits without using an attempt; a reset does not', async () => {
    const refused = fakeDeps(() => named('KcsNetworkError', { retryable: true }))
    const stream = refused.deps.fetcher.stream.bind(refused.deps.fetcher)
    refused.deps.fetcher.stream = (slice) => Object.assign(stream(slice), { notSent: () => true })
    // Even on the last attempt: an API that refuses connections makes the slice wait, it does not fail it.
    const outcome = await processSlice(year, refused.deps, { attempt: 3, maxAttempts: 3 })
    expect(outcome).toMatchObject({ status: 'wait', reason: 'unreachable', called: false })
    expect((await refused.deps.quota.snapshot()).used).toBe(0)
    expect(refused.failures).toEqual([])

    // A reset after sending may have been counted by the API: the reservation stays.
    const reset = fakeDeps(() => named('KcsNetworkError', { retryable: true }))
    const streamB = reset.deps.fetcher.stream.bind(reset.deps.fetcher)
    reset.deps.fetcher.stream = (slice) => Object.assign(streamB(slice), { notSent: () => false })
    expect(await processSlice(year, reset.deps, { attempt: 1, maxAttempts: 3 })).toMatchObject({
      status: 'retry',
      kind: 'network',
    })
    expect((await reset.deps.quota.snapshot()).used).toBe(1)
  })

  it('a database outage before the call makes the slice wait without using an attempt; after the call it uses one', async () => {
    const refused = Object.assign(new Error('Replacing slice failed: connect ECONNREFUSED'), {
      code: 'REPLACE_FAILED',
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    })
    // The writer could not even open its transaction: no row was asked for, so no call was sent.
    const before = fakeDeps(() => 10)
    before.deps.store.replace = async () => {
      throw refused
    }
    const a = await processSlice(year, before.deps, { attempt: 4, maxAttempts: 4 })
    expect(a).toMatchObject({ status: 'wait', reason: 'database_unavailable', called: false })
    expect((await before.deps.quota.snapshot()).used).toBe(0)
    expect(before.failures).toEqual([])

    // The server went away mid-write (after the call): the call was made and stays counted, and the slice uses an
    // attempt (regression: it used to wait for free, so a lasting outage spent a call of the quota on every try).
    const during = fakeDeps(() => 10)
    during.deps.store.replace = async (_slice, rows) => {
      for await (const _ of rows) break
      throw Object.assign(new Error('write failed'), {
        cause: Object.assign(new Error('terminating connection due to administrator command'), {
          code: '57P01',
        }),
      })
    }
    const b = await processSlice(year, during.deps, { attempt: 1, maxAttempts: 4 })
    expect(b).toMatchObject({ status: 'retry' })
    expect((await during.deps.quota.snapshot()).used).toBe(1)

    // A server starting up (SQLSTATE 57P03) is an outage too; a constraint violation (23505) is not.
    expect(databaseUnavailable(Object.assign(new Error('starting up'), { code: '57P03' }))).toBe(true)
    expect(databaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false)
    // Codes only: a connection failure (08006) is an outage, a protocol violation (08P01) is not; message text is
    // never trusted.
    expect(databaseUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true)
    expect(databaseUnavailable(Object.assign(new Error('x'), { code: '08P01' }))).toBe(false)
    expect(databaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(false)
    // After the call, on the last attempt, the slice waits for the database (within the outage budget) instead of
    // failing for the database's fault: the failure could not be recorded while it is down, and the next try sends
    // no call until the database answers (issue 14 item 7: a chaos run lost a slice to a PostgreSQL restart this way).
    const last = await processSlice(year, during.deps, { attempt: 4, maxAttempts: 4 })
    expect(last).toMatchObject({
      status: 'wait',
      reason: 'database_unavailable',
      called: true,
      outage: { waits: 1 },
    })
    expect(during.failures).toEqual([])
    // Once the outage budget is spent it fails, so a lasting outage cannot spend the quota forever.
    const spent = await processSlice(year, during.deps, {
      attempt: 4,
      maxAttempts: 4,
      outageBudgetMs: 1_000,
      outage: { waits: 5, since: Date.now() - 1_000 },
    })
    expect(spent).toMatchObject({ status: 'failed' })
    expect((spent as { message: string }).message).toMatch(/outage lasted longer than/)
  })

  it("waits for the breaker's cool-down on the engine's clock, even when that clock is not the system clock", async () => {
    const { deps } = fakeDeps(() => named('KcsCircuitOpenError', { retryAt: new Date(Date.now() + 5_000) }))
    // A test clock nine hours ahead (as fault suites use to cross midnight in Korea).
    const clock = manualClock(Date.now() + 9 * 3_600_000)
    deps.clock = clock
    const outcome = await processSlice(year, deps, { attempt: 1, maxAttempts: 3 })
    expect(outcome.status).toBe('wait')
    const wait = (outcome as { until: number }).until - clock.now()
    expect(wait).toBeGreaterThan(4_000)
    expect(wait).toBeLessThanOrEqual(5_000)
  })

  it('gives the call back when the wait for the per-second limiter is aborted', async () => {
    const { deps, calls } = fakeDeps(() => 1)
    const stop = new AbortController()
    deps.rate = {
      perSecond: 5,
      async acquire(signal?: AbortSignal) {
        stop.abort(new Error('shutting down')) // the shutdown comes while the slice waits for its turn
        signal?.throwIfAborted()
      },
    }
    expect(await processSlice(year, deps, { attempt: 1, maxAttempts: 3, signal: stop.signal })).toMatchObject(
      {
        status: 'interrupted',
        called: false,
      },
    )
    expect(calls).toEqual([])
    expect((await deps.quota.snapshot()).used).toBe(0)
    // Stopped before it began: nothing reserved at all.
    expect(await processSlice(year, deps, { attempt: 1, maxAttempts: 3, signal: stop.signal })).toMatchObject(
      {
        status: 'interrupted',
        called: false,
      },
    )
    expect((await deps.quota.snapshot()).used).toBe(0)
  })
})

describe('outage waits are bounded', () => {
  function refusing(code = 'ECONNREFUSED') {
    const fake = fakeDeps(() =>
      named('KcsNetworkError', { retryable: true, cause: Object.assign(new Error(code), { code }) }),
    )
    const stream = fake.deps.fetcher.stream.bind(fake.deps.fetcher)
    fake.deps.fetcher.stream = (slice) => Object.assign(stream(slice), { notSent: () => true })
    return fake
  }

  it('counts the waits, grows the backoff, and uses attempts once the outage budget is spent', async () => {
    const { deps, failures } = refusing()
    let outage: { waits: number; since: number } | undefined
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      const before = Date.now()
      const o = await processSlice(year, deps, { attempt: 1, maxAttempts: 2, outage })
      expect(o).toMatchObject({ status: 'wait', reason: 'unreachable', called: false })
      if (o.status !== 'wait') throw new Error('unreachable')
      outage = o.outage
      delays.push(o.until - before)
    }
    expect(outage?.waits).toBe(5)
    // Full jitter in [ceiling/2, ceiling]: the fifth wait (ceiling 30 s) is longer than the first (ceiling 2 s).
    expect(delays[0]).toBeLessThanOrEqual(2_100)
    expect(delays[4]).toBeGreaterThanOrEqual(15_000)
    // An hour later (the default budget) the same error uses an attempt, and on the last one fails with a clear message.
    const old = { waits: 40, since: Date.now() - 3_600_001 }
    expect(await processSlice(year, deps, { attempt: 1, maxAttempts: 2, outage: old })).toMatchObject({
      status: 'retry',
      kind: 'network',
    })
    const final = await processSlice(year, deps, { attempt: 2, maxAttempts: 2, outage: old })
    expect(final).toMatchObject({ status: 'failed', kind: 'network' })
    expect((final as { message: string }).message).toMatch(/outage lasted longer than 60 min \(40 waits\)/)
    expect(failures).toHaveLength(1)
    // No call was ever sent: every reservation went back.
    expect((await deps.quota.snapshot()).used).toBe(0)
  })

  it('a database outage before the call is bounded by the same budget', async () => {
    const { deps } = fakeDeps(() => 10)
    deps.store.replace = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    }
    const first = await processSlice(year, deps, { attempt: 1, maxAttempts: 3 })
    expect(first).toMatchObject({ status: 'wait', reason: 'database_unavailable', outage: { waits: 1 } })
    const spent = await processSlice(year, deps, {
      attempt: 1,
      maxAttempts: 3,
      outageBudgetMs: 1_000,
      outage: { waits: 3, since: Date.now() - 1_000 },
    })
    expect(spent).toMatchObject({ status: 'retry' })
  })

  it('sync --inline ends (with the slice failed) when the API stays unreachable past the budget', async () => {
    const { deps } = refusing()
    const summary = await runInline([year], deps, { outageBudgetMs: 0, maxAttempts: 2, backoffBaseMs: 1 })
    expect(summary).toMatchObject({ done: 0, failed: 1 })
    expect(summary.failures[0]?.message).toMatch(/outage lasted longer/)
  })

  it('a host that DNS does not know, before any answer from the API, fails at once with a KCS_BASE_URL hint', async () => {
    const { deps, failures } = refusing('ENOTFOUND')
    const o = await processSlice(year, deps, { attempt: 1, maxAttempts: 4 })
    expect(o).toMatchObject({ status: 'failed', kind: 'network' })
    expect((o as { message: string }).message).toMatch(/API host was not found/)
    expect(failures).toHaveLength(1)
    expect((await deps.quota.snapshot()).used).toBe(0)

    // Once the API has answered, a later ENOTFOUND is a DNS outage: the slice waits.
    const later = refusing('ENOTFOUND')
    const stream = later.deps.fetcher.stream.bind(later.deps.fetcher)
    let first = true
    later.deps.fetcher.stream = (slice) => {
      if (!first) return stream(slice)
      first = false
      return {
        async *[Symbol.asyncIterator]() {},
        summary: () => ({
          total: null,
          bodySha256: 'x',
          durationMs: 1,
          attempts: 1,
          sumsMatch: null,
          rowCount: 0,
        }),
      }
    }
    expect(await processSlice(year, later.deps, { attempt: 1, maxAttempts: 4 })).toMatchObject({
      status: 'done',
    })
    expect(await processSlice(year, later.deps, { attempt: 1, maxAttempts: 4 })).toMatchObject({
      status: 'wait',
      reason: 'unreachable',
    })
  })

  it("an API answer 22 waits until its reset time on the engine's clock, not the system clock", async () => {
    const resetsAt = new Date(Date.now() + 60_000)
    const { deps } = fakeDeps(() => named('KcsQuotaExceededError', { reasonCode: 22, resetsAt }))
    const clock = manualClock(Date.now() + 9 * 3_600_000)
    deps.clock = clock
    deps.quota = new MemoryQuota(100, clock)
    const o = await processSlice(year, deps, { attempt: 1, maxAttempts: 3 })
    expect(o).toMatchObject({ status: 'wait', reason: 'quota_exceeded' })
    const wait = (o as { until: number }).until - clock.now()
    expect(wait).toBeGreaterThan(59_000)
    expect(wait).toBeLessThanOrEqual(60_000)
  })
})
