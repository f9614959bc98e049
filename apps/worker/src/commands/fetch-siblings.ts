import { UsageError } from '../config/errors.js'
import { csvLine, table } from '../export/format.js'
import type { Dataset } from '../sync/datasets.js'
import { calendarYearWindows } from '../sync/slices.js'

/** The columns `fetch` prints for each sibling dataset, in the client's field names. */
export const SIBLING_FIELDS = {
  itemtrade: ['period', 'hsCode', 'itemName', 'exportKg', 'exportUsd', 'importKg', 'importUsd', 'balanceUsd'],
  nationtrade: [
    'period',
    'countryCode',
    'countryName',
    'exportCount',
    'exportUsd',
    'importCount',
    'importUsd',
    'balanceUsd',
  ],
  newtrade: ['period', 'exportCount', 'exportUsd', 'importCount', 'importUsd', 'balanceUsd'],
} as const

/** Table headings for the same columns. */
const HEADINGS: Record<keyof typeof SIBLING_FIELDS, string[]> = {
  itemtrade: ['month', 'hs code', 'item', 'export kg', 'export $', 'import kg', 'import $', 'balance $'],
  nationtrade: [
    'month',
    'ctry',
    'country',
    'export decl.',
    'export $',
    'import decl.',
    'import $',
    'balance $',
  ],
  newtrade: ['month', 'export decl.', 'export $', 'import decl.', 'import $', 'balance $'],
}

type SiblingDataset = keyof typeof SIBLING_FIELDS
type Row = Record<string, unknown>

/** The filters each sibling dataset takes, checked before any request. */
export function checkSiblingFilters(
  dataset: SiblingDataset,
  filters: { country?: string | undefined; hs?: string | undefined },
): void {
  if (dataset !== 'nationtrade' && filters.country !== undefined)
    throw new UsageError(
      `fetch: --country does not apply to ${dataset}`,
      dataset === 'itemtrade'
        ? 'itemtrade sums every country; for one country use --dataset nitemtrade (the default)'
        : 'newtrade is the national total; for one country use --dataset nationtrade',
    )
  if (dataset !== 'itemtrade' && filters.hs !== undefined)
    throw new UsageError(
      `fetch: --hs does not apply to ${dataset}: its rows are totals over every item`,
      'for items use --dataset itemtrade (all countries) or nitemtrade (by country)',
    )
}

/** The client's methods `fetch` uses for the sibling datasets. */
export interface SiblingClient {
  streamTradeByItem(query: { from: string; to: string; hs?: string }): AsyncIterable<unknown>
  streamTradeByCountry(query: { from: string; to: string; country?: string }): AsyncIterable<unknown>
  streamTradeTotals(query: { from: string; to: string }): AsyncIterable<unknown>
}

/**
 * `fetch --dataset itemtrade|nationtrade|newtrade`: one call per calendar year, rows to stdout as a table, JSON or
 * CSV. The CSV header is written with the first row, so a call that fails before any row prints nothing.
 */
export async function fetchSibling(
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  kcs: SiblingClient,
  options: {
    dataset: Exclude<Dataset, 'nitemtrade'>
    from: string
    to: string
    country?: string | undefined
    hs?: string | undefined
    format: string
  },
): Promise<number> {
  const { dataset, format } = options
  const fields = SIBLING_FIELDS[dataset]
  const rows: Row[] = []
  let count = 0
  for (const window of calendarYearWindows(options.from, options.to)) {
    const stream =
      dataset === 'itemtrade'
        ? kcs.streamTradeByItem({ ...window, ...(options.hs ? { hs: options.hs } : {}) })
        : dataset === 'nationtrade'
          ? kcs.streamTradeByCountry({ ...window, ...(options.country ? { country: options.country } : {}) })
          : kcs.streamTradeTotals(window)
    for await (const row of stream as AsyncIterable<Row>) {
      if (format === 'csv') {
        if (count === 0) out.stdout.write(csvLine([...fields]))
        out.stdout.write(csvLine(fields.map((f) => row[f])))
      } else rows.push(row)
      count++
    }
  }
  if (format === 'json') out.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else if (format === 'table') {
    const cells = rows.map((r) =>
      fields.map((f) => {
        const v = r[f]
        if (typeof v === 'number') return v
        const text = String(v)
        return text.length > 30 ? `${text.slice(0, 29)}…` : text
      }),
    )
    out.stdout.write(`${table(HEADINGS[dataset], cells)}\n`)
    out.stderr.write(`${count} rows (${dataset})\n`)
  } else if (count === 0) out.stdout.write(csvLine([...fields]))
  return 0
}
