import { sql } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from './errors.js'
import { revisions } from './read-revisions.js'
import { redactSecrets } from './redact.js'
import { recordSliceFailure, replaceSlice } from './replace.js'
import { rowsOf } from './sql.js'
import { backends, META, row, useTestDb } from './test-utils/backends.js'

/**
 * Issue 14 item 11: the service key must not be stored, whatever spelling of it an answer's text
 * carries (a broken or hostile server echoing it), and a 40 KB key must not break redaction.
 */

const KEY = 'EchoKey+AbC/dEf+GhI/jKl=='
const lower = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
const once = encodeURIComponent(KEY)
const SPELLINGS = [
  KEY,
  once,
  lower(once),
  encodeURIComponent(once),
  lower(encodeURIComponent(once)),
  new URLSearchParams({ k: KEY }).toString().slice(2),
]
const US_2025 = { country: 'US', from: '2025-01', to: '2025-12' }

describe('redactSecrets', () => {
  it('every spelling of the key, given raw or encoded', () => {
    const text = SPELLINGS.map((s) => `<${s}>`).join(' ')
    const want = SPELLINGS.map(() => '<***>').join(' ')
    expect(redactSecrets(text, [KEY])).toBe(want)
    expect(redactSecrets(text, [once])).toBe(want)
  })

  it('a 40 KB key, without building a regular expression from it', () => {
    const big = 'Zz+/='.repeat(8192)
    const text = `a ${big} b ${encodeURIComponent(encodeURIComponent(big))} c`
    expect(redactSecrets(text, [big])).toBe('a *** b *** c')
  })
})

describe.each(backends)('replaceSlice({ redact }) on $name', (backend) => {
  const t = useTestDb(backend)
  beforeEach(async () => {
    if (!backend.skip) await t.reset()
  })

  async function storedText(): Promise<string> {
    const trade = rowsOf(await t.db.execute(sql`select country_name, item_name from trade_rows`))
    const monthly = rowsOf(await t.db.execute(sql`select * from trade_monthly`))
    const revs = await revisions(t.db, { since: new Date(0) })
    return JSON.stringify({ trade, monthly, revs })
  }

  it.skipIf(backend.skip)('stores no spelling of the key, first fetch and revisions alike', async () => {
    const echo = (name: string) =>
      SPELLINGS.map((s, i) =>
        row({
          period: '2025-01',
          hsCode: `01011010${String(i).padStart(2, '0')}`,
          countryName: `미국 ${s}`,
          itemName: `${name} (${s})`,
        }),
      )
    await replaceSlice(t.db, US_2025, echo('기타'), META, { redact: [KEY] })
    // A second answer with other names goes through the diff and records revisions.
    await replaceSlice(t.db, US_2025, echo('다른 것'), META, { redact: [once] })
    const text = await storedText()
    expect(text).toContain('미국 ***')
    expect(text).toContain('다른 것 (***)')
    for (const s of SPELLINGS) expect(text).not.toContain(s)
    expect((await revisions(t.db, { since: new Date(0) })).length).toBe(SPELLINGS.length)
  })

  it.skipIf(backend.skip)('without redact the rows are stored as they came', async () => {
    await replaceSlice(t.db, US_2025, [row({ countryName: `미국 ${KEY}` })], META)
    expect(await storedText()).toContain(KEY)
  })

  it.skipIf(backend.skip)('refuses a redact option that is not an array', async () => {
    await expect(
      replaceSlice(t.db, US_2025, [row()], META, { redact: KEY as unknown as string[] }),
    ).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it.skipIf(backend.skip)('recordSliceFailure strips a twice-encoded key in lower-case hex', async () => {
    const leaked = lower(encodeURIComponent(once))
    await recordSliceFailure(t.db, US_2025, {
      error: `GET /x?serviceKey=${leaked} failed`,
      attempts: 1,
      durationMs: 1,
      redact: [KEY],
    })
    const r = rowsOf<{ last_error: string }>(await t.db.execute(sql`select last_error from sync_ledger`))
    expect(r[0]?.last_error).toBe('GET /x?serviceKey=*** failed')
  })
})
