/**
 * A process that opens a PGlite directory, for the lock tests: `pglite-child.ts <dir> <country> [flags]`.
 * --wait-go: print "armed" and open only after a "go" line on stdin (a start barrier for racing openers).
 * --hold: after writing, print "ready" and keep the directory until a "close" line on stdin.
 * --exit-without-close: end with process.exit(0) without calling close().
 * It writes one slice of `country` (2025), prints "ready"; on a db error it prints the error as JSON on stderr
 * and exits 3.
 */
import { createInterface } from 'node:readline'
import { connect, KcsDbError, migrate, replaceSlice, type TradeRow } from '../index.js'

// Not backends.ts: it registers vitest hooks, and this runs outside vitest.
const META = { total: null, bodySha256: 'a'.repeat(64), durationMs: 12, attempts: 1 }
function rows(countryCode: string, n: number): TradeRow[] {
  return Array.from({ length: n }, (_, i) => ({
    period: `2025-${String(i + 1).padStart(2, '0')}`,
    countryCode,
    countryName: `나라 ${countryCode}`,
    hsCode: '0101101000',
    itemName: '기타',
    exportKg: i,
    exportUsd: 100 + i,
    importKg: 1,
    importUsd: 40,
    balanceUsd: 60 + i,
  }))
}

const [dir, country, ...flags] = process.argv.slice(2)
if (!dir || !country) throw new Error('usage: pglite-child.ts <dir> <country> [flags]')
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
async function waitLine(expected: string): Promise<void> {
  for (;;) {
    const next = await lines.next()
    if (next.done) throw new Error(`stdin ended before "${expected}"`)
    if (next.value.trim() === expected) return
  }
}

if (flags.includes('--wait-go')) {
  process.stdout.write('armed\n')
  await waitLine('go')
}
try {
  const db = await connect(dir)
  process.stdout.write('opened\n')
  await migrate(db)
  await replaceSlice(db, { country, from: '2025-01', to: '2025-12' }, rows(country, 5), META)
  process.stdout.write('ready\n')
  if (flags.includes('--exit-without-close')) process.exit(0)
  if (flags.includes('--hold')) await waitLine('close')
  await db.close()
  process.exit(0)
} catch (error) {
  const e = error as KcsDbError & { owner?: unknown; directory?: unknown }
  process.stderr.write(
    `${JSON.stringify({
      name: e.name,
      code: e.code,
      message: e.message,
      hint: e.hint,
      owner: e.owner,
      directory: e.directory,
      typed: error instanceof KcsDbError,
    })}\n`,
  )
  process.exit(3)
}
