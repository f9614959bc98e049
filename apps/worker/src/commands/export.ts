import { extname, resolve } from 'node:path'
import type { HsLevel } from '@kcs-trade/db'
import { parse, parseCountries, parseMonth } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { EXPORT_HELP } from '../cli/export-help.js'
import { loadConfig } from '../config/env.js'
import { printable, quoted, UsageError } from '../config/errors.js'
import { decimalInt } from '../config/numbers.js'
import { formatNumber } from '../export/format.js'
import { formatSeconds } from '../export/progress.js'
import { type ExportRequest, type ExportSummary, formatBytes, Interrupted, runExport } from '../export/run.js'
import { checkExportTarget } from '../export/target.js'
import type { ExportFormat } from '../export/writers.js'
import { databaseExists } from '../sync/database.js'
import { monthIndex } from '../sync/slices.js'

const FORMATS: Record<string, ExportFormat> = {
  csv: 'csv',
  parquet: 'parquet',
  json: 'json',
  jsonl: 'json',
  ndjson: 'json',
}

const EXTENSIONS: Record<string, ExportFormat> = {
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.json': 'json',
  '.jsonl': 'json',
  '.ndjson': 'json',
}

const command = 'export'

/** Checks the flags against the reference tables and the file system: every mistake is a UsageError with a hint. */
export async function exportRequest(argv: string[]): Promise<ExportRequest | 'help'> {
  const { values } = parse(command, argv, {
    out: { type: 'string', short: 'o' },
    format: { type: 'string' },
    country: { type: 'string' },
    hs: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    level: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) return 'help'
  if (values.out === undefined || values.out.trim() === '')
    throw new UsageError(
      'export: --out is required',
      'e.g. --out trade.parquet, or --out - --format csv for stdout',
    )
  const toStdout = values.out === '-'
  let format: ExportFormat | undefined
  if (values.format !== undefined) {
    format = FORMATS[values.format.toLowerCase()]
    if (!format)
      throw new UsageError(
        `export: unknown --format ${quoted(values.format)}`,
        'formats are csv, parquet and json (JSON Lines; jsonl works too)',
      )
  } else if (!toStdout) {
    format = EXTENSIONS[extname(values.out).toLowerCase()]
    if (!format)
      throw new UsageError(
        `export: cannot tell the format of ${quoted(values.out)} from its extension`,
        'give --format csv, parquet or json, or name the file .csv, .parquet or .jsonl',
      )
  } else {
    throw new UsageError('export: --out - needs --format csv or json', 'e.g. --out - --format csv | head')
  }
  if (toStdout && format === 'parquet')
    throw new UsageError('export: Parquet is not written to stdout', 'give a file name: --out trade.parquet')
  if (toStdout && values.json)
    throw new UsageError(
      'export: --json prints the summary on stdout, which --out - uses for the rows',
      'write to a file (--out trade.csv --json), or drop --json',
    )
  const out = toStdout ? '-' : resolve(values.out)
  // A regular file or a new path only: a device node, FIFO, socket, directory or symlink is refused, nothing replaced.
  if (!toStdout) checkExportTarget(out)
  const from = values.from === undefined ? undefined : parseMonth(values.from, 'from', command)
  const to = values.to === undefined ? undefined : parseMonth(values.to, 'to', command)
  if (from && to && monthIndex(to) < monthIndex(from))
    throw new UsageError(
      `export: --to ${to} is before --from ${from}`,
      'the window is inclusive: --from 2025-01 --to 2025-12',
    )
  let countries: string[] = []
  if (values.country !== undefined) {
    const parsed = parseCountries(values.country, command)
    if (parsed !== 'all') {
      const { countries: table } = await import('@kcs-trade/reference')
      for (const code of parsed) {
        if (!table.has(code))
          throw new UsageError(
            `export: unknown country code ${code}`,
            `find it with 'kcs-trade lookup country <name>'; omit --country for every mirrored country`,
          )
      }
      countries = [...new Set(parsed)].sort()
    }
  }
  const hsPrefix = values.hs === undefined ? undefined : values.hs.trim()
  if (hsPrefix !== undefined && !/^\d{1,10}$/.test(hsPrefix))
    throw new UsageError(
      `export: --hs ${quoted(values.hs ?? '')} is not an HS code prefix (1 to 10 digits)`,
      "e.g. --hs 85 or --hs 8542; search codes with 'kcs-trade lookup hs <text>'",
    )
  let level: HsLevel | undefined
  if (values.level !== undefined) {
    const n = decimalInt(values.level)
    if (n !== 2 && n !== 4 && n !== 6 && n !== 10)
      throw new UsageError(
        `export: --level must be 2, 4, 6 or 10, got ${quoted(values.level)}`,
        'the HS digit level to sum to: 2 chapters, 4 headings, 6 subheadings, 10 tariff lines',
      )
    level = n
    if (hsPrefix && hsPrefix.length > level)
      throw new UsageError(
        `export: --level ${level} is shorter than --hs ${hsPrefix}`,
        `use --level ${[2, 4, 6, 10].find((l) => l >= hsPrefix.length)} or more, or a shorter --hs`,
      )
  }
  return { out, format, countries, hsPrefix, from, to, level, json: values.json === true }
}

/** The `export` command: validate, open DATABASE_URL, export, print the summary. */
export async function exportCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const req = await exportRequest(argv)
  if (req === 'help') {
    ctx.stdout.write(`${EXPORT_HELP}\n`)
    return 0
  }
  const cfg = loadConfig(ctx.env)
  if (!databaseExists(cfg.databaseUrl))
    throw new UsageError(
      `export: nothing mirrored: no database at ${cfg.databaseUrl}`,
      "set DATABASE_URL to the mirror (postgres://… or a PGlite directory), or run 'kcs-trade sync --inline' or 'kcs-trade demo' first",
    )
  const { openDatabase } = await import('../sync/engine.js')
  const db = await openDatabase(cfg.databaseUrl)
  let summary: ExportSummary
  try {
    summary = await runExport(db, req, ctx)
  } catch (error) {
    if (error instanceof Interrupted) {
      ctx.stderr.write(
        req.out === '-'
          ? 'export: interrupted, the output is incomplete\n'
          : `export: interrupted, nothing written to ${printable(req.out)}\n`,
      )
      return 130
    }
    throw error
  } finally {
    await db.close()
  }
  if (req.json) {
    ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  } else {
    const line =
      `exported ${formatNumber(summary.rows)} rows` +
      (summary.level
        ? ` (${formatNumber(summary.rowsRead)} mirrored rows summed to HS${summary.level})`
        : '') +
      ` ${summary.from}..${summary.to} to ${summary.out === '-' ? 'stdout' : printable(summary.out)} (${summary.format}, ${formatBytes(summary.bytes)}) ` +
      `in ${formatSeconds(summary.seconds)}, ${formatNumber(summary.rowsPerSecond)} rows/s\n`
    ;(summary.out === '-' ? ctx.stderr : ctx.stdout).write(line)
  }
  return 0
}
