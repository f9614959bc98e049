/**
 * Builds `src/generated/calibration.ts` from the real-data files in `data/calibration/` (copied from
 * the project's shared calibration folder; provenance in `data/calibration/PROVENANCE.md`).
 *
 *   pnpm --filter @kcs-trade/emulator generate
 *
 * The output is committed; `src/generated.test.ts` regenerates it and fails when it is stale.
 * Tables are compact strings parsed on first use (cheaper for V8 to load than object literals).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dataDir = join(root, 'data', 'calibration')
const outFile = join(root, 'src', 'generated', 'calibration.ts')

function read(name: string): string {
  const text = readFileSync(join(dataDir, name), 'utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

function fail(message: string): never {
  throw new Error(`generate: ${message}`)
}

/** A CSV line split on commas outside double quotes. */
function splitCsv(line: string): string[] {
  return parseCsvRecords(line)[0] ?? ['']
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '')
}

/** `CODE ROWS` per KCS country code: fact rows for 2025-01 with hsSgn omitted (real answers). */
function countryRows(): string {
  const [head, ...rest] = lines(read('kcs-country-names.tsv'))
  const cols = head!.split('\t')
  const iCode = cols.indexOf('code')
  const iRows = cols.indexOf('fact_rows_2025_01_hsSgn_omitted')
  if (iCode < 0 || iRows < 0) fail('kcs-country-names.tsv: missing code or row-count column')
  const out = rest.map((l) => {
    const f = l.split('\t')
    const code = f[iCode]!
    const rows = Number(f[iRows])
    if (!/^[A-Z][A-Z0-9]$/.test(code) || !Number.isInteger(rows) || rows < 0) fail(`bad country line ${l}`)
    return `${code} ${rows}`
  })
  if (out.length !== 269) fail(`expected 269 KCS codes, got ${out.length}`)
  return out.join('|')
}

/** `HS6 USD` for every 6-digit line with 2025 exports (Σ of the API's monthly answers, all partners). */
function exportsHs6(): string {
  const [head, ...rest] = lines(read('derived_exports_by_hs6_2025.csv'))
  if (head !== 'hs6,name_ko,export_usd_2025') fail(`unexpected header ${head}`)
  const out: string[] = []
  for (const l of rest) {
    const f = splitCsv(l)
    const code = f[0]!
    const usd = Number(f[2])
    if (!/^\d{6}$/.test(code) || !Number.isFinite(usd)) fail(`bad HS6 line ${l}`)
    if (usd > 0) out.push(`${code} ${Math.round(usd / 1000)}`)
  }
  return out.join('|')
}

/** Monthly exports 2016-01.. (Σ Itemtrade hsSgn 01..97, starofself) in USD, then 2026-07 (haunpapa, 억 USD). */
function monthlyExports(): { first: string; values: number[] } {
  const [head, ...rest] = lines(read('total_exports_monthly_2016_2026.csv'))
  if (!head!.startsWith('month,export_usd')) fail(`unexpected header ${head}`)
  const values: number[] = []
  let expect = '2016-01'
  for (const l of rest) {
    const [month, usd] = l.split(',')
    if (month !== expect) fail(`monthly exports: expected ${expect}, got ${month}`)
    values.push(Number(usd))
    const [y, m] = month!.split('-').map(Number) as [number, number]
    expect = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
  }
  const trend = JSON.parse(read('haunpapa-trend.json')) as { m: string; exp: number; bal: number }[]
  for (const t of trend) {
    const month = `20${t.m.replace('.', '-')}`
    if (month === expect) {
      values.push(Math.round(t.exp * 1e8))
      expect = '(done)'
    }
  }
  return { first: '2016-01', values }
}

/** Monthly imports: 2025-01..2026-02 (TRASS via RyannRonn), then exports − balance (haunpapa) to 2026-07. */
function monthlyImports(): { first: string; values: number[] } {
  const total = JSON.parse(read('total_trade@64e9691.json')) as Record<string, { imp: number }>
  const keys = Object.keys(total).sort()
  if (keys[0] !== '202501') fail(`total_trade starts at ${keys[0]}`)
  const values = keys.map((k) => total[k]!.imp)
  const trend = JSON.parse(read('haunpapa-trend.json')) as { m: string; exp: number; bal: number }[]
  for (const t of trend) {
    const key = `20${t.m.replace('.', '')}`
    if (key > keys[keys.length - 1]!) values.push(Math.round((t.exp - t.bal) * 1e8))
  }
  return { first: '2025-01', values }
}

