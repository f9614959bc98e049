/**
 * The service key never leaks. A full sync runs with a recognisable key (`KCSLEAK-<random>+/=`,
 * characters that change under URL encoding) — inline and through a BullMQ worker, against the
 * emulator over a real socket, real PostgreSQL and real Redis — with faults on the way (5xx, a hang
 * past the timeout, a truncated body, a reset, a plain-text 401, a gateway auth error) and a run with
 * a wrong key that carries the canary too. Then every place text can end up is collected: every log
 * line, the stdout and stderr of every command (sync, status, status --json, plan, fetch), the error
 * messages in summaries, serve's /metrics, /api/status and dashboard, every row of every table as
 * JSON, and every Redis key and value under the test prefix (BullMQ job data, failedReason,
 * stacktrace). None may contain the key in any spelling: raw, percent-encoded (either hex case),
 * form-encoded, encoded twice, or just its random core.
 */
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { connect } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../main.js'
import { type CliRun, runCliInProcess } from '../test-utils/cli.js'
import {
  available,
  createTestDatabase,
  dropPrefix,
  REDIS_URL,
  smallCountries,
  uniquePrefix,
  waitFor,
} from '../test-utils/services.js'

const CORE = `KCSLEAK${randomBytes(6).toString('hex')}`
const KEY = `${CORE}-ok+/=`
const WRONG = `${CORE}-wrong+/==`

/** Every spelling of a key that could end up in text. */
function spellings(key: string): string[] {
  const once = encodeURIComponent(key)
  const form = new URLSearchParams({ k: key }).toString().slice(2)
  const out = new Set([
    key,
    once,
    once.toLowerCase(),
    form,
    encodeURIComponent(once),
    encodeURIComponent(form),
  ])
  out.add(once.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()))
  return [...out]
}
const NEEDLES = [...new Set([...spellings(KEY), ...spellings(WRONG), CORE])]

/** Where each needle occurs in the collected texts (source and a little context). */
function findLeaks(texts: Array<[string, string]>): string[] {
  const found: string[] = []
  for (const [source, text] of texts) {
    const lower = text.toLowerCase()
    for (const needle of NEEDLES) {
      const at = lower.indexOf(needle.toLowerCase())
      if (at >= 0) found.push(`${source}: …${text.slice(Math.max(0, at - 60), at + needle.length + 20)}…`)
    }
  }
  return found
}

function inProcess(
  args: string[],
  env: Record<string, string | undefined>,
  shutdown?: AbortSignal,
): Promise<CliRun> {
  return runCliInProcess(args, env, shutdown ? { shutdown } : {})
}

/** Every key under the prefix with its value, whatever its Redis type. */
async function dumpRedis(prefix: string): Promise<Array<[string, string]>> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  const out: Array<[string, string]> = []
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      cursor = next
      for (const key of keys) {
        const type = await redis.type(key)
        let value: unknown
        if (type === 'string') value = await redis.get(key)
        else if (type === 'hash') value = await redis.hgetall(key)
        else if (type === 'list') value = await redis.lrange(key, 0, -1)
        else if (type === 'set') value = await redis.smembers(key)
        else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES')
        else if (type === 'stream') value = await redis.xrange(key, '-', '+')
        else value = `(type ${type})`
        out.push([`redis ${key}`, `${key} ${JSON.stringify(value)}`])
      }
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return out
}

/** Every row of every table of the database, as JSON text. */
async function dumpDatabase(url: string): Promise<Array<[string, string]>> {
  const db = await connect(url, { poolSize: 1 })
  const client = db.$client as unknown as {
    query(q: string): Promise<{ rows: Array<Record<string, string>> }>
  }
  const out: Array<[string, string]> = []
  try {
    const tables = await client.query(
      "select table_schema || '.' || table_name as t, quote_ident(table_schema) || '.' || quote_ident(table_name) as q from information_schema.tables where table_schema in ('public', 'drizzle') and table_type = 'BASE TABLE'",
    )
    for (const { t, q } of tables.rows) {
      const rows = await client.query(`select row_to_json(x)::text as j from ${q} x`)
      out.push([`table ${t}`, rows.rows.map((r) => r.j).join('\n')])
    }
  } finally {
    await db.close()
  }
  return out
}

