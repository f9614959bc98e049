import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CliUsageError, type Emulator, parseEmulatorArgs, runEmulatorCli } from './index.js'
import { get, query, resultCode } from './test-utils/http.js'

describe('kcs-emulator arguments', () => {
  it('maps every flag to an option', () => {
    expect(
      parseEmulatorArgs([
        '--port',
        '8787',
        '--seed',
        '3',
        '--keys',
        'a,b',
        '--keys',
        'c',
        '--daily-quota',
        '50',
        '--rate-per-second',
        '5',
        '--today',
        '2026-11-23',
        '--revision',
        '2',
        '--faults',
        'http5xx=0.05,hang=0.03',
        '--host',
        '0.0.0.0',
        '--gateway-layout',
        'current',
        '--quota-status',
        '200',
        '--rate-limit-status',
        '503',
        '--provider-error-body',
        'rotate',
        '--empty-answer',
        'zero-totals',
      ]),
    ).toEqual({
      port: 8787,
      host: '0.0.0.0',
      seed: 3,
      keys: ['a', 'b', 'c'],
      dailyQuota: 50,
      ratePerSecond: 5,
      today: '2026-11-23',
      revision: 2,
      faults: { http5xx: 0.05, hang: 0.03 },
      gatewayLayout: 'current',
      quotaStatus: 200,
      rateLimitStatus: 503,
      providerErrorBody: 'rotate',
      emptyAnswer: 'zero-totals',
    })
  })

  it('defaults to port 8787 on 127.0.0.1, seed 1, key test-key', () => {
    expect(parseEmulatorArgs([])).toEqual({ port: 8787, host: '127.0.0.1', seed: 1, keys: ['test-key'] })
  })

  it.each([
    [['--port', 'eighty'], /--port must be an integer/],
    [['--port', '70000'], /--port must be between 0 and 65535/],
    [['--today', '2026-13-01x'], /--today must be a date/],
    [['--faults', 'meteor=0.5'], /unknown fault kind 'meteor'/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['serve'], /unexpected argument 'serve'/],
    [['--gateway-layout', 'fancy'], /legacy or current/],
    [['--daily-quota=-1'], /--daily-quota must be between 0/],
  ])('rejects %j with a clear error', (argv, message) => {
    expect(() => parseEmulatorArgs(argv)).toThrow(CliUsageError)
    expect(() => parseEmulatorArgs(argv)).toThrow(message)
  })
})

describe('kcs-emulator --approve', () => {
  it('maps key=datasets to approvals (repeatable), checked against --keys and the dataset names', () => {
    expect(
      parseEmulatorArgs([
        '--keys',
        'a,b=c',
        '--approve',
        'a=nitemtrade,newtrade',
        '--approve',
        'b=c=nationtrade',
      ]),
    ).toMatchObject({
      keys: ['a', 'b=c'],
      approvals: { a: ['nitemtrade', 'newtrade'], 'b=c': ['nationtrade'] },
    })
    expect(() => parseEmulatorArgs(['--keys', 'a', '--approve', 'z=newtrade'])).toThrow(/not one of --keys/)
    expect(() => parseEmulatorArgs(['--keys', 'a', '--approve', 'a=tradebycountry'])).toThrow(
      /unknown dataset/,
    )
    expect(() => parseEmulatorArgs(['--keys', 'a', '--approve', 'a'])).toThrow(/KEY=DATASET/)
  })
})

describe('runEmulatorCli', () => {
  it('prints its URL, serves, and stops cleanly on abort', async () => {
    const out: string[] = []
    const err: string[] = []
    const controller = new AbortController()
    let emulator: Emulator | undefined
    const done = runEmulatorCli(['--port', '0', '--keys', 'cli-key', '--today', '2026-11-23'], {
      io: { out: (l) => out.push(l), err: (l) => err.push(l) },
      signal: controller.signal,
      handleSignals: false,
      onListening: (e) => {
        emulator = e
      },
    })
    await waitFor(() => emulator !== undefined)
    expect(out[0]).toMatch(/^kcs-emulator listening on http:\/\/127\.0\.0\.1:\d+$/)
    const r = await get(
      emulator!.url,
      query({ serviceKey: 'cli-key', strtYymm: '202501', endYymm: '202501', cntyCd: 'FJ' }),
    )
    expect(resultCode(r.text)).toBe('00')
    controller.abort()
    expect(await done).toBe(0)
    expect(err).toEqual([])
    // The key is never printed.
    expect(out.join('\n')).not.toContain('cli-key')
  })

  it('prints the usage for --help and exits 0', async () => {
    const out: string[] = []
    expect(
      await runEmulatorCli(['--help'], {
        io: { out: (l) => out.push(l), err: () => {} },
        handleSignals: false,
      }),
    ).toBe(0)
    expect(out.join('\n')).toContain('--daily-quota N')
    expect(out.join('\n')).toContain('--faults SPEC')
  })

  it('returns 2 with a message on bad options, and 1 when it cannot start', async () => {
    const err: string[] = []
    const io = { out: () => {}, err: (l: string) => err.push(l) }
    expect(await runEmulatorCli(['--seed', 'x'], { io, handleSignals: false })).toBe(2)
    expect(err[0]).toBe("kcs-emulator: --seed must be an integer, got 'x'")
    err.length = 0
    expect(await runEmulatorCli(['--today', '2026-02-30'], { io, handleSignals: false })).toBe(1)
    expect(err[0]).toMatch(/cannot start: today must be a date/)
  })
})

describe('the kcs-emulator bin', () => {
  it('runs until SIGTERM and exits 0; bad options exit non-zero', async () => {
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
    const tsx = ['--import', 'tsx', '--conditions=@kcs-trade/source', cli]
    const child = spawn(process.execPath, [...tsx, '--port', '0', '--today', '2026-11-23'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const url = await new Promise<string>((resolve, reject) => {
      let text = ''
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString()
        const m = /listening on (http:\/\/\S+)/.exec(text)
        if (m) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)))
    })
    const r = await get(
      url,
      query({ serviceKey: 'test-key', strtYymm: '202501', endYymm: '202501', cntyCd: 'FJ' }),
    )
    expect(r.status).toBe(200)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)

    const bad = spawn(process.execPath, [...tsx, '--rate-per-second', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    bad.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const code = await new Promise<number | null>((resolve) => bad.once('exit', (c) => resolve(c)))
    expect(code).toBe(2)
    expect(stderr).toContain('--rate-per-second must be between 1')
  })
})

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}
