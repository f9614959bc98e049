/**
 * `kcs-trade export`: rows or HS-level sums of the mirror to CSV, JSON Lines or Parquet, with English
 * and Korean names from the reference tables, streamed in bounded memory to a temporary file beside
 * `--out` that is renamed into place only when complete.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, unlinkSync } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import type { HsLevel, KcsDatabase, TradeRow, TradeSelection } from '@kcs-trade/db'
import { decimalInt, parse, parseCountries, parseMonth } from '../cli/args.js'
import { EXPORT_HELP } from '../cli/export-help.js'
import type { CliContext } from '../commands/index.js'
import { loadConfig } from '../config/env.js'
import { printable, quoted, UsageError } from '../config/errors.js'
import { monthIndex } from '../sync/slices.js'
import { formatNumber } from './format.js'
import { NameResolver } from './names.js'
import { removeStaleParts } from './parts.js'
import { formatSeconds } from './progress.js'
import { createRowProgress } from './row-progress.js'
import { checkExportTarget } from './target.js'
import {
  type ByteSink,
  createRowWriter,
  type ExportFormat,
  type ExportRow,
  fileSink,
  streamSink,
} from './writers.js'

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

/** What `export` was asked for, validated; no database touched yet. */
export interface ExportRequest {
  /** An absolute path, or '-' for stdout. */
  out: string
  format: ExportFormat
  /** Empty = every mirrored country. */
  countries: string[]
  hsPrefix: string | undefined
  from: string | undefined
  to: string | undefined
  level: HsLevel | undefined
  json: boolean
}

