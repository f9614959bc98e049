import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ledger, tradeRows } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { graceSignal, raceAbort, shutdownBackstopMs } from '../config/shutdown.js'
import { openDatabase } from '../sync/engine.js'
import { createQueue, enqueueSlices, sliceJobId } from '../sync/queue.js'
import { createRedis } from '../sync/runtime.js'
import {
  available,
  createTestDatabase,
  dropPrefix,
  REDIS_URL,
  startCliProcess,
  uniquePrefix,
  waitFor,
} from '../test-utils/services.js'

// The first SIGTERM stops a worker or an inline sync within its grace (KCS_SHUTDOWN_TIMEOUT_MS), giving the slice in
// flight back. The emulator sends the answer's body 512 bytes a second, so a call is in flight for minutes.

const KEY = 'shutdown-test-key-7f3a9c1e5b'
const GRACE_MS = 1_000
/** Generous for a loaded machine, far below the minutes the trickling body takes (or the client's timeout). */
const EXIT_WITHIN_MS = GRACE_MS + 12_000

interface Proc {
  child: ChildProcess
  out: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = startCliProcess(args, env)
  let out = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    out += d
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  )
  return { child, out: () => out, exit }
}

/** SIGTERM, then the exit, which must come by itself (not the binary's backstop) within the bound. */
async function stopWithin(p: Proc): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now()
  p.child.kill('SIGTERM')
  let exited: { code: number | null; at: number } | undefined
  void p.exit.then((e) => {
    exited = e
  })
  await waitFor(() => exited !== undefined, EXIT_WITHIN_MS, `exit after SIGTERM; output: ${p.out()}`)
  expect(p.out()).not.toMatch(/exiting now/)
  return { code: exited?.code ?? null, ms: (exited?.at ?? 0) - sent }
}

describe('shutdown helpers', () => {
  it('graceSignal aborts the grace after the stop signal; raceAbort stops waiting for a promise that never settles', async () => {
    const stop = new AbortController()
    const grace = graceSignal(stop.signal, 50)
    expect(grace.signal.aborted).toBe(false)
    stop.abort()
    expect(grace.signal.aborted).toBe(false)
    await new Promise<void>((r) => grace.signal.addEventListener('abort', () => r(), { once: true }))
    const never = new Promise<never>(() => {})
    await expect(raceAbort(never, grace.signal)).rejects.toMatchObject({ name: 'AbortError' })
    expect(graceSignal(AbortSignal.abort(), 0).signal.aborted).toBe(true)
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7)
  })

  it('the binary’s backstop is the grace plus 15 s', () => {
    expect(shutdownBackstopMs({})).toBe(25_000)
    expect(shutdownBackstopMs({ KCS_SHUTDOWN_TIMEOUT_MS: '2000' })).toBe(17_000)
    expect(shutdownBackstopMs({ KCS_SHUTDOWN_TIMEOUT_MS: 'soon' })).toBe(25_000)
  })
})

describe('SIGTERM with a slice in flight (a real child process, the emulator trickling the body)', () => {
  let emu: Emulator
  const dir = mkdtempSync(join(tmpdir(), 'kcs-shutdown-'))
  beforeAll(async () => {
    emu = await createEmulator({ port: 0, seed: 11, keys: [KEY], ratePerSecond: 30 })
  })
  afterAll(async () => {
    await emu?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('sync --inline stops within the grace: exit 130, the slice unrecorded and nothing written', async () => {
    const database = join(dir, 'inline')
    emu.faults.next({ kind: 'slow', delayMs: 0, bytesPerSecond: 512, key: KEY, count: 1 })
    const before = emu.stats.total
    const p = start(['sync', '--inline', '--country', 'US', '--from', '2025-01', '--to', '2025-01'], {
      KCS_SERVICE_KEY: KEY,
      KCS_BASE_URL: emu.url,
      DATABASE_URL: database,
      KCS_SHUTDOWN_TIMEOUT_MS: String(GRACE_MS),
      KCS_TIMEOUT_MS: '600000',
      LOG_LEVEL: 'info',
    })
    try {
      await waitFor(() => emu.stats.total > before, 60_000, 'the call to reach the emulator')
      const { code } = await stopWithin(p)
      expect(code, p.out()).toBe(130)
      expect(p.out()).toMatch(/interrupted, run again to continue/)
      expect(p.out()).toMatch(/slice interrupted by shutdown/)
      expect(emu.stats.total - before).toBe(1)
      const db = await openDatabase(database)
      try {
        expect(await ledger(db)).toEqual([])
        expect(await tradeRows(db, { country: 'US', from: '2025-01', to: '2025-01' })).toEqual([])
      } finally {
        await db.close()
      }
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
    }
  }, 90_000)

  it.skipIf(!available.redis || !available.postgres)(
    'a worker stops within the grace, its job back in waiting with no attempt used; another worker finishes it',
    async () => {
      const prefix = uniquePrefix('shutdown')
      const pg = await createTestDatabase('shutdown')
      const redis = createRedis(REDIS_URL)
      const queue = createQueue(redis, prefix)
      const procs: Proc[] = []
      const env = {
        KCS_SERVICE_KEY: KEY,
        KCS_BASE_URL: emu.url,
        DATABASE_URL: pg.url,
        REDIS_URL,
        KCS_QUEUE_PREFIX: prefix,
        KCS_SHUTDOWN_TIMEOUT_MS: String(GRACE_MS),
        KCS_TIMEOUT_MS: '600000',
        LOG_LEVEL: 'info',
      }
      try {
        const slice = { country: 'JP', from: '2025-02', to: '2025-02' }
        emu.faults.next({ kind: 'slow', delayMs: 0, bytesPerSecond: 512, key: KEY, count: 1 })
        const before = emu.stats.total
        const first = start(['worker', '--concurrency', '1'], env)
        procs.push(first)
        await waitFor(() => first.out().includes('worker started'), 60_000, 'the worker to start')
        await enqueueSlices(queue, [slice])
        await waitFor(() => emu.stats.total > before, 60_000, 'the call to reach the emulator')
        expect(await queue.getJobState(sliceJobId(slice))).toBe('active')
        const { code } = await stopWithin(first)
        expect(code, first.out()).toBe(0)
        expect(first.out()).toMatch(/slice interrupted by shutdown/)
        const job = await queue.getJob(sliceJobId(slice))
        expect(await job?.getState()).toBe('waiting')
        expect(job?.attemptsMade).toBe(0)
        const db = await openDatabase(pg.url)
        try {
          expect(await ledger(db)).toEqual([])
          // The fault is spent: a second worker takes the job at once (no lock to lapse) and completes it.
          const second = start(['worker', '--concurrency', '1'], env)
          procs.push(second)
          await waitFor(
            async () => (await queue.getJobState(sliceJobId(slice))) === 'completed',
            60_000,
            'the job to complete on the second worker',
          )
          expect((await ledger(db)).map((e) => e.status)).toEqual(['ok'])
          expect((await stopWithin(second)).code).toBe(0)
        } finally {
          await db.close()
        }
      } finally {
        for (const p of procs)
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
        await queue.close()
        redis.disconnect()
        await dropPrefix(prefix)
        await pg.drop()
      }
    },
    150_000,
  )
})
