import { Writable } from 'node:stream'
import { revisions } from '@kcs-trade/db'
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
import { freshnessSlices, freshnessWindow } from '../sync/freshness.js'
import { runInline } from '../sync/inline.js'
import { createQueue, createSyncWorker, installFreshnessScheduler, triggerFreshness } from '../sync/queue.js'
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

const KEY = 'revisions-test-key-00112233445566'
const logger = createLogger({
  level: 'warn',
  serviceKey: KEY,
  pretty: false,
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
})

describe.skipIf(!available.redis || !available.postgres)(
  'freshness job and revisions (BullMQ, Redis, PostgreSQL)',
  () => {
    // Noon KST on 2026-11-24: the freshness window is 2025-11..2026-11.
    const clock = manualClock(Date.UTC(2026, 10, 24, 3, 0, 0))
    let emu: Emulator
    let pg: Awaited<ReturnType<typeof createTestDatabase>>
    let db: KcsDatabase
    const prefix = uniquePrefix('revisions')
    beforeAll(async () => {
      emu = await createEmulator({ port: 0, seed: 5, keys: [KEY], revision: 1, now: () => clock.now() })
      pg = await createTestDatabase('revisions')
      db = await openDatabase(pg.url)
    })
    afterAll(async () => {
      await db?.close()
      await pg?.drop()
      await emu?.close()
      await dropPrefix(prefix)
    })

    it('after the revision is raised, the freshness job makes the mirror equal the new truth and records exactly its changes', async () => {
      const countries = smallCountries(emu, 3)
      const window = freshnessWindow(clock)
      expect(window).toEqual({ from: '2025-11', to: '2026-11' })
      // Backfill at revision 1 (inline: the same processor).
      const plan = await planBackfill({ countries, ...window }, { quota: 10_000, db })
      const inlineDeps: EngineDeps = {
        fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url }),
        store: createDbStore(db, KEY),
        ...memoryLimits({ dailyQuota: 10_000, ratePerSecond: 30 }, clock),
        logger,
        clock,
      }
      expect((await runInline(plan.slices, inlineDeps, { concurrency: 3 })).failed).toBe(0)
      const since = new Date()
      expect(await revisions(db, { since: new Date(0) })).toEqual([]) // a first fetch records no revisions

      emu.setRevision(2)
      const expected = countries.flatMap((country) => emu.truth.changes(1, 2, { country, ...window }))
      expect(expected.length).toBeGreaterThan(0)

      const redis = createRedis(REDIS_URL)
      const queue = createQueue(redis, prefix)
      const cfg = loadConfig({ KCS_QUEUE_PREFIX: prefix, KCS_RATE_PER_SECOND: '30', REDIS_URL })
      const deps: EngineDeps = { ...inlineDeps, ...redisLimits(redis, cfg, KEY, clock) }
      const worker = createSyncWorker({
        connection: redis,
        prefix,
        deps,
        concurrency: 3,
        clock,
        freshnessSlices: () => freshnessSlices(db, clock),
      })
      try {
        await installFreshnessScheduler(queue, '0 0 6 * * *')
        const scheduler = await queue.getJobScheduler('freshness')
        expect(scheduler?.pattern).toBe('0 0 6 * * *')
        await triggerFreshness(queue)
        // 1 freshness job + 3 countries × 2 calendar-year windows.
        await waitFor(
          async () => (await queue.getJobCounts('completed')).completed === 7,
          40_000,
          'freshness and its 6 slice jobs',
        )
        expect((await queue.getJobCounts('failed')).failed).toBe(0)
        const { mirror, truth } = await mirrorAndTruth(db, emu, countries, window.from, window.to)
        expect(mirror).toEqual(truth)
        const recorded = await revisions(db, { since })
        const key = (r: { kind: string; period: string; country: string; hsCode: string }) =>
          `${r.kind}|${r.country}|${r.period}|${r.hsCode}`
        expect(recorded.map(key).sort()).toEqual(expected.map(key).sort())
        const changed = recorded.find((r) => r.kind === 'changed')
        const truthChange = expected.find((c) => changed && key(c) === key(changed))
        expect(changed?.after?.exportUsd).toBe(truthChange?.after?.exportUsd)
      } finally {
        await worker.close()
        await queue.close()
        redis.disconnect()
      }
    })
  },
)
