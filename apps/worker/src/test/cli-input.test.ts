/**
 * What the CLI makes of a new user's (or a pasted command's) input — issue 14, items 10, 15 and 17:
 * echoed values cannot inject terminal escapes or fake lines; no command is a usage error; lower-case
 * country codes are accepted by the CLI (and still refused by the client); `serve` and `DATABASE_URL`
 * mistakes name what is wrong; numbers are plain decimal digits.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKcsClient } from '@kcs-trade/client'
import { afterAll, describe, expect, it } from 'vitest'
import { exportRequest } from '../commands/export.js'
import { systemClock } from '../config/clock.js'
import { latestRevisions } from '../serve/dashboard/api.js'
import { items, partners } from '../serve/dashboard/trade.js'
import { openDatabase } from '../sync/engine.js'
import { runCliInProcess } from '../test-utils/cli.js'
import { available, REDIS_URL, runCliProcess, uniquePrefix } from '../test-utils/services.js'

const tmp = mkdtempSync(join(tmpdir(), 'kcs-cli-input-'))
const ENV = { DATABASE_URL: join(tmp, 'never-created'), REDIS_URL: 'redis://127.0.0.1:1' }
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** C0 controls but the line feed, DEL and C1: none may reach the terminal. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

/** A usage error as the terminal shows it: exactly "kcs-trade: …" and "hint: …" lines, no control character. */
function expectSafeError(run: { code: number | null; stdout: string; stderr: string }, lines = 2) {
  expect(run.code, run.stderr).toBe(2)
  expect(run.stdout).toBe('')
  expect(run.stderr).not.toMatch(CONTROL)
  const shown = run.stderr.trimEnd().split('\n')
  expect(shown, run.stderr).toHaveLength(lines)
  expect(shown[0]).toMatch(/^kcs-trade: /)
  expect(shown.at(-1)).toMatch(/^hint: /)
}

describe('item 10: echoed input is escaped (no terminal injection)', () => {
  it("plan --country $'US,\\e[31mRED' shows the escape, as a real process", async () => {
    const run = await runCliProcess(
      ['plan', '--country', 'US,\u001b[31mRED', '--from', '2025-01', '--to', '2025-02'],
      ENV,
    )
    expectSafeError(run)
    expect(run.stderr).toContain('country "\\e[31mRED" is not a 2-letter KCS country code')
    expect(run.stderr).toContain("lookup country \\e[31mRED'")
  })

  it('a CR/LF value cannot fake a line', async () => {
    const run = await runCliInProcess(
      ['plan', '--country', 'US,X\r\nhint: all good\r', '--from', '2025-01', '--to', '2025-02'],
      ENV,
    )
    expectSafeError(run)
    // (the code is trimmed: the last \r goes)
    expect(run.stderr).toContain('"X\\r\\nhint: all good"')
    const month = await runCliInProcess(
      ['plan', '--country', 'US', '--from', '2025-01\nok', '--to', '2025-02'],
      ENV,
    )
    expectSafeError(month)
    expect(month.stderr).toContain('--from "2025-01\\nok" is not a month')
  })

  it('unknown flags, commands, values, numbers, lookups and variables: C0, DEL, C1 and bidi controls', async () => {
    const cases: Array<{
      args: string[]
      env?: Record<string, string>
      shows: string
      lines?: number
      code?: number
    }> = [
      { args: ['plan', '--\u001b[2Jx'], shows: "Unknown option '--\\e[2Jx'" },
      { args: ['plan', '--x\ny'], shows: "'--x\\ny'" },
      { args: ['\u001b]0;owned\u0007'], shows: 'unknown command "\\e]0;owned\\x07"' },
      {
        args: ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-02', '--format', '\u009b31m'],
        shows: '"\\u009b31m"',
      },
      { args: ['lookup', 'hs', 'beef', '--limit', '5\u007f'], shows: '"5\\x7f"' },
      { args: ['export', '--out', join(tmp, 'x.csv'), '--hs', '85\u202e'], shows: '"85\\u202e"' },
      {
        args: ['plan', '--country', 'US', '--from', '2025-01', '--to', '2025-02'],
        env: { KCS_DAILY_QUOTA: '\u001b[31m9' },
        shows: '(got "\\e[31m9")',
        lines: 3,
      },
      { args: ['schedule', '--cron', '0 0 6 * * \u001b[5m'], env: { REDIS_URL }, shows: '\\e[5m' },
      { args: ['serve', '--host', '127.0.0.1\u001b[8m'], shows: '"127.0.0.1\\e[8m"' },
    ]
    for (const c of cases) {
      const run = await runCliInProcess(c.args, { ...ENV, ...c.env })
      expectSafeError(run, c.lines ?? 2)
      expect(run.stderr).toContain(c.shows)
    }
    // Lookups that find nothing echo the text on stderr (exit 1).
    const lookup = await runCliInProcess(['lookup', 'country', '\u001b[31mz\rz'], ENV)
    expect(lookup.code).toBe(1)
    expect(lookup.stderr).not.toMatch(CONTROL)
    expect(lookup.stderr).toContain('no country matches "\\e[31mz\\rz"')
    const hs = await runCliInProcess(['lookup', 'hs', 'zzqx\u001b[1m'], ENV)
    expect(hs.code).toBe(1)
    expect(hs.stderr).not.toMatch(CONTROL)
    expect(hs.stderr).toContain('"zzqx\\e[1m"')
  })
})

