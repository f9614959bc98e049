import type { ChildProcess } from 'node:child_process'
import { ledger } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KcsDatabase, openDatabase, planBackfill } from '../sync/engine.js'
import { createQueue, enqueueSlices } from '../sync/queue.js'
import { createRedis } from '../sync/runtime.js'
import {
  available,
  createTestDatabase,
  dropPrefix,
  mirrorAndTruth,
  REDIS_URL,
  smallCountries,
  startCliProcess,
  uniquePrefix,
  waitFor,
} from '../test-utils/services.js'

const KEY = 'processes-test-key-a1b2c3d4e5f60718'

interface Proc {
  child: ChildProcess
  out: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function startWorker(env: Record<string, string>, concurrency: number): Proc {
  const child = startCliProcess(['worker', '--concurrency', String(concurrency)], env)
  let out = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    out += d
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, out: () => out, exit }
}

describe.skipIf(!available.redis || !available.postgres)(
  'worker processes (CLI over Redis and PostgreSQL)',
  () => {
    let emu: Emulator
    let pg: Awaited<ReturnType<typeof createTestDatabase>>
    let db: KcsDatabase
    const prefix = uniquePrefix('procs')
    const procs: Proc[] = []
    let env: Record<string, string>
    beforeAll(async () => {
      emu = await createEmulator({ port: 0, seed: 3, keys: [KEY], ratePerSecond: 30 })
      pg = await createTestDatabase('procs')
      db = await openDatabase(pg.url) // migrated once here, before the workers start
      env = {
        KCS_SERVICE_KEY: KEY,
        KCS_BASE_URL: emu.url,
        DATABASE_URL: pg.url,
        REDIS_URL,
        KCS_QUEUE_PREFIX: prefix,
        KCS_RATE_PER_SECOND: '5',
        KCS_JOB_LOCK_MS: '30000',
        KCS_SHUTDOWN_TIMEOUT_MS: '10000',
        LOG_LEVEL: 'info',
      }
    })
    afterAll(async () => {
      for (const p of procs)
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
      await db?.close()
      await pg?.drop()
      await emu?.close()
      await dropPrefix(prefix)
    })

    it('three workers share the 5/s limit (emulator per-second counters), finish the plan, and exit 0 on SIGTERM', async () => {
      const countries = smallCountries(emu, 60).slice(0, 20)
      const plan = await planBackfill({ countries, from: '2025-03', to: '2025-03' }, { quota: 10_000, db })
      const redis = createRedis(REDIS_URL)
      const queue = createQueue(redis, prefix)
      try {
        const workers = [startWorker(env, 3), startWorker(env, 3), startWorker(env, 3)]
        procs.push(...workers)
        await waitFor(
          () => workers.every((w) => w.out().includes('worker started')),
          30_000,
          'three workers to start',
        )
        await enqueueSlices(queue, plan.slices)
        await waitFor(
          async () => (await queue.getJobCounts('completed')).completed === 20,
          60_000,
          '20 completed jobs',
        )
        expect(emu.stats.total).toBe(20)
        expect(emu.stats.peakPerSecond(KEY), JSON.stringify(emu.stats.perSecond(KEY))).toBeLessThanOrEqual(5)
        expect(emu.stats.peakPerSecond(KEY)).toBeGreaterThanOrEqual(3) // the limit was actually exercised
        expect(emu.stats.count('gateway-23', KEY)).toBe(0)
        // Every process took part.
        for (const w of workers) expect(w.out()).toContain('slice synced')
        const { mirror, truth } = await mirrorAndTruth(db, emu, countries, '2025-03', '2025-03')
        expect(mirror).toEqual(truth)
        for (const w of workers) w.child.kill('SIGTERM')
        const exits = await Promise.all(workers.map((w) => w.exit))
        expect(exits.map((e) => e.code)).toEqual([0, 0, 0])
        for (const w of workers) {
          expect(w.out()).toContain('worker stopped')
          expect(w.out()).not.toContain(KEY)
        }
      } finally {
        for (const p of procs)
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
        await queue.close()
        redis.disconnect()
      }
    })

    it('a worker killed with SIGKILL mid-job loses nothing: the job is retried elsewhere, no duplicates', async () => {
      const countries = smallCountries(emu, 60).slice(30, 32)
      const plan = await planBackfill({ countries, from: '2025-05', to: '2025-05' }, { quota: 10_000, db })
      const redis = createRedis(REDIS_URL)
      const queue = createQueue(redis, prefix)
      try {
        const before = emu.stats.total
        const completedBefore = (await queue.getJobCounts('completed')).completed ?? 0
        // The first answer is slow: the worker is killed while it streams.
        emu.faults.next({ kind: 'slow', delayMs: 5_000, key: KEY, count: 1 })
        await enqueueSlices(queue, plan.slices)
        // A short lock, so that the killed worker's job is taken over quickly.
        const fastLock = { ...env, KCS_JOB_LOCK_MS: '1500' }
        const victim = startWorker(fastLock, 1)
        procs.push(victim)
        await waitFor(() => emu.stats.total > before, 20_000, 'the first call to arrive')
        expect((await queue.getJobCounts('active')).active).toBeGreaterThanOrEqual(1)
        victim.child.kill('SIGKILL')
        expect((await victim.exit).signal).toBe('SIGKILL')
        const rescuer = startWorker(fastLock, 2)
        procs.push(rescuer)
        await waitFor(
          async () => (await queue.getJobCounts('completed')).completed === completedBefore + 2,
          40_000,
          'both jobs completed',
        )
        expect((await queue.getJobCounts('failed')).failed).toBe(0)
        const jobs = await queue.getJobs(['completed'], 0, 100)
        const mine = jobs.filter((j) =>
          countries.includes((j.data as { slice: { country: string } }).slice.country),
        )
        expect(mine).toHaveLength(2)
        expect(Math.max(...mine.map((j) => j.attemptsStarted))).toBeGreaterThanOrEqual(2) // the killed job ran again
        const { mirror, truth } = await mirrorAndTruth(db, emu, countries, '2025-05', '2025-05')
        expect(mirror).toEqual(truth)
        expect(new Set(mirror).size).toBe(mirror.length)
        const entries = await ledger(db, { from: '2025-05', to: '2025-05' })
        expect(entries.filter((e) => countries.includes(e.slice.country ?? '')).map((e) => e.status)).toEqual(
          ['ok', 'ok'],
        )
        rescuer.child.kill('SIGTERM')
        expect((await rescuer.exit).code).toBe(0)
      } finally {
        await queue.close()
        redis.disconnect()
      }
    })
  },
)