/** HS 8542 exports by partner, USD a year: `YEAR CODE USD` (joonibini16, 2023–2024). */
function exports8542(): string {
  const [, ...rest] = lines(read('country_8542_2023_2024.csv'))
  const sums = new Map<string, number>()
  for (const l of rest) {
    const f = splitCsv(l)
    const year = f[0]!.slice(0, 4)
    const key = `${year} ${f[3]}`
    sums.set(key, (sums.get(key) ?? 0) + Number(f[5]))
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`)
    .join('|')
}

/**
 * 10-digit HSK names that KCS's code table carries with stray whitespace (a trailing newline or
 * space): the API serves the table's text, so the emulator can too. Read from the reference
 * package's copy of the table (packages/reference/data/hsk).
 */
function rawItemNames(): Record<string, string> {
  const text = readFileSync(join(root, '..', 'reference', 'data', 'hsk', 'kcs-hs-codes-20250101.csv'), 'utf8')
  const rows = parseCsvRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  const head = rows[0]!
  const iCode = head.indexOf('HS부호')
  const iName = head.indexOf('한글품목명')
  if (iCode < 0 || iName < 0) fail('HSK table: missing HS부호 or 한글품목명')
  const out: Record<string, string> = {}
  for (const r of rows.slice(1)) {
    const code = r[iCode] ?? ''
    const raw = r[iName] ?? ''
    if (/^\d{10}$/.test(code) && raw !== raw.replace(/\s+/g, ' ').trim()) out[code] = raw
  }
  return out
}

/** A whole CSV (fields may hold quoted newlines) as records. */
function parseCsvRecords(text: string): string[][] {
  const out: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      record.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      field = ''
      if (record.length > 1 || record[0] !== '') out.push(record)
      record = []
    } else field += ch
  }
  if (field !== '' || record.length > 0) {
    record.push(field)
    out.push(record)
  }
  return out
}

export function generate(): string {
  const ex = monthlyExports()
  const im = monthlyImports()
  return `// Generated by scripts/generate.ts from data/calibration/ — do not edit by hand.
// Run \`pnpm --filter @kcs-trade/emulator generate\` after changing a source file or the script.
// Sources and licences: data/calibration/PROVENANCE.md.

/** A monthly series in USD starting at \`first\` (YYYY-MM). */
export interface MonthlySeries {
  readonly first: string
  readonly usd: readonly number[]
}

/** KCS country code and its number of rows for 2025-01 with hsSgn omitted (real answers, TaeyanG4). */
export const COUNTRY_ROWS_2025_01: string = '${countryRows()}'

/** HS-6 code and 2025 exports in thousand USD (Σ real monthly answers, RyannRonn ranking_6d). */
export const EXPORTS_HS6_2025: string = '${exportsHs6()}'

/** Korea's monthly exports in USD from ${ex.first} (real answers: starofself, then haunpapa). */
export const MONTHLY_EXPORTS: MonthlySeries = { first: '${ex.first}', usd: [${ex.values.join(',')}] }

/** Korea's monthly imports in USD from ${im.first} (TRASS via RyannRonn, then haunpapa). */
export const MONTHLY_IMPORTS: MonthlySeries = { first: '${im.first}', usd: [${im.values.join(',')}] }

/** HS 8542 exports by partner and year in USD (joonibini16; OTHER = the rest). */
export const EXPORTS_8542_BY_PARTNER: string = '${exports8542()}'

/** 10-digit names as KCS's code table spells them where that differs from the cleaned name. */
export const RAW_ITEM_NAMES: Readonly<Record<string, string>> = ${JSON.stringify(rawItemNames(), null, 0)}
`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(outFile, generate())
  process.stdout.write(`wrote ${outFile}\n`)
}
