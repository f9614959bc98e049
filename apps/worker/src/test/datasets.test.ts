import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { countryTotals, ledger, nationalTotals, rebuildRollup } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../sync/engine.js'
import { freshnessSlices } from '../sync/freshness.js'
import { runCliInProcess } from '../test-utils/cli.js'
import { smallCountries, waitFor } from '../test-utils/services.js'

// The sibling datasets end to end: the CLI against the emulator over a real socket, into PGlite.
// The emulator's day is 2026-12-20: the country and national totals of 2026-11 are out, its detail is not.
const NOW = Date.UTC(2026, 11, 20, 3)
const KEY = 'verify-key-all-datasets'
const DETAIL_ONLY = 'verify-key-detail-only'
const tmp = mkdtempSync(join(tmpdir(), 'kcs-datasets-'))
let emu: Emulator
let countries: string[]

beforeAll(async () => {
  emu = await createEmulator({
    port: 0,
    keys: [KEY, DETAIL_ONLY],
    approvals: { [DETAIL_ONLY]: ['nitemtrade'] },
    now: () => NOW,
    ratePerSecond: 1_000,
  })
  countries = smallCountries(emu, 2)
})
afterAll(async () => {
  await emu?.close()
  rmSync(tmp, { recursive: true, force: true })
})

const envFor = (dir: string, key = KEY) => ({
  KCS_SERVICE_KEY: key,
  KCS_BASE_URL: emu.url,
  DATABASE_URL: join(tmp, dir),
  KCS_RATE_PER_SECOND: '30',
  REDIS_URL: 'redis://127.0.0.1:1',
})

describe('fetch --dataset', () => {
  it('prints country totals with declaration counts, national totals, and item totals', async () => {
    const env = envFor('fetch')
    const nation = await runCliInProcess(
      [
        'fetch',
        '--dataset',
        'nationtrade',
        '--country',
        'US',
        '--from',
        '2026-01',
        '--to',
        '2026-03',
        '--json',
      ],
      env,
    )
    expect(nation.code, nation.stderr).toBe(0)
    const rows = JSON.parse(nation.stdout) as Array<Record<string, number | string>>
    expect(rows.map((r) => r.period)).toEqual(['2026-01', '2026-02', '2026-03'])
    for (const r of rows) {
      expect(r.countryCode).toBe('US')
      expect(r.exportCount).toBeGreaterThan(0)
      expect(r.balanceUsd).toBe(Number(r.exportUsd) - Number(r.importUsd))
    }
    const totals = await runCliInProcess(
      ['fetch', '--dataset', 'newtrade', '--from', '2025-11', '--to', '2026-02', '--format', 'csv'],
      env,
    )
    expect(totals.code, totals.stderr).toBe(0)
    const lines = totals.stdout.trim().split('\n')
    expect(lines[0]).toBe('period,exportCount,exportUsd,importCount,importUsd,balanceUsd')
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['2025-11', '2025-12', '2026-01', '2026-02'])
    const items = await runCliInProcess(
      ['fetch', '--dataset', 'itemtrade', '--hs', '0202', '--from', '2026-01', '--to', '2026-01', '--json'],
      env,
    )
    expect(items.code, items.stderr).toBe(0)
    const codes = (JSON.parse(items.stdout) as Array<{ hsCode: string }>).map((r) => r.hsCode)
    expect(codes.length).toBeGreaterThan(0)
    expect(codes.every((c) => /^0202\d{6}$/.test(c))).toBe(true)
  })

  it('refuses filters a dataset does not take, before any call', async () => {
    const before = emu.stats.total
    const env = envFor('fetch')
    const a = await runCliInProcess(
      ['fetch', '--dataset', 'newtrade', '--country', 'US', '--from', '2026-01', '--to', '2026-01'],
      env,
    )
    expect(a.code).toBe(2)
    expect(a.stderr).toMatch(/--country does not apply to newtrade[\s\S]*hint: .*nationtrade/)
    const b = await runCliInProcess(
      ['fetch', '--dataset', 'nationtrade', '--hs', '85', '--from', '2026-01', '--to', '2026-01'],
      env,
    )
    expect(b.code).toBe(2)
    expect(b.stderr).toMatch(/--hs does not apply/)
    const c = await runCliInProcess(
      ['fetch', '--dataset', 'tradeplus', '--from', '2026-01', '--to', '2026-01'],
      env,
    )
    expect(c.code).toBe(2)
    expect(c.stderr).toMatch(/--dataset must be one of nitemtrade, itemtrade, nationtrade, newtrade/)
    expect(emu.stats.total).toBe(before)
  })
})

