/**
 * `kcs-trade export`: rows or HS-level sums of the mirror to CSV, JSON Lines or Parquet, with English
 * and Korean names from the reference tables, streamed in bounded memory to a temporary file beside
 * `--out` that is renamed into place only when complete.
 */
import { randomBytes } from 'node:crypto'
import { unlinkSync } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { HsLevel, KcsDatabase, TradeRow, TradeSelection } from '@kcs-trade/db'
import { printable, UsageError } from '../config/errors.js'
import { NameResolver } from '../sync/names.js'
import { monthIndex } from '../sync/slices.js'
import { copyExportChunks } from './copy-rows.js'
import { removeStaleParts } from './parts.js'
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

/** Where {@link runExport} writes (stdout for `--out -`), reports progress, and learns to stop. */
export interface ExportIo {
  /** Receives the rows when the request's `out` is '-'. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  /** Progress and notes. */
  stderr: NodeJS.WriteStream
  /** Aborts the export (SIGINT/SIGTERM). */
  shutdown: AbortSignal
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

/** What an export wrote: the selection, row counts, bytes and speed. */
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

/** Thrown by {@link runExport} when the shutdown signal fires mid-export; the file is not kept. */
export class Interrupted extends Error {}

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
  ctx: ExportIo,
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
    const { canCopyTradeRows } = await import('@kcs-trade/db')
    if (req.level === undefined && canCopyTradeRows(db)) {
      // PostgreSQL: the rows as COPY text, names spliced in per line (copy-rows.ts).
      const output = req.format === 'parquet' ? 'rows' : req.format
      const chunks = copyExportChunks(
        db,
        { ...selection, countries: withRows },
        req.countries.length === 0,
        output,
        names,
        reference,
        (row) => writer.write(row),
      )
      for await (const chunk of chunks) {
        read += chunk.rows
        if (chunk.bytes !== undefined && writer.writeBytes) {
          for (const bytes of chunk.bytes) {
            const pending = writer.writeBytes(bytes)
            if (pending) await pending
          }
        } else if (chunk.pending) await Promise.all(chunk.pending)
        written += chunk.rows
        if (ctx.shutdown.aborted) throw new Interrupted('export interrupted')
        progress?.tick(read)
      }
    } else {
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

/** A byte count for people: `512 B`, `1.5 MB`. */
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
