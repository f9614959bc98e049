import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ledger } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../sync/engine.js'
import { runCliInProcess } from '../test-utils/cli.js'
import {
  available,
  countKeys,
  createTestDatabase,
  dropPrefix,
  REDIS_URL,
  runCliProcess,
  smallCountries,
  uniquePrefix,
  waitFor,
} from '../test-utils/services.js'

const tmp = mkdtempSync(join(tmpdir(), 'kcs-worker-cli-'))

/** One raw HTTP/1.1 exchange (what fetch cannot send: odd targets, another Host), the answer as text. */
function rawRequest(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    let answer = ''
    const socket = createConnection({ host: hostname, port: Number(port) }, () =>
      socket.end(request.replace('HTTP/1.1\r\n', 'HTTP/1.1\r\nConnection: close\r\n')),
    )
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      answer += chunk
    })
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}

/** Run the CLI in this process through its own entry (`main`, what the binary calls), capturing output and logs. */
function inProcess(
  args: string[],
  env: Record<string, string | undefined>,
  shutdown = new AbortController().signal,
  onStderr?: (text: string) => void,
) {
  return runCliInProcess(args, env, { shutdown, ...(onStderr ? { onStderr } : {}) })
}
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('bad input to every command: clear error, non-zero exit, nothing written', () => {
  const prefix = uniquePrefix('cli-bad')
  const dbDir = join(tmp, 'never-created')
  const demoDir = join(tmp, 'demo-never-created')
  const env = {
    DATABASE_URL: dbDir,
    REDIS_URL,
    KCS_QUEUE_PREFIX: prefix,
    KCS_SERVICE_KEY: 'bad-input-test-key-1234567890',
    LOG_LEVEL: 'info',
  }
  const cases: Array<{ args: string[]; env?: Record<string, string | undefined>; message: RegExp }> = [
    { args: ['frobnicate'], message: /unknown command "frobnicate"/ },
    { args: ['demo', '--country', 'usa', '--dir', demoDir], message: /not a 2-letter KCS country code/ },
    { args: ['demo', '--from', '2025-13', '--dir', demoDir], message: /--from "2025-13" is not a month/ },
    { args: ['fetch', '--country', 'US', '--from', '2025-01'], message: /--to is required/ },
    { args: ['fetch', '--from', '2025-01', '--to', '2025-12'], message: /give --country, --hs or both/ },
    {
      args: ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--format', 'xml'],
      message: /--format must be table, json or csv/,
    },
    {
      args: ['fetch', '--country', 'US', '--hs', '123', '--from', '2025-01', '--to', '2025-12'],
      message: /2, 4, 6 or 10 digits/,
    },
    { args: ['lookup', 'planet', 'mars'], message: /what to look up/ },
    { args: ['lookup', 'country'], message: /give a code or a name/ },
    { args: ['emulator', '--port', 'not-a-port'], message: /port/i },
    {
      args: ['plan', '--country', 'US', '--from', '2025-06', '--to', '2025-01'],
      message: /--to 2025-01 is before --from 2025-06/,
    },
    {
      args: ['plan', '--country', 'US', '--from', '2025-01', '--to', '2025-12'],
      env: { KCS_RATE_PER_SECOND: '50' },
      message: /KCS_RATE_PER_SECOND.*at most 30/,
    },
    {
      args: ['sync', '--country', 'QQ', '--from', '2025-01', '--to', '2025-12', '--inline'],
      message: /unknown country code QQ/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--inline'],
      env: { KCS_SERVICE_KEY: undefined },
      message: /KCS_SERVICE_KEY: is not set/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--inline', '--allow-inline'],
      message: /exclude each other/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12'],
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      message: /Redis is not reachable[\s\S]*--inline/,
    },
    { args: ['worker', '--concurrency', '0'], message: /--concurrency must be a whole number/ },
    { args: ['schedule', '--cron', 'every day'], message: /KCS_FRESHNESS_CRON.*cron pattern/ },
    { args: ['status', '--bogus'], message: /status: Unknown option '--bogus'/ },
    { args: ['serve', '--port', '99999'], message: /--port must be 0–65535/ },
    { args: ['serve', '--host', '0.0.0.0'], message: /refusing to listen on "0.0.0.0"[\s\S]*--allow-public/ },
    { args: ['serve', '--host', '192.168.1.5', '--token', 'long-enough-token'], message: /not a loopback/ },
    { args: ['serve', '--token', 'short'], message: /at least 8 characters/ },
    { args: ['serve'], env: { KCS_SERVE_TOKEN: ' ' }, message: /at least 8 characters/ },
  ]
  // Two cases also run as real processes: the binary's exit code and stderr.
  const asProcess = new Set(['frobnicate', 'sync --country US --from 2025-01 --to 2025-12 --inline'])
  it.each(cases.map((c) => [c.args.join(' '), c] as const))('%s', async (name, c) => {
    const run = asProcess.has(name)
      ? await runCliProcess(c.args, { ...env, ...c.env })
      : await inProcess(c.args, { ...env, ...c.env })
    expect(run.code, run.stderr).not.toBe(0)
    if (c.args[0] !== 'emulator') expect(run.code).toBe(2)
    expect(run.stderr).toMatch(c.message)
    if (c.args[0] !== 'emulator') expect(run.stderr).toMatch(/hint: /)
    expect(run.stdout).toBe('')
    expect(`${run.stdout}${run.stderr}`).not.toContain(env.KCS_SERVICE_KEY)
    expect(existsSync(dbDir)).toBe(false)
    expect(existsSync(demoDir)).toBe(false)
  })
  it.skipIf(!available.redis)('left nothing in Redis', async () => {
    expect(await countKeys(prefix)).toBe(0)
    await dropPrefix(prefix)
  })
})