describe.skipIf(!available.redis || !available.postgres)('the service key never appears anywhere', () => {
  let emu: Emulator
  let pg: Awaited<ReturnType<typeof createTestDatabase>>
  const prefix = uniquePrefix('key-leak')
  const texts: Array<[string, string]> = []
  let env: Record<string, string | undefined>
  const collect = (name: string, run: CliRun) => {
    texts.push([`${name} stdout`, run.stdout], [`${name} stderr`, run.stderr], [`${name} logs`, run.logs])
  }

  beforeAll(async () => {
    emu = await createEmulator({ port: 0, seed: 11, keys: [KEY], ratePerSecond: 30 })
    pg = await createTestDatabase('key_leak')
    env = {
      KCS_SERVICE_KEY: KEY,
      KCS_BASE_URL: emu.url,
      DATABASE_URL: pg.url,
      REDIS_URL,
      KCS_QUEUE_PREFIX: prefix,
      KCS_TIMEOUT_MS: '1000',
      KCS_RATE_PER_SECOND: '30',
      KCS_JOB_LOCK_MS: '30000',
      KCS_SHUTDOWN_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'trace',
    }
  }, 60_000)
  afterAll(async () => {
    await emu?.close()
    await pg?.drop()
    await dropPrefix(prefix)
  })

  it('a full sync with faults, a wrong key and every read command leaves no trace of the key', {
    timeout: 240_000,
  }, async () => {
    const countries = smallCountries(emu, 6)
    const [a, b, c, d, e] = countries as [string, string, string, string, string]

    // 1. Inline sync with faults on the way.
    // At most three retryable faults: each slice has four attempts, so both slices succeed.
    emu.faults.next({ kind: 'http5xx', count: 1 })
    emu.faults.next({ kind: 'hang', count: 1 })
    emu.faults.next({ kind: 'reset', count: 1 })
    const inline = await inProcess(
      ['sync', '--inline', '--country', `${a},${b}`, '--from', '2026-01', '--to', '2026-03', '--json'],
      env,
    )
    collect('sync --inline', inline)
    expect(JSON.parse(inline.stdout), JSON.stringify(JSON.parse(inline.stdout).failures)).toMatchObject({
      mode: 'inline',
      slices: 2,
      failed: 0,
    })

    // 1b. The provider revises its data; a refresh records revision rows.
    emu.setRevision(2)
    expect(
      [a, b].flatMap((country) => emu.truth.changes(1, 2, { country, from: '2026-01', to: '2026-03' }))
        .length,
    ).toBeGreaterThan(0)
    const refresh = await inProcess(
      ['sync', '--inline', '--refresh', '--country', `${a},${b}`, '--from', '2026-01', '--to', '2026-03'],
      env,
    )
    collect('sync --inline --refresh', refresh)

    // 2. The wrong key (it carries the canary too): an auth failure, recorded in the ledger.
    const wrong = await inProcess(
      ['sync', '--inline', '--country', c, '--from', '2025-01', '--to', '2025-02'],
      { ...env, KCS_SERVICE_KEY: WRONG },
    )
    collect('sync --inline (wrong key)', wrong)
    expect(wrong.code).toBe(1)

    // 3. Through the queue: a worker in this process, faults including a gateway auth error.
    const stopWorker = new AbortController()
    const worker = inProcess(['worker', '--concurrency', '2'], env, stopWorker.signal)
    emu.faults.next({ kind: 'http5xx', count: 1 })
    emu.faults.next({ kind: 'gateway', code: '30', count: 1 })
    const queued = await inProcess(
      ['sync', '--country', `${d},${e}`, '--from', '2025-01', '--to', '2025-02', '--json'],
      env,
    )
    collect('sync (queue)', queued)
    expect(queued.code, queued.stderr).toBe(0)
    await waitFor(
      async () => {
        const s = await inProcess(['status', '--json'], env)
        const q = JSON.parse(s.stdout).queue as Record<string, number | undefined>
        const n = (k: string) => q[k] ?? 0
        return (
          n('waiting') + n('active') + n('delayed') + n('prioritized') === 0 &&
          n('completed') + n('failed') >= 2
        )
      },
      120_000,
      'the worker to finish the queued slices',
    )
    stopWorker.abort()
    const workerRun = await worker
    collect('worker', workerRun)
    expect(workerRun.code).toBe(0)

    // 4. Every read command, and fetch (with a fault, and with the wrong key).
    for (const args of [
      ['status'],
      ['status', '--json'],
      ['plan', '--country', `${a},${c}`, '--from', '2025-01', '--to', '2025-06'],
      ['plan', '--country', a, '--from', '2025-01', '--to', '2025-06', '--json'],
    ])
      collect(args.join(' '), await inProcess(args, env))
    emu.faults.next({ kind: 'http5xx', count: 1 })
    const fetched = await inProcess(
      ['fetch', '--country', a, '--hs', '85', '--from', '2025-01', '--to', '2025-02', '--format', 'csv'],
      env,
    )
    collect('fetch', fetched)
    expect(fetched.code, fetched.stderr).toBe(0)
    // A body cut short after rows have streamed: fetch fails (rows are not retried once sent).
    emu.faults.next({ kind: 'truncate', count: 1, afterBytes: 6000 })
    const truncated = await inProcess(
      ['fetch', '--country', c, '--from', '2025-01', '--to', '2025-03', '--format', 'csv'],
      env,
    )
    collect('fetch (truncated)', truncated)
    expect(truncated.code).toBe(1)
    emu.faults.next({ kind: 'text401', count: 1 })
    const unauthorized = await inProcess(
      ['fetch', '--country', b, '--from', '2025-01', '--to', '2025-01', '--json'],
      env,
    )
    collect('fetch (plain-text 401)', unauthorized)
    expect(unauthorized.code).toBe(1)
    collect(
      'fetch (wrong key)',
      await inProcess(['fetch', '--country', a, '--from', '2025-01', '--to', '2025-01', '--json'], {
        ...env,
        KCS_SERVICE_KEY: WRONG,
      }),
    )

    // 5. serve: /metrics, /api/status and the dashboard.
    const stopServe = new AbortController()
    let base = ''
    let serveErr = ''
    const serve = main(['serve', '--port', '0'], {
      env,
      stdout: new Writable({ write: (_c, _e, cb) => cb() }),
      stderr: new Writable({
        write(chunk, _enc, cb) {
          serveErr += chunk.toString()
          base = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(serveErr)?.[1] ?? base
          cb()
        },
      }) as unknown as NodeJS.WriteStream,
      logDestination: new Writable({
        write(chunk, _enc, cb) {
          serveErr += chunk.toString()
          cb()
        },
      }),
      shutdown: stopServe.signal,
    })
    try {
      await waitFor(() => base !== '', 30_000, 'serve to listen')
      for (const path of ['/metrics', '/api/status', '/']) {
        const res = await fetch(`${base}${path}`)
        expect(res.status, path).toBe(200)
        texts.push([`serve ${path}`, await res.text()])
      }
    } finally {
      stopServe.abort()
      expect(await serve).toBe(0)
      texts.push(['serve stderr and logs', serveErr])
    }

    // 6. Everything stored: every table and every Redis key and value.
    texts.push(...(await dumpDatabase(pg.url)))
    texts.push(...(await dumpRedis(prefix)))

    // The run did what it claims: the key was sent, faults and failures happened and were recorded.
    const all = texts.map(([, t]) => t).join('\n')
    expect(emu.stats.total).toBeGreaterThan(8)
    expect(all).toMatch(/"error_code":"30"/) // the wrong key's ledger failure
    expect(texts.find(([source]) => source === 'table public.revisions')?.[1]).toMatch(/"hs_code"/)
    expect(texts.some(([s, t]) => s.startsWith('redis') && /failedReason/.test(t))).toBe(true)
    expect(texts.some(([s, t]) => s.startsWith('redis') && /stacktrace/.test(t))).toBe(true)
    expect(all).toMatch(/kcs_calls_total/)
    expect(
      texts
        .filter(([s]) => s.endsWith('logs'))
        .map(([, t]) => t)
        .join('').length,
    ).toBeGreaterThan(1000)
    // The search itself finds every spelling.
    for (const needle of NEEDLES) expect(findLeaks([['probe', `x${needle}y`]])).not.toEqual([])

    expect(findLeaks(texts)).toEqual([])
  })
})