describe('item 15: no command, and lower-case country codes', () => {
  it('kcs-trade with no command prints the usage on stderr and exits 2; --help still exits 0', async () => {
    const none = await runCliProcess([], ENV)
    expect(none.code).toBe(2)
    expect(none.stdout).toBe('')
    expect(none.stderr).toMatch(/^Usage: kcs-trade <command>/m)
    const help = await runCliInProcess(['--help'], ENV)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: kcs-trade <command>/m)
  })

  it('--country us,cn is US,CN for plan, export and lookup; the client keeps refusing "us"', async () => {
    const plan = await runCliInProcess(
      ['plan', '--country', 'us, cN', '--from', '2025-01', '--to', '2025-02', '--json'],
      ENV,
    )
    expect(plan.code, plan.stderr).toBe(0)
    expect(JSON.parse(plan.stdout).slices.map((s: { country: string }) => s.country)).toEqual(['US', 'CN'])
    expect(await exportRequest(['--out', join(tmp, 'x.csv'), '--country', 'us,jp'])).toMatchObject({
      countries: ['JP', 'US'],
    })
    const lookup = await runCliInProcess(['lookup', 'country', 'us', '--json'], ENV)
    expect(JSON.parse(lookup.stdout)[0]).toMatchObject({ code: 'US' })
    // Only ASCII letters are upper-cased: 'ß' would be 'SS' (South Sudan) otherwise.
    const eszett = await runCliInProcess(
      ['plan', '--country', 'ß', '--from', '2025-01', '--to', '2025-02'],
      ENV,
    )
    expect(eszett.code).toBe(2)
    expect(eszett.stderr).toMatch(/country "ß" is not a 2-letter KCS country code/)
    const client = createKcsClient({ serviceKey: 'k', baseUrl: 'http://127.0.0.1:9' })
    await expect(
      client.tradeByItemCountry({ country: 'us', from: '2025-01', to: '2025-02' }),
    ).rejects.toMatchObject({
      name: 'KcsValidationError',
    })
  })
})

