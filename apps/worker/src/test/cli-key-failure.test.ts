/**
 * A key the API refuses (issue 14, item 14): `sync` records what `fetch` says — the key is not
 * approved for this dataset — not the db's "Fetch the slice again"; `fetch --format csv` prints
 * nothing on stdout when it fails (the header goes out with the first row). Against the emulator over
 * a socket, with a key registered but approved for another dataset only (403, gateway code 30).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCliInProcess } from '../test-utils/cli.js'
import { runCliProcess, smallCountries } from '../test-utils/services.js'

const KEY = 'key-failure-approved-0123456789'
const UNAPPROVED = 'key-failure-itemtrade-only-987654'
const APPROVAL = /not approved for dataset 15100475 \(nitemtrade\)/
const tmp = mkdtempSync(join(tmpdir(), 'kcs-key-failure-'))
let emu: Emulator

beforeAll(async () => {
  emu = await createEmulator({
    port: 0,
    seed: 3,
    keys: [KEY, UNAPPROVED],
    approvals: { [UNAPPROVED]: ['itemtrade'] },
    ratePerSecond: 30,
  })
})
afterAll(async () => {
  await emu?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('a key not approved for the dataset', () => {
  it('fetch --format csv prints nothing on stdout and says the key is not approved', async () => {
    const run = await runCliProcess(
      ['fetch', '--country', 'US', '--hs', '0202', '--from', '2025-01', '--to', '2025-02', '--format', 'csv'],
      { KCS_SERVICE_KEY: UNAPPROVED, KCS_BASE_URL: emu.url },
    )
    expect(run.code, run.stderr).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(APPROVAL)
    expect(`${run.stdout}${run.stderr}`).not.toContain(UNAPPROVED)
  })

  it('fetch --format csv with rows, and with none, still starts with the header', async () => {
    const code = smallCountries(emu, 1)[0] as string
    const env = { KCS_SERVICE_KEY: KEY, KCS_BASE_URL: emu.url }
    const rows = await runCliInProcess(
      ['fetch', '--country', code, '--hs', '85', '--from', '2025-01', '--to', '2025-02', '--format', 'csv'],
      env,
    )
    expect(rows.code, rows.stderr).toBe(0)
    const lines = rows.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(
      'period,countryCode,countryName,hsCode,itemName,exportKg,exportUsd,importKg,importUsd,balanceUsd',
    )
    expect(lines.length - 1).toBe(
      emu.truth.rows({ country: code, hs: '85', from: '2025-01', to: '2025-02' }).length,
    )
    expect(lines.filter((l) => l.startsWith('period,'))).toHaveLength(1)
    // An answer without rows: the header alone.
    const none = await runCliInProcess(
      [
        'fetch',
        '--country',
        code,
        '--hs',
        '9999999999',
        '--from',
        '2025-01',
        '--to',
        '2025-01',
        '--format',
        'csv',
      ],
      env,
    )
    expect(none.code, none.stderr).toBe(0)
    expect(none.stdout).toBe(`${lines[0]}\n`)
  })

  it('sync --inline records and prints what fetch says, not "Fetch the slice again"', async () => {
    const db = join(tmp, 'mirror')
    const sync = await runCliProcess(
      ['sync', '--inline', '--country', 'US', '--from', '2025-01', '--to', '2025-02'],
      {
        KCS_SERVICE_KEY: UNAPPROVED,
        KCS_BASE_URL: emu.url,
        DATABASE_URL: db,
        LOG_LEVEL: 'error',
      },
    )
    expect(sync.code, sync.stderr).toBe(1)
    expect(sync.stdout).toMatch(/failed US 2025-01\.\.2025-02: .*gateway error 30/)
    expect(sync.stdout).toMatch(APPROVAL)
    expect(sync.stderr).toMatch(APPROVAL)
    for (const text of [sync.stdout, sync.stderr]) expect(text).not.toMatch(/fetch the slice again/i)
    const status = await runCliInProcess(['status', '--json'], {
      DATABASE_URL: db,
      REDIS_URL: 'redis://127.0.0.1:1',
    })
    expect(status.code, status.stderr).toBe(0)
    const failure = JSON.parse(status.stdout).failures[0]
    expect(failure).toMatchObject({ slice: 'US:2025-01..2025-02', code: '30' })
    expect(failure.error).toMatch(APPROVAL)
    expect(failure.error).not.toMatch(/fetch the slice again/i)
    expect(`${sync.stdout}${sync.stderr}${status.stdout}`).not.toContain(UNAPPROVED)
  })
})
