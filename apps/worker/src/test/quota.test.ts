import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { Writable } from 'node:stream'
import { ledger } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../config/clock.js'
import { loadConfig } from '../config/env.js'
import { createLogger } from '../config/logger.js'
import type { EngineDeps } from '../sync/deps.js'
import {
  createClientFetcher,
  createDbStore,
  type KcsDatabase,
  openDatabase,
  planBackfill,
} from '../sync/engine.js'
import { runInline } from '../sync/inline.js'
import { createQueue, createSyncWorker, DEFAULT_ATTEMPTS, enqueueSlices } from '../sync/queue.js'
import { createRedis, memoryLimits, redisLimits } from '../sync/runtime.js'
import {
  available,
  createTestDatabase,
  dropPrefix,
  mirrorAndTruth,
  REDIS_URL,
  smallCountries,
  uniquePrefix,
  waitFor,
} from '../test-utils/services.js'

const KEY = 'quota-test-key-fedcba9876543210'
let logText = ''
const logger = createLogger({
  level: 'debug',
  serviceKey: KEY,
  pretty: false,
  destination: new Writable({
    write(chunk, _e, cb) {
      logText += chunk.toString()
      cb()
    },
  }),
})

describe.skipIf(!available.redis || !available.postgres)(
  'daily quota across the KST midnight (BullMQ, Redis, PostgreSQL)',
  () => {
    // 23:00 KST: an hour before the quota resets.
    const clock = manualClock(Date.UTC(2026, 10, 24, 14, 0, 0))
    let emu: Emulator
    let pg: Awaited<ReturnType<typeof createTestDatabase>>
    let db: KcsDatabase
    const prefix = uniquePrefix('quota')
    beforeAll(async () => {
      emu = await createEmulator({
        port: 0,
        seed: 11,
        keys: [KEY],
        dailyQuota: 25,
        ratePerSecond: 30,
        now: () => clock.now(),
      })
      pg = await createTestDatabase('quota')
      db = await openDatabase(pg.url)
    })
    afterAll(async () => {
      await db?.close()
      await pg?.drop()
      await emu?.close()
      await dropPrefix(prefix)
    })

    it('quota 25, plan of 40 slices: 25 calls, the rest wait; after midnight KST they complete; nothing fails or is lost', async () => {
      const countries = smallCountries(emu, 40)
      expect(countries).toHaveLength(40)
      const redis = createRedis(REDIS_URL)
      const queue = createQueue(redis, prefix)
      const cfg = loadConfig({
        KCS_QUEUE_PREFIX: prefix,
        KCS_DAILY_QUOTA: '25',
        KCS_RATE_PER_SECOND: '30',
        REDIS_URL,
      })
      const limits = redisLimits(redis, cfg, KEY, clock)
      const deps: EngineDeps = {
        fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url, rate: limits.rate }),
        store: createDbStore(db, KEY),
        ...limits,
        logger,
        clock,
        serviceKey: KEY,
      }
      const worker = createSyncWorker({
        connection: redis,
        prefix,
        deps,
        concurrency: 4,
        clock,
        quotaRecheckMs: 250,
        freshnessSlices: async () => [],
      })
      try {
        const plan = await planBackfill(
          { countries, from: '2025-01', to: '2025-01' },
          { quota: cfg.dailyQuota, db },
        )
        expect(plan.calls).toBe(40)
        expect(plan.quotaDays).toBe(2)
        await enqueueSlices(queue, plan.slices)
        await waitFor(
          async () => (await queue.getJobCounts('completed')).completed === 25,
          30_000,
          '25 completed jobs',
        )
        // Let the waiting jobs wake up and go back to sleep a few times: still no call.
        await new Promise((r) => setTimeout(r, 1_500))
        expect(emu.stats.total).toBe(25)
        const counts = await queue.getJobCounts('completed', 'failed', 'delayed', 'waiting', 'active')
        expect(counts.completed).toBe(25)
        expect(counts.failed).toBe(0)
        expect((counts.delayed ?? 0) + (counts.waiting ?? 0) + (counts.active ?? 0)).toBe(15)
        const snap = await limits.quota.snapshot()
        expect(snap).toMatchObject({ day: '2026-11-24', used: 25, remaining: 0, exhausted: true })

        clock.set(Date.UTC(2026, 10, 24, 15, 0, 1)) // 00:00:01 KST on the 25th
        await waitFor(
          async () => (await queue.getJobCounts('completed')).completed === 40,
          30_000,
          '40 completed jobs',
        )
        expect(emu.stats.total).toBe(40)
        expect(emu.stats.count('ok', KEY) + emu.stats.count('empty', KEY)).toBe(40)
        expect((await queue.getJobCounts('failed')).failed).toBe(0)
        expect((await limits.quota.snapshot()).day).toBe('2026-11-25')
        const { mirror, truth } = await mirrorAndTruth(db, emu, countries, '2025-01', '2025-01')
        expect(mirror).toEqual(truth)
        expect(logText).not.toContain(KEY)
      } finally {
        await worker.close()
        await queue.close()
        redis.disconnect()
      }
    })

    it('a year that keeps answering 5xx splits into quarters, and the mirror still equals the truth', async () => {
      const country = smallCountries(emu, 41)[40] as string
      const limits = memoryLimits(
        { dailyQuota: 1_000, ratePerSecond: 30 },
        manualClock(Date.UTC(2026, 0, 10)),
      )
      const deps: EngineDeps = {
        fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url, rate: limits.rate }),
        store: createDbStore(db, KEY),
        ...limits,
        logger,
        serviceKey: KEY,
      }
      emu.setDailyQuota(1_000)
      const before = emu.stats.total
      emu.faults.next({ kind: 'http5xx', status: 503, key: KEY, count: 2 })
      const summary = await runInline([{ country, from: '2024-01', to: '2024-12' }], deps, {
        maxAttempts: 2,
        backoffBaseMs: 5,
      })
      expect(summary).toMatchObject({ done: 4, failed: 0, split: 1 })
      expect(emu.stats.total - before).toBe(6) // 2 failures of the year, then 4 quarters
      const entries = await ledger(db, { country })
      expect(entries.map((e) => `${e.slice.from}..${e.slice.to} ${e.status}`)).toEqual([
        '2024-01..2024-03 ok',
        '2024-01..2024-12 failed',
        '2024-04..2024-06 ok',
        '2024-07..2024-09 ok',
        '2024-10..2024-12 ok',
      ])
      const { mirror, truth } = await mirrorAndTruth(db, emu, [country], '2024-01', '2024-12')
      expect(mirror).toEqual(truth)
    })
    it('an API answer 23 backs off and retries; an answer 22 stops every call until midnight KST (inline, same processor)', async () => {
      const [a, b, c] = smallCountries(emu, 44).slice(41) as [string, string, string]
      const inlineClock = manualClock(Date.UTC(2026, 0, 10, 12, 0, 0))
      const limits = memoryLimits({ dailyQuota: 1_000, ratePerSecond: 30 }, inlineClock)
      const deps: EngineDeps = {
        fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url, rate: limits.rate }),
        store: createDbStore(db, KEY),
        ...limits,
        logger,
        clock: inlineClock,
        serviceKey: KEY,
      }
      emu.setDailyQuota(1_000)
      const before = emu.stats.total
      emu.faults.next({ kind: 'rate23', key: KEY, count: 1 })
      const first = await runInline([{ country: a, from: '2024-02', to: '2024-02' }], deps)
      expect(first).toMatchObject({ done: 1, failed: 0, calls: 2 })
      expect(emu.stats.total - before).toBe(2)

      emu.faults.next({ kind: 'quota22', key: KEY, count: 1 })
      const run = runInline(
        [b, c].map((country) => ({ country, from: '2024-02', to: '2024-02' })),
        deps,
        { concurrency: 1, quotaRecheckMs: 50 },
      )
      await waitFor(() => emu.stats.total - before === 3, 10_000, 'the call answered 22')
      await new Promise((r) => setTimeout(r, 500))
      expect(emu.stats.total - before).toBe(3) // nothing more that day
      expect((await limits.quota.snapshot()).exhausted).toBe(true)
      inlineClock.set(Date.UTC(2026, 0, 10, 15, 0, 1)) // midnight KST
      const second = await run
      expect(second).toMatchObject({ done: 2, failed: 0 })
      expect(emu.stats.total - before).toBe(5)
      const { mirror, truth } = await mirrorAndTruth(db, emu, [a, b, c], '2024-02', '2024-02')
      expect(mirror).toEqual(truth)
    })

    it('the parts of a year a worker splits get their own retries: a quarter that fails once retries, it does not split again', async () => {
      const splitPrefix = uniquePrefix('quota-split')
      const redis = createRedis(REDIS_URL)
      const queue = createQueue(redis, splitPrefix)
      const country = smallCountries(emu, 46)[45] as string
      const limits = memoryLimits({ dailyQuota: 1_000, ratePerSecond: 30 })
      const deps: EngineDeps = {
        fetcher: createClientFetcher({
          serviceKey: KEY,
          baseUrl: emu.url,
          rate: limits.rate,
          // Six 5xx in a row would open the breaker for its cool-down; this test is about attempts.
          circuitBreaker: { failureThreshold: 100, cooldownMs: 100 },
        }),
        store: createDbStore(db, KEY),
        ...limits,
        logger,
        serviceKey: KEY,
      }
      emu.setDailyQuota(1_000)
      // Four 5xx for the year's four tries (it splits into quarters), then two for the first quarter's tries.
      emu.faults.next({ kind: 'http5xx', status: 503, key: KEY, count: 6 })
      const worker = createSyncWorker({
        connection: redis,
        prefix: splitPrefix,
        deps,
        concurrency: 1,
        backoffBaseMs: 5,
        freshnessSlices: async () => [],
      })
      try {
        await enqueueSlices(queue, [{ country, from: '2024-01', to: '2024-12' }])
        await waitFor(
          async () => (await queue.getJobCounts('completed')).completed === 5,
          30_000,
          'the year (split) and its four quarters completed',
        )
        expect((await queue.getJobCounts('failed')).failed).toBe(0)
        const jobs = await queue.getJobs(['completed'])
        const windows = jobs.map((j) => {
          const s = (j.data as { slice: { from: string; to: string } }).slice
          return `${s.from}..${s.to}`
        })
        // Only the year and its quarters: no quarter split into months after one failure.
        expect(windows.sort()).toEqual([
          '2024-01..2024-03',
          '2024-01..2024-12',
          '2024-04..2024-06',
          '2024-07..2024-09',
          '2024-10..2024-12',
        ])
        for (const j of jobs) expect(j.opts.attempts).toBe(DEFAULT_ATTEMPTS)
        const { mirror, truth } = await mirrorAndTruth(db, emu, [country], '2024-01', '2024-12')
        expect(mirror).toEqual(truth)
      } finally {
        await worker.close()
        await queue.close()
        redis.disconnect()
        await dropPrefix(splitPrefix)
      }
    })

    it('a job waiting out an unreachable API counts its waits in the job data and fails once the outage budget is spent', async () => {
      // A port nothing listens on: every call is refused before anything is sent.
      const closed = createServer()
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
      const port = (closed.address() as AddressInfo).port
      await new Promise((r) => closed.close(r))
      const outagePrefix = uniquePrefix('quota-outage')
      const redis = createRedis(REDIS_URL)
      const queue = createQueue(redis, outagePrefix)
      const limits = memoryLimits({ dailyQuota: 1_000, ratePerSecond: 30 })
      const deps: EngineDeps = {
        fetcher: createClientFetcher({
          serviceKey: KEY,
          baseUrl: `http://127.0.0.1:${port}`,
          rate: limits.rate,
          circuitBreaker: { failureThreshold: 100, cooldownMs: 100 },
        }),
        store: createDbStore(db, KEY),
        ...limits,
        logger,
        serviceKey: KEY,
      }
      const worker = createSyncWorker({
        connection: redis,
        prefix: outagePrefix,
        deps,
        backoffBaseMs: 20,
        outageBudgetMs: 1_500,
        freshnessSlices: async () => [],
      })
      try {
        const slice = { country: smallCountries(emu, 45)[44] as string, from: '2024-03', to: '2024-03' }
        await enqueueSlices(queue, [slice])
        await waitFor(
          async () => (await queue.getJobCounts('failed')).failed === 1,
          20_000,
          'the job failed after the outage budget',
        )
        const [job] = await queue.getJobs(['failed'])
        if (!job) throw new Error('no failed job')
        expect(job.failedReason).toMatch(/outage lasted longer than 2 s/)
        // Before the budget ran out the job waited (no attempt used), its waits counted in its data.
        expect((job.data as { outage?: { waits: number } }).outage?.waits).toBeGreaterThanOrEqual(1)
        expect(job.attemptsMade).toBe(4)
        // Nothing was sent: every reserved call went back.
        expect((await limits.quota.snapshot()).used).toBe(0)
      } finally {
        await worker.close()
        await queue.close()
        redis.disconnect()
        await dropPrefix(outagePrefix)
      }
    })
  },
)
