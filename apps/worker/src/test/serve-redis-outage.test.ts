import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../sync/engine.js'
import { pingRedis } from '../sync/runtime.js'
import { runCliInProcess } from '../test-utils/cli.js'
import { freePort } from '../test-utils/net.js'
import { waitFor } from '../test-utils/services.js'

// `kcs-trade serve` while the Redis it started with goes away and comes back: a private
// redis-server (not the shared one on 6379) is killed and started again on the same port.

const REDIS_SERVER = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim()
const requireServices = Boolean(process.env.CI || process.env.KCS_REQUIRE_SERVICES)
if (!REDIS_SERVER && !requireServices)
  console.warn('serve-redis-outage.test: redis-server is not on PATH, skipping (CI installs it)')

describe.skipIf(!REDIS_SERVER && !requireServices)('serve while Redis goes away and comes back', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kcs-serve-redis-'))
  let port = 0
  let redis: ChildProcess | undefined
  const startRedis = async () => {
    if (!REDIS_SERVER) throw new Error('redis-server is not on PATH (apt-get install redis-server)')
    redis = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp],
      { stdio: 'ignore' },
    )
    await waitFor(
      () => pingRedis(`redis://127.0.0.1:${port}`, 500),
      15_000,
      'the private redis-server to answer',
    )
  }
  const killRedis = async () => {
    const child = redis
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }

  beforeAll(async () => {
    port = await freePort()
    await startRedis()
    // A mirror (empty) for the views that do not need Redis.
    const db = await openDatabase(join(tmp, 'db'))
    await db.close()
  }, 30_000)
  afterAll(async () => {
    await killRedis()
    rmSync(tmp, { recursive: true, force: true })
  })

  it('answers every endpoint at once while Redis is down, says so, and picks Redis up again', async () => {
    const stop = new AbortController()
    let base = ''
    const serving = runCliInProcess(
      ['serve', '--port', '0'],
      {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        DATABASE_URL: join(tmp, 'db'),
        KCS_SERVICE_KEY: 'serve-redis-outage-key-0123456789',
        KCS_QUEUE_PREFIX: `kcs-outage-${process.pid}`,
        LOG_LEVEL: 'silent',
      },
      {
        shutdown: stop.signal,
        onStderr: (text) => {
          base = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(text)?.[1] ?? base
        },
      },
    )
    try {
      await waitFor(() => base !== '', 30_000, 'serve to listen')
      // A hung request fails the test through this bound instead of hanging it.
      const get = async (path: string) => {
        const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(8_000) })
        return { status: res.status, text: await res.text() }
      }
      const json = async (path: string) => {
        const r = await get(path)
        return { status: r.status, body: JSON.parse(r.text) as Record<string, unknown> }
      }

      expect((await json('/readyz')).body).toMatchObject({ redis: true })
      expect((await json('/api/quota')).body).toMatchObject({ redis: true, quota: { used: 0 } })
      expect((await get('/metrics')).text).toContain('kcs_quota_used')

      await killRedis()
      const ready = await json('/readyz')
      expect(ready).toMatchObject({ status: 503, body: { redis: false } })
      const quota = await json('/api/quota')
      expect(quota.status).toBe(200)
      expect(quota.body).toMatchObject({ redis: false, quota: null, queue: null })
      expect(String(quota.body.note)).toMatch(
        new RegExp(
          `^Redis at redis://127\\.0\\.0\\.1:${port} is not answering: .*serve reconnects by itself`,
        ),
      )
      const status = await json('/api/status')
      expect(status.status).toBe(200)
      expect(status.body).toMatchObject({ queue: null, jobs: [] })
      expect(status.body.notes).toEqual([expect.stringMatching(/^Redis at .* is not answering/)])
      const metrics = await get('/metrics')
      expect(metrics.status).toBe(200)
      expect(metrics.text).toContain('kcs_serve_process_cpu_seconds_total')
      expect(metrics.text).toMatch(/^kcs_redis_up 0$/m)
      // The mirror views do not need Redis.
      expect((await get('/api/coverage')).status).toBe(200)

      await startRedis()
      await waitFor(
        async () => ((await json('/api/quota')).body.redis as boolean) === true,
        20_000,
        'serve to reconnect to Redis',
      )
      expect((await json('/readyz')).body).toMatchObject({ redis: true })
      expect((await get('/metrics')).text).toMatch(/^kcs_redis_up 1$/m)
    } finally {
      stop.abort()
      const run = await serving
      expect(run.code, run.stderr).toBe(0)
    }
  }, 90_000)
})