export interface ExportSummary {
  out: string
  format: ExportFormat
  level: HsLevel | null
  countries: string[]
  hsPrefix: string | null
  from: string
  to: string
  /** Mirrored rows read. */
  rowsRead: number
  /** Rows written (fewer than read with --level). */
  rows: number
  bytes: number
  seconds: number
  rowsPerSecond: number
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

/** A PGlite directory that does not exist yet is not created by export. */
function databaseExists(url: string): boolean {
  if (/^postgres(ql)?:\/\//i.test(url) || /^memory:/i.test(url)) return true
  const path = url.startsWith('file://') ? new URL(url).pathname : resolve(url)
  return existsSync(path)
}

class Interrupted extends Error {}

/** A mirrored row or group as an exported row, names joined; `itemName` is the fallback HS name. */
function toExportRow(r: Omit<TradeRow, 'itemName'>, itemName: string, names: NameResolver): ExportRow {
  const c = names.country(r.countryCode, r.countryName)
  const h = names.hs(r.hsCode, r.period, itemName)
  return {
    period: r.period,
    country_code: r.countryCode,
    country_name_en: c.en,
    country_name_ko: c.ko,
    hs_code: r.hsCode,
    hs_name_en: h.en,
    hs_name_ko: h.ko,
    export_kg: r.exportKg,
    export_usd: r.exportUsd,
    import_kg: r.importKg,
    import_usd: r.importUsd,
    balance_usd: r.balanceUsd,
  }
}

/** The rows of the export, names joined, in batches as the database streams them. */
async function* exportBatches(
  db: KcsDatabase,
  req: ExportRequest,
  selection: TradeSelection & { countries: string[] },
  names: NameResolver,
  read: (n: number) => void,
): AsyncGenerator<ExportRow[]> {
  const { iterateTradeAggregates, iterateTradeRowPages } = await import('@kcs-trade/db')
  if (req.level !== undefined) {
    let batch: ExportRow[] = []
    for await (const g of iterateTradeAggregates(db, { ...selection, level: req.level })) {
      read(g.rowCount)
      // A group of one code keeps the mirror's name as a fallback; a group of many has none.
      batch.push(toExportRow(g, g.rowCount === 1 ? g.itemName : '', names))
      if (batch.length === 1024) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
    return
  }
  for await (const page of iterateTradeRowPages(db, selection)) {
    read(page.length)
    yield page.map((r) => toExportRow(r, r.itemName, names))
  }
}

function describeSelection(req: ExportRequest): string {
  return [
    req.countries.length > 0 ? `country ${req.countries.join(',')}` : 'every country',
    req.hsPrefix ? `HS ${req.hsPrefix}*` : undefined,
    req.from || req.to ? `${req.from ?? '…'}..${req.to ?? '…'}` : undefined,
  ]
    .filter(Boolean)
    .join(', ')
}

/**
 * `--level` cuts codes to fewer digits; it cannot make a 4-digit code (what `--hs 85` slices store)
 * into a 6-digit one. Refused when a slice of the selection holds rows at fewer digits than asked.
 */
async function refuseFinerLevel(
  db: KcsDatabase,
  level: HsLevel,
  sel: { countries: string[]; hsPrefix: string | undefined; from: string; to: string },
): Promise<void> {
  const { ledger, sliceCodeLength } = await import('@kcs-trade/db')
  const wanted = new Set(sel.countries)
  const coarse = (await ledger(db, { from: sel.from, to: sel.to })).find((e) => {
    if (typeof e.rowCount !== 'number' || e.rowCount <= 0) return false
    if (e.slice.country !== undefined && wanted.size > 0 && !wanted.has(e.slice.country)) return false
    const hs = e.slice.hs
    if (sel.hsPrefix && hs && !hs.startsWith(sel.hsPrefix) && !sel.hsPrefix.startsWith(hs)) return false
    return sliceCodeLength(e.slice) < level
  })
  if (!coarse) return
  const length = sliceCodeLength(coarse.slice)
  const part = `${coarse.slice.country ?? 'every country'} ${coarse.slice.from}..${coarse.slice.to}${coarse.slice.hs ? ` (--hs ${coarse.slice.hs})` : ''}`
  throw new UsageError(
    `export: --level ${level} needs codes of at least ${level} digits, but the mirror holds ${part} as ${length}-digit codes`,
    `use --level ${[2, 4, 6, 10].filter((l) => l <= length).join(' or ')} for that part, or narrow --country, --hs, --from and --to to what is mirrored in more detail`,
  )
}

/** Runs an export against an open database; the caller validated `req` and owns `db`. */
export async function runExport(
  db: KcsDatabase,
  req: ExportRequest,
  ctx: Pick<CliContext, 'stdout' | 'stderr' | 'shutdown'>,
  options: {
    quiet?: boolean /** Plain progress lines (no TTY) at most this often; default 5 s. */
    progressEveryMs?: number
  } = {},
): Promise<ExportSummary> {
  const { countTradeRows, mirroredCountries, mirroredWindow } = await import('@kcs-trade/db')
  const reference = await import('@kcs-trade/reference')
  const nothing = async (what: string) => {
    const mirrored = await mirroredCountries(db)
    return new UsageError(
      `export: nothing mirrored for ${what} in ${db.url}`,
      mirrored.length === 0
        ? "the mirror is empty: run 'kcs-trade sync --country US --from 2025-01 --to 2025-12 --inline' (or 'kcs-trade demo') first"
        : `mirrored countries: ${mirrored.slice(0, 30).join(', ')}${mirrored.length > 30 ? ', …' : ''}; 'kcs-trade status' shows the years`,
    )
  }
  let from = req.from
  let to = req.to
  if (!from || !to) {
    const window = await mirroredWindow(db, { countries: req.countries })
    if (!window) throw await nothing(describeSelection(req))
    from ??= window.from
    to ??= window.to
    if (monthIndex(to) < monthIndex(from))
      throw new UsageError(
        `export: the window ${from}..${to} is empty (the mirror has ${window.from}..${window.to})`,
        'give both --from and --to',
      )
  }
  if (req.level !== undefined) await refuseFinerLevel(db, req.level, { ...req, from, to })
  const selection = { countries: req.countries, hsPrefix: req.hsPrefix, from, to }
  const counts = await countTradeRows(db, selection)
  const total = counts.reduce((s, c) => s + c.rows, 0)
  if (total === 0) throw await nothing(describeSelection({ ...req, from, to }))
  const withRows = counts.map((c) => c.country)
  const missing = req.countries.filter((c) => !withRows.includes(c))
  if (missing.length > 0 && !options.quiet)
    ctx.stderr.write(`export: no rows for ${missing.join(', ')} in ${from}..${to} (not mirrored?)\n`)

  const started = performance.now()
  let tmp: string | undefined
  const removeOnExit = () => {
    if (!tmp) return
    try {
      unlinkSync(tmp)
    } catch {}
  }
  let sink: ByteSink
  let closeFile: (() => void) | undefined
  if (req.out === '-') {
    sink = streamSink(ctx.stdout, false)
  } else {
    removeStaleParts(req.out) // what an earlier export killed outright (SIGKILL) left beside it
    tmp = join(
      dirname(req.out),
      `.${basename(req.out)}.${process.pid}-${randomBytes(4).toString('hex')}.part`,
    )
    const opened = await fileSink(tmp).catch((error: unknown) => {
      throw fileError(error, req.out)
    })
    sink = opened.sink
    closeFile = () => opened.stream.destroy()
    // A second Ctrl-C exits at once, past the catch below: the temporary file goes with the process.
    process.once('exit', removeOnExit)
  }
  const progress = options.quiet
    ? undefined
    : createRowProgress(ctx.stderr, total, {
        label: `export ${req.format}`,
        ...(options.progressEveryMs === undefined ? {} : { plainEveryMs: options.progressEveryMs }),
      })
  const names = new NameResolver(reference)
  let read = 0
  let written = 0
  try {
    const writer = createRowWriter(req.format, sink)
    const batches = exportBatches(db, req, { ...selection, countries: withRows }, names, (n) => {
      read += n
    })
    for await (const batch of batches) {
      for (const row of batch) {
        const pending = writer.write(row)
        if (pending) await pending
        written++
      }
      if (ctx.shutdown.aborted) throw new Interrupted('export interrupted')
      progress?.tick(read)
    }
    if (ctx.shutdown.aborted) throw new Interrupted('export interrupted')
    await writer.finish()
    // Looked at again just before the rename: what appeared at --out meanwhile is refused, not replaced.
    if (tmp) checkExportTarget(req.out)
    if (tmp) await rename(tmp, req.out)
    tmp = undefined
  } catch (error) {
    if (tmp) {
      closeFile?.()
      await unlink(tmp).catch(() => {})
    }
    progress?.finish(read)
    throw fileError(error, req.out)
  } finally {
    process.removeListener('exit', removeOnExit)
  }
  progress?.finish(read)
  const seconds = (performance.now() - started) / 1000
  return {
    out: req.out,
    format: req.format,
    level: req.level ?? null,
    countries: withRows,
    hsPrefix: req.hsPrefix ?? null,
    from,
    to,
    rowsRead: read,
    rows: written,
    bytes: sink.bytes,
    seconds: Math.round(seconds * 1000) / 1000,
    rowsPerSecond: Math.round(written / Math.max(seconds, 1e-6)),
  }
}

const FILE_SYSTEM_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EFBIG',
  'EISDIR',
  'ENOTDIR',
])

/** What a full disk, a quota or a file-size limit means for the export, by error code. */
const FULL: Record<string, { what: string; hint: string }> = {
  ENOSPC: { what: 'the disk is full', hint: 'free space or choose another --out on another file system' },
  EDQUOT: { what: 'the disk quota is used up', hint: 'free space or choose another --out' },
  EFBIG: {
    what: "the file grew past the largest file this file system or the process's file-size limit (ulimit -f) allows",
    hint: 'raise the limit (ulimit -f unlimited), narrow the selection (--country, --from, --to, --level) or choose another --out',
  },
}

/** A file-system failure writing the output as a UsageError naming --out (not the hidden temporary file). */
function fileError(error: unknown, out: string): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (typeof code !== 'string' || !FILE_SYSTEM_CODES.has(code)) return error
  const full = FULL[code]
  const target = out === '-' ? 'stdout' : printable(out)
  if (full)
    return new UsageError(
      `export: cannot write ${target}: ${full.what} (${code})` +
        (out === '-' ? '; the output is incomplete' : '; nothing was written, no partial file is left'),
      full.hint,
    )
  return new UsageError(
    `export: cannot write ${target}: ${code}`,
    `check the permissions of ${printable(dirname(out))}, or choose another --out`,
  )
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

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}