describe('plan and sync --dataset', () => {
  it('plans one call a year, and refuses itemtrade (derived from the detail)', async () => {
    const env = envFor('plan')
    const plan = await runCliInProcess(
      ['plan', '--dataset', 'newtrade', '--from', '2024-03', '--to', '2026-11', '--json'],
      env,
    )
    expect(plan.code, plan.stderr).toBe(0)
    expect((JSON.parse(plan.stdout) as { calls: number }).calls).toBe(3)
    const item = await runCliInProcess(
      ['plan', '--dataset', 'itemtrade', '--country', 'US', '--from', '2026-01', '--to', '2026-01'],
      env,
    )
    expect(item.code).toBe(2)
    expect(item.stderr).toMatch(/not mirrored[\s\S]*hint:/)
  })

  it('mirrors country and national totals idempotently, counted on their own quotas', async () => {
    const env = envFor('sync')
    const quotaBefore = emu.quota(KEY, 'nationtrade').used
    const detailBefore = emu.quota(KEY, 'nitemtrade').used
    for (const dataset of ['nationtrade', 'newtrade']) {
      const r = await runCliInProcess(
        ['sync', '--inline', '--dataset', dataset, '--from', '2025-01', '--to', '2026-11', '--json'],
        env,
      )
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'inline', done: 2, failed: 0 })
    }
    expect(emu.quota(KEY, 'nationtrade').used - quotaBefore).toBe(2)
    expect(emu.quota(KEY, 'nitemtrade').used - detailBefore).toBe(0)
    const again = await runCliInProcess(
      [
        'sync',
        '--inline',
        '--dataset',
        'nationtrade',
        '--from',
        '2025-01',
        '--to',
        '2026-11',
        '--refresh',
        '--json',
      ],
      env,
    )
    expect(JSON.parse(again.stdout).rows).toMatchObject({ added: 0, changed: 0, withdrawn: 0 })
    const db = await openDatabase(env.DATABASE_URL)
    try {
      const us = await countryTotals(db, { from: '2026-01', to: '2026-11', countries: ['US'] })
      const truth = emu.truth.countryTrade({ country: 'US', from: '2026-01', to: '2026-11' }).rows
      expect(us).toHaveLength(11)
      expect(us.map((r) => [r.period, r.exportCount, r.exportUsd, r.importUsd])).toEqual(
        truth.map((r) => [r.period, r.exportCount, r.exportUsd, r.importUsd]),
      )
      const national = await nationalTotals(db, { from: '2026-01', to: '2026-11' })
      expect(national).toHaveLength(11)
      // Newtrade's totals row is kept in the ledger, equal to the sum of its months.
      const slice2026 = (await ledger(db, { dataset: 'newtrade' })).find((e) => e.slice.from === '2026-01')
      expect(slice2026?.countTotals?.exportUsd).toBe(national.reduce((s, r) => s + r.exportUsd, 0))
      const all = await countryTotals(db, { from: '2026-03', to: '2026-03' })
      expect(all.reduce((s, r) => s + r.exportUsd, 0)).toBe(national[2]?.exportUsd)
      // The freshness job keeps the totals it holds fresh too: every country and the nation, per calendar year.
      const fresh = await freshnessSlices(db, { now: () => NOW })
      expect(
        fresh.filter((f) => f.dataset).map((f) => `${f.dataset} ${f.country} ${f.from}..${f.to}`),
      ).toEqual([
        'nationtrade * 2025-12..2025-12',
        'nationtrade * 2026-01..2026-12',
        'newtrade * 2025-12..2025-12',
        'newtrade * 2026-01..2026-12',
      ])
    } finally {
      await db.close()
    }
  })

  it('a key refused for one dataset fails only that dataset, with the approval named', async () => {
    const env = envFor('refused', DETAIL_ONLY)
    const refused = await runCliInProcess(
      ['sync', '--inline', '--dataset', 'nationtrade', '--from', '2026-01', '--to', '2026-03'],
      env,
    )
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/FAILED/)
    expect(refused.stdout + refused.stderr).toMatch(/approv|15101612|403|30/i)
    expect(refused.stdout + refused.stderr + refused.logs).not.toContain(DETAIL_ONLY)
    const detail = await runCliInProcess(
      [
        'sync',
        '--inline',
        '--country',
        countries[0] as string,
        '--from',
        '2026-01',
        '--to',
        '2026-03',
        '--json',
      ],
      env,
    )
    expect(detail.code, detail.stderr).toBe(0)
    expect(JSON.parse(detail.stdout)).toMatchObject({ done: 1, failed: 0 })
  })
})

