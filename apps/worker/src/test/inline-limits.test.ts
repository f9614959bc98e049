import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/env.js'
import type { RedisMetrics } from '../sync/metrics.js'
import { inlineLimits } from '../sync/runtime.js'
import { runCliInProcess } from '../test-utils/cli.js'
import { freePort } from '../test-utils/net.js'
import { available, dropPrefix, REDIS_URL, uniquePrefix } from '../test-utils/services.js'

// Item 6 of issue 14: `sync --inline` counted its calls in memory only, so `status` showed 0 of 10,000 used after an
// inline run, and workers on the same key could overspend the portal's quota. With Redis reachable it now takes the
// same per-key daily quota and per-second limit in Redis as the workers.

const KEY = 'inline-limits-test-key-3b9d0c7a1e'
const dir = mkdtempSync(join(tmpdir(), 'kcs-inline-limits-'))
let emu: Emulator
beforeAll(async () => {
  emu = await createEmulator({ port: 0, seed: 21, keys: [KEY], ratePerSecond: 30 })
})
afterAll(async () => {
  await emu?.close()
  rmSync(dir, { recursive: true, force: true })
})

const SYNC = ['sync', '--inline', '--country', 'US,CN,JP', '--from', '2025-03', '--to', '2025-03', '--json']

describe.skipIf(!available.redis)('sync --inline with Redis reachable', () => {
  const prefix = uniquePrefix('inline-limits')
  afterAll(async () => {
    await dropPrefix(prefix)
  })

  it('counts its calls in the shared Redis quota: status --json shows them, like a worker’s', async () => {
    const env = {
      KCS_SERVICE_KEY: KEY,
      KCS_BASE_URL: emu.url,
      DATABASE_URL: join(dir, 'shared'),
      REDIS_URL,
      KCS_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    }
    const before = emu.stats.total
    const run = await runCliInProcess(SYNC, env)
    expect(run.code, run.stderr + run.logs).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ mode: 'inline', done: 3, calls: 3 })
    expect(emu.stats.total - before).toBe(3)
    expect(run.logs).not.toMatch(/Redis is unreachable/)

    const status = await runCliInProcess(['status', '--json'], env)
    expect(status.code, status.stderr).toBe(0)
    const report = JSON.parse(status.stdout)
    expect(report.quota).toMatchObject({ used: 3, limit: 10_000, remaining: 9_997 })
    // The same Redis the workers use: its quota, and the calls-per-minute series the dashboard's rate view reads.
    const limits = await inlineLimits(loadConfig(env), KEY)
    try {
      expect(limits.shared).toBe('redis')
      expect((await limits.quota.snapshot()).used).toBe(3)
      const minutes = await (limits.metrics as RedisMetrics).callsPerMinute()
      expect(minutes.reduce((n, m) => n + m.calls, 0)).toBe(3)
    } finally {
      await limits.close()
    }
  }, 90_000)
})

describe('sync --inline without Redis', () => {
  it('keeps in-memory limits and says so', async () => {
    const before = emu.stats.total
    const run = await runCliInProcess(SYNC, {
      KCS_SERVICE_KEY: KEY,
      KCS_BASE_URL: emu.url,
      DATABASE_URL: join(dir, 'alone'),
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'warn',
    })
    expect(run.code, run.stderr + run.logs).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ mode: 'inline', done: 3 })
    expect(emu.stats.total - before).toBe(3)
    expect(run.logs).toMatch(
      /Redis is unreachable: this run counts its quota and rate limit in this process only/,
    )
  }, 90_000)
})
