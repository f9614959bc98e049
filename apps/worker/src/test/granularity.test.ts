import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { ledger, tradeRows } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../config/clock.js'
import { createLogger } from '../config/logger.js'
import { createClientFetcher, createDbStore, openDatabase } from '../sync/engine.js'
import { freshnessSlices } from '../sync/freshness.js'
import { processSlice } from '../sync/processor.js'
import { memoryLimits } from '../sync/runtime.js'
import { runCliInProcess } from '../test-utils/cli.js'
import { smallCountries } from '../test-utils/services.js'

// A mirror holds each part of the trade at one level of detail: `--hs 85` is answered with 4-digit
// codes, a plan without --hs with 10-digit ones, and sums over both would count the trade twice.
// Runs on PGlite and the emulator over a real socket (no Redis or PostgreSQL needed).

const KEY = 'granularity-test-key-0123456789abcdef'
const tmp = mkdtempSync(join(tmpdir(), 'kcs-granularity-'))

describe('one level of detail per part of the mirror (CLI and processor)', () => {
  let emu: Emulator
  let env: Record<string, string>
  let country: string
  beforeAll(async () => {
    emu = await createEmulator({ port: 0, seed: 11, keys: [KEY] })
    env = { KCS_SERVICE_KEY: KEY, KCS_BASE_URL: emu.url, DATABASE_URL: join(tmp, 'db'), LOG_LEVEL: 'warn' }
    country = smallCountries(emu, 1)[0] as string
  })
  afterAll(async () => {
    await emu?.close()
    rmSync(tmp, { recursive: true, force: true })
  })

  it('plan and sync refuse --hs over a mirror without it, before any call; the writer refuses it too', async () => {
    const window = ['--from', '2025-01', '--to', '2025-02']
    const synced = await runCliInProcess(['sync', '--inline', '--country', country, ...window], env)
    expect(synced.code, synced.stderr).toBe(0)
    const calls = emu.stats.total

    for (const command of ['plan', 'sync'] as const) {
      const args = [command, '--country', country, '--hs', '85', ...window]
      const run = await runCliInProcess(command === 'sync' ? [...args, '--inline'] : args, env)
      expect(run.code, run.stdout).toBe(2)
      expect(run.stderr).toContain(
        `kcs-trade: --hs 85 would mirror ${country} 2025-01..2025-02 as 4-digit HS codes, but the mirror ` +
          `already holds 10-digit codes there (${country} 2025-01..2025-02, no --hs)`,
      )
      expect(run.stderr).toMatch(/^hint: the 10-digit rows already sum to any level/m)
    }
    // A 6-digit prefix is answered at the mirror's level of detail: planned as usual.
    const same = await runCliInProcess(['plan', '--country', country, '--hs', '850440', ...window], env)
    expect(same.code, same.stderr).toBe(0)
    expect(emu.stats.total).toBe(calls)

    // The database refuses it as well (a job enqueued before the mirror changed, a library user):
    // the slice fails at once, no call is sent and the reserved call goes back to the quota.
    const db = await openDatabase(env.DATABASE_URL as string)
    try {
      const before = await tradeRows(db, { country, from: '2025-01', to: '2025-02' })
      const clock = manualClock(Date.UTC(2026, 0, 10))
      const limits = memoryLimits({ dailyQuota: 100, ratePerSecond: 30 }, clock)
      const outcome = await processSlice(
        { country, hs: '85', from: '2025-01', to: '2025-02' },
        {
          fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url }),
          store: createDbStore(db, KEY),
          ...limits,
          logger: createLogger({
            level: 'silent',
            pretty: false,
            destination: new Writable({ write: (_c, _e, cb) => cb() }),
          }),
          clock,
        },
        { attempt: 1, maxAttempts: 5 },
      )
      expect(outcome.status).toBe('failed')
      expect(emu.stats.total).toBe(calls)
      expect((await limits.quota.snapshot()).used).toBe(0)
      const entry = (await ledger(db)).find((e) => e.slice.hs === '85')
      expect(entry).toMatchObject({ status: 'failed', errorCode: 'MIXED_GRANULARITY', attempts: 1 })
      expect(entry?.lastError).toContain('count that trade twice')
      expect(await tradeRows(db, { country, from: '2025-01', to: '2025-02' })).toEqual(before)
    } finally {
      await db.close()
    }
  })

  it('freshness refreshes each country as it is mirrored, and export --level does not invent finer codes', async () => {
    const [, other, third] = smallCountries(emu, 3) as [string, string, string]
    for (const args of [
      ['--country', other, '--hs', '85', '--from', '2026-01', '--to', '2026-02'],
      // A country mirrored in full for 2025, then with --hs 85 from 2026 (no overlap: allowed).
      ['--country', third, '--from', '2025-11', '--to', '2025-12'],
      ['--country', third, '--hs', '85', '--from', '2026-01', '--to', '2026-02'],
    ]) {
      const synced = await runCliInProcess(['sync', '--inline', ...args], env)
      expect(synced.code, synced.stderr).toBe(0)
    }
    const db = await openDatabase(env.DATABASE_URL as string)
    try {
      // Noon KST on 2026-11-30: the window is 2025-11..2026-11.
      const slices = await freshnessSlices(db, manualClock(Date.UTC(2026, 10, 30, 3)))
      expect(slices).toEqual(
        [
          { country, from: '2025-11', to: '2025-12' },
          { country, from: '2026-01', to: '2026-11' },
          { country: other, from: '2025-11', to: '2025-12', hs: '85' },
          { country: other, from: '2026-01', to: '2026-11', hs: '85' },
          { country: third, from: '2025-11', to: '2025-12' },
          { country: third, from: '2026-01', to: '2026-11', hs: '85' },
        ].sort((a, b) => (a.country < b.country ? -1 : a.country > b.country ? 1 : 0)),
      )
    } finally {
      await db.close()
    }

    // export --level cannot make the 4-digit codes of the --hs 85 slices finer.
    const out = join(tmp, 'out.csv')
    const fine = await runCliInProcess(['export', '--country', other, '--level', '6', '--out', out], env)
    expect(fine.code, fine.stdout).toBe(2)
    expect(fine.stderr).toContain(
      `kcs-trade: export: --level 6 needs codes of at least 6 digits, but the mirror holds ${other} ` +
        '2026-01..2026-02 (--hs 85) as 4-digit codes',
    )
    expect(fine.stderr).toMatch(/^hint: use --level 2 or 4 for that part/m)
    // Every country at once meets the same slice; a level the codes have, or the 10-digit country, is fine.
    expect((await runCliInProcess(['export', '--level', '10', '--out', out], env)).code).toBe(2)
    for (const args of [
      ['--country', other, '--level', '4'],
      ['--country', country, '--level', '10'],
      ['--country', other],
    ]) {
      const run = await runCliInProcess(['export', ...args, '--out', out], env)
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0)
    }
  })
})
