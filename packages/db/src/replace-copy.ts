import { once } from 'node:events'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { CopyEncoder } from './copy-binary.js'
import { DuplicateRowError } from './errors.js'
import { guardSource, validateRow } from './replace-rows.js'
import type { StagedGroups } from './rollup-staged.js'
import { monthIndex } from './slice.js'
import type { Tx } from './transaction.js'
import type { NormalizedSlice, TradeRow } from './types.js'

/** The columns every COPY of rows sends, in the encoder's order (`fetched_at` last when given). */
export const ROW_COLUMNS =
  'period, country_code, hs_code, country_name, item_name, export_kg, export_usd, import_kg, import_usd, balance_usd'

/** Where `copyRows` writes: the slice's staging table, or trade_rows itself with a `fetched_at`. */
export type CopyTarget = { table: 'kcs_stage' } | { table: 'trade_rows'; fetchedAt: Date }

export interface CopyOptions {
  /** PGlite: rows per COPY statement (the answer is buffered that far). PostgreSQL streams one COPY. */
  batchSize: number
  redact: (text: string) => string
  /** Sums the rows' 4-digit rollup groups on the way (a first write). */
  groups?: StagedGroups | undefined
}

/** A chunk of a binary COPY stream; `last` closes one COPY statement. */
type Sink = (chunk: Buffer, last: boolean) => Promise<unknown> | undefined

/**
 * Validates the rows (window, codes, names, measures, no key twice), removes secrets from the names
 * and loads them into `target` with binary COPY, in the caller's transaction; returns the row count.
 * On PostgreSQL the rows stream through one `COPY … FROM STDIN` while they arrive (the server loads a
 * chunk while the next one is encoded); on PGlite they go in `COPY … FROM '/dev/blob'` batches. A row
 * refused here (or a failing source) aborts the COPY and is thrown as its typed error.
 */
export async function copyRows(
  tx: Tx,
  s: NormalizedSlice,
  rows: Iterable<TradeRow> | AsyncIterable<TradeRow>,
  target: CopyTarget,
  options: CopyOptions,
): Promise<number> {
  const fetchedAt = target.table === 'trade_rows' ? target.fetchedAt : null
  const statement = `copy ${target.table} (${ROW_COLUMNS}${fetchedAt ? ', fetched_at' : ''}) from stdin (format binary)`
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client
  const produce = (sink: Sink, rowsPerCopy: number) =>
    encodeRows(s, rows, new CopyEncoder(fetchedAt), rowsPerCopy, options, sink)
  if (client instanceof pg.Client) return copyToPostgres(client, statement, produce)
  return copyToPglite(client as PgliteQuery, statement.replace('from stdin', "from '/dev/blob'"), (sink) =>
    produce(sink, options.batchSize),
  )
}

/** Validates and encodes the rows, handing chunks to `sink`; returns the row count. */
async function encodeRows(
  s: NormalizedSlice,
  rows: Iterable<TradeRow> | AsyncIterable<TradeRow>,
  encoder: CopyEncoder,
  rowsPerCopy: number,
  { redact, groups }: CopyOptions,
  sink: Sink,
): Promise<number> {
  const fromIndex = monthIndex(s.from)
  const toIndex = monthIndex(s.to)
  const seen = new Set<string>()
  let index = 0
  let inCopy = 0
  const take = (row: TradeRow): Promise<unknown> | undefined => {
    const period = validateRow(row, index, s, fromIndex, toIndex)
    const key = `${period}|${row.countryCode}|${row.hsCode}`
    if (seen.has(key)) {
      throw new DuplicateRowError(index, { period, countryCode: row.countryCode, hsCode: row.hsCode })
    }
    seen.add(key)
    const countryName = redact(row.countryName)
    groups?.add(
      period,
      row.countryCode,
      row.hsCode,
      countryName,
      row.exportKg,
      row.exportUsd,
      row.importKg,
      row.importUsd,
      row.balanceUsd,
    )
    const full = encoder.push({
      period,
      countryCode: row.countryCode,
      hsCode: row.hsCode,
      countryName,
      itemName: redact(row.itemName),
      exportKg: row.exportKg,
      exportUsd: row.exportUsd,
      importKg: row.importKg,
      importUsd: row.importUsd,
      balanceUsd: row.balanceUsd,
    })
    index++
    if (++inCopy >= rowsPerCopy) {
      inCopy = 0
      const before = full ? sink(full, false) : undefined
      const last = encoder.end()
      encoder.restart()
      return before ? before.then(() => sink(last, true)) : sink(last, true)
    }
    return full ? sink(full, false) : undefined
  }
  if (Array.isArray(rows)) {
    for (const row of rows as TradeRow[]) {
      const wait = take(row)
      if (wait) await wait
    }
  } else {
    for await (const row of guardSource(s.key, rows)) {
      const wait = take(row)
      if (wait) await wait
    }
  }
  if (inCopy > 0 || index === 0) await sink(encoder.end(), true)
  return index
}

/** One COPY … FROM STDIN on the transaction's connection, fed with backpressure. */
async function copyToPostgres(
  client: pg.Client,
  statement: string,
  produce: (sink: Sink, rowsPerCopy: number) => Promise<number>,
): Promise<number> {
  const stream = client.query(copyFrom(statement))
  let failed: { error: unknown } | undefined
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve)
    stream.on('error', (error) => {
      failed ??= { error }
      reject(error)
    })
  })
  // Awaited below on every path; this only keeps an early rejection from counting as unhandled.
  done.catch(() => {})
  const sink: Sink = (chunk) => {
    if (failed) throw failed.error
    if (!stream.write(chunk)) return once(stream, 'drain')
    return undefined
  }
  let count: number
  try {
    count = await produce(sink, Number.POSITIVE_INFINITY)
  } catch (error) {
    // A refused row or a failing source: CopyFail, wait for the server to confirm, keep our error.
    // When the COPY failed already (the server refused it, or the connection is gone), there is
    // nothing to cancel: the server's error is `error` itself.
    let settles = true
    if (!failed && !stream.destroyed) {
      try {
        stream.destroy(new Error('the rows were refused before the COPY ended'))
      } catch {
        // The connection went away while cancelling: no answer will come; the rollback reports it.
        settles = false
      }
    }
    if (settles) await done.catch(() => {})
    throw error
  }
  stream.end()
  await done
  return count
}

/** What the PGlite transaction offers: a query that can read a blob as `/dev/blob`. */
interface PgliteQuery {
  query(text: string, params: unknown[], options: { blob: Blob }): Promise<unknown>
}

/** COPY … FROM '/dev/blob', one statement per `rowsPerCopy` rows (PGlite has no COPY FROM STDIN). */
async function copyToPglite(
  client: PgliteQuery,
  statement: string,
  produce: (sink: Sink) => Promise<number>,
): Promise<number> {
  let chunks: Buffer[] = []
  return produce((chunk, last) => {
    chunks.push(chunk)
    if (!last) return undefined
    const blob = new Blob(chunks)
    chunks = []
    return client.query(statement, [], { blob })
  })
}
