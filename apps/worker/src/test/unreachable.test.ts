import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ledger } from '@kcs-trade/db'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../sync/engine.js'
import { connectFailure, isLocalUrl, trackConnections, unreachableBaseUrl } from '../sync/unreachable.js'
import { runCliInProcess } from '../test-utils/cli.js'
import { freePort } from '../test-utils/net.js'

// Item 4 of issue 14: a wrong KCS_BASE_URL (a closed port, a host DNS does not know) used to look like an outage:
// `sync --inline` waited up to KCS_OUTAGE_BUDGET_MS (1 h) and `fetch` said "retry later". Before the API has answered
// once, both now fail at once with a hint that names KCS_BASE_URL.

const KEY = 'unreachable-test-key-4d2c8e1f0a'
const dir = mkdtempSync(join(tmpdir(), 'kcs-unreachable-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A run that the old code would keep waiting in: stopped after a while so that it fails instead of hanging. */
function cli(args: string[], env: Record<string, string>) {
  return runCliInProcess(
    args,
    { KCS_SERVICE_KEY: KEY, LOG_LEVEL: 'warn', ...env },
    { shutdown: AbortSignal.timeout(30_000) },
  )
}

const wrongUrls = async () => [
  {
    name: 'a closed local port',
    url: `http://127.0.0.1:${await freePort()}`,
    says: /refused the connection/,
  },
  { name: 'an unknown host', url: 'http://kcs-trade-test.invalid', says: /not found|DNS does not know/ },
]

describe('a wrong KCS_BASE_URL fails fast, naming the setting', () => {
  it('sync --inline: exit 1 at once with a KCS_BASE_URL hint, no outage wait', async () => {
    for (const wrong of await wrongUrls()) {
      const database = join(dir, `sync-${wrong.name.replaceAll(' ', '-')}`)
      const run = await cli(
        ['sync', '--inline', '--country', 'US,CN,JP,DE', '--from', '2025-01', '--to', '2025-01'],
        { KCS_BASE_URL: wrong.url, DATABASE_URL: database },
      )
      expect(run.code, `${wrong.name}: ${run.stdout}${run.stderr}${run.logs}`).toBe(1)
      expect(run.stdout, wrong.name).not.toMatch(/interrupted/)
      expect(run.stderr, wrong.name).toMatch(/^hint: .*KCS_BASE_URL/m)
      expect(run.stdout, wrong.name).toMatch(wrong.says)
      expect(run.logs, wrong.name).not.toMatch(/the slice waits/)
      // The run stopped at the first failure: at most the slices already in flight (concurrency 2) are recorded.
      const db = await openDatabase(database)
      try {
        const entries = await ledger(db)
        expect(entries.length, wrong.name).toBeGreaterThanOrEqual(1)
        expect(entries.length, wrong.name).toBeLessThanOrEqual(2)
        expect(entries.every((e) => e.status === 'failed')).toBe(true)
      } finally {
        await db.close()
      }
    }
  }, 90_000)

  it('fetch: the hint names KCS_BASE_URL instead of "retry later"', async () => {
    for (const wrong of await wrongUrls()) {
      const run = await cli(
        ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-01', '--format', 'json'],
        {
          KCS_BASE_URL: wrong.url,
        },
      )
      expect(run.code, wrong.name).toBe(1)
      expect(run.stderr, wrong.name).toMatch(/^kcs-trade: ApiUnreachableError: the API at KCS_BASE_URL/m)
      expect(run.stderr, wrong.name).toMatch(/^hint: .*KCS_BASE_URL/m)
      expect(run.stderr, wrong.name).not.toMatch(/retry later/)
      expect(run.stderr).not.toContain(KEY)
    }
  }, 90_000)
})

describe('connect failures', () => {
  const refused = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
  })
  const unknown = Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND' }),
  })

  it('are told from the cause chain (and happy-eyeballs AggregateErrors)', () => {
    expect(connectFailure(refused)).toBe('refused')
    expect(connectFailure(unknown)).toBe('not-found')
    expect(connectFailure(new AggregateError([refused.cause, refused.cause]))).toBe('refused')
    expect(connectFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined()
    expect(connectFailure(null)).toBeUndefined()
  })

  it('knows local URLs', () => {
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9'])
      expect(isLocalUrl(url), url).toBe(true)
    for (const url of ['http://apis.data.go.kr', 'http://10.0.0.1:80', 'nope'])
      expect(isLocalUrl(url), url).toBe(false)
  })

  it('a refused remote host, or a failure after an answer, keeps the client’s own error', async () => {
    const failing = trackConnections(async () => {
      throw refused
    })
    await expect(failing.fetch('http://x')).rejects.toBe(refused)
    const networkError = { name: 'KcsNetworkError', message: 'Network error: fetch failed' }
    expect(unreachableBaseUrl(networkError, failing, 'http://apis.data.go.kr')).toBeUndefined()
    expect(unreachableBaseUrl(networkError, failing, 'http://user:secret@127.0.0.1:9')?.message).toBe(
      'the API at KCS_BASE_URL (http://127.0.0.1:9) refused the connection',
    )
    expect(unreachableBaseUrl(new Error('other'), failing, 'http://127.0.0.1:9')).toBeUndefined()

    let calls = 0
    const flaky = trackConnections(async () => {
      if (calls++ === 0) return new Response('ok')
      throw unknown
    })
    await flaky.fetch('http://x')
    await expect(flaky.fetch('http://x')).rejects.toBe(unknown)
    expect(flaky.answered()).toBe(true)
    expect(unreachableBaseUrl(networkError, flaky, 'http://x.invalid')).toBeUndefined()
  })
})