describe('verify', () => {
  const run = (args: string[], env: ReturnType<typeof envFor>) => runCliInProcess(['verify', ...args], env)

  it('proves a synced mirror complete, finds a lost month and a revised one, and --fix repairs them', async () => {
    const env = envFor('verify')
    const window = ['--from', '2026-08', '--to', '2026-11']
    const synced = await runCliInProcess(
      ['sync', '--inline', '--country', countries.join(','), ...window, '--json'],
      env,
    )
    expect(synced.code, synced.stderr).toBe(0)

    const first = await run([...window, '--json'], env)
    expect(first.code, first.stderr + first.stdout.slice(0, 2000)).toBe(0)
    const report = JSON.parse(first.stdout)
    // 2026-11: totals out, detail not yet: pending, not short.
    expect(report.counts).toMatchObject({ complete: 6, pending: 2, short: 0, over: 0, stale: 0 })
    expect(report.published.calls).toBe(2)

    // A month lost from the mirror (rows gone, the rollup rebuilt): short.
    const lost = countries[0] as string
    const db = await openDatabase(env.DATABASE_URL)
    try {
      const client = db.$client as unknown as { query(q: string, p: unknown[]): Promise<unknown> }
      await client.query(`delete from trade_rows where country_code = $1 and period = '2026-09-01'`, [lost])
      await rebuildRollup(db)
    } finally {
      await db.close()
    }
    const human = await run([...window, '--offline'], env)
    expect(human.code).toBe(1)
    expect(human.stdout).toMatch(new RegExp(`${lost}\\s+2026-09\\s+short`))
    expect(human.stdout).toMatch(/Next: kcs-trade verify --fix/)

    // KCS revises its figures: the months it touched are stale once the totals are fetched again.
    emu.setRevision(2)
    const revised = JSON.parse((await run([...window, '--json'], env)).stdout)
    type Check = { verdict: string; countryCode: string; period: string }
    const other = countries[1] as string
    // The intact country's revised months are stale; the damaged one's slice no longer matches what was fetched.
    const stale = revised.checks.filter((c: Check) => c.verdict === 'stale')
    expect(stale.length).toBeGreaterThan(0)
    expect(stale.every((c: Check) => c.countryCode === other)).toBe(true)
    expect(revised.checks.find((c: Check) => c.countryCode === lost && c.period === '2026-09').verdict).toBe(
      'short',
    )

    const fixed = await run([...window, '--fix', '--inline', '--json'], env)
    expect(fixed.code, fixed.stderr).toBe(0)
    const after = JSON.parse(fixed.stdout)
    expect(after.fix).toMatchObject({ mode: 'inline', failed: 0 })
    expect(after.after.counts).toMatchObject({ short: 0, over: 0, stale: 0, pending: 2 })
    emu.setRevision(1)

    // The dashboard shows the same verdicts from the stored totals, per country and month.
    const stop = new AbortController()
    let base = ''
    const serving = runCliInProcess(
      ['serve', '--port', '0'],
      { ...env, LOG_LEVEL: 'silent' },
      {
        shutdown: stop.signal,
        onStderr: (text) => {
          base = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(text)?.[1] ?? base
        },
      },
    )
    try {
      await waitFor(() => base !== '', 30_000, 'serve to listen')
      const res = await fetch(`${base}/api/completeness`, { signal: AbortSignal.timeout(30_000) })
      expect(res.status).toBe(200)
      const body = (await res.json()) as {
        hasTotals: boolean
        counts: Record<string, number>
        countries: Array<{ code: string; months: Record<string, string>; years: Record<string, string> }>
        differing: Array<{ verdict: string }>
      }
      expect(body.hasTotals).toBe(true)
      expect(body.counts).toMatchObject({ complete: 6, pending: 2, short: 0, stale: 0 })
      expect(body.countries.map((c) => c.code).sort()).toEqual([...countries].sort())
      expect(body.countries[0]?.months).toMatchObject({ '2026-08': 'complete', '2026-11': 'pending' })
      expect(body.countries[0]?.years).toEqual({ '2026': 'pending' })
      expect(body.differing.every((d) => d.verdict === 'pending')).toBe(true)
      const bad = await fetch(`${base}/api/completeness?from=2026-13`, {
        signal: AbortSignal.timeout(30_000),
      })
      expect(bad.status).toBe(400)
    } finally {
      stop.abort()
      expect((await serving).code).toBe(0)
    }
  })

  it('says what is wrong when there is nothing to verify or the totals cannot be fetched', async () => {
    const empty = await run([], envFor('verify-none'))
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/no mirror at DATABASE_URL[\s\S]*hint: sync first/)
    const env = envFor('refused', DETAIL_ONLY)
    const refused = await run(['--from', '2026-01', '--to', '2026-03'], env)
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/could not fetch nationtrade all countries 2026-01..2026-03/)
    expect(refused.stdout + refused.stderr).not.toContain(DETAIL_ONLY)
  })
})

describe('README: the sibling datasets section runs as written', () => {
  it('runs every command of its example against the emulator', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const at = readme.indexOf('## Sibling datasets and `verify`')
    expect(at).toBeGreaterThan(0)
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? ''
    const commands = block
      .split('\n')
      .filter((l) => l.startsWith('kcs-trade '))
      .map((l) =>
        l
          .slice('kcs-trade '.length)
          .replace(/\s+#.*$/, '')
          .trim()
          .split(/\s+/),
      )
    expect(commands.length).toBeGreaterThanOrEqual(7)
    const env = envFor('readme')
    for (const args of commands) {
      const r = await runCliInProcess(args, env)
      expect(r.code, `kcs-trade ${args.join(' ')}\n${r.stderr}\n${r.stdout.slice(0, 2000)}`).toBe(0)
      expect(r.stdout.length).toBeGreaterThan(0)
    }
  })
})
