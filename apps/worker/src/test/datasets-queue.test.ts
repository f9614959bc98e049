import { Writable } from 'node:stream'
import { countryTotals, ledger, nationalTotals } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/env.js'
import { createLogger } from '../config/logger.js'
import { collectStatus } from '../status.js'
import type { EngineDeps } from '../sync/deps.js'
import { createClientFetcher, createDbStore, openDatabase, planBackfill } from '../sync/engine.js'
import { createQueue, createSyncWorker, enqueueSlices } from '../sync/queue.js'
import { createRedis, redisLimits } from '../sync/runtime.js'
import {
  available,
  createTestDatabase,
  dropPrefix,
  REDIS_URL,
  smallCountries,
  uniquePrefix,
  waitFor,
} from '../test-utils/services.js'

// The totals datasets through BullMQ: the same jobs as the detail, each dataset on its own quota in Redis, and a
// key refused for one dataset failing only that dataset's jobs.
const KEY = 'datasets-queue-key-0123456789abcdef'
const DETAIL_ONLY = 'datasets-queue-detail-only-0123456789'
const requireServices = process.env.KCS_REQUIRE_SERVICES === '1' || process.env.CI === 'true'
if (!available.redis || !available.postgres) {
  if (requireServices) throw new Error('datasets-queue.test needs Redis and PostgreSQL (CI starts them)')
  console.warn('datasets-queue.test: Redis or PostgreSQL not reachable, skipping (CI requires them)')
}

let emu: Emulator
beforeAll(async () => {
  emu = await createEmulator({
    port: 0,
    seed: 5,
    keys: [KEY, DETAIL_ONLY],
    approvals: { [DETAIL_ONLY]: ['nitemtrade'] },
    ratePerSecond: 30,
    now: () => Date.UTC(2026, 11, 20, 3),
  })
})
afterAll(async () => {
  await emu?.close()
})

const quiet = new Writable({ write: (_c, _e, cb) => cb() })

describe.skipIf(!available.redis || !available.postgres)('totals datasets on the queue', () => {
  it('workers mirror country and national totals on their own quotas; a refused dataset fails alone', async () => {
    for (const [key, approved] of [
      [KEY, true],
      [DETAIL_ONLY, false],
    ] as const) {
      const prefix = uniquePrefix('datasets-queue')
      const pg = await createTestDatabase('datasets_queue')
      const db = await openDatabase(pg.url)
      const redis = createRedis(REDIS_URL)
      const queue = createQueue(redis, prefix)
      const cfg = loadConfig({ KCS_QUEUE_PREFIX: prefix, KCS_RATE_PER_SECOND: '30', REDIS_URL })
      const limits = redisLimits(redis, cfg, key)
      const deps: EngineDeps = {
        fetcher: createClientFetcher({ serviceKey: key, baseUrl: emu.url, rate: limits.rate }),
        store: createDbStore(db, key),
        ...limits,
        logger: createLogger({ level: 'warn', serviceKey: key, pretty: false, destination: quiet }),
        serviceKey: key,
      }
      const worker = createSyncWorker({
        connection: redis,
        prefix,
        deps,
        concurrency: 2,
        freshnessSlices: async () => [],
      })
      try {
        const window = { from: '2025-01', to: '2026-11' }
        const slices = [
          ...(await planBackfill({ countries: 'all', ...window, dataset: 'nationtrade' }, { quota: 100, db }))
            .slices,
          ...(await planBackfill({ countries: 'all', ...window, dataset: 'newtrade' }, { quota: 100, db }))
            .slices,
          ...(
            await planBackfill(
              { countries: smallCountries(emu, 1), from: '2026-01', to: '2026-03' },
              { quota: 100, db },
            )
          ).slices,
        ]
        expect(slices).toHaveLength(5)
        expect((await enqueueSlices(queue, slices)).added).toBe(5)
        await waitFor(
          async () => {
            const c = await queue.getJobCounts('completed', 'failed')
            return (c.completed ?? 0) + (c.failed ?? 0) === 5
          },
          60_000,
          'five jobs done',
        )
        const counts = await queue.getJobCounts('completed', 'failed')
        if (approved) {
          expect(counts).toMatchObject({ completed: 5, failed: 0 })
          expect(await countryTotals(db, { from: '2026-11', to: '2026-11' })).not.toHaveLength(0)
          expect(await nationalTotals(db, window)).toHaveLength(23)
          // One call each on the portal's per-dataset quota, and the same counts in Redis.
          expect(emu.quota(key, 'nationtrade').used).toBe(2)
          expect(emu.quota(key, 'newtrade').used).toBe(2)
          expect((await limits.quotaFor('nationtrade').snapshot()).used).toBe(2)
          expect((await limits.quotaFor('newtrade').snapshot()).used).toBe(2)
          expect((await limits.quota.snapshot()).used).toBe(1)
          // `status` reports each dataset's quota.
          const report = await collectStatus(cfg, db, queue, limits.quota, limits.quotaFor)
          expect(report.quota?.used).toBe(1)
          expect(report.datasetQuotas).toMatchObject({ nationtrade: { used: 2 }, newtrade: { used: 2 } })
        } else {
          // 403/30 for the totals; the detail job goes through.
          expect(counts).toMatchObject({ completed: 1, failed: 4 })
          const failed = await ledger(db, { dataset: 'nationtrade' })
          expect(failed.map((e) => e.status)).toEqual(['failed', 'failed'])
          expect(failed[0]?.lastError).toMatch(/approv|30/i)
          expect(JSON.stringify(failed)).not.toContain(key)
          expect((await ledger(db)).map((e) => e.status)).toEqual(['ok'])
          // `status` lists the refused totals slices among the recent failures, without the key.
          const report = await collectStatus(cfg, db, queue, limits.quota, limits.quotaFor)
          expect(report.failures.map((f) => f.slice.split(':')[0]).sort()).toEqual([
            'nationtrade',
            'nationtrade',
            'newtrade',
            'newtrade',
          ])
          expect(JSON.stringify(report)).not.toContain(key)
        }
      } finally {
        await worker.close()
        await queue.close()
        redis.disconnect()
        await db.close()
        await pg.drop()
        await dropPrefix(prefix)
      }
    }
  })
})