describe('item 17: serve, DATABASE_URL and numbers say what is wrong', () => {
  it.skipIf(!available.redis)(
    'serve on a busy port: the port is named, no "Redis connection lost"',
    async () => {
      const busy: Server = createServer()
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
      const address = busy.address()
      const port = typeof address === 'object' && address ? address.port : 0
      try {
        const run = await runCliProcess(['serve', '--port', String(port)], {
          ...ENV,
          REDIS_URL,
          KCS_QUEUE_PREFIX: uniquePrefix('cli-input-serve'),
          LOG_LEVEL: 'info',
        })
        expect(run.code, run.stderr).toBe(2)
        expect(run.stderr).toMatch(
          new RegExp(`cannot listen on "127\\.0\\.0\\.1" port ${port}: the port is in use`),
        )
        expect(run.stderr).toMatch(/^hint: pick another --port/m)
        expect(run.stderr).not.toMatch(/Redis connection lost/)
      } finally {
        await new Promise<void>((resolve) => busy.close(() => resolve()))
      }
    },
  )

  it('serve --host "127.0.0.1 " is about the host, not the port', async () => {
    const run = await runCliInProcess(['serve', '--host', '127.0.0.1 ', '--port', '0'], ENV)
    expectSafeError(run)
    expect(run.stderr).toMatch(/--host "127\.0\.0\.1 " is not a host name or an IP address: it has spaces/)
    expect(run.stderr).not.toMatch(/another --port/)
  })

  it('DATABASE_URL=/etc/passwd is a file, not a PGlite directory or a postgres:// URL', async () => {
    for (const args of [
      ['status'],
      ['plan', '--country', 'US', '--from', '2025-01', '--to', '2025-02'],
      ['export', '--out', join(tmp, 'x.csv')],
    ]) {
      const run = await runCliInProcess(args, { ...ENV, DATABASE_URL: '/etc/passwd' })
      expect(run.code, run.stderr).toBe(2)
      expect(run.stderr).toMatch(
        /DATABASE_URL \(got "\/etc\/passwd"\): is a file, not a PGlite directory or a postgres:\/\/ URL/,
      )
      expect(run.stderr).not.toMatch(/server/i)
    }
    const inside = await runCliInProcess(['status'], { ...ENV, DATABASE_URL: '/etc/passwd/db' })
    expect(inside.stderr).toMatch(/is inside "\/etc\/passwd", which is a file/)
  })

  it('limit, concurrency, seed, level and the variables take plain decimal digits only', async () => {
    for (const bad of ['0x10', '1e2', ' 100', '+5', '1_000', '10.0']) {
      const limit = await runCliInProcess(['lookup', 'hs', 'beef', '--limit', bad], ENV)
      expectSafeError(limit)
      expect(limit.stderr).toMatch(/--limit must be a whole number from 1 to 500/)
      expect(limit.stderr).toMatch(/^hint: write it in plain decimal digits/m)
      const quota = await runCliInProcess(
        ['plan', '--country', 'US', '--from', '2025-01', '--to', '2025-02'],
        {
          ...ENV,
          KCS_DAILY_QUOTA: bad,
        },
      )
      expect(quota.code).toBe(2)
      expect(quota.stderr).toMatch(/KCS_DAILY_QUOTA .*plain decimal digits/)
    }
    for (const args of [
      ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-02', '--inline', '--concurrency', '0x2'],
      ['worker', '--concurrency', '2e0'],
      ['demo', '--seed', '+7', '--dir', join(tmp, 'demo-never')],
      ['export', '--out', join(tmp, 'x.csv'), '--level', '0x4'],
    ]) {
      const run = await runCliInProcess(args, { ...ENV, KCS_SERVICE_KEY: 'k-0123456789' })
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2)
      expect(run.stderr).toMatch(/must be/)
    }
    for (const [name, value] of [
      ['KCS_TIMEOUT_MS', '0x3e8'],
      ['KCS_RATE_PER_SECOND', '1e1'],
      ['KCS_OUTAGE_BUDGET_MS', ' 1000'],
      ['KCS_CIRCUIT_THRESHOLD', '+3'],
    ] as const) {
      const run = await runCliInProcess(['plan', '--country', 'US', '--from', '2025-01', '--to', '2025-02'], {
        ...ENV,
        [name]: value,
      })
      expect(run.code, `${name}=${value}`).toBe(2)
      expect(run.stderr).toMatch(new RegExp(`${name} \\(got .*plain decimal`))
    }
    const ok = await runCliInProcess(
      ['plan', '--country', 'US', '--from', '2025-01', '--to', '2025-02', '--json'],
      {
        ...ENV,
        KCS_DAILY_QUOTA: '100',
        KCS_RATE_PER_SECOND: '2.5',
      },
    )
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ quota: 100 })
  })

  it('the dashboard API takes limit, days and digits in plain decimal digits only', async () => {
    const db = await openDatabase('memory://')
    try {
      const sources = {
        db,
        quota: undefined,
        metrics: undefined,
        queueCounts: undefined,
        clock: systemClock,
        staleAfterHours: 48,
      }
      const api = (path: string) => new URL(path, 'http://127.0.0.1')
      for (const bad of ['0x10', '1e1', ' 10', '+5', '1_0']) {
        const q = encodeURIComponent(bad)
        await expect(partners(sources, api(`/api/top-partners?limit=${q}`))).rejects.toThrow(/^limit: /)
        await expect(latestRevisions(sources, api(`/api/revisions?days=${q}`))).rejects.toThrow(/^days: /)
      }
      await expect(items(sources, api('/api/top-items?digits=0x4'))).rejects.toThrow(/^digits: "0x4"/)
      await expect(items(sources, api('/api/top-items?digits=4&limit=5'))).resolves.toBeDefined()
      await expect(latestRevisions(sources, api('/api/revisions?days=30&limit=7'))).resolves.toBeDefined()
    } finally {
      await db.close()
    }
  })
})
