import { Writable } from 'node:stream'
import { ledger } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
import { createQueue, createSyncWorker, enqueueSlices } from '../sync/queue.js'
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

const KEY = 'backfill-test-key-0123456789abcdef'
let logText = ''
const logSink = new Writable({
  write(chunk, _e, cb) {
    logText += chunk.toString()
    cb()
  },
})
const logger = createLogger({ level: 'debug', serviceKey: KEY, pretty: false, destination: logSink })

let emu: Emulator
let countries: string[]
beforeAll(async () => {
  emu = await createEmulator({ port: 0, seed: 7, keys: [KEY], ratePerSecond: 30 })
  countries = smallCountries(emu, 10)
})
afterAll(async () => {
  await emu?.close()
})

describe('inline backfill (PGlite, no Redis)', () => {
  // PGlite is single-process and slower to write: 3 countries × 2 years here, the full 10 × 2 on PostgreSQL below.
  it('3 countries × 2 years equals the truth with one call per slice, and a re-plan skips everything', async () => {
    const db = await openDatabase('memory://')
    const few = countries.slice(0, 3)
    try {
      const before = emu.stats.total
      const plan = await planBackfill(
        { countries: few, from: '2024-01', to: '2025-12' },
        { quota: 10_000, db },
      )
      expect(plan.calls).toBe(6)
      const deps: EngineDeps = {
        fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url }),
        store: createDbStore(db, KEY),
        ...memoryLimits({ dailyQuota: 10_000, ratePerSecond: 30 }),
        logger,
        serviceKey: KEY,
      }
      const summary = await runInline(plan.slices, deps, { concurrency: 3 })
      expect(summary).toMatchObject({ done: 6, failed: 0, calls: 6 })
      expect(emu.stats.total - before).toBe(6)
      const { mirror, truth } = await mirrorAndTruth(db, emu, few, '2024-01', '2025-12')
      expect(mirror.length).toBe(truth.length)
      expect(mirror).toEqual(truth)
      const entries = await ledger(db)
      expect(entries).toHaveLength(6)
      expect(
        entries.every(
          (e) => e.status === 'ok' && /^[0-9a-f]{64}$/.test(e.bodySha256 ?? '') && e.sumsMatch === true,
        ),
      ).toBe(true)
      const again = await planBackfill(
        { countries: few, from: '2024-01', to: '2025-12' },
        { quota: 10_000, db },
      )
      expect(again.calls).toBe(0)
      expect(again.skipped).toHaveLength(6)
      expect(logText).not.toContain(KEY)
    } finally {
      await db.close()
    }
  })
})

describe.skipIf(!available.redis || !available.postgres)('BullMQ backfill (Redis + PostgreSQL)', () => {
  it('10 countries × 2 years via the queue equals the truth, exactly one call per slice; re-enqueueing adds nothing', async () => {
    const prefix = uniquePrefix('backfill')
    const pg = await createTestDatabase('backfill')
    const db: KcsDatabase = await openDatabase(pg.url)
    const redis = createRedis(REDIS_URL)
    const queue = createQueue(redis, prefix)
    const cfg = loadConfig({ KCS_QUEUE_PREFIX: prefix, KCS_RATE_PER_SECOND: '30', REDIS_URL })
    const limits = redisLimits(redis, cfg, KEY)
    const deps: EngineDeps = {
      fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url, rate: limits.rate }),
      store: createDbStore(db, KEY),
      ...limits,
      logger,
      serviceKey: KEY,
    }
    const worker = createSyncWorker({
      connection: redis,
      prefix,
      deps,
      concurrency: 4,
      freshnessSlices: async () => [],
    })
    try {
      const okBefore = emu.stats.count('ok', KEY)
      const totalBefore = emu.stats.total
      const plan = await planBackfill(
        { countries, from: '2024-01', to: '2025-12' },
        { quota: cfg.dailyQuota, db },
      )
      const first = await enqueueSlices(queue, plan.slices)
      expect(first).toEqual({ added: 20, existing: 0, retried: 0 })
      const second = await enqueueSlices(queue, plan.slices)
      expect(second).toEqual({ added: 0, existing: 20, retried: 0 })
      await waitFor(
        async () => (await queue.getJobCounts('completed')).completed === 20,
        60_000,
        '20 completed jobs',
      )
      const third = await enqueueSlices(queue, plan.slices)
      expect(third.added).toBe(0)
      expect(await queue.getJobCounts('failed', 'waiting', 'delayed')).toMatchObject({
        failed: 0,
        waiting: 0,
        delayed: 0,
      })
      expect(emu.stats.total - totalBefore).toBe(20)
      expect(emu.stats.count('ok', KEY) - okBefore).toBe(20)
      const { mirror, truth } = await mirrorAndTruth(db, emu, countries, '2024-01', '2025-12')
      expect(mirror).toEqual(truth)
      await limits.metrics.flush()
      const values = await limits.metrics.read()
      expect(values.calls.ok).toBe(20)
      expect(values.rows).toBe(truth.length)
      // Corrected from X-RateLimit-Remaining: the emulator also counts the inline test's calls with the same key.
      expect((await limits.quota.snapshot()).used).toBe(emu.quota(KEY).used)
      // The quota counter is keyed by a hash of the key, never the key.
      const keys = await redis.keys(`${prefix}:*`)
      expect(keys.some((k) => k.includes(KEY))).toBe(false)
      expect(logText).not.toContain(KEY)
    } finally {
      await worker.close()
      await queue.close()
      redis.disconnect()
      await db.close()
      await pg.drop()
      await dropPrefix(prefix)
    }
  })
})