describe('commands against the emulator: the service key never appears in output, logs or the ledger', () => {
  const KEY = 'cli-secret-key-Zm9vYmFy+/=='
  const WRONG = 'cli-wrong-key-0000aaaa1111bbbb'
  let emu: Emulator
  let pg: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  beforeAll(async () => {
    emu = await createEmulator({ port: 0, seed: 9, keys: [KEY], ratePerSecond: 30 })
    if (available.postgres) pg = await createTestDatabase('cli')
  })
  afterAll(async () => {
    await emu?.close()
    await pg?.drop()
  })

  it('lookup and plan answer in table and JSON', async () => {
    const hs = await inProcess(['lookup', 'hs', '0202', '--json'], {})
    expect(hs.code).toBe(0)
    expect(JSON.parse(hs.stdout)[0]).toMatchObject({ code: '0202' })
    const beef = await inProcess(['lookup', 'hs', 'bovine'], {})
    expect(beef.stdout).toMatch(/0201|0202/)
    const country = await inProcess(['lookup', 'country', 'Japan'], {})
    expect(country.stdout).toMatch(/JP\s+Japan/)
    const korean = await inProcess(['lookup', 'country', '일본', '--json'], {})
    expect(JSON.parse(korean.stdout)[0]).toMatchObject({ code: 'JP' })
    const plan = await inProcess(
      ['plan', '--country', 'US,CN', '--from', '2024-03', '--to', '2025-12', '--json'],
      { DATABASE_URL: join(tmp, 'absent'), KCS_DAILY_QUOTA: '3' },
    )
    expect(plan.code, plan.stderr).toBe(0)
    const parsed = JSON.parse(plan.stdout)
    expect(parsed).toMatchObject({ calls: 4, quotaDays: 2, quota: 3 })
    expect(existsSync(join(tmp, 'absent'))).toBe(false)
  })

  it('fetch streams one query as CSV and JSON; ranges over 12 months are split by year', async () => {
    const code = smallCountries(emu, 1)[0] as string
    const env = { KCS_SERVICE_KEY: KEY, KCS_BASE_URL: emu.url, LOG_LEVEL: 'debug' }
    const before = emu.stats.total
    const csv = await runCliProcess(
      ['fetch', '--country', code, '--hs', '85', '--from', '2024-07', '--to', '2025-06', '--format', 'csv'],
      env,
    )
    expect(csv.code, csv.stderr).toBe(0)
    const truth = [
      ...emu.truth.rows({ country: code, hs: '85', from: '2024-07', to: '2024-12' }),
      ...emu.truth.rows({ country: code, hs: '85', from: '2025-01', to: '2025-06' }),
    ]
    const lines = csv.stdout.trim().split('\n')
    expect(lines[0]).toBe(
      'period,countryCode,countryName,hsCode,itemName,exportKg,exportUsd,importKg,importUsd,balanceUsd',
    )
    expect(lines.length - 1).toBe(truth.length)
    expect(emu.stats.total - before).toBe(2)
    const json = await inProcess(
      ['fetch', '--country', code, '--hs', '85', '--from', '2025-01', '--to', '2025-03', '--json'],
      env,
    )
    expect(JSON.parse(json.stdout)).toHaveLength(
      emu.truth.rows({ country: code, hs: '85', from: '2025-01', to: '2025-03' }).length,
    )
    expect(`${csv.stdout}${csv.stderr}`).not.toContain(KEY)
    expect(`${json.stdout}${json.stderr}${json.logs}`).not.toContain(KEY)
  })

  it.skipIf(!available.postgres)(
    'sync --inline with a wrong key fails cleanly, records the reason, and leaks no key',
    async () => {
      const url = pg?.url as string
      const countries = smallCountries(emu, 2).join(',')
      const ok = await runCliProcess(
        ['sync', '--inline', '--country', countries, '--from', '2025-01', '--to', '2025-02'],
        { KCS_SERVICE_KEY: KEY, KCS_BASE_URL: emu.url, DATABASE_URL: url, LOG_LEVEL: 'debug' },
      )
      expect(ok.code, ok.stderr).toBe(0)
      expect(ok.stdout).toMatch(/synced 2\/2 slices/)
      const bad = await runCliProcess(
        ['sync', '--inline', '--country', 'US', '--from', '2025-01', '--to', '2025-02'],
        { KCS_SERVICE_KEY: WRONG, KCS_BASE_URL: emu.url, DATABASE_URL: url, LOG_LEVEL: 'debug' },
      )
      expect(bad.code).toBe(1)
      expect(bad.stdout).toMatch(/FAILED/)
      expect(bad.stderr).toMatch(/slice failed/)
      const status = await runCliProcess(['status', '--json'], {
        KCS_SERVICE_KEY: WRONG,
        DATABASE_URL: url,
        REDIS_URL,
        KCS_QUEUE_PREFIX: uniquePrefix('cli-status'),
      })
      expect(status.code, status.stderr).toBe(0)
      const report = JSON.parse(status.stdout)
      expect(report.failures[0], JSON.stringify(report.failures)).toMatchObject({
        slice: 'US:2025-01..2025-02',
        code: '30',
      })
      expect(report.coverage.length).toBeGreaterThan(0)
      const db = await openDatabase(url)
      try {
        const entries = await ledger(db)
        expect(entries.find((e) => e.status === 'failed')?.errorCode).toBe('30')
        const text = JSON.stringify(entries)
        for (const k of [KEY, WRONG, encodeURIComponent(KEY)]) expect(text).not.toContain(k)
      } finally {
        await db.close()
      }
      for (const run of [ok, bad, status])
        for (const k of [KEY, WRONG, encodeURIComponent(KEY)])
          expect(`${run.stdout}${run.stderr}`).not.toContain(k)
    },
  )

  it.skipIf(!available.postgres || !available.redis)(
    'serve answers /healthz, /readyz, /metrics and the dashboard, bound to 127.0.0.1',
    async () => {
      const prefix = uniquePrefix('cli-serve')
      const stop = new AbortController()
      let base = ''
      const run = inProcess(
        ['serve', '--port', '0'],
        { KCS_SERVICE_KEY: WRONG, DATABASE_URL: pg?.url, REDIS_URL, KCS_QUEUE_PREFIX: prefix },
        stop.signal,
        (text) => {
          base = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(text)?.[1] ?? base
        },
      )
      try {
        await waitFor(() => base !== '', 30_000, 'serve to listen')
        expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n')
        const ready = await fetch(`${base}/readyz`)
        expect(ready.status).toBe(200)
        expect(await ready.json()).toEqual({ redis: true, database: true })
        const metrics = await (await fetch(`${base}/metrics`)).text()
        expect(metrics).toMatch(/# TYPE kcs_calls_total counter/)
        expect(metrics).toMatch(/kcs_quota_remaining \d+/)
        expect(metrics).toMatch(/kcs_job_duration_seconds_bucket\{le="\+Inf"\}/)
        expect(metrics).toMatch(/kcs_queue_jobs\{state="waiting"\} 0/)
        const pageResponse = await fetch(`${base}/`)
        expect(pageResponse.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
        const page = await pageResponse.text()
        expect(page).toContain('<title>kcs-trade dashboard</title>')
        expect(page).toContain('src="/assets/app.js"')
        expect(page).not.toMatch(/(src|href)="(https?:)?\/\//) // no asset from elsewhere
        for (const asset of ['/assets/app.js', '/assets/app.css'])
          expect((await fetch(`${base}${asset}`)).status).toBe(200)
        const status = await (await fetch(`${base}/api/status`)).text()
        expect(status).toContain('US:2025-01..2025-02') // the ledger failure of the previous test
        const coverage = (await (await fetch(`${base}/api/coverage`)).json()) as { cells: unknown[] }
        expect(coverage.cells).toContainEqual(
          expect.objectContaining({ country: 'US', year: 2025, status: 'failed' }),
        )
        const search = (await (
          await fetch(`${base}/api/search?q=${encodeURIComponent('소고기')}`)
        ).json()) as {
          hs: Array<{ code: string }>
        }
        expect(search.hs.map((h: { code: string }) => h.code)).toEqual(
          expect.arrayContaining(['0201', '0202']),
        )
        const quota = (await (await fetch(`${base}/api/quota`)).json()) as {
          callsPerMinute: unknown[]
          quota: unknown
        }
        expect(quota.callsPerMinute).toHaveLength(60)
        expect(quota.quota).toMatchObject({ limit: expect.any(Number), resetInSeconds: expect.any(Number) })
        const bad = await fetch(`${base}/api/series?from=2025-13`)
        expect(bad.status).toBe(400)
        expect(await bad.json()).toMatchObject({
          error: expect.stringMatching(/from/),
          hint: expect.any(String),
        })
        expect((await fetch(`${base}/api/top-items?digits=3`)).status).toBe(400)
        // A year PostgreSQL cannot take is a 400 with a hint, not a 500.
        expect((await fetch(`${base}/api/series?from=0000-01&to=2025-12`)).status).toBe(400)
        // A request target URL refuses (Node lets `//` through) is a 400; the server stays up.
        expect(await rawRequest(base, 'GET // HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).toMatch(
          /^HTTP\/1\.1 400/,
        )
        // Without a token, only loopback Host names are answered (DNS rebinding).
        expect(await rawRequest(base, 'GET /api/status HTTP/1.1\r\nHost: evil.example:9464\r\n\r\n')).toMatch(
          /^HTTP\/1\.1 421/,
        )
        expect(await rawRequest(base, 'GET /healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n')).toMatch(
          /^HTTP\/1\.1 200/,
        )
        expect((await fetch(`${base}/healthz`)).status).toBe(200)
        expect((await fetch(`${base}/api/search?q=beef&format=csv`)).status).toBe(400)
        expect((await fetch(`${base}/api/status`, { method: 'POST' })).status).toBe(405)
        for (const text of [metrics, page, status]) expect(text).not.toContain(WRONG)
        expect((await fetch(`${base}/nope`)).status).toBe(404)
      } finally {
        stop.abort()
        expect((await run).code).toBe(0)
        await dropPrefix(prefix)
      }
    },
  )

  it.skipIf(!available.postgres || !available.redis)(
    'serve with a token: /healthz open, everything else needs the Bearer header or ?token=',
    async () => {
      const TOKEN = 'tok-3f9a1c7e-serve'
      for (const mode of ['flag', 'env', 'public'] as const) {
        const prefix = uniquePrefix(`cli-serve-token-${mode}`)
        const stop = new AbortController()
        let port = ''
        let stderr = ''
        const args = ['serve', '--port', '0']
        if (mode !== 'env') args.push('--token', TOKEN)
        if (mode === 'public') args.push('--host', '0.0.0.0', '--allow-public')
        const run = inProcess(
          args,
          {
            KCS_SERVICE_KEY: WRONG,
            DATABASE_URL: pg?.url,
            REDIS_URL,
            KCS_QUEUE_PREFIX: prefix,
            ...(mode === 'env' ? { KCS_SERVE_TOKEN: TOKEN } : {}),
          },
          stop.signal,
          (text) => {
            stderr += text
            port = /http:\/\/[^/]+:(\d+)\//.exec(text)?.[1] ?? port
          },
        )
        try {
          await waitFor(() => port !== '', 30_000, 'serve to listen')
          const base = `http://127.0.0.1:${port}`
          expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n')
          for (const path of [
            '/',
            '/metrics',
            '/readyz',
            '/api/status',
            '/api/coverage',
            '/assets/app.js',
            '/nope',
          ]) {
            const denied = await fetch(`${base}${path}`)
            expect(denied.status, path).toBe(401)
            expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer/)
            await denied.text()
            const wrong = await fetch(`${base}${path}`, {
              headers: { authorization: 'Bearer nope-nope-nope' },
            })
            expect(wrong.status, path).toBe(401)
            await wrong.text()
          }
          const page = await fetch(`${base}/`, { headers: { authorization: `Bearer ${TOKEN}` } })
          expect(page.status).toBe(200)
          expect(await page.text()).toContain('<title>kcs-trade dashboard</title>')
          // A browser opens /?token= once: a session cookie (not the token) and a redirect without it.
          const visit = await fetch(`${base}/?token=${TOKEN}`, { redirect: 'manual' })
          expect(visit.status).toBe(303)
          expect(visit.headers.get('location')).toBe('/')
          const setCookie = visit.headers.get('set-cookie') ?? ''
          expect(setCookie).toMatch(/^kcs_session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\//)
          expect(setCookie).not.toContain(TOKEN)
          await visit.text()
          const withCookie = await fetch(`${base}/api/coverage`, {
            headers: { cookie: setCookie.split(';')[0]! },
          })
          expect(withCookie.status).toBe(200)
          await withCookie.text()
          const metrics = await fetch(`${base}/metrics?token=${TOKEN}`)
          expect(metrics.status).toBe(200)
          expect(await metrics.text()).toMatch(/# TYPE kcs_calls_total counter/)
          const missing = await fetch(`${base}/nope?token=${TOKEN}`)
          expect(missing.status).toBe(404)
          await missing.text()
        } finally {
          stop.abort()
          const done = await run
          expect(done.code).toBe(0)
          expect(`${done.stdout}${done.stderr}${stderr}`).not.toContain(TOKEN)
          await dropPrefix(prefix)
        }
      }
    },
  )

  it('demo runs end to end on a fresh directory', async () => {
    const dir = join(tmp, 'demo')
    const run = await runCliProcess(
      ['demo', '--dir', dir, '--country', 'AD,AF', '--from', '2025-01', '--to', '2025-02', '--json'],
      {},
      120_000,
    )
    expect(run.code, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({ slices: 2, calls: 2, failed: 0, quota: { used: 2 } })
    expect(result.rows.total).toBeGreaterThan(0)
    expect(result.topPartners.map((p: { country: string }) => p.country).sort()).toEqual(['AD', 'AF'])
    // KCS's spelling (아프카니스탄), not the Foreign Ministry's (아프가니스탄), and English.
    expect(result.topPartners.find((p: { country: string }) => p.country === 'AF')).toMatchObject({
      name: 'Afghanistan',
      nameKo: '아프카니스탄',
    })
    // Top items are HS headings with the API's Korean heading name and an English one.
    expect(result.topItems[0].hsCode).toMatch(/^\d{4}$/)
    expect(result.topItems[0].name).toBeTruthy()
    expect(result.topItems[0].nameKo).toMatch(/[가-힣]/)
  })
})

describe('serve without Redis: the mirror views over a PGlite database (what a demo user has)', () => {
  it('warns once, serves coverage, series and revisions, and says why queue and quota are empty', async () => {
    const dir = join(tmp, 'demo-no-redis')
    const demo = await inProcess(
      ['demo', '--dir', dir, '--country', 'AD,AF', '--from', '2025-01', '--to', '2025-02', '--json'],
      {},
    )
    expect(demo.code, demo.stderr).toBe(0)
    const stop = new AbortController()
    let base = ''
    const run = inProcess(
      ['serve', '--port', '0'],
      { DATABASE_URL: dir, REDIS_URL: 'redis://:s3cret-pass@127.0.0.1:1', LOG_LEVEL: 'debug' },
      stop.signal,
      (text) => {
        base = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(text)?.[1] ?? base
      },
    )
    let done: Awaited<typeof run> | undefined
    try {
      await waitFor(() => base !== '', 30_000, 'serve to listen')
      expect((await fetch(`${base}/healthz`)).status).toBe(200)
      const ready = await fetch(`${base}/readyz`)
      expect(ready.status).toBe(503)
      expect(await ready.json()).toEqual({ redis: false, database: true })
      const metrics = await fetch(`${base}/metrics`)
      expect(metrics.status).toBe(200)
      const metricsText = await metrics.text()
      expect(metricsText).toMatch(/kcs_serve_process_cpu_seconds_total/)
      expect(metricsText).not.toMatch(/kcs_calls_total|kcs_queue_jobs/)
      const coverage = (await (await fetch(`${base}/api/coverage`)).json()) as {
        cells: Array<{ country: string; year: number; status: string }>
      }
      expect(coverage.cells).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            country: 'AD',
            year: 2025,
            status: expect.stringMatching(/synced|stale/),
          }),
          expect.objectContaining({ country: 'AF', year: 2025 }),
        ]),
      )
      const series = (await (
        await fetch(`${base}/api/series?country=AD&from=2025-01&to=2025-02`)
      ).json()) as {
        points: Array<{ period: string; exportUsd: number; importUsd: number }>
      }
      expect(series.points.map((p) => p.period)).toEqual(['2025-01', '2025-02'])
      expect(series.points.some((p) => p.exportUsd + p.importUsd > 0)).toBe(true)
      const revisions = await fetch(`${base}/api/revisions`)
      expect(revisions.status).toBe(200)
      expect(await revisions.json()).toMatchObject({ items: expect.any(Array) })
      const quotaResponse = await fetch(`${base}/api/quota`)
      expect(quotaResponse.status).toBe(200)
      const quota = (await quotaResponse.json()) as Record<string, unknown>
      expect(quota).toMatchObject({
        redis: false,
        quota: null,
        queue: null,
        callsPerMinute: [],
        callsLastHour: null,
        note: expect.stringMatching(/^Redis not reachable at redis:\/\/\*\*\*@127\.0\.0\.1:1: /),
      })
      const csv = await fetch(`${base}/api/quota?format=csv`)
      expect(csv.status).toBe(200)
      expect((await csv.text()).trim()).toBe('minute,calls')
      const statusResponse = await fetch(`${base}/api/status`)
      expect(statusResponse.status).toBe(200)
      const status = (await statusResponse.json()) as { queue: unknown; jobs: unknown[]; notes: string[] }
      expect(status).toMatchObject({ queue: null, jobs: [] })
      expect(status.notes.join('\n')).toMatch(/Redis unreachable/)
      // The page itself still loads under the same CSP.
      const page = await fetch(`${base}/`)
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
      expect(await page.text()).toContain('id="quota-no-redis"')
      // Still only loopback Host names.
      expect(await rawRequest(base, 'GET /api/quota HTTP/1.1\r\nHost: evil.example\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 421/,
      )
    } finally {
      stop.abort()
      done = await run
    }
    expect(done.code, done.stderr).toBe(0)
    // One warning, with the URL's password redacted; no reconnect noise from a Redis client.
    const warnings = done.stderr.match(/Redis not reachable at/g) ?? []
    expect(warnings).toHaveLength(1)
    expect(done.stderr).toMatch(
      /kcs-trade serve: Redis not reachable at redis:\/\/\*\*\*@127\.0\.0\.1:1: queue, quota and rate views are empty \(the mirror views work/,
    )
    expect(`${done.stderr}${done.logs}`).not.toContain('s3cret-pass')
    expect(`${done.stderr}${done.logs}`).not.toMatch(/ECONNREFUSED|reconnect/i)
  })
})

describe("demo's next step", () => {
  it('names the DATABASE_URL that shows the demo mirror, as one shell word', async () => {
    const dir = join(tmp, "demo it's mine")
    const demo = await inProcess(
      ['demo', '--dir', dir, '--country', 'AD', '--from', '2025-01', '--to', '2025-01'],
      {},
    )
    expect(demo.code, demo.stderr).toBe(0)
    const next = /Next: (DATABASE_URL=.+?) kcs-trade status,/.exec(demo.stdout)?.[1]
    expect(next, demo.stdout).toBeDefined()
    // What a shell makes of the assignment as printed.
    const url = execFileSync('sh', ['-c', `${next} printenv DATABASE_URL`], { encoding: 'utf8' }).replace(
      /\n$/,
      '',
    )
    expect(url).toBe(dir)
    const status = await inProcess(['status', '--json'], {
      DATABASE_URL: url,
      REDIS_URL: 'redis://127.0.0.1:1',
    })
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout).coverage).toContainEqual(expect.objectContaining({ country: 'AD' }))
  }, 120_000)
})
