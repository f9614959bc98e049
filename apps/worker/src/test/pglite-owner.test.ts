import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGLITE_LOCK_FILE, tradeRows } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../sync/engine.js'
import { runCliInProcess } from '../test-utils/cli.js'
import { runCliProcess, startCliProcess, waitFor } from '../test-utils/services.js'

const KEY = 'pglite-owner-test-key-0123456789'
const tmp = mkdtempSync(join(tmpdir(), 'kcs-worker-owner-'))
// No Redis: serve shows the mirror views and sync runs inline, as for a user of the embedded mirror.
const NO_REDIS = 'redis://127.0.0.1:1'
let emu: Emulator
beforeAll(async () => {
  emu = await createEmulator({ port: 0, seed: 5, keys: [KEY], ratePerSecond: 30 })
})
afterAll(async () => {
  await emu?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('kcs-trade on a PGlite directory another process has open', () => {
  it('sync, status and export refuse with the owner and a hint while serve runs; nothing is written; after serve stops they work', async () => {
    const dir = join(tmp, 'mirror')
    const demo = await runCliInProcess(
      ['demo', '--dir', dir, '--country', 'AD', '--from', '2025-01', '--to', '2025-01', '--json'],
      {},
    )
    expect(demo.code, demo.stderr).toBe(0)
    const env = { DATABASE_URL: dir, REDIS_URL: NO_REDIS, KCS_SERVICE_KEY: KEY, KCS_BASE_URL: emu.url }

    const serve = startCliProcess(['serve', '--port', '0'], env)
    let serveErr = ''
    serve.stderr?.on('data', (d) => {
      serveErr += d
    })
    const serveExit = new Promise<number | null>((resolve) => serve.on('close', (code) => resolve(code)))
    try {
      await waitFor(() => /kcs-trade serve: http:\/\//.test(serveErr), 60_000, 'serve to listen')
      for (const args of [
        ['sync', '--inline', '--country', 'AF', '--from', '2025-01', '--to', '2025-01'],
        ['status'],
        [
          'export',
          '--country',
          'AD',
          '--from',
          '2025-01',
          '--to',
          '2025-01',
          '--out',
          '-',
          '--format',
          'csv',
        ],
      ]) {
        const run = await runCliProcess(args, env)
        expect(run.code, `${args[0]}: ${run.stderr}`).toBe(1)
        expect(run.stderr).toContain(
          `DatabaseLockedError: PGlite directory ${dir} is in use by process ${serve.pid}`,
        )
        expect(run.stderr).toMatch(/\(node .*cli\.ts serve --port 0\)/)
        expect(run.stderr).toMatch(/^hint: Stop process \d+ and retry, or use PostgreSQL/m)
        expect(run.stdout).not.toMatch(/added/)
      }
      expect(JSON.parse(readFileSync(join(dir, PGLITE_LOCK_FILE), 'utf8')).pid).toBe(serve.pid)
      // serve still answers from its intact mirror.
      const base = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(serveErr)?.[1] as string
      expect((await fetch(`${base}/healthz`)).status).toBe(200)
    } finally {
      serve.kill('SIGTERM')
    }
    expect(await serveExit).toBe(0)
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false)

    const sync = await runCliProcess(
      ['sync', '--inline', '--country', 'AF', '--from', '2025-01', '--to', '2025-01'],
      env,
    )
    expect(sync.code, sync.stderr).toBe(0)
    const db = await openDatabase(dir)
    try {
      const rows = await tradeRows(db, { from: '2025-01', to: '2025-01' })
      expect(rows.filter((r) => r.countryCode === 'AD').length).toBe(
        emu.truth.rows({ country: 'AD', from: '2025-01', to: '2025-01' }).length,
      )
      expect(rows.filter((r) => r.countryCode === 'AF').length).toBe(
        emu.truth.rows({ country: 'AF', from: '2025-01', to: '2025-01' }).length,
      )
    } finally {
      await db.close()
    }
  }, 240_000)

  it('serve started second refuses too, instead of serving without its mirror', async () => {
    const dir = join(tmp, 'held')
    const owner = await openDatabase(dir)
    try {
      const run = await runCliProcess(['serve', '--port', '0'], { DATABASE_URL: dir, REDIS_URL: NO_REDIS })
      expect(run.code, run.stderr).toBe(1)
      expect(run.stderr).toContain(`PGlite directory ${dir} is in use by process ${process.pid}`)
      expect(run.stderr).toMatch(/^hint: Stop process \d+ and retry, or use PostgreSQL/m)
      expect(run.stderr).not.toMatch(/kcs-trade serve: http:/)
    } finally {
      await owner.close()
    }
  }, 240_000)
})
